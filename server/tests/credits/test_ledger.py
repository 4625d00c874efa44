"""Ledger primitives: balances always equal the sum of entries and never go negative."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from genfire_server.credits import service as credits
from genfire_server.credits.amounts import to_milli, to_public
from genfire_server.kit.db import Database
from genfire_server.kit.errors import InsufficientCredits
from genfire_server.models import CreditBalance, CreditHold, CreditLedgerEntry
from tests.conftest import MakeCaller
from tests.credits import ledger


def test_amounts_round_trip_and_refuse_sub_millicredit_precision() -> None:
    assert to_milli("0.025") == 25 and to_milli(3) == 3000 and to_milli("10000") == 10_000_000
    assert to_public(25) == 0.025 and to_public(3000) == 3 and isinstance(to_public(3000), int)
    with pytest.raises(ValueError, match="three decimals"):
        to_milli("0.0001")
    with pytest.raises(ValueError, match="not a number"):
        to_milli("ten")


async def test_hold_capture_release_add_up(db: Database, make_caller: MakeCaller) -> None:
    caller = await make_caller(credits=100)
    async with db.write() as session:
        first = await credits.hold(session, caller.account_id, 30_000)
        second = await credits.hold(session, caller.account_id, 20_000)
    assert await ledger.state(db, caller.account_id) == (50_000, 50_000)

    async with db.write() as session:
        captured = await credits.capture(session, first.hold_id, 12_500)
        released = await credits.release(session, second.hold_id)
    assert (captured.status, captured.captured_milli) == ("captured", 12_500)
    assert (released.status, released.captured_milli) == ("released", 0)
    # 100 - 12.5 charged: the unused 17.5 and the whole 20 came back.
    assert await ledger.state(db, caller.account_id) == (87_500, 87_500)


async def test_settling_twice_changes_nothing(db: Database, make_caller: MakeCaller) -> None:
    caller = await make_caller(credits=10)
    async with db.write() as session:
        held = await credits.hold(session, caller.account_id, 4_000)
    async with db.write() as session:
        await credits.capture(session, held.hold_id, 4_000)
    async with db.write() as session:
        again = await credits.capture(session, held.hold_id, 1_000)
        late_release = await credits.release(session, held.hold_id)
    assert again.status == "captured" and again.captured_milli == 4_000
    assert late_release.status == "captured"
    assert await ledger.state(db, caller.account_id) == (6_000, 6_000)


async def test_capture_cannot_exceed_its_hold(db: Database, make_caller: MakeCaller) -> None:
    caller = await make_caller(credits=10)
    async with db.write() as session:
        held = await credits.hold(session, caller.account_id, 2_000)
    with pytest.raises(ValueError, match="cannot capture"):
        async with db.write() as session:
            await credits.capture(session, held.hold_id, 2_001)
    async with db.read() as session:
        row = await session.get(CreditHold, held.hold_id)
    assert row is not None and row.status == "held"


async def test_short_balance_is_refused_and_nothing_is_written(
    db: Database, make_caller: MakeCaller
) -> None:
    caller = await make_caller(credits=5)
    with pytest.raises(InsufficientCredits) as info:
        async with db.write() as session:
            await credits.hold(session, caller.account_id, 5_001)
    assert info.value.status == 402 and "5.001" in info.value.detail
    assert await ledger.state(db, caller.account_id) == (5_000, 5_000)
    async with db.read() as session:
        holds = await session.scalar(select(func.count()).select_from(CreditHold))
    assert holds == 0


async def test_a_refused_hold_leaves_nothing_even_if_the_caller_commits(
    db: Database, make_caller: MakeCaller
) -> None:
    """A batch that catches the 402 and carries on must not leave a releasable hold."""
    caller = await make_caller(credits=1)
    async with db.write() as session:
        with pytest.raises(InsufficientCredits):
            await credits.hold(session, caller.account_id, 5_000)
        # the transaction goes on and commits
    assert await ledger.holds(db, caller.account_id) == {}
    assert await ledger.state(db, caller.account_id) == (1_000, 1_000)


async def test_database_refuses_a_negative_balance_even_without_the_guard(
    db: Database, make_caller: MakeCaller
) -> None:
    caller = await make_caller(credits=1)
    with pytest.raises(IntegrityError):
        async with db.write() as session:
            row = await session.get(CreditBalance, caller.account_id)
            assert row is not None
            row.balance_milli = -1
            await session.flush()


@pytest.mark.parametrize("holds", [20])
async def test_concurrent_holds_never_overdraw(
    db: Database, make_caller: MakeCaller, holds: int
) -> None:
    """With credit for N-1 holds, N concurrent holds give exactly N-1 successes."""
    caller = await make_caller(credits=holds - 1)

    async def attempt() -> bool:
        try:
            async with db.write() as session:
                await credits.hold(session, caller.account_id, 1_000)
        except InsufficientCredits:
            return False
        return True

    results = await asyncio.gather(*(attempt() for _ in range(holds)))
    assert results.count(True) == holds - 1
    assert await ledger.state(db, caller.account_id) == (0, 0)
    assert len(await ledger.holds(db, caller.account_id)) == holds - 1


async def test_concurrent_holds_across_separate_engines(
    database_url: str, db: Database, make_caller: MakeCaller
) -> None:
    """Two processes' worth of pools (no shared in-process lock) still cannot overdraw."""
    caller = await make_caller(credits=9)
    engines = [Database(database_url, pool_size=5) for _ in range(2)]

    async def attempt(database: Database) -> bool:
        try:
            async with database.write() as session:
                await credits.hold(session, caller.account_id, 1_000)
        except InsufficientCredits:
            return False
        return True

    try:
        results = await asyncio.gather(*(attempt(engines[i % 2]) for i in range(10)))
    finally:
        for database in engines:
            await database.dispose()
    assert results.count(True) == 9
    assert await ledger.state(db, caller.account_id) == (0, 0)


async def test_grant_and_adjust(db: Database, make_caller: MakeCaller) -> None:
    caller = await make_caller(credits=0)
    async with db.write() as session:
        assert await credits.grant(session, caller.account_id, 2_500, "promo") == 2_500
        assert await credits.adjust(session, caller.account_id, -500, "correction") == 2_000
    with pytest.raises(InsufficientCredits):
        async with db.write() as session:
            await credits.adjust(session, caller.account_id, -2_001, "too much")
    async with db.read() as session:
        kinds = list(
            await session.scalars(
                select(CreditLedgerEntry.kind)
                .where(CreditLedgerEntry.account_id == caller.account_id)
                .order_by(CreditLedgerEntry.id)
            )
        )
    assert kinds == ["grant", "adjustment"]
