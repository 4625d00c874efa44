"""Operator commands behind `genfire-server admin ...`.

Each returns a JSON-able result; `cli.py` prints it as JSON (`--json`) or as text.
Secrets (API keys, OAuth client secrets) appear in that result once and are never stored.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genfire_server.accounts import service as accounts
from genfire_server.accounts.schemas import AccountOut
from genfire_server.auth import credentials
from genfire_server.auth import scopes as scope_rules
from genfire_server.auth import service as auth
from genfire_server.credits import service as credits
from genfire_server.credits.amounts import to_milli, to_public
from genfire_server.kit.db import Database
from genfire_server.kit.errors import InvalidApiKey, ValidationFailed
from genfire_server.models import Account
from genfire_server.settings import Settings, write_private_file


@dataclass
class Outcome:
    """What a command did: a JSON document and the lines a person reads."""

    data: dict[str, Any] | list[Any]
    text: list[str]


def _account_json(account: Account) -> dict[str, Any]:
    return AccountOut.model_validate(account, from_attributes=True).model_dump(mode="json")


def _amount(text: str, *, what: str) -> int:
    try:
        return to_milli(text)
    except ValueError as exc:
        raise ValidationFailed(f"{what}: {exc}") from exc


async def create_account(
    db: Database, *, email: str, name: str | None, credits_amount: str, plan: str
) -> Outcome:
    credits_milli = _amount(credits_amount, what="--credits")
    if credits_milli < 0:
        raise ValidationFailed("--credits cannot be negative.")
    async with db.write() as session:
        account = await accounts.create_account(
            session, email=email, display_name=name or email, plan=plan, credits_milli=credits_milli
        )
        data = _account_json(account)
    return Outcome(data, [f"Created account {account.id} <{account.email}>."])


async def create_key(
    db: Database, *, account: str, scopes: str | None, label: str | None
) -> Outcome:
    granted = scope_rules.validated(scopes, default=[scope_rules.ALL])
    async with db.write() as session:
        owner = await accounts.resolve(session, account)
        key, plaintext = await auth.create_api_key(session, owner.id, granted, label)
    data = {"id": key.id, "api_key": plaintext, "scopes": granted, "label": label}
    return Outcome(
        data,
        [
            f"Created API key {key.id} for {owner.email} with scopes: {' '.join(granted)}",
            plaintext,
            "This is the only time the key is shown. Store it now.",
        ],
    )


async def revoke_key(db: Database, *, key: str) -> Outcome:
    # Accept the key id or the whole key, whichever the operator has at hand.
    parts = credentials.split_api_key(key)
    key_id = parts[0] if parts else key
    async with db.write() as session:
        row = await auth.revoke_api_key(session, key_id)
        data = {"id": row.id, "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None}
    return Outcome(data, [f"Revoked API key {key_id}."])


async def grant_credits(db: Database, *, account: str, amount: str, reason: str) -> Outcome:
    delta = _amount(amount, what="--amount")
    if delta == 0:
        raise ValidationFailed("--amount must not be zero.")
    async with db.write() as session:
        owner = await accounts.resolve(session, account)
        if delta > 0:
            balance = await credits.grant(session, owner.id, delta, reason)
        else:
            balance = await credits.adjust(session, owner.id, delta, reason)
    data = {"account_id": owner.id, "amount": to_public(delta), "balance": to_public(balance)}
    return Outcome(
        data, [f"{owner.email}: {to_public(delta):+} credits, balance {to_public(balance)}."]
    )


async def create_oauth_client(
    db: Database, *, account: str, scopes: str | None, label: str | None
) -> Outcome:
    granted = scope_rules.validated(scopes, default=[scope_rules.ALL])
    async with db.write() as session:
        owner = await accounts.resolve(session, account)
        client, secret = await auth.create_oauth_client(session, owner.id, granted, label)
    data = {"client_id": client.id, "client_secret": secret, "scopes": granted}
    return Outcome(
        data,
        [
            f"Created OAuth client for {owner.email} with scopes: {' '.join(granted)}",
            f"client_id:     {client.id}",
            f"client_secret: {secret}",
            "This is the only time the secret is shown. Store it now.",
        ],
    )


async def revoke_oauth_client(db: Database, *, client_id: str) -> Outcome:
    async with db.write() as session:
        client = await auth.revoke_oauth_client(session, client_id)
        revoked_at = client.revoked_at.isoformat() if client.revoked_at else None
    return Outcome(
        {"client_id": client_id, "revoked_at": revoked_at},
        [f"Revoked OAuth client {client_id}; its access tokens no longer work."],
    )


async def list_accounts(db: Database) -> Outcome:
    async with db.read() as session:
        rows = await accounts.list_accounts(session)
        listed = []
        for account in rows:
            entry = _account_json(account)
            entry["balance"] = to_public(await credits.balance_milli(session, account.id))
            listed.append(entry)
    text = [f"{a['id']}  {a['email']:<32} {a['status']:<9} {a['balance']} credits" for a in listed]
    return Outcome(listed, text or ["No accounts."])


def _read_if_exists(path: Path) -> str | None:
    return path.read_text().strip() if path.exists() else None


async def ensure_dev_account(db: Database, settings: Settings, key_file: Path) -> Outcome:
    """The development account with its credits and a `*` key saved in `key_file`.

    Idempotent: an existing account is kept as it is, and a key file whose key still
    works is reused; only a missing or dead key is replaced.
    """
    email = settings.dev_account_email
    async with db.write() as session:
        account = await accounts.find_by_email(session, email)
        created = account is None
        if account is None:
            account = await accounts.create_account(
                session,
                email=email,
                display_name="Development",
                plan="development",
                credits_milli=settings.dev_account_credits * 1000,
            )
        existing = await asyncio.to_thread(_read_if_exists, key_file)
        if existing:
            try:
                principal, _ = await auth.authenticate(db, existing, settings)
                if principal.account_id == account.id and scope_rules.ALL in principal.scopes:
                    return Outcome(
                        {
                            "account": _account_json(account),
                            "key_file": str(key_file),
                            "created": False,
                        },
                        [f"Development account {email}: reusing the API key in {key_file}."],
                    )
            except InvalidApiKey:
                pass
        _key, plaintext = await auth.create_api_key(
            session, account.id, [scope_rules.ALL], "development (make run)"
        )
        account_data = _account_json(account)
    write_private_file(key_file, plaintext)
    verb = "Created" if created else "Found"
    return Outcome(
        {
            "account": account_data,
            "key_file": str(key_file),
            "api_key": plaintext,
            "created": created,
        },
        [
            f"{verb} development account {email} "
            f"({settings.dev_account_credits} credits at creation).",
            f"API key (scope *), saved to {key_file}:",
            f"  {plaintext}",
        ],
    )
