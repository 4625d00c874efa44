"""An account's credits as the database has them: what credit tests read back and check."""

from __future__ import annotations

from sqlalchemy import func, select

from genfire_server.credits import service as credits
from genfire_server.kit.db import Database
from genfire_server.models import CreditHold, CreditLedgerEntry


async def state(db: Database, account_id: str) -> tuple[int, int]:
    """(balance, sum of the ledger's entries), both in millicredits."""
    async with db.read() as session:
        balance = await credits.balance_milli(session, account_id)
        total = await session.scalar(
            select(func.coalesce(func.sum(CreditLedgerEntry.amount_milli), 0)).where(
                CreditLedgerEntry.account_id == account_id
            )
        )
    return balance, int(total or 0)


async def holds(db: Database, account_id: str) -> dict[str, CreditHold]:
    """The account's credit holds, by id."""
    async with db.read() as session:
        rows = await session.scalars(select(CreditHold).where(CreditHold.account_id == account_id))
        return {row.id: row for row in rows}


async def kinds(db: Database, account_id: str) -> dict[str, int]:
    """How many ledger entries of each kind the account has."""
    async with db.read() as session:
        rows = await session.execute(
            select(CreditLedgerEntry.kind, func.count())
            .where(CreditLedgerEntry.account_id == account_id)
            .group_by(CreditLedgerEntry.kind)
        )
        return {kind: count for kind, count in rows.all()}


async def assert_charged_once_each(
    db: Database, account_id: str, balance: float, charges: int
) -> list[CreditHold]:
    """After a server was killed mid-work and came back: the account's `balance` (in
    credits, as the API shows it) is what its ledger adds up to, every hold of its
    `charges` is captured, and the ledger has one `hold` entry for each besides the grant
    and no release, so each was charged exactly its price. Returns the holds."""
    assert await state(db, account_id) == (balance * 1000, balance * 1000)
    taken = list((await holds(db, account_id)).values())
    assert len(taken) == charges and all(hold.status == "captured" for hold in taken), taken
    assert await kinds(db, account_id) == {"grant": 1, "hold": charges}
    return taken
