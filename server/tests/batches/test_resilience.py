"""A failure in batch bookkeeping never undoes finishing a run (so no work is done twice)
and never stalls other batches; the sweeper repairs what it left undone."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select, update

from genfire_server.batches.progress import BatchProgress
from genfire_server.context import AppContext
from genfire_server.engines.registry import TEST_ENGINE
from genfire_server.kit.db import Database
from genfire_server.models import BatchItem, Run
from tests.batches.helpers import create_batch, items_of, test_items, wait_batch
from tests.batches.test_progress import ProbeEngine
from tests.conftest import Caller
from tests.runs.helpers import balance


def _body(count: int, concurrency: int = 1) -> dict[str, Any]:
    return {
        "mode": "operation",
        "target": "testing.runs.create",
        "concurrency": concurrency,
        "items": test_items(*({"mode": "instant", "credits": 2} for _ in range(count))),
    }


async def test_a_failure_starting_the_next_item_does_not_rerun_the_finished_one(
    ctx: AppContext,
    client: httpx.AsyncClient,
    caller: Caller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    probe = ProbeEngine()
    ctx.engines.register(TEST_ENGINE, probe)
    original = BatchProgress._start_next
    failures = {"left": 1}

    async def flaky(self: BatchProgress, *args: Any) -> list[str]:
        started = await original(self, *args)
        if failures["left"] and started and args[1].status == "processing":
            failures["left"] -= 1
            raise RuntimeError("the database went away")
        return started

    monkeypatch.setattr(BatchProgress, "_start_next", flaky)
    batch = (await create_batch(client, caller, _body(3))).json()
    done = await wait_batch(client, caller, batch["id"])
    assert (done["status"], done["completed_items"]) == ("completed", 3)
    assert failures["left"] == 0  # the failure did happen
    assert len(probe.executed) == len(set(probe.executed)) == 3  # and nothing ran twice
    assert await balance(client, caller) == 1000 - 6


async def test_a_failing_listener_leaves_the_run_finished_and_the_sweeper_counts_the_item(
    ctx: AppContext,
    client: httpx.AsyncClient,
    caller: Caller,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    probe = ProbeEngine()
    ctx.engines.register(TEST_ENGINE, probe)

    async def broken(self: BatchProgress, *args: Any) -> Any:
        raise RuntimeError("bookkeeping bug")

    monkeypatch.setattr(BatchProgress, "run_finished", broken)
    batch = (await create_batch(client, caller, _body(2, concurrency=2))).json()
    items = []
    for _ in range(200):
        items = await items_of(client, caller, batch["id"])
        async with db.read() as session:
            statuses = list(
                await session.scalars(
                    select(Run.status).where(Run.id.in_([i["run_id"] for i in items]))
                )
            )
        if statuses == ["completed", "completed"]:
            break
        await asyncio.sleep(0.05)
    # The runs finished and were charged exactly once, although the batch did not move.
    assert [item["status"] for item in items] == ["processing", "processing"]
    assert await balance(client, caller) == 1000 - 4
    async with db.read() as session:
        remembered = set(
            await session.scalars(
                select(Run.unannounced).where(Run.account_id == caller.account_id)
            )
        )
    assert remembered == {"batches"}  # kept on the runs for the sweeper
    monkeypatch.undo()  # the listener works again: the sweeper tells it, once
    done = await wait_batch(client, caller, batch["id"])
    assert (done["status"], done["completed_items"]) == ("completed", 2)
    assert done["output"]["usage"] == {"credits": 4}
    assert len(probe.executed) == 2


async def test_a_broken_batch_does_not_stall_the_batches_after_it(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller, db: Database
) -> None:
    await ctx.executor.stop(grace_seconds=0)  # nothing starts until both are stored
    broken = (await create_batch(client, caller, _body(1))).json()
    healthy = (await create_batch(client, caller, _body(1))).json()
    async with db.write() as session:
        # What a stored spec no worker can read would do (say, written by a bug).
        await session.execute(
            update(BatchItem).where(BatchItem.batch_id == broken["id"]).values(spec={})
        )
        await session.execute(
            update(BatchItem)
            .where(BatchItem.batch_id.in_([broken["id"], healthy["id"]]))
            .values(status="queued", run_id=None)
        )
        await session.execute(delete(Run).where(Run.account_id == caller.account_id))
    await ctx.executor.start()
    done = await wait_batch(client, caller, healthy["id"])
    assert done["status"] == "completed"
    stuck = (await client.get(f"/v1/batches/{broken['id']}", headers=caller.headers)).json()
    assert stuck["status"] in ("queued", "processing") and stuck["completed_items"] == 0
