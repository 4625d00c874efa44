"""Accounts: creation (with their credit balance), lookup."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from genfire_server.credits import service as credits
from genfire_server.kit.clock import utcnow
from genfire_server.kit.errors import Conflict, NotFound, ValidationFailed
from genfire_server.kit.ids import new_id
from genfire_server.models import Account

# Deliberately loose: `dev@localhost` is a valid address for a self-hosted server.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


async def create_account(
    session: AsyncSession,
    *,
    email: str,
    display_name: str,
    plan: str = "standard",
    credits_milli: int = 0,
) -> Account:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise ValidationFailed(f"email: '{email}' is not an email address.")
    if await find_by_email(session, email) is not None:
        raise Conflict(f"An account with email {email} already exists.", code="account_exists")
    now = utcnow()
    account = Account(
        id=new_id("acct"),
        email=email,
        display_name=display_name.strip() or email,
        plan=plan,
        status="active",
        created_at=now,
        updated_at=now,
    )
    session.add(account)
    await session.flush()
    await credits.open_balance(session, account.id)
    if credits_milli:
        await credits.grant(session, account.id, credits_milli, "initial credits")
    return account


async def find_by_email(session: AsyncSession, email: str) -> Account | None:
    result = await session.scalars(
        select(Account).where(func.lower(Account.email) == email.strip().lower())
    )
    return result.first()


async def get_account(session: AsyncSession, account_id: str) -> Account:
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound(f"No account {account_id}.")
    return account


async def resolve(session: AsyncSession, id_or_email: str) -> Account:
    """An account by id (`acct_...`) or by email, for operators' commands."""
    if "@" in id_or_email:
        account = await find_by_email(session, id_or_email)
        if account is None:
            raise NotFound(f"No account with email {id_or_email}.")
        return account
    return await get_account(session, id_or_email)


async def list_accounts(session: AsyncSession) -> list[Account]:
    return list(await session.scalars(select(Account).order_by(Account.created_at, Account.id)))
