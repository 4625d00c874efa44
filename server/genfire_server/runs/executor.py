"""Executing runs: dispatch through taskiq, claim with a lease, finish exactly once.

Delivery is at least once, the effect exactly once:

- `dispatch` sends a message through the taskiq broker (in-memory in the embedded shape)
  after the run's transaction has committed.
- A worker claims a run with a conditional update (`queued`, or `processing` with a
  lapsed lease) that sets its lease; a duplicate message finds the run claimed and stops.
- While the engine works, the lease is renewed every third of its length; a worker that
  cannot renew (someone else took the run over) abandons its work.
- Completion and failure are conditional on still holding the lease, and settle the
  credit hold in the same transaction: capture on completion, release on failure. So a
  run is charged at most once, and every hold is captured or released.
- The sweeper re-dispatches queued runs whose message was lost (on start-up: every
  queued run, since an in-memory broker loses all messages with its process) and runs
  whose lease lapsed (their worker died); a run whose workers keep dying fails after
  `run_max_attempts` claims.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from taskiq import InMemoryBroker

from genfire_server.credits import service as credits
from genfire_server.engines.base import EngineError, EngineResult, Job
from genfire_server.engines.local import pool as local_pool
from genfire_server.engines.local.pool import WorkerCrashed
from genfire_server.kit.clock import utcnow
from genfire_server.kit.ids import random_token
from genfire_server.models import IdempotencyKey, ProductPage, Run, WebhookDelivery
from genfire_server.runs.context import WorkerRunContext
from genfire_server.runs.events import AfterCommit, RunFinished, RunListener
from genfire_server.storage import service as storage_service

if TYPE_CHECKING:
    from genfire_server.context import AppContext

log = logging.getLogger("genfire.runs")

TERMINAL = frozenset({"completed", "failed"})
Sweeper = Callable[[], Awaitable[object]]


class Companion(Protocol):
    async def start(self) -> None: ...
    async def stop(self, grace_seconds: float = ...) -> None: ...


_SWEEP_BATCH = 500
_HOUSEKEEPING_SECONDS = 60.0
DELIVERY_LOG_RETENTION = timedelta(days=30)


class RunExecutor:
    """The worker pool and sweeper of one process (none when `worker_concurrency` is 0)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        settings = ctx.settings
        self.concurrency = settings.worker_concurrency
        self.lease = timedelta(seconds=settings.run_lease_seconds)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{random_token(6)}"
        self.broker = InMemoryBroker(propagate_exceptions=False)

        # taskiq renames the function it registers, so give it a function, not a method.
        async def execute_run(run_id: str) -> None:
            await self._execute_message(run_id)

        self._execute_task = self.broker.register_task(
            execute_run, task_name="genfire.runs.execute"
        )
        self._slots = asyncio.Semaphore(max(1, self.concurrency))
        # Runs this process has a message for (waiting for a slot, or executing).
        self._pending: set[str] = set()
        self._executing: set[asyncio.Task[Any]] = set()
        # Waiters of `wait_for`: an event per run and how many wait on it.
        self._waiters: dict[str, tuple[asyncio.Event, int]] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._sweep_stop = asyncio.Event()
        self._last_housekeeping = 0.0
        self._started = False
        # Told about every finished run inside its transaction (batch progress, webhooks).
        self.listeners: list[RunListener] = []
        # Extra passes of the sweeper (batches whose next items were never started).
        self.sweepers: list[Sweeper] = []
        # Loops that run in worker processes only, started and stopped with the workers.
        self.companions: list[Companion] = []

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        if self.concurrency == 0 or self._started:
            return
        await self.broker.startup()
        self._started = True
        self._sweep_stop = asyncio.Event()
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())
        for companion in self.companions:
            await companion.start()
        log.info(
            "workers started", extra={"worker": self.worker_id, "concurrency": self.concurrency}
        )

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop taking work; give running runs `grace_seconds` to finish, then abandon them
        (their leases lapse and another worker, or the next start, takes them over)."""
        if not self._started:
            return
        self._started = False  # from now on nothing new is claimed
        if self._sweeper is not None:
            # Let a sweep in progress finish rather than cancel it inside a transaction (a
            # connection cancelled mid-write can leave SQLite's write lock held).
            self._sweep_stop.set()
            _done, sweeping = await asyncio.wait({self._sweeper}, timeout=5.0)
            for task in sweeping:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        running = list(self._executing)
        if running:
            _done, still = await asyncio.wait(running, timeout=grace_seconds)
            for task in still:
                task.cancel()
            await asyncio.gather(*still, return_exceptions=True)
        await self._give_back_unfinished()
        for companion in self.companions:
            await companion.stop(grace_seconds)
        await self.broker.shutdown()
        local_pool.shutdown()

    async def _give_back_unfinished(self) -> None:
        """Runs this worker was still executing go back to the queue at once, without
        counting the interrupted attempt, instead of waiting out their leases."""
        async with self.ctx.db.write() as session:
            given_back = await session.execute(
                update(Run)
                .where(Run.status == "processing", Run.lease_owner == self.worker_id)
                .values(
                    status="queued",
                    lease_owner=None,
                    lease_expires_at=None,
                    progress=None,
                    dispatched_at=None,
                    attempts=Run.attempts - 1,
                    updated_at=utcnow(),
                )
                .returning(Run.id)
            )
            count = len(given_back.all())
        if count:
            log.info("gave back unfinished runs", extra={"count": count})

    # --- dispatch and waiting --------------------------------------------------------

    @property
    def accepts_work(self) -> bool:
        """Whether `dispatch` reaches a worker in this process (else a sweeper finds the run)."""
        return self._started

    async def dispatch(self, run_id: str) -> None:
        """Send the run to a worker. Call only after the run's transaction committed."""
        if not self._started or run_id in self._pending:
            return  # an API-only node: a worker node's sweeper will pick the run up
        self._pending.add(run_id)
        await self._execute_task.kiq(run_id)

    async def wait_for(self, run_id: str, seconds: float) -> str:
        """Wait until the run is terminal or `seconds` pass; returns its last status."""
        from genfire_server.runs import service  # the service imports this module

        deadline = time.monotonic() + seconds
        event, count = self._waiters.get(run_id, (asyncio.Event(), 0))
        self._waiters[run_id] = (event, count + 1)
        try:
            while True:
                status = await service.current_status(self.ctx, run_id)
                remaining = deadline - time.monotonic()
                if status in TERMINAL or status is None or remaining <= 0:
                    return status or "unknown"
                # Woken at once when this process finishes it; polled if another does.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), timeout=min(remaining, 0.25))
        finally:
            event, count = self._waiters[run_id]
            if count <= 1:
                del self._waiters[run_id]
            else:
                self._waiters[run_id] = (event, count - 1)

    def _notify(self, run_id: str) -> None:
        waiting = self._waiters.get(run_id)
        if waiting is not None:
            waiting[0].set()

    # --- executing -------------------------------------------------------------------

    async def _execute_message(self, run_id: str) -> None:
        current = asyncio.current_task()
        if current is not None:
            self._executing.add(current)
        try:
            async with self._slots:
                await self._execute(run_id)
        except Exception:
            log.exception("run execution crashed", extra={"run_id": run_id})
        finally:
            self._pending.discard(run_id)
            if current is not None:
                self._executing.discard(current)

    async def _claim(self, run_id: str) -> tuple[Job, str, int] | None:
        """Take the run if nobody holds it; returns (job, engine key, attempts) or None."""
        now = utcnow()
        async with self.ctx.db.write() as session:
            row = (
                await session.execute(
                    update(Run)
                    .where(
                        Run.id == run_id,
                        or_(
                            Run.status == "queued",
                            and_(Run.status == "processing", Run.lease_expires_at < now),
                        ),
                    )
                    .values(
                        status="processing",
                        lease_owner=self.worker_id,
                        lease_expires_at=now + self.lease,
                        attempts=Run.attempts + 1,
                        started_at=func.coalesce(Run.started_at, now),
                        updated_at=now,
                    )
                    .returning(
                        Run.account_id,
                        Run.capability,
                        Run.endpoint,
                        Run.model,
                        Run.engine,
                        Run.input,
                        Run.attempts,
                    )
                )
            ).one_or_none()
        if row is None:
            return None
        account_id, capability, endpoint, model, engine, job_input, attempts = row
        job = Job(run_id, account_id, capability, endpoint, model, dict(job_input))
        return job, engine, attempts

    async def _execute(self, run_id: str) -> None:
        if not self._started:
            return  # stopping: leave it queued for the next worker
        claimed = await self._claim(run_id)
        if claimed is None:
            return  # finished, or another worker holds a live lease
        job, engine_key, attempts = claimed
        if attempts > self.ctx.settings.run_max_attempts:
            await self._fail(
                run_id,
                "internal_error",
                f"The run was interrupted {attempts - 1} times (its worker stopped) and was "
                "given up.",
            )
            return
        engine = self.ctx.engines.get(engine_key)
        if engine is None:
            await self._fail(run_id, "internal_error", "No engine is configured for this model.")
            return
        workdir = Path(tempfile.mkdtemp(prefix=f"{run_id}-", dir=self.ctx.settings.scratch_dir))
        run_ctx = WorkerRunContext(self.ctx, job, workdir, self.worker_id)
        work = asyncio.get_running_loop().create_task(engine.run(job, run_ctx))
        renewer = asyncio.get_running_loop().create_task(self._renew_lease(run_id, work))
        try:
            result = await work
        except EngineError as error:
            await self._fail(run_id, error.code, error.message)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # shutting down: the lease lapses and the run is taken over later
            # The renewer cancelled the work: the lease is lost and someone else runs it.
        except WorkerCrashed:
            log.exception("engine worker crashed", extra={"run_id": run_id, "engine": engine_key})
            await self._fail(
                run_id, "internal_error", "The engine's worker process crashed on this input."
            )
        except Exception:
            log.exception("engine failed", extra={"run_id": run_id, "engine": engine_key})
            await self._fail(run_id, "internal_error", "The engine failed unexpectedly.")
        else:
            await self._complete(run_id, result)
        finally:
            try:
                renewer.cancel()
                await asyncio.gather(renewer, return_exceptions=True)
            finally:
                await asyncio.to_thread(shutil.rmtree, workdir, True)

    def _mine(self, run_id: str) -> tuple[Any, ...]:
        """The run is still this worker's: processing under its lease (nobody took it over)."""
        return (Run.id == run_id, Run.status == "processing", Run.lease_owner == self.worker_id)

    async def _renew_lease(self, run_id: str, work: asyncio.Task[EngineResult]) -> None:
        """Keep the lease while the engine works. A transient database error is retried on
        the next tick; the work is abandoned only when the lease is gone: someone else
        holds the run, or renewals kept failing until it ran out by our own clock."""
        interval = self.lease.total_seconds() / 3
        held_until = time.monotonic() + self.lease.total_seconds()
        while True:
            await asyncio.sleep(interval)
            try:
                now = utcnow()
                async with self.ctx.db.write() as session:
                    renewed = await session.execute(
                        update(Run)
                        .where(*self._mine(run_id))
                        .values(lease_expires_at=now + self.lease)
                        .returning(Run.id)
                    )
                    still_ours = renewed.one_or_none() is not None
            except Exception:
                log.warning(
                    "could not renew a lease; retrying", exc_info=True, extra={"run_id": run_id}
                )
                if time.monotonic() < held_until - interval / 2:
                    continue
                still_ours = False
            else:
                held_until = time.monotonic() + self.lease.total_seconds()
            if not still_ours:
                log.warning("lost the lease on a run; abandoning it", extra={"run_id": run_id})
                work.cancel()
                return

    async def _complete(self, run_id: str, result: EngineResult) -> None:
        now = utcnow()
        wanted = result.charged_milli
        # Never more than was held, and decided in the same statement that checks the
        # lease, so a run taken over meanwhile is neither completed nor charged here.
        charge = (
            Run.price_milli
            if wanted is None
            else case((Run.price_milli < wanted, Run.price_milli), else_=max(0, wanted))
        )
        async with self.ctx.db.write() as session:
            row = (
                await session.execute(
                    update(Run)
                    .where(*self._mine(run_id))
                    .values(
                        status="completed",
                        output=result.output,
                        charged_milli=charge,
                        progress=None,
                        provider_request_id=result.provider_request_id,
                        resource_id=result.resource_id,
                        lease_owner=None,
                        lease_expires_at=None,
                        completed_at=now,
                        updated_at=now,
                    )
                    .returning(Run.hold_id, Run.charged_milli, Run.account_id, Run.batch_item_id)
                )
            ).one_or_none()
            if row is None:
                return  # no longer ours: whoever holds it now finishes it
            hold_id, charged, account_id, batch_item_id = row
            if hold_id is not None:
                await credits.capture(session, hold_id, charged or 0)
            event = RunFinished(
                run_id=run_id,
                account_id=account_id,
                status="completed",
                batch_item_id=batch_item_id,
                output=result.output,
                charged_milli=charged or 0,
                error_code=None,
                error_message=None,
            )
            after = await self._announce(session, event)
        self._notify(run_id)
        await self._after_commit(after)
        log.info("run completed", extra={"run_id": run_id, "charged_milli": charged})

    async def _fail(self, run_id: str, code: str, message: str) -> None:
        now = utcnow()
        message = message.replace("\x00", "")[:2000]
        async with self.ctx.db.write() as session:
            row = (
                await session.execute(
                    update(Run)
                    .where(*self._mine(run_id))
                    .values(
                        status="failed",
                        error_code=code,
                        error_message=message,
                        charged_milli=0,
                        progress=None,
                        lease_owner=None,
                        lease_expires_at=None,
                        completed_at=now,
                        updated_at=now,
                    )
                    .returning(Run.hold_id, Run.account_id, Run.batch_item_id)
                )
            ).one_or_none()
            if row is None:
                return
            hold_id, account_id, batch_item_id = row
            if hold_id is not None:
                await credits.release(session, hold_id)
            event = RunFinished(
                run_id=run_id,
                account_id=account_id,
                status="failed",
                batch_item_id=batch_item_id,
                output=None,
                charged_milli=0,
                error_code=code,
                error_message=message,
            )
            after = await self._announce(session, event)
        self._notify(run_id)
        await self._after_commit(after)
        log.info("run failed", extra={"run_id": run_id, "code": code})

    async def _announce(self, session: AsyncSession, event: RunFinished) -> list[AfterCommit]:
        """Tell every listener, each in a savepoint: a listener that fails loses its own
        writes but never undoes finishing and settling the run (which would make the engine
        run the work again, or forever); its name is kept on the run for `reannounce`."""
        after, failed = await self._tell(session, event, self.listeners)
        if failed:
            await session.execute(
                update(Run).where(Run.id == event.run_id).values(unannounced=",".join(failed))
            )
        return after

    async def _tell(
        self, session: AsyncSession, event: RunFinished, listeners: list[RunListener]
    ) -> tuple[list[AfterCommit], list[str]]:
        """Each listener in its savepoint; returns the work for after the commit and the
        names of the listeners that failed."""
        after: list[AfterCommit] = []
        failed: list[str] = []
        for listener in listeners:
            try:
                async with session.begin_nested():
                    then = await listener.run_finished(session, event)
            except Exception:
                log.exception(
                    "a run listener failed",
                    extra={"run_id": event.run_id, "listener": listener.name},
                )
                failed.append(listener.name)
                continue
            if then is not None:
                after.append(then)
        return after, failed

    async def reannounce(self) -> int:
        """Tell listeners that failed when a run finished about it again (a database hiccup
        while writing a delivery must not lose the event). Returns how many runs."""
        async with self.ctx.db.read() as session:
            rows = (
                await session.execute(
                    select(
                        Run.id,
                        Run.account_id,
                        Run.status,
                        Run.batch_item_id,
                        Run.output,
                        Run.charged_milli,
                        Run.error_code,
                        Run.error_message,
                        Run.unannounced,
                    )
                    .where(Run.unannounced.is_not(None))
                    .limit(_SWEEP_BATCH)
                )
            ).all()
        by_name = {listener.name: listener for listener in self.listeners}
        for run_id, account_id, status, item_id, output, charged, code, message, names in rows:
            event = RunFinished(
                run_id=run_id,
                account_id=account_id,
                status=status,
                batch_item_id=item_id,
                output=output,
                charged_milli=charged or 0,
                error_code=code,
                error_message=message,
            )
            wanted = [by_name[name] for name in names.split(",") if name in by_name]
            async with self.ctx.db.write() as session:
                after, failed = await self._tell(session, event, wanted)
                await session.execute(
                    update(Run)
                    .where(Run.id == run_id, Run.unannounced == names)
                    .values(unannounced=",".join(failed) or None)
                )
            await self._after_commit(after)
        return len(rows)

    async def _after_commit(self, work: list[AfterCommit]) -> None:
        for then in work:
            try:
                await then()
            except Exception:  # the sweepers catch up with whatever this left undone
                log.exception("work after a run finished failed")

    # --- sweeping --------------------------------------------------------------------

    async def _sweep_forever(self) -> None:
        first = True
        while self._started:
            try:
                await self.sweep(everything_queued=first)
                first = False
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._sweep_stop.wait(), timeout=self.ctx.settings.sweep_interval_seconds
                )

    async def sweep(self, *, everything_queued: bool = False) -> int:
        """Re-dispatch lost and abandoned runs; returns how many were sent."""
        now = utcnow()
        stale = now - timedelta(seconds=self.ctx.settings.redispatch_after_seconds)
        async with self.ctx.db.read() as session:
            queued = select(Run.id).where(Run.status == "queued")
            if not everything_queued:
                queued = queued.where(or_(Run.dispatched_at.is_(None), Run.dispatched_at < stale))
            lost = list(await session.scalars(queued.order_by(Run.created_at).limit(_SWEEP_BATCH)))
            lapsed = list(
                await session.scalars(
                    select(Run.id)
                    .where(Run.status == "processing", Run.lease_expires_at < now)
                    .order_by(Run.lease_expires_at)
                    .limit(_SWEEP_BATCH)
                )
            )
        candidates = [run_id for run_id in lost + lapsed if run_id not in self._pending]
        if candidates:
            async with self.ctx.db.write() as session:
                await session.execute(
                    update(Run).where(Run.id.in_(candidates)).values(dispatched_at=now)
                )
            for run_id in candidates:
                await self.dispatch(run_id)
            log.info("re-dispatched runs", extra={"count": len(candidates)})
        try:
            await self.reannounce()
        except Exception:
            log.exception("sweep failed", extra={"sweeper": "reannounce"})
        for extra in self.sweepers:
            try:
                await extra()
            except Exception:
                log.exception("sweep failed", extra={"sweeper": getattr(extra, "__name__", "")})
        if time.monotonic() - self._last_housekeeping >= _HOUSEKEEPING_SECONDS:
            self._last_housekeeping = time.monotonic()
            await self.housekeeping()
        return len(candidates)

    async def housekeeping(self) -> None:
        """Forget expired idempotency keys, cached product pages and old webhook deliveries;
        delete expired files."""
        async with self.ctx.db.write() as session:
            await session.execute(
                delete(IdempotencyKey).where(IdempotencyKey.expires_at < utcnow())
            )
            await session.execute(delete(ProductPage).where(ProductPage.expires_at < utcnow()))
            # The delivery log keeps finished deliveries for 30 days (docs/webhooks.md).
            await session.execute(
                delete(WebhookDelivery).where(
                    WebhookDelivery.status != "pending",
                    WebhookDelivery.created_at < utcnow() - DELIVERY_LOG_RETENTION,
                )
            )
        purged = await storage_service.purge_expired(self.ctx)
        if purged:
            log.info("deleted expired files", extra={"count": purged})
