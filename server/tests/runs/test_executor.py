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
    await asyncio.sleep(0.4)
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
