"""Bearer API keys: formats, hashing, revocation, expiry, scopes, last_used_at."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update

from genfire_server.context import AppContext
from genfire_server.kit.clock import utcnow
from genfire_server.kit.db import Database
from genfire_server.models import ApiKey
from tests.conftest import Caller, MakeCaller, assert_problem


async def test_no_credential_is_authentication_required(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/account")
    assert_problem(response, 401, "authentication_required")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_empty_or_non_bearer_authorization_is_authentication_required(
    client: httpx.AsyncClient,
) -> None:
    assert_problem(
        await client.get("/v1/account", headers={"Authorization": "Bearer "}),
        401,
        "authentication_required",
    )
    assert_problem(
        await client.get("/v1/account", headers={"Authorization": "Basic dXNlcjpwYXNz"}),
        401,
        "authentication_required",
    )


async def test_valid_key_authenticates(client: httpx.AsyncClient, caller: Caller) -> None:
    response = await client.get("/v1/account", headers=caller.headers)
    assert response.status_code == 200
    assert response.json()["id"] == caller.account_id


async def test_key_format_and_only_a_hash_is_stored(db: Database, caller: Caller) -> None:
    assert caller.api_key.startswith("gfa_live_")
    public_id, secret = caller.api_key.removeprefix("gfa_live_").split(".")
    assert caller.key_id == f"key_{public_id}" and len(secret) >= 32
    async with db.read() as session:
        row = await session.get(ApiKey, caller.key_id)
    assert row is not None
    assert secret not in row.secret_hash and len(row.secret_hash) == 64
    for value in vars(row).values():
        assert secret not in str(value)


async def test_wrong_secret_unknown_key_and_garbage_are_invalid(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    public_id = caller.api_key.removeprefix("gfa_live_").split(".")[0]
    for token in (
        f"gfa_live_{public_id}.wrongsecretwrongsecretwrongsecret12",
        "gfa_live_nosuchkey0000000.abcdefabcdefabcdefabcdefabcdefabcdef",
        "gfa_live_malformed",
        "not-a-key-at-all",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged",
    ):
        response = await client.get("/v1/account", headers={"Authorization": f"Bearer {token}"})
        assert_problem(response, 401, "invalid_api_key")


async def test_revoked_key_is_invalid(
    client: httpx.AsyncClient, db: Database, caller: Caller
) -> None:
    assert (await client.get("/v1/account", headers=caller.headers)).status_code == 200
    async with db.write() as session:
        await session.execute(
            update(ApiKey).where(ApiKey.id == caller.key_id).values(revoked_at=utcnow())
        )
    assert_problem(await client.get("/v1/account", headers=caller.headers), 401, "invalid_api_key")


async def test_expired_key_is_invalid(
    client: httpx.AsyncClient, db: Database, caller: Caller
) -> None:
    async with db.write() as session:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.id == caller.key_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert_problem(await client.get("/v1/account", headers=caller.headers), 401, "invalid_api_key")


async def test_suspended_account_keys_stop_working(
    client: httpx.AsyncClient, db: Database, caller: Caller
) -> None:
    from genfire_server.models import Account

    async with db.write() as session:
        await session.execute(
            update(Account).where(Account.id == caller.account_id).values(status="suspended")
        )
    assert_problem(await client.get("/v1/account", headers=caller.headers), 401, "invalid_api_key")


async def test_missing_scope_is_403_naming_it(
    client: httpx.AsyncClient, make_caller: MakeCaller
) -> None:
    narrow = await make_caller(scopes=["credits:read"])
    assert (await client.get("/v1/account/credits", headers=narrow.headers)).status_code == 200
    body = assert_problem(
        await client.get("/v1/account", headers=narrow.headers), 403, "insufficient_scope"
    )
    assert "account:read" in str(body["detail"])


async def test_last_used_at_is_recorded_and_throttled(
    client: httpx.AsyncClient, ctx: AppContext, db: Database, caller: Caller
) -> None:
    async def last_used() -> datetime | None:
        await ctx.background.drain()  # the refresh runs off the request path
        async with db.read() as session:
            return await session.scalar(
                select(ApiKey.last_used_at).where(ApiKey.id == caller.key_id)
            )

    assert await last_used() is None
    await client.get("/v1/account", headers=caller.headers)
    first = await last_used()
    assert first is not None
    await client.get("/v1/account", headers=caller.headers)
    assert await last_used() == first  # within the resolution: no write per request

    stale = utcnow() - timedelta(hours=1)
    async with db.write() as session:
        await session.execute(
            update(ApiKey).where(ApiKey.id == caller.key_id).values(last_used_at=stale)
        )
    await client.get("/v1/account", headers=caller.headers)
    refreshed = await last_used()
    assert refreshed is not None and refreshed > stale
