"""Batches running: failing items end the batch partial or failed with true counts, the
concurrency cap holds (with one worker or several), counts agree with the items at every
moment, and a restarted server resumes a batch without re-running finished items."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from sqlalchemy import func, select

from genfire_server.context import AppContext
from genfire_server.engines.base import EngineResult, Job, RunContext
from genfire_server.engines.registry import TEST_ENGINE, EngineRegistry
from genfire_server.engines.testing import TestEngine
from genfire_server.kit.db import Database
from genfire_server.models import Batch, BatchItem, CreditHold, Run
from genfire_server.settings import Settings
from tests.batches.helpers import create_batch, items_of, test_items, wait_batch
from tests.conftest import Caller
from tests.runs.helpers import balance


class ProbeEngine:
    """The test engine, counting how many runs it executes at once (across workers)."""

    def __init__(self) -> None:
        self.inner = TestEngine()
        self.active: set[str] = set()
        self.most = 0
        self.executed: list[str] = []

    async def run(self, job: Job, ctx: RunContext) -> EngineResult:
        self.active.add(job.run_id)
        self.most = max(self.most, len(self.active))
        self.executed.append(job.run_id)
        try:
            return await self.inner.run(job, ctx)
        finally:
            self.active.discard(job.run_id)


def _worker(ctx: AppContext, probe: ProbeEngine, **overrides: Any) -> AppContext:
    """Another process's context on the same database, executing on `probe`."""
    values: dict[str, Any] = {**ctx.settings.model_dump(), **overrides}
    settings = Settings(**values, _env_file=None)
    engines = EngineRegistry.from_settings(settings, ctx.db)
    engines.register(TEST_ENGINE, probe)
    return AppContext(
        settings=settings,
        db=ctx.db,
        catalog=ctx.catalog,
        stock_voices=ctx.stock_voices,
        storage=ctx.storage,
        engines=engines,
    )


@contextlib.asynccontextmanager
async def _workers(
    ctx: AppContext, probe: ProbeEngine, count: int, **overrides: Any
) -> AsyncIterator[list[AppContext]]:
    """`count` worker processes in place of the API's own (which then only serves)."""
    await ctx.executor.stop(grace_seconds=0)
    workers = [_worker(ctx, probe, **overrides) for _ in range(count)]
    for worker in workers:
        await worker.executor.start()
    try:
        yield workers
    finally:
        for worker in workers:
            await worker.executor.stop(grace_seconds=0)


async def _snapshot(db: Database, batch_id: str) -> tuple[int, ...]:
    """The batch's counts and its items' statuses, read in one statement (one snapshot)."""

    def items_in(status: str) -> Any:
        return (
            select(func.count())
            .where(BatchItem.batch_id == batch_id, BatchItem.status == status)
            .scalar_subquery()
        )

    async with db.read() as session:
        row = (
            await session.execute(
                select(
                    Batch.total_items,
                    Batch.completed_items,
                    Batch.failed_items,
                    items_in("queued"),
                    items_in("processing"),
                    items_in("completed"),
                    items_in("failed"),
                ).where(Batch.id == batch_id)
            )
        ).one()
    return tuple(row)


def _sleepers(count: int, seconds: float = 0.2) -> list[dict[str, Any]]:
    return test_items(*({"mode": "sleep", "seconds": seconds, "echo": n} for n in range(count)))


async def test_failing_items_end_the_batch_partial_with_true_counts(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    items = test_items(
        {"mode": "instant", "credits": 2},
        {"mode": "fail", "credits": 3, "error_code": "content_policy_violation"},
        {"mode": "instant", "credits": 4},
        {"mode": "crash", "credits": 5},
        {"mode": "instant", "credits": 1, "charge": 0.5},
    )
    body = {"mode": "operation", "target": "testing.runs.create", "items": items}
    batch = (await create_batch(client, caller, body)).json()
    assert await balance(client, caller) == 1000 - 15  # every item held at creation
    done = await wait_batch(client, caller, batch["id"])
    assert (done["status"], done["completed_items"], done["failed_items"]) == ("partial", 3, 2)
    assert done["error"] is None
    output = done["output"]
    assert output["usage"] == {"credits": 6.5}  # 2 + 4 + 0.5: failed items cost nothing
    assert [(f["index"], f["error"]["code"]) for f in output["failures"]] == [
        (1, "content_policy_violation"),
        (3, "internal_error"),
    ]
    assert await balance(client, caller) == 1000 - 6.5
    listed = await items_of(client, caller, batch["id"])
    assert [item["status"] for item in listed] == [
        "completed",
        "failed",
        "completed",
        "failed",
        "completed",
    ]
    failed = listed[1]
    assert failed["output"] is None
    assert failed["error"] == {
        "code": "content_policy_violation",
        "message": "The test engine failed as asked.",
    }
    assert output["failures"][0]["run_id"] == failed["run_id"]
    run = (await client.get(f"/v1/runs/{failed['run_id']}", headers=caller.headers)).json()
    assert run["status"] == "failed" and run["error"] == failed["error"]
    assert listed[0]["error"] is None and listed[0]["output"]["output_url"]


async def test_a_batch_whose_items_all_fail_is_failed(
    client: httpx.AsyncClient, caller: Caller, db: Database
) -> None:
    body = {
        "mode": "operation",
        "target": "testing.runs.create",
        "items": test_items({"mode": "fail", "credits": 7}, {"mode": "fail", "credits": 3}),
    }
    batch = (await create_batch(client, caller, body)).json()
    done = await wait_batch(client, caller, batch["id"])
    assert (done["status"], done["completed_items"], done["failed_items"]) == ("failed", 0, 2)
    assert done["error"]["code"] == "batch_failed"
    assert "items[0]" in done["error"]["message"] and "provider_error" in done["error"]["message"]
    assert done["output"]["usage"] == {"credits": 0}
    assert await balance(client, caller) == 1000
    async with db.read() as session:
        holds = list(
            await session.scalars(
                select(CreditHold.status).where(CreditHold.account_id == caller.account_id)
            )
        )
    assert holds == ["released", "released"]


async def test_concurrency_is_never_exceeded_and_counts_always_agree(
    ctx: AppContext, caller: Caller, db: Database
) -> None:
    """Twelve sleeping items at concurrency 3 on workers with room for 8: the engine never
    sees more than 3 at once, and every snapshot's counts match the items."""
    probe = ProbeEngine()
    async with _workers(ctx, probe, 1, worker_concurrency=8, sweep_interval_seconds=0.2):
        from genfire_server.app import create_app

        transport = httpx.ASGITransport(app=create_app(context=ctx))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            body = {
                "mode": "operation",
                "target": "testing.runs.create",
                "concurrency": 3,
                "items": _sleepers(12),
            }
            batch = (await create_batch(client, caller, body)).json()
            snapshots = []
            while True:
                snapshot = await _snapshot(db, batch["id"])
                snapshots.append(snapshot)
                if snapshot[1] + snapshot[2] == snapshot[0]:
                    break
                await asyncio.sleep(0.02)
            done = await wait_batch(client, caller, batch["id"])
    assert done["status"] == "completed" and done["completed_items"] == 12
    assert probe.most == 3  # the cap was reached, and never passed
    assert len(probe.executed) == len(set(probe.executed)) == 12
    for total, completed, failed, queued, processing, items_done, items_failed in snapshots:
        assert (completed, failed) == (items_done, items_failed)
        assert queued + processing + items_done + items_failed == total == 12
        assert processing <= 3
    progress = [snapshot[1] for snapshot in snapshots]
    assert progress == sorted(progress) and len(set(progress)) > 3  # seen moving


async def test_two_workers_share_one_batch_within_its_cap(
    ctx: AppContext, caller: Caller, db: Database
) -> None:
    """Two worker processes finish items of the same batch at the same time; each start
    of the next item is decided under the batch's row lock, so the cap still holds."""
    probe = ProbeEngine()
    async with _workers(ctx, probe, 2, worker_concurrency=6, sweep_interval_seconds=0.1):
        from genfire_server.app import create_app

        transport = httpx.ASGITransport(app=create_app(context=ctx))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            body = {
                "mode": "operation",
                "target": "testing.runs.create",
                "concurrency": 4,
                "items": _sleepers(24, seconds=0.1),
            }
            batch = (await create_batch(client, caller, body)).json()
            done = await wait_batch(client, caller, batch["id"], within_seconds=60)
    assert (done["status"], done["completed_items"]) == ("completed", 24)
    assert probe.most <= 4
    assert len(probe.executed) == len(set(probe.executed)) == 24
    async with db.read() as session:
        runs = await session.scalar(
            select(func.count()).select_from(Run).where(Run.account_id == caller.account_id)
        )
    assert runs == 24


async def test_a_stopped_server_resumes_the_batch_without_rerunning_finished_items(
    ctx: AppContext, caller: Caller, db: Database
) -> None:
    probe = ProbeEngine()
    from genfire_server.app import create_app

    transport = httpx.ASGITransport(app=create_app(context=ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        async with _workers(ctx, probe, 1, worker_concurrency=4) as (first,):
            body = {
                "mode": "operation",
                "target": "testing.runs.create",
                "concurrency": 2,
                "items": _sleepers(6, seconds=0.4),
            }
            batch = (await create_batch(client, caller, body)).json()
            for _ in range(200):
                snapshot = await _snapshot(db, batch["id"])
                if snapshot[1] >= 2:
                    break
                await asyncio.sleep(0.02)
            await first.executor.stop(grace_seconds=0)
        before = {item["index"]: item for item in await items_of(client, caller, batch["id"])}
        finished = {
            i: item["run_id"] for i, item in before.items() if item["status"] == "completed"
        }
        assert 2 <= len(finished) < 6
        # Nothing moves while no worker runs.
        await asyncio.sleep(0.3)
        assert await _snapshot(db, batch["id"]) == await _snapshot(db, batch["id"])
        async with _workers(ctx, probe, 1, worker_concurrency=4):
            done = await wait_batch(client, caller, batch["id"])
        after = await items_of(client, caller, batch["id"])
    assert (done["status"], done["completed_items"], done["failed_items"]) == ("completed", 6, 0)
    for index, run_id in finished.items():
        assert after[index]["run_id"] == run_id
    # Every item ran exactly once to completion; the finished ones were not run again.
    completed_runs = [run_id for run_id in probe.executed if run_id in finished.values()]
    assert sorted(completed_runs) == sorted(finished.values())
    async with db.read() as session:
        per_item = dict(
            (
                await session.execute(
                    select(Run.batch_item_id, func.count())
                    .where(Run.account_id == caller.account_id)
                    .group_by(Run.batch_item_id)
                )
            ).all()
        )
    assert sorted(per_item.values()) == [1] * 6


async def test_an_api_only_node_leaves_the_batch_to_a_workers_sweeper(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    """The API node has no workers: it stores the batch and starts its first items as
    queued runs; a worker node's sweeper runs them and moves the batch along."""
    await ctx.executor.stop(grace_seconds=0)
    body = {
        "mode": "operation",
        "target": "testing.runs.create",
        "concurrency": 2,
        "items": test_items(*({"mode": "instant"} for _ in range(5))),
    }
    batch = (await create_batch(client, caller, body)).json()
    await asyncio.sleep(0.3)
    queued = await items_of(client, caller, batch["id"])
    assert [item["status"] for item in queued] == ["processing"] * 2 + ["queued"] * 3
    assert (await client.get(f"/v1/batches/{batch['id']}", headers=caller.headers)).json()[
        "status"
    ] == "processing"
    async with _workers(ctx, ProbeEngine(), 1, sweep_interval_seconds=0.1):
        done = await wait_batch(client, caller, batch["id"])
    assert (done["status"], done["completed_items"]) == ("completed", 5)
