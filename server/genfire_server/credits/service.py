"""The ledger primitives every other domain uses: grant, hold, capture, release.

Each changes a balance and appends its ledger entry in the caller's transaction, so
the balance always equals the sum of the entries. Holds debit the balance when taken
(`UPDATE ... WHERE balance >= amount`, atomic on SQLite and PostgreSQL), so concurrent
holds can never overdraw it. Capture and release settle a hold exactly once: a second
call is a no-op that reports the state the first one left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from genfire_server.credits.amounts import to_public
from genfire_server.kit.clock import utcnow
from genfire_server.kit.db import Database
from genfire_server.kit.errors import InsufficientCredits, NotFound
from genfire_server.kit.hot_reads import HotQuery
from genfire_server.kit.ids import new_id
from genfire_server.models import CreditBalance, CreditHold, CreditLedgerEntry


@dataclass(frozen=True)
class HoldResult:
    hold_id: str
    status: str
    amount_milli: int
    captured_milli: int | None


async def open_balance(session: AsyncSession, account_id: str) -> None:
    """Create the zero balance row of a new account."""
    session.add(CreditBalance(account_id=account_id, balance_milli=0, updated_at=utcnow()))
    await session.flush()


_BALANCE = HotQuery(
    select(CreditBalance.balance_milli).where(CreditBalance.account_id == bindparam("account_id"))
)


async def current_balance(db: Database, account_id: str) -> int:
    """The balance as last committed, read outside any transaction (see kit/hot_reads)."""
    row = await db.fetch_one(_BALANCE, account_id=account_id)
    if row is None:
        raise NotFound(f"Account {account_id} has no credit balance.")
    balance: int = row[0]
    return balance


async def balance_milli(session: AsyncSession, account_id: str) -> int:
    value = await session.scalar(
        select(CreditBalance.balance_milli).where(CreditBalance.account_id == account_id)
    )
    if value is None:
        raise NotFound(f"Account {account_id} has no credit balance.")
    return value


async def _move_balance(session: AsyncSession, account_id: str, delta_milli: int) -> int:
    """Move the balance by `delta_milli`, refusing to go below zero. Returns the new balance.

    Writes nothing when it refuses, so a caller that catches `InsufficientCredits` and
    commits leaves no trace of the attempt.
    """
    statement = (
        update(CreditBalance)
        .where(CreditBalance.account_id == account_id)
        .values(balance_milli=CreditBalance.balance_milli + delta_milli, updated_at=utcnow())
        .returning(CreditBalance.balance_milli)
    )
    if delta_milli < 0:
        statement = statement.where(CreditBalance.balance_milli >= -delta_milli)
    new_balance = (await session.execute(statement)).scalar_one_or_none()
    if new_balance is not None:
        return new_balance
    current = await session.scalar(
        select(CreditBalance.balance_milli).where(CreditBalance.account_id == account_id)
    )
    if current is None:
        raise NotFound(f"Account {account_id} has no credit balance.")
    raise InsufficientCredits(
        f"This needs {to_public(-delta_milli)} credits; the balance is {to_public(current)}."
    )


def _record(
    session: AsyncSession,
    account_id: str,
    delta_milli: int,
    balance_after_milli: int,
    *,
    kind: str,
    reason: str | None,
    hold_id: str | None = None,
) -> None:
    session.add(
        CreditLedgerEntry(
            id=new_id("cle"),
            account_id=account_id,
            kind=kind,
            amount_milli=delta_milli,
            balance_after_milli=balance_after_milli,
            hold_id=hold_id,
            reason=reason,
            created_at=utcnow(),
        )
    )


async def _apply(
    session: AsyncSession,
    account_id: str,
    delta_milli: int,
    *,
    kind: str,
    reason: str | None,
    hold_id: str | None = None,
) -> int:
    """Move the balance and record the ledger entry that explains it."""
    new_balance = await _move_balance(session, account_id, delta_milli)
    _record(
        session, account_id, delta_milli, new_balance, kind=kind, reason=reason, hold_id=hold_id
    )
    await session.flush()
    return new_balance


async def grant(session: AsyncSession, account_id: str, amount_milli: int, reason: str) -> int:
    """Add credits (a purchase, a promotion, an operator's grant). Returns the new balance."""
    if amount_milli <= 0:
        raise ValueError("a grant must be positive")
    return await _apply(session, account_id, amount_milli, kind="grant", reason=reason)


async def adjust(session: AsyncSession, account_id: str, delta_milli: int, reason: str) -> int:
    """An operator's correction in either direction; never below zero."""
    if delta_milli == 0:
        raise ValueError("an adjustment must change the balance")
    return await _apply(session, account_id, delta_milli, kind="adjustment", reason=reason)


async def hold(
    session: AsyncSession, account_id: str, amount_milli: int, *, reference: str | None = None
) -> HoldResult:
    """Reserve credits for work about to start; raises `InsufficientCredits` (402) if short."""
    if amount_milli <= 0:
        raise ValueError("a hold must be positive")
    # Debit first: if the balance is short nothing has been written yet.
    new_balance = await _move_balance(session, account_id, -amount_milli)
    hold_id = new_id("hold")
    session.add(
        CreditHold(
            id=hold_id,
            account_id=account_id,
            amount_milli=amount_milli,
            captured_milli=None,
            status="held",
            reference=reference,
            created_at=utcnow(),
            settled_at=None,
        )
    )
    await session.flush()  # the ledger entry references the hold
    _record(
        session,
        account_id,
        -amount_milli,
        new_balance,
        kind="hold",
        reason=reference,
        hold_id=hold_id,
    )
    await session.flush()
    return HoldResult(hold_id, "held", amount_milli, None)


async def hold_many(
    session: AsyncSession, account_id: str, holds: Sequence[tuple[int, str]]
) -> list[str]:
    """Take one hold per `(amount_milli, reference)`, all or none: a batch reserving the
    price of each of its items. Raises `InsufficientCredits` (402), writing nothing, if
    the balance cannot cover them all. Returns the hold ids in order.

    One guarded balance update and two bulk inserts, however many holds: a 1,000-item
    batch is created in one short write transaction.
    """
    if any(amount <= 0 for amount, _reference in holds):
        raise ValueError("a hold must be positive")
    if not holds:
        return []
    total = sum(amount for amount, _reference in holds)
    balance = await _move_balance(session, account_id, -total) + total
    start = utcnow()
    hold_rows: list[dict[str, object]] = []
    entries: list[dict[str, object]] = []
    for step, (amount, reference) in enumerate(holds):
        hold_id = new_id("hold")
        balance -= amount
        # A microsecond apart, so the ledger read in time order replays the steps.
        now = start + timedelta(microseconds=step)
        hold_rows.append(
            {
                "id": hold_id,
                "account_id": account_id,
                "amount_milli": amount,
                "captured_milli": None,
                "status": "held",
                "reference": reference,
                "created_at": now,
                "settled_at": None,
            }
        )
        # Each entry carries the balance as if the holds were taken one after another,
        # so every entry still reads as "this change, and what it left".
        entries.append(
            {
                "id": new_id("cle"),
                "account_id": account_id,
                "kind": "hold",
                "amount_milli": -amount,
                "balance_after_milli": balance,
                "hold_id": hold_id,
                "reason": reference,
                "created_at": now,
            }
        )
    await session.execute(insert(CreditHold), hold_rows)
    await session.execute(insert(CreditLedgerEntry), entries)
    return [str(row["id"]) for row in hold_rows]


async def extend_hold(session: AsyncSession, hold_id: str, extra_milli: int) -> HoldResult:
    """Hold `extra_milli` more on an open hold: work that turned out bigger than estimated
    (a longer video than the request could know). Raises `InsufficientCredits` (402) and
    writes nothing if the balance is short, `ValueError` if the hold is already settled."""
    if extra_milli <= 0:
        raise ValueError("an extension must be positive")
    existing = await session.get(CreditHold, hold_id, with_for_update=True)
    if existing is None:
        raise NotFound(f"No credit hold {hold_id}.")
    if existing.status != "held":
        raise ValueError(f"hold {hold_id} is already {existing.status}")
    new_balance = await _move_balance(session, existing.account_id, -extra_milli)
    grown = await session.execute(
        update(CreditHold)
        .where(CreditHold.id == hold_id, CreditHold.status == "held")
        .values(amount_milli=CreditHold.amount_milli + extra_milli)
        .returning(CreditHold.amount_milli)
    )
    amount = grown.scalar_one()
    _record(
        session,
        existing.account_id,
        -extra_milli,
        new_balance,
        kind="hold",
        reason=existing.reference,
        hold_id=hold_id,
    )
    await session.flush()
    return HoldResult(hold_id, "held", amount, None)


async def _settle(
    session: AsyncSession, hold_id: str, status: str, charge_milli: int
) -> HoldResult:
    claimed = await session.execute(
        update(CreditHold)
        .where(
            CreditHold.id == hold_id,
            CreditHold.status == "held",
            CreditHold.amount_milli >= charge_milli,
        )
        .values(status=status, captured_milli=charge_milli, settled_at=utcnow())
        .returning(CreditHold.account_id, CreditHold.amount_milli)
    )
    row = claimed.one_or_none()
    if row is None:
        existing = await session.get(CreditHold, hold_id)
        if existing is None:
            raise NotFound(f"No credit hold {hold_id}.")
        if existing.status == "held":
            raise ValueError(
                f"cannot capture {charge_milli} from a hold of {existing.amount_milli}"
            )
        return HoldResult(
            existing.id, existing.status, existing.amount_milli, existing.captured_milli
        )
    account_id, amount_milli = row
    refund = amount_milli - charge_milli
    if refund:
        await _apply(
            session,
            account_id,
            refund,
            kind="release",
            reason=f"{status} {hold_id}",
            hold_id=hold_id,
        )
    return HoldResult(hold_id, status, amount_milli, charge_milli)


async def capture(session: AsyncSession, hold_id: str, charge_milli: int) -> HoldResult:
    """Charge `charge_milli` of a hold and give back the rest. Idempotent."""
    if charge_milli < 0:
        raise ValueError("a charge cannot be negative")
    return await _settle(session, hold_id, "captured", charge_milli)


async def release(session: AsyncSession, hold_id: str) -> HoldResult:
    """Give a whole hold back (the work failed or was cancelled). Idempotent."""
    return await _settle(session, hold_id, "released", 0)
