"""`POST /oauth/token`: client credentials, scopes, RFC 6749 errors, token use."""

from __future__ import annotations

import base64

import httpx
import pytest
from sqlalchemy import update

from genfire_server.auth import service as auth
from genfire_server.auth import tokens
from genfire_server.kit.clock import utcnow
from genfire_server.kit.db import Database
from genfire_server.models import OAuthClient
from genfire_server.settings import Settings
from tests.conftest import Caller, assert_problem


@pytest.fixture
async def oauth_client(db: Database, caller: Caller) -> tuple[str, str]:
    async with db.write() as session:
        client, secret = await auth.create_oauth_client(
            session, caller.account_id, ["account:read", "credits:read", "models:read"], "test"
        )
    return client.id, secret


async def _grant(
    client: httpx.AsyncClient, client_id: str, secret: str, **extra: str
) -> httpx.Response:
    """A client-credentials token request with the credentials in a JSON body."""
    body = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return await client.post("/v1/oauth/token", json={**body, **extra})


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


async def test_json_body_grant_returns_a_bearer_token(
    client: httpx.AsyncClient, oauth_client: tuple[str, str], caller: Caller
) -> None:
    client_id, secret = oauth_client
    assert client_id.startswith("gfo_oauth_") and secret.startswith("gfs_live_")
    response = await _grant(client, client_id, secret)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "account:read credits:read models:read"
    account = await client.get(
        "/v1/account", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert account.status_code == 200 and account.json()["id"] == caller.account_id


async def test_http_basic_and_form_encoding_work(
    client: httpx.AsyncClient, oauth_client: tuple[str, str]
) -> None:
    client_id, secret = oauth_client
    response = await client.post(
        "/v1/oauth/token",
        data={"grant_type": "client_credentials", "scope": "models:read"},
        headers={"Authorization": _basic(client_id, secret)},
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "models:read"
    json_basic = await client.post(
        "/v1/oauth/token",
        json={"grant_type": "client_credentials"},
        headers={"Authorization": _basic(client_id, secret)},
    )
    assert json_basic.status_code == 200


async def test_narrowed_token_gets_403_outside_its_scope(
    client: httpx.AsyncClient, oauth_client: tuple[str, str]
) -> None:
    client_id, secret = oauth_client
    token = (await _grant(client, client_id, secret, scope="models:read")).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/v1/models", headers=headers)).status_code == 200
    assert_problem(await client.get("/v1/account", headers=headers), 403, "insufficient_scope")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"client_id": "x", "client_secret": "y"}, 400, "invalid_request"),
        (
            {"grant_type": "password", "client_id": "x", "client_secret": "y"},
            400,
            "unsupported_grant_type",
        ),
        ({"grant_type": "client_credentials"}, 400, "invalid_request"),
        (
            {
                "grant_type": "client_credentials",
                "client_id": "gfo_oauth_nope",
                "client_secret": "gfs_live_x",
            },
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials", "client_id": 5, "client_secret": "y"},
            400,
            "invalid_request",
        ),
    ],
)
async def test_errors_use_rfc6749_codes(
    client: httpx.AsyncClient, body: dict[str, object], status: int, code: str
) -> None:
    response = await client.post("/v1/oauth/token", json=body)
    problem = assert_problem(response, status, code)
    assert problem["error"] == code and problem["error_description"] == problem["detail"]
    assert response.headers["cache-control"] == "no-store"


async def test_wrong_secret_is_invalid_client(
    client: httpx.AsyncClient, oauth_client: tuple[str, str]
) -> None:
    client_id, _ = oauth_client
    response = await client.post(
        "/v1/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": "gfs_live_wrong",
        },
    )
    assert_problem(response, 401, "invalid_client")
    basic = await client.post(
        "/v1/oauth/token",
        json={"grant_type": "client_credentials"},
        headers={"Authorization": _basic(client_id, "nope")},
    )
    assert_problem(basic, 401, "invalid_client")


async def test_scope_beyond_the_client_is_invalid_scope(
    client: httpx.AsyncClient, oauth_client: tuple[str, str]
) -> None:
    client_id, secret = oauth_client
    for scope in ("images:write", "models:read videos:write", "not:a:scope", "*"):
        response = await _grant(client, client_id, secret, scope=scope)
        assert_problem(response, 400, "invalid_scope")


async def test_credentials_in_two_places_are_refused(
    client: httpx.AsyncClient, oauth_client: tuple[str, str]
) -> None:
    client_id, secret = oauth_client
    response = await client.post(
        "/v1/oauth/token",
        json={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        headers={"Authorization": _basic(client_id, secret)},
    )
    assert_problem(response, 400, "invalid_request")


async def test_revoked_client_tokens_stop_working(
    client: httpx.AsyncClient, db: Database, oauth_client: tuple[str, str]
) -> None:
    client_id, secret = oauth_client
    token = (await _grant(client, client_id, secret)).json()["access_token"]
    async with db.write() as session:
        await session.execute(
            update(OAuthClient).where(OAuthClient.id == client_id).values(revoked_at=utcnow())
        )
    assert_problem(
        await client.get("/v1/account", headers={"Authorization": f"Bearer {token}"}),
        401,
        "invalid_api_key",
    )
    assert_problem(await _grant(client, client_id, secret), 401, "invalid_client")


async def test_expired_and_foreign_tokens_are_invalid(
    client: httpx.AsyncClient, settings: Settings, caller: Caller, oauth_client: tuple[str, str]
) -> None:
    client_id, _ = oauth_client
    common = {"account_id": caller.account_id, "client_id": client_id, "scope": "account:read"}
    expired = tokens.issue(
        key=settings.resolved_secret_key, issuer=settings.public_url, ttl_seconds=-5, **common
    )
    forged = tokens.issue(
        key=b"some-other-servers-key-of-sufficient-length",
        issuer=settings.public_url,
        ttl_seconds=600,
        **common,
    )
    other_issuer = tokens.issue(
        key=settings.resolved_secret_key, issuer="https://elsewhere", ttl_seconds=600, **common
    )
    for token in (expired, forged, other_issuer):
        response = await client.get("/v1/account", headers={"Authorization": f"Bearer {token}"})
        assert_problem(response, 401, "invalid_api_key")


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"[" * 20000, 400, "invalid_request"),  # nesting deep enough to blow the stack
        (
            # Lone surrogates never reach OAuth: the door refuses them as invalid text.
            b'{"grant_type":"client_credentials","client_id":"\\ud800","client_secret":"gfs_live_x"}',
            400,
            "validation_error",
        ),
        (
            b'{"grant_type":"client_credentials","client_id":"gfo_oauth_x","client_secret":"\\ud800"}',
            400,
            "validation_error",
        ),
        (
            b'{"grant_type":"\\ud800","client_id":"x","client_secret":"y"}',
            400,
            "validation_error",
        ),
        (
            b'{"grant_type":"client_credentials","pad":"' + b"x" * 17000 + b'"}',
            400,
            "invalid_request",
        ),
    ],
)
async def test_hostile_bodies_get_oauth_errors_never_500(
    client: httpx.AsyncClient, raw: bytes, status: int, code: str
) -> None:
    response = await client.post(
        "/v1/oauth/token", content=raw, headers={"content-type": "application/json"}
    )
    assert_problem(response, status, code)
    response.content.decode("ascii")  # problem bodies are ASCII-safe whatever was sent


async def test_invalid_client_challenges_for_basic_auth(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/oauth/token",
        json={"grant_type": "client_credentials"},
        headers={
            "Authorization": _basic(
                "gfo_oauth_aaaaaaaaaaaaaaaaaaaa", "gfs_live_wrongwrongwrongwrong"
            )
        },
    )
    assert_problem(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")
