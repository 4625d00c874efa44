"""`credits.hold_many`: one hold per amount, all or none, and a ledger that still adds up."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from genfire_server.credits import service as credits
from genfire_server.kit.db import Database
from genfire_server.kit.errors import InsufficientCredits
from genfire_server.models import CreditLedgerEntry
from tests.conftest import MakeCaller
from tests.credits import ledger


async def _hold_entries(db: Database, account_id: str) -> dict[str, CreditLedgerEntry]:
    """The account's `hold` ledger entries, by the hold they took."""
    async with db.read() as session:
        rows = list(
            await session.scalars(
                select(CreditLedgerEntry).where(
                    CreditLedgerEntry.account_id == account_id, CreditLedgerEntry.kind == "hold"
                )
            )
        )
    by_hold = {row.hold_id: row for row in rows if row.hold_id is not None}
    assert len(by_hold) == len(rows), "one entry per hold"
    return by_hold


async def test_holds_each_amount_with_its_reference_in_order(
    db: Database, make_caller: MakeCaller
) -> None:
    caller = await make_caller(credits=100)
    wanted = [(5_000, "item-a"), (12_500, "item-b"), (1, "item-c"), (30_000, "item-d")]
    async with db.write() as session:
        hold_ids = await credits.hold_many(session, caller.account_id, wanted)

    assert len(hold_ids) == len(wanted) and len(set(hold_ids)) == len(wanted)
    holds = await ledger.holds(db, caller.account_id)
    assert set(holds) == set(hold_ids)
    assert [(holds[hid].amount_milli, holds[hid].reference) for hid in hold_ids] == wanted
    for hold_id in hold_ids:
        row = holds[hold_id]
        assert (row.status, row.captured_milli, row.settled_at) == ("held", None, None)

    total = sum(amount for amount, _reference in wanted)
    assert await ledger.state(db, caller.account_id) == (100_000 - total, 100_000 - total)


async def test_ledger_entries_read_as_holds_taken_one_after_another(
    db: Database, make_caller: MakeCaller
) -> None:
    caller = await make_caller(credits=50)
    amounts = [7_000, 3_000, 11_000, 4_500]
    async with db.write() as session:
        hold_ids = await credits.hold_many(
            session, caller.account_id, [(amount, f"ref-{i}") for i, amount in enumerate(amounts)]
        )

    entries = await _hold_entries(db, caller.account_id)
    assert set(entries) == set(hold_ids)
    in_order = [entries[hold_id] for hold_id in hold_ids]
    assert [entry.amount_milli for entry in in_order] == [-amount for amount in amounts]
    assert [entry.reason for entry in in_order] == [f"ref-{i}" for i in range(len(amounts))]
    # Each entry is "this change, and what it left": 50 - 7, then - 3, - 11, - 4.5.
    assert [entry.balance_after_milli for entry in in_order] == [43_000, 40_000, 29_000, 24_500]
    # Read in time order, as a statement would list them, they replay the same steps.
    by_time = sorted(entries.values(), key=lambda entry: (entry.created_at, entry.id))
    assert [entry.balance_after_milli for entry in by_time] == [43_000, 40_000, 29_000, 24_500]
    assert await ledger.state(db, caller.account_id) == (24_500, 24_500)
    assert await ledger.kinds(db, caller.account_id) == {"grant": 1, "hold": 4}


async def test_holds_after_earlier_activity_continue_from_the_current_balance(
    db: Database, make_caller: MakeCaller
) -> None:
    caller = await make_caller(credits=20)
    async with db.write() as session:
        single = await credits.hold(session, caller.account_id, 6_000)
    async with db.write() as session:
        hold_ids = await credits.hold_many(session, caller.account_id, [(2_000, "x"), (5_000, "y")])

    entries = await _hold_entries(db, caller.account_id)
    assert entries[single.hold_id].balance_after_milli == 14_000
    assert [entries[hold_id].balance_after_milli for hold_id in hold_ids] == [12_000, 7_000]
    assert await ledger.state(db, caller.account_id) == (7_000, 7_000)


async def test_can_take_the_whole_balance_exactly(db: Database, make_caller: MakeCaller) -> None:
    caller = await make_caller(credits=10)
    async with db.write() as session:
        hold_ids = await credits.hold_many(session, caller.account_id, [(4_000, "a"), (6_000, "b")])
    assert len(hold_ids) == 2
    assert await ledger.state(db, caller.account_id) == (0, 0)


async def test_short_balance_is_refused_and_nothing_is_written(
    db: Database, make_caller: MakeCaller
) -> None:
    """The first three holds alone would fit; all four do not, so none is taken."""
    caller = await make_caller(credits=10)
    with pytest.raises(InsufficientCredits) as info:
        async with db.write() as session:
            await credits.hold_many(
                session,
                caller.account_id,
                [(2_000, "a"), (3_000, "b"), (4_000, "c"), (1_001, "d")],
            )
    assert info.value.status == 402 and "10.001" in info.value.detail
    assert await ledger.holds(db, caller.account_id) == {}
    assert await ledger.kinds(db, caller.account_id) == {"grant": 1}
    assert await ledger.state(db, caller.account_id) == (10_000, 10_000)


async def test_a_refused_batch_of_holds_leaves_nothing_even_if_the_caller_commits(
    db: Database, make_caller: MakeCaller
) -> None:
    caller = await make_caller(credits=5)
    async with db.write() as session:
        with pytest.raises(InsufficientCredits):
            await credits.hold_many(
                session, caller.account_id, [(1_000, "a"), (1_000, "b"), (3_001, "c")]
            )
        # the transaction goes on and commits
    assert await ledger.holds(db, caller.account_id) == {}
    assert await ledger.kinds(db, caller.account_id) == {"grant": 1}
    assert await ledger.state(db, caller.account_id) == (5_000, 5_000)


async def test_no_holds_returns_nothing_and_writes_nothing(
    db: Database, make_caller: MakeCaller
) -> None:
    caller = await make_caller(credits=3)
    async with db.write() as session:
        assert await credits.hold_many(session, caller.account_id, []) == []
    assert await ledger.holds(db, caller.account_id) == {}
    assert await ledger.kinds(db, caller.account_id) == {"grant": 1}
    assert await ledger.state(db, caller.account_id) == (3_000, 3_000)


@pytest.mark.parametrize("bad", [0, -1_000])
async def test_a_non_positive_amount_is_refused_before_anything_is_written(
    db: Database, make_caller: MakeCaller, bad: int
) -> None:
    caller = await make_caller(credits=10)
    async with db.write() as session:
        with pytest.raises(ValueError, match="positive"):
            await credits.hold_many(session, caller.account_id, [(1_000, "a"), (bad, "b")])
        # committed all the same: the valid first hold must not have been taken
    assert await ledger.holds(db, caller.account_id) == {}
    assert await ledger.state(db, caller.account_id) == (10_000, 10_000)


async def test_each_hold_settles_on_its_own(db: Database, make_caller: MakeCaller) -> None:
    caller = await make_caller(credits=100)
    async with db.write() as session:
        whole, part, back, later = await credits.hold_many(
            session,
            caller.account_id,
            [(10_000, "whole"), (20_000, "part"), (30_000, "back"), (15_000, "later")],
        )
    assert await ledger.state(db, caller.account_id) == (25_000, 25_000)

    async with db.write() as session:
        captured = await credits.capture(session, whole, 10_000)
        partial = await credits.capture(session, part, 8_000)
        released = await credits.release(session, back)
    assert (captured.status, captured.amount_milli, captured.captured_milli) == (
        "captured",
        10_000,
        10_000,
    )
    assert (partial.status, partial.amount_milli, partial.captured_milli) == (
        "captured",
        20_000,
        8_000,
    )
    assert (released.status, released.amount_milli, released.captured_milli) == (
        "released",
        30_000,
        0,
    )
    # 100 - 75 held, + 12 unused of the partial capture, + 30 released; `later` still held.
    assert await ledger.state(db, caller.account_id) == (67_000, 67_000)
    holds = await ledger.holds(db, caller.account_id)
    assert {hold_id: holds[hold_id].status for hold_id in (whole, part, back, later)} == {
        whole: "captured",
        part: "captured",
        back: "released",
        later: "held",
    }

    async with db.write() as session:
        await credits.release(session, later)
        # Settling again changes nothing.
        again = await credits.capture(session, whole, 1_000)
    assert (again.status, again.captured_milli) == ("captured", 10_000)
    # Charged 10 + 8 in all.
    assert await ledger.state(db, caller.account_id) == (82_000, 82_000)
    assert await ledger.kinds(db, caller.account_id) == {"grant": 1, "hold": 4, "release": 3}
