"""Authenticate bearer credentials and mint new ones."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from genfire_server.auth import credentials, tokens
from genfire_server.auth import scopes as scope_rules
from genfire_server.auth.principal import Principal
from genfire_server.kit.clock import utcnow
from genfire_server.kit.db import Database
from genfire_server.kit.errors import InvalidApiKey, NotFound
from genfire_server.kit.hot_reads import HotQuery
from genfire_server.models import Account, ApiKey, OAuthClient
from genfire_server.settings import Settings

_API_KEY = HotQuery(
    select(
        ApiKey.account_id,
        ApiKey.secret_hash,
        ApiKey.scopes,
        ApiKey.last_used_at,
        ApiKey.expires_at,
        ApiKey.revoked_at,
        Account.status,
    )
    .join(Account, Account.id == ApiKey.account_id)
    .where(ApiKey.id == bindparam("credential_id"))
)
_OAUTH_CLIENT = HotQuery(
    select(
        OAuthClient.account_id,
        OAuthClient.scopes,
        OAuthClient.last_used_at,
        OAuthClient.revoked_at,
        Account.status,
    )
    .join(Account, Account.id == OAuthClient.account_id)
    .where(OAuthClient.id == bindparam("credential_id"))
)


async def authenticate(
    db: Database, token: str, settings: Settings
) -> tuple[Principal, datetime | None]:
    """Resolve a bearer token to a principal; raises `InvalidApiKey` for anything else.

    Every call reads the credential's current row, so a revocation takes effect on the
    next request. Also returns `last_used_at` so the caller can decide to refresh it.
    """
    if token.startswith(credentials.API_KEY_PREFIX):
        parts = credentials.split_api_key(token)
        if parts is None:
            raise InvalidApiKey()
        key_id, secret = parts
        row = await db.fetch_one(_API_KEY, credential_id=key_id)
        if row is None:
            raise InvalidApiKey()
        account_id, secret_hash, scopes, last_used_at, expires_at, revoked_at, status = row
        if (
            not credentials.matches(secret, secret_hash)
            or revoked_at is not None
            or (expires_at is not None and expires_at <= utcnow())
            or status != "active"
        ):
            raise InvalidApiKey()
        return Principal(account_id, frozenset(scopes.split()), key_id, "api_key"), last_used_at

    claims = tokens.verify(token, key=settings.resolved_secret_key, issuer=settings.public_url)
    if claims is None:
        raise InvalidApiKey()
    client_row = await db.fetch_one(_OAUTH_CLIENT, credential_id=claims.client_id)
    if client_row is None:
        raise InvalidApiKey()
    account_id, scopes, last_used_at, revoked_at, status = client_row
    if revoked_at is not None or account_id != claims.account_id or status != "active":
        raise InvalidApiKey()
    # A token never carries more than its client has now, even if the client was narrowed.
    held = set(scopes.split())
    granted = frozenset(s for s in claims.scopes if scope_rules.subset([s], held))
    return Principal(account_id, granted, claims.client_id, "oauth_token"), last_used_at


def needs_touch(last_used_at: datetime | None, settings: Settings) -> bool:
    if last_used_at is None:
        return True
    resolution = timedelta(seconds=settings.api_key_last_used_resolution_seconds)
    return utcnow() - last_used_at >= resolution


async def touch(db: Database, principal: Principal) -> None:
    """Record that the credential was used just now, in a transaction of its own."""
    table = ApiKey if principal.kind == "api_key" else OAuthClient
    async with db.write() as session:
        await session.execute(
            update(table).where(table.id == principal.credential_id).values(last_used_at=utcnow())
        )


async def touch_client(session: AsyncSession, client_id: str) -> None:
    await session.execute(
        update(OAuthClient).where(OAuthClient.id == client_id).values(last_used_at=utcnow())
    )


async def create_api_key(
    session: AsyncSession,
    account_id: str,
    scopes: list[str],
    label: str | None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Mint a key; the plaintext is returned here once and never stored."""
    minted = credentials.mint_api_key()
    key = ApiKey(
        id=minted.key_id,
        account_id=account_id,
        secret_hash=minted.secret_digest,
        scopes=scope_rules.serialize(scopes),
        label=label,
        created_at=utcnow(),
        last_used_at=None,
        expires_at=expires_at,
        revoked_at=None,
    )
    session.add(key)
    await session.flush()
    return key, minted.api_key


async def revoke_api_key(session: AsyncSession, key_id: str) -> ApiKey:
    key = await session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"No API key {key_id}.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await session.flush()
    return key


async def revoke_oauth_client(session: AsyncSession, client_id: str) -> OAuthClient:
    """Revoke a client; its access tokens stop working on their next request."""
    client = await session.get(OAuthClient, client_id)
    if client is None:
        raise NotFound(f"No OAuth client {client_id}.")
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        await session.flush()
    return client


async def create_oauth_client(
    session: AsyncSession, account_id: str, scopes: list[str], label: str | None
) -> tuple[OAuthClient, str]:
    minted = credentials.mint_oauth_client()
    client = OAuthClient(
        id=minted.client_id,
        account_id=account_id,
        secret_hash=minted.secret_digest,
        scopes=scope_rules.serialize(scopes),
        label=label,
        created_at=utcnow(),
        last_used_at=None,
        revoked_at=None,
    )
    session.add(client)
    await session.flush()
    return client, minted.client_secret


async def verify_client(session: AsyncSession, client_id: str, secret: str) -> OAuthClient | None:
    """The active client these credentials prove, or None."""
    row = (
        await session.execute(
            select(OAuthClient, Account.status)
            .join(Account, Account.id == OAuthClient.account_id)
            .where(OAuthClient.id == client_id)
        )
    ).one_or_none()
    if row is None:
        # Same work as a real check, so timing does not reveal which client ids exist.
        credentials.matches(secret, "0" * 64)
        return None
    client, account_status = row
    if not credentials.matches(secret, client.secret_hash):
        return None
    if client.revoked_at is not None or account_status != "active":
        return None
    return client
