"""Idempotency-Key: one effect per key, replayed byte for byte."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from genfire_server.context import AppContext
from genfire_server.kit.clock import utcnow
from genfire_server.kit.db import Database
from genfire_server.models import CreditHold, IdempotencyKey, Run
from tests.conftest import Caller, MakeCaller, assert_problem
from tests.runs.helpers import create_test_run


async def _counts(db: Database, account_id: str) -> tuple[int, int]:
    async with db.read() as session:
        runs = await session.scalar(
            select(func.count()).select_from(Run).where(Run.account_id == account_id)
        )
        holds = await session.scalar(
            select(func.count()).select_from(CreditHold).where(CreditHold.account_id == account_id)
        )
    return int(runs or 0), int(holds or 0)


async def test_missing_key_is_refused(client: httpx.AsyncClient, caller: Caller) -> None:
    response = await client.post("/v1/testing/runs", json={}, headers=caller.headers)
    assert_problem(response, 400, "idempotency_key_required")
    too_long = await create_test_run(client, caller, key="k" * 256)
    assert_problem(too_long, 400, "validation_error")


async def test_same_key_same_body_replays_byte_for_byte(
    client: httpx.AsyncClient, db: Database, caller: Caller
) -> None:
    first = await create_test_run(client, caller, key="replay-me", credits=2)
    second = await create_test_run(client, caller, key="replay-me", credits=2)
    assert second.status_code == first.status_code == 200
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _counts(db, caller.account_id) == (1, 1)


async def test_json_formatting_does_not_change_the_request(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    headers = {
        **caller.headers,
        "Idempotency-Key": "formatting",
        "content-type": "application/json",
    }
    first = await client.post(
        "/v1/testing/runs", content=b'{"credits": 2, "echo": 1}', headers=headers
    )
    again = await client.post(
        "/v1/testing/runs", content=b'{"echo":1,"credits":2}', headers=headers
    )
    assert again.headers.get("idempotent-replayed") == "true" and again.content == first.content


async def test_same_key_different_body_is_422(
    client: httpx.AsyncClient, db: Database, caller: Caller
) -> None:
    await create_test_run(client, caller, key="reused", credits=2)
    response = await create_test_run(client, caller, key="reused", credits=3)
    assert_problem(response, 422, "idempotency_key_reused")
    assert await _counts(db, caller.account_id) == (1, 1)


async def test_keys_are_scoped_to_the_account(
    client: httpx.AsyncClient, db: Database, make_caller: MakeCaller
) -> None:
    one, two = await make_caller(), await make_caller()
    a = await create_test_run(client, one, key="shared-key")
    b = await create_test_run(client, two, key="shared-key")
    assert a.json()["id"] != b.json()["id"] and "idempotent-replayed" not in b.headers


async def test_rejections_before_work_are_not_stored(
    client: httpx.AsyncClient, db: Database, make_caller: MakeCaller
) -> None:
    caller = await make_caller()
    bad = await create_test_run(client, caller, key="fix-and-retry", mode="nonsense")
    assert_problem(bad, 400, "validation_error")
    unsafe = await create_test_run(
        client, caller, key="fix-and-retry", input_url="http://127.0.0.1/x.png"
    )
    assert_problem(unsafe, 400, "unsafe_url")
    good = await create_test_run(client, caller, key="fix-and-retry")
    assert good.status_code == 200 and "idempotent-replayed" not in good.headers


async def test_a_402_is_part_of_the_outcome_and_replayed(
    client: httpx.AsyncClient, make_caller: MakeCaller
) -> None:
    poor = await make_caller(credits=1)
    first = await create_test_run(client, poor, key="too-dear", credits=5)
    again = await create_test_run(client, poor, key="too-dear", credits=5)
    assert_problem(first, 402, "insufficient_credits")
    assert again.status_code == 402 and again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"


async def test_in_flight_key_is_409(
    client: httpx.AsyncClient, db: Database, caller: Caller
) -> None:
    # A first attempt that is (as far as the key can tell) still being processed.
    first = await create_test_run(client, caller, key="busy-2", mode="sleep", seconds=1)
    async with db.write() as session:
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "busy-2")
            .values(status="in_flight", locked_until=utcnow() + timedelta(seconds=60))
        )
    response = await create_test_run(client, caller, key="busy-2", mode="sleep", seconds=1)
    assert_problem(response, 409, "idempotency_key_in_use")
    assert first.status_code == 200


async def test_a_crashed_first_attempt_is_recovered_not_repeated(
    client: httpx.AsyncClient, db: Database, caller: Caller
) -> None:
    """The run was created but the response never stored (the process died): once the
    key's lock lapses, a retry answers with that run."""
    first = await create_test_run(client, caller, key="crashed")
    run_id = first.json()["id"]
    async with db.write() as session:
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "crashed")
            .values(
                status="in_flight", response_body=None, locked_until=utcnow() - timedelta(seconds=1)
            )
        )
    retry = await create_test_run(client, caller, key="crashed")
    assert retry.status_code == 200 and retry.json()["id"] == run_id
    assert await _counts(db, caller.account_id) == (1, 1)


async def test_expired_keys_are_forgotten(
    client: httpx.AsyncClient, db: Database, caller: Caller
) -> None:
    first = await create_test_run(client, caller, key="old")
    async with db.write() as session:
        await session.execute(
            update(IdempotencyKey).where(IdempotencyKey.key == "old").values(expires_at=utcnow())
        )
    second = await create_test_run(client, caller, key="old", credits=3)  # even a new body
    assert second.status_code == 200 and second.json()["id"] != first.json()["id"]


async def test_fifty_concurrent_requests_with_one_key_make_one_run_and_one_hold(
    client: httpx.AsyncClient, db: Database, caller: Caller
) -> None:
    responses = await asyncio.gather(
        *(create_test_run(client, caller, key="stampede", credits=2) for _ in range(50))
    )
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 409}, statuses
    created = {r.json()["id"] for r in responses if r.status_code == 200}
    assert len(created) == 1
    assert await _counts(db, caller.account_id) == (1, 1)
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "idempotency_key_in_use")


async def test_a_request_whose_claim_was_taken_over_cannot_record_or_release(
    ctx: AppContext, db: Database, caller: Caller
) -> None:
    """A too-slow first request must not clobber the retry that took its key over."""
    from genfire_server.idempotency.service import Claim, ClaimLost, _claim, _release

    slow = await _claim(ctx, caller.account_id, "slow", "f" * 64)
    assert isinstance(slow, Claim)
    async with db.write() as session:
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "slow")
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
    retry = await _claim(ctx, caller.account_id, "slow", "f" * 64)
    assert isinstance(retry, Claim) and retry.token != slow.token

    with pytest.raises(ClaimLost):
        async with db.write() as session:
            await slow.record(session, "run_from_the_slow_one")
    await _release(ctx, slow)  # must not delete the retry's claim
    async with db.write() as session:
        await retry.record(session, "run_from_the_retry")
    async with db.read() as session:
        row = await session.get(IdempotencyKey, (caller.account_id, "slow"))
    assert row is not None and row.resource_id == "run_from_the_retry"
