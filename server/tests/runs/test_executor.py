"""At-least-once delivery, exactly-once effect: duplicates, lost messages, dead workers."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from genfire_server.context import AppContext
from genfire_server.kit.clock import utcnow
from genfire_server.kit.db import Database
from genfire_server.models import CreditHold, CreditLedgerEntry, Run
from tests.conftest import Caller
from tests.runs.helpers import balance, create_test_run, wait_terminal


async def _ledger_ok(db: Database, account_id: str) -> None:
    async with db.read() as session:
        total = await session.scalar(
            select(func.sum(CreditLedgerEntry.amount_milli)).where(
                CreditLedgerEntry.account_id == account_id
            )
        )
        open_holds = await session.scalar(
            select(func.count())
            .select_from(CreditHold)
            .where(CreditHold.account_id == account_id, CreditHold.status == "held")
        )
    from genfire_server.credits.service import balance_milli

    async with db.read() as session:
        assert await balance_milli(session, account_id) == total
    assert open_holds == 0


async def _claimed_elsewhere(
    client: httpx.AsyncClient,
    ctx: AppContext,
    db: Database,
    caller: Caller,
    *,
    owner: str,
    attempts: int,
    lease_left_seconds: float,
    **body: Any,
) -> str:
    """A run another worker claimed (and maybe died holding): created while this
    process's workers are stopped, then marked processing with the given lease."""
    await ctx.executor.stop(grace_seconds=0)
    run_id = str((await create_test_run(client, caller, **body)).json()["id"])
    async with db.write() as session:
        await session.execute(
            update(Run)
            .where(Run.id == run_id)
            .values(
                status="processing",
                lease_owner=owner,
                attempts=attempts,
                lease_expires_at=utcnow() + timedelta(seconds=lease_left_seconds),
            )
        )
    await ctx.executor.start()
    return run_id


def _another_worker(ctx: AppContext, db: Database, **overrides: Any) -> AppContext:
    """A second worker process's context on the same database, with its own settings."""
    from genfire_server.engines.registry import EngineRegistry
    from genfire_server.settings import Settings

    values: dict[str, Any] = {**ctx.settings.model_dump(), **overrides}
    settings = Settings(**values, _env_file=None)
    return AppContext(
        settings=settings,
        db=db,
        catalog=ctx.catalog,
        stock_voices=ctx.stock_voices,
        storage=ctx.storage,
        engines=EngineRegistry.from_settings(settings, db),
    )


async def test_duplicate_messages_run_a_run_once(
    client: httpx.AsyncClient, ctx: AppContext, db: Database, caller: Caller
) -> None:
    run = (await create_test_run(client, caller, mode="sleep", seconds=0.5, credits=4)).json()
    # Deliver the same message again and again, bypassing the per-process dedupe.
    ctx.executor._pending.discard(run["id"])
    await asyncio.gather(*(ctx.executor._execute_message(run["id"]) for _ in range(5)))
    done = await wait_terminal(client, caller, run["id"])
    assert done["status"] == "completed" and done["usage"] == {"credits": 4}
    async with db.read() as session:
        attempts = await session.scalar(select(Run.attempts).where(Run.id == run["id"]))
    assert attempts == 1
    assert await balance(client, caller) == 996
    await _ledger_ok(db, caller.account_id)


async def test_a_lost_dispatch_is_swept_up(
    client: httpx.AsyncClient, ctx: AppContext, db: Database, caller: Caller
) -> None:
    await ctx.executor.stop(grace_seconds=0)  # like an API-only node: nothing executes
    run = (await create_test_run(client, caller)).json()
    await asyncio.sleep(0.3)
    assert (await client.get(f"/v1/runs/{run['id']}", headers=caller.headers)).json()[
        "status"
    ] == "queued"
    await ctx.executor.start()  # a worker comes up; its first sweep finds every queued run
    done = await wait_terminal(client, caller, run["id"])
    assert done["status"] == "completed"


async def test_a_dead_workers_run_is_taken_over_after_its_lease(
    client: httpx.AsyncClient, ctx: AppContext, db: Database, caller: Caller
) -> None:
    run_id = await _claimed_elsewhere(
        client, ctx, db, caller, owner="dead:1:x", attempts=1, lease_left_seconds=-1, credits=3
    )
    run = {"id": run_id}
    done = await wait_terminal(client, caller, run["id"])
    assert done["status"] == "completed" and done["usage"] == {"credits": 3}
    async with db.read() as session:
        attempts = await session.scalar(select(Run.attempts).where(Run.id == run["id"]))
    assert attempts == 2
    await _ledger_ok(db, caller.account_id)


async def test_a_live_lease_is_not_stolen(
    client: httpx.AsyncClient, ctx: AppContext, db: Database, caller: Caller
) -> None:
    run_id = await _claimed_elsewhere(
        client, ctx, db, caller, owner="alive:1:x", attempts=1, lease_left_seconds=60
    )
    run = {"id": run_id}
    await ctx.executor._execute_message(run["id"])
    current = (await client.get(f"/v1/runs/{run['id']}", headers=caller.headers)).json()
    assert current["status"] == "processing"


async def test_a_run_whose_workers_keep_dying_fails_and_releases(
    client: httpx.AsyncClient, ctx: AppContext, db: Database, caller: Caller
) -> None:
    run_id = await _claimed_elsewhere(
        client,
        ctx,
        db,
        caller,
        owner="dead:1:x",
        attempts=ctx.settings.run_max_attempts,
        lease_left_seconds=-1,
        credits=7,
    )
    run = {"id": run_id}
    done = await wait_terminal(client, caller, run["id"])
    assert done["status"] == "failed" and done["error"]["code"] == "internal_error"
    assert await balance(client, caller) == 1000
    await _ledger_ok(db, caller.account_id)


async def test_a_worker_that_loses_its_lease_does_not_finish_the_run(
    client: httpx.AsyncClient, ctx: AppContext, db: Database, caller: Caller
) -> None:
    run = (await create_test_run(client, caller, mode="sleep", seconds=1.5)).json()
    for _ in range(100):  # wait for the claim, however slow the machine
        current = await client.get(f"/v1/runs/{run['id']}", headers=caller.headers)
        if current.json()["status"] == "processing":
            break
        await asyncio.sleep(0.02)
    # Someone else took the run over meanwhile.
    async with db.write() as session:
        await session.execute(
            update(Run).where(Run.id == run["id"]).values(lease_owner="usurper:1:x")
        )
    await asyncio.sleep(2.0)
    async with db.read() as session:
        status, owner = (
            await session.execute(select(Run.status, Run.lease_owner).where(Run.id == run["id"]))
        ).one()
    assert (status, owner) == ("processing", "usurper:1:x")


async def test_a_run_taken_over_is_neither_completed_nor_charged_by_the_old_worker(
    client: httpx.AsyncClient, ctx: AppContext, db: Database, caller: Caller
) -> None:
    from genfire_server.engines.base import EngineResult

    run_id = await _claimed_elsewhere(
        client,
        ctx,
        db,
        caller,
        owner=ctx.executor.worker_id,
        attempts=1,
        lease_left_seconds=60,
        credits=5,
    )
    async with db.write() as session:  # another worker took it over meanwhile
        await session.execute(update(Run).where(Run.id == run_id).values(lease_owner="new:1:x"))
    await ctx.executor._complete(run_id, EngineResult(output={"output_url": "x"}))
    await ctx.executor._fail(run_id, "provider_error", "late")
    async with db.read() as session:
        status, hold_id = (
            await session.execute(select(Run.status, Run.hold_id).where(Run.id == run_id))
        ).one()
        hold_status = await session.scalar(
            select(CreditHold.status).where(CreditHold.id == hold_id)
        )
    assert (status, hold_status) == ("processing", "held")


async def test_stopping_gives_unfinished_runs_back_without_spending_an_attempt(
    client: httpx.AsyncClient, ctx: AppContext, db: Database, caller: Caller
) -> None:
    run = (await create_test_run(client, caller, mode="sleep", seconds=30)).json()
    queued = (await create_test_run(client, caller, mode="sleep", seconds=30)).json()
    third = (await create_test_run(client, caller, mode="sleep", seconds=30)).json()
    for _ in range(100):
        statuses = [
            (await client.get(f"/v1/runs/{r['id']}", headers=caller.headers)).json()["status"]
            for r in (run, queued, third)
        ]
        if statuses.count("processing") == 2:
            break
        await asyncio.sleep(0.05)
    await ctx.executor.stop(grace_seconds=0.2)
    async with db.read() as session:
        rows = (
            await session.execute(
                select(Run.status, Run.attempts, Run.lease_owner).where(
                    Run.id.in_([run["id"], queued["id"], third["id"]])
                )
            )
        ).all()
    assert sorted(rows) == [("queued", 0, None)] * 3


async def test_a_long_run_keeps_its_lease_and_is_not_stolen(
    client: httpx.AsyncClient, ctx: AppContext, db: Database, caller: Caller
) -> None:
    """A run outlives its lease (5 s) by renewing it; a second worker sweeping the same
    database meanwhile must not take it."""
    await ctx.executor.stop(grace_seconds=0)
    first = _another_worker(ctx, db, run_lease_seconds=5, sweep_interval_seconds=0.2)
    second = _another_worker(ctx, db, run_lease_seconds=5, sweep_interval_seconds=0.2)
    await first.executor.start()
    try:
        run = (await create_test_run(client, caller, mode="sleep", seconds=7)).json()
        await second.executor.start()
        # The API here belongs to `ctx`, whose workers are stopped: nudge the first worker.
        await first.executor.dispatch(run["id"])
        done = await wait_terminal(client, caller, run["id"], within_seconds=20)
    finally:
        await second.executor.stop(grace_seconds=0)
        await first.executor.stop(grace_seconds=0)
    assert done["status"] == "completed"
    async with db.read() as session:
        attempts = await session.scalar(select(Run.attempts).where(Run.id == run["id"]))
    assert attempts == 1


async def test_an_api_only_nodes_runs_are_picked_up_by_a_worker_at_its_next_sweep(
    client: httpx.AsyncClient, ctx: AppContext, db: Database, caller: Caller
) -> None:
    worker = _another_worker(ctx, db, redispatch_after_seconds=3600, sweep_interval_seconds=0.2)
    await ctx.executor.stop(grace_seconds=0)  # the API node has no workers
    await worker.executor.start()
    try:
        await asyncio.sleep(0.3)  # past the worker's start-up sweep
        run = (await create_test_run(client, caller)).json()
        async with db.read() as session:
            dispatched = await session.scalar(select(Run.dispatched_at).where(Run.id == run["id"]))
        assert dispatched is None
        done = await wait_terminal(client, caller, run["id"], within_seconds=5)
    finally:
        await worker.executor.stop(grace_seconds=0)
    assert done["status"] == "completed"
