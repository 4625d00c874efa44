"""Moving batches along: start items as slots free up, count them as their runs finish.

- An item's run is created only when the batch has a free slot, from the spec stored
  when the batch was created, and takes over the credit hold taken then. So a batch never
  has more than `concurrency` live runs, whichever worker finishes which run.
- A run of a batch item finishing (`run_finished`, inside the transaction that finishes
  the run) marks the item, moves the batch's counts, and starts the next items; when the
  last item finishes it settles the batch's status and summary. Counts, item statuses
  and runs therefore always agree: they commit together.
- Every statement that decides what to start first updates the batch's row, which on
  PostgreSQL locks it (and SQLite has one writer at a time): two workers finishing two
  items of one batch at once cannot both take the last free slot.
- The sweeper finds batches with free slots and queued items (a crash between creating
  a batch and starting it, or after a run finished but before its successors were
  dispatched) and starts them. Runs already created are the run sweeper's business, and
  an item whose run finished while this listener failed is counted when the executor
  tells the listener again (`RunExecutor.reannounce`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from genfire_server.credits.amounts import to_public
from genfire_server.kit.clock import utcnow
from genfire_server.kit.ids import new_id
from genfire_server.models import Batch, BatchItem
from genfire_server.runs.events import AfterCommit, RunFinished
from genfire_server.runs.service import RunSpec, new_run

if TYPE_CHECKING:
    from genfire_server.context import AppContext

log = logging.getLogger("genfire.batches")

ACTIVE = ("queued", "processing")
# How many failures the summary quotes; the items endpoint has all of them.
_SUMMARY_FAILURES = 20
_SWEEP_BATCH = 200


@dataclass(frozen=True)
class _Locked:
    """The batch row as the statement that locked it returned it."""

    id: str
    account_id: str
    request_id: str
    concurrency: int
    status: str


_LOCKED_COLUMNS = (Batch.account_id, Batch.request_id, Batch.concurrency, Batch.status)


class BatchProgress:
    """Registered with the run executor as a listener and a sweeper."""

    name = "batches"

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def advance(self, batch_id: str) -> int:
        """Start as many of the batch's queued items as it has free slots; returns how many.
        Safe to call any time, from any process."""
        now = utcnow()
        async with self.ctx.db.write() as session:
            row = (
                await session.execute(
                    update(Batch)
                    .where(Batch.id == batch_id, Batch.status.in_(ACTIVE))
                    .values(updated_at=now)
                    .returning(*_LOCKED_COLUMNS)
                )
            ).one_or_none()
            if row is None:
                return 0
            started = await self._start_next(session, _Locked(batch_id, *row), now)
        await self._dispatch(started)
        return len(started)

    async def run_finished(self, session: AsyncSession, event: RunFinished) -> AfterCommit | None:
        if event.batch_item_id is None:
            return None
        now = utcnow()
        completed = event.status == "completed"
        finished = (
            await session.execute(
                update(BatchItem)
                .where(
                    BatchItem.id == event.batch_item_id,
                    BatchItem.run_id == event.run_id,
                    BatchItem.status == "processing",
                )
                .values(
                    status=event.status,
                    output=event.output if completed else None,
                    charged_milli=event.charged_milli,
                    error_code=event.error_code,
                    error_message=event.error_message,
                    completed_at=now,
                    updated_at=now,
                )
                .returning(BatchItem.batch_id)
            )
        ).one_or_none()
        if finished is None:
            return None  # counted already: a run finishes once, and so does its item
        batch_id = finished[0]
        counts = (
            await session.execute(
                update(Batch)
                .where(Batch.id == batch_id)
                .values(
                    completed_items=Batch.completed_items + int(completed),
                    failed_items=Batch.failed_items + int(not completed),
                    updated_at=now,
                )
                .returning(
                    Batch.total_items, Batch.completed_items, Batch.failed_items, *_LOCKED_COLUMNS
                )
            )
        ).one()
        total, done, failed, account_id, request_id, concurrency, status = counts
        if done + failed >= total:
            await _finish(session, batch_id, total, done, failed, now)
            log.info("batch finished", extra={"batch_id": batch_id, "failed_items": failed})
            return await self.ctx.webhook_events.batch_finished(session, batch_id)
        locked = _Locked(batch_id, account_id, request_id, concurrency, status)
        try:
            async with session.begin_nested():
                started = await self._start_next(session, locked, now)
        except Exception:  # the item is counted; the sweeper starts its successors
            log.exception("could not start the next batch items", extra={"batch_id": batch_id})
            return None
        if not started:
            return None

        async def dispatch() -> None:
            await self._dispatch(started)

        return dispatch

    async def sweep(self) -> int:
        """Start the next items of batches that have free slots; returns how many started.
        (Items whose run finished while this listener failed are counted by the
        executor's `reannounce`.)"""
        running = (
            select(func.count())
            .where(BatchItem.batch_id == Batch.id, BatchItem.status == "processing")
            .correlate(Batch)
            .scalar_subquery()
        )
        waiting = exists().where(BatchItem.batch_id == Batch.id, BatchItem.status == "queued")
        async with self.ctx.db.read() as session:
            stalled = list(
                await session.scalars(
                    select(Batch.id)
                    .where(Batch.status.in_(ACTIVE), waiting, running < Batch.concurrency)
                    .order_by(Batch.created_at)
                    .limit(_SWEEP_BATCH)
                )
            )
        started = 0
        for batch_id in stalled:
            try:  # one broken batch must not stall the ones after it
                started += await self.advance(batch_id)
            except Exception:
                log.exception("could not start batch items", extra={"batch_id": batch_id})
        if started:
            log.info("started stalled batch items", extra={"count": started})
        return started

    async def _start_next(self, session: AsyncSession, batch: _Locked, now: datetime) -> list[str]:
        """Create the runs of the next queued items, up to the free slots; the caller holds
        the batch's row lock. Returns the new run ids, to dispatch after the commit."""
        running = await session.scalar(
            select(func.count()).where(
                BatchItem.batch_id == batch.id, BatchItem.status == "processing"
            )
        )
        free = batch.concurrency - (running or 0)
        if free <= 0:
            return []
        queued = (
            await session.execute(
                select(BatchItem.id, BatchItem.spec, BatchItem.hold_id)
                .where(BatchItem.batch_id == batch.id, BatchItem.status == "queued")
                .order_by(BatchItem.index)
                .limit(free)
            )
        ).all()
        if not queued:
            return []
        # As `runs.service.submit` does: an API-only node leaves dispatching to a worker.
        dispatched_at = now if self.ctx.executor.accepts_work else None
        run_ids = [new_id("run") for _ in queued]
        for run_id, (item_id, spec, hold_id) in zip(run_ids, queued, strict=True):
            session.add(
                new_run(
                    run_id,
                    batch.account_id,
                    batch.request_id,
                    _spec(spec),
                    hold_id=hold_id,
                    dispatched_at=dispatched_at,
                    now=now,
                    batch_item_id=item_id,
                )
            )
        await session.flush()
        for run_id, (item_id, _stored, _hold) in zip(run_ids, queued, strict=True):
            await session.execute(
                update(BatchItem)
                .where(BatchItem.id == item_id)
                .values(status="processing", run_id=run_id, updated_at=now)
            )
        if batch.status == "queued":
            await session.execute(
                update(Batch).where(Batch.id == batch.id).values(status="processing")
            )
        return run_ids

    async def _dispatch(self, run_ids: list[str]) -> None:
        for run_id in run_ids:
            await self.ctx.executor.dispatch(run_id)


_SPEC_FIELDS = frozenset(field.name for field in fields(RunSpec))


def _spec(stored: dict[str, Any]) -> RunSpec:
    """The item's stored spec; keys a newer server version added are ignored, so workers
    of two versions can share a database during a rolling upgrade."""
    return RunSpec(**{key: value for key, value in stored.items() if key in _SPEC_FIELDS})


async def _finish(
    session: AsyncSession, batch_id: str, total: int, done: int, failed: int, now: datetime
) -> None:
    """Settle the batch once its last item finished: status, summary and error."""
    charged = await session.scalar(
        select(func.coalesce(func.sum(BatchItem.charged_milli), 0)).where(
            BatchItem.batch_id == batch_id
        )
    )
    failures = (
        await session.execute(
            select(BatchItem.index, BatchItem.run_id, BatchItem.error_code, BatchItem.error_message)
            .where(BatchItem.batch_id == batch_id, BatchItem.status == "failed")
            .order_by(BatchItem.index)
            .limit(_SUMMARY_FAILURES)
        )
    ).all()
    output: dict[str, Any] = {
        "total_items": total,
        "completed_items": done,
        "failed_items": failed,
        "usage": {"credits": to_public(int(charged or 0))},
        "failures": [
            {"index": index, "run_id": run_id, "error": {"code": code, "message": message}}
            for index, run_id, code, message in failures
        ],
    }
    status = "completed" if failed == 0 else "failed" if done == 0 else "partial"
    error_code = error_message = None
    if status == "failed":
        first = failures[0]
        error_code = "batch_failed"
        error_message = (
            f"All {total} items failed. The first, items[{first.index}] ({first.run_id}), "
            f"failed with {first.error_code}: {first.error_message}"
        )[:2000]
    await session.execute(
        update(Batch)
        .where(Batch.id == batch_id)
        .values(
            status=status,
            output=output,
            error_code=error_code,
            error_message=error_message,
            completed_at=now,
            updated_at=now,
        )
    )
