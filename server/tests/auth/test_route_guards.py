"""Every route declares its guard, and every guarded route really refuses strangers."""

from __future__ import annotations

import re

import httpx
import pytest

from genfire_server.app import create_app
from genfire_server.auth import scopes
from genfire_server.context import AppContext
from genfire_server.routes import DeclaredRoute
from tests.conftest import MakeCaller, assert_problem


def _routes(ctx: AppContext) -> list[DeclaredRoute]:
    declared: list[DeclaredRoute] = create_app(context=ctx).state.declared_routes
    return declared


def test_the_route_table_is_complete(ctx: AppContext) -> None:
    """Everything the app really serves (as FastAPI itself walks it) is in the table the
    guard checks read, so a router included some other way cannot slip past them."""
    from fastapi.openapi.utils import get_openapi

    app = create_app(context=ctx)
    served = set(get_openapi(title="t", version="0", routes=app.routes)["paths"])
    declared = {entry.path for entry in _routes(ctx)}
    assert served and served <= declared
    assert {
        "/v1/account",
        "/v1/models",
        "/v1/oauth/token",
        "/healthz",
        "/v1/openapi.json",
    } <= declared


def test_every_route_declares_a_scope_or_is_explicitly_public(ctx: AppContext) -> None:
    unguarded = [
        f"{sorted(entry.methods)} {entry.path}"
        for entry in _routes(ctx)
        if entry.required_scope is None and not entry.is_public
    ]
    assert unguarded == []


def test_declared_scopes_are_contract_scopes(ctx: AppContext) -> None:
    for entry in _routes(ctx):
        scope = entry.required_scope
        # Only the test engine's route (off unless enabled) demands full access instead.
        test_only = scope == scopes.ALL and entry.path.startswith("/v1/testing/")
        assert scope is None or scope in scopes.SCOPES or test_only, entry.path


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x_missing", path)


async def test_guarded_routes_refuse_missing_credentials_and_missing_scopes(
    ctx: AppContext, client: httpx.AsyncClient, make_caller: MakeCaller
) -> None:
    guarded = [(entry, entry.required_scope) for entry in _routes(ctx) if entry.required_scope]
    assert guarded, "no guarded routes found"
    # A key with a scope no route needs: authenticated, but allowed nowhere.
    outsider = await make_caller(scopes=["webhooks:read"])
    for entry, scope in guarded:
        if scope == "webhooks:read":
            continue
        for method in entry.methods:
            url = _concrete(entry.path)
            anonymous = await client.request(method, url)
            assert_problem(anonymous, 401, "authentication_required")
            forbidden = await client.request(method, url, headers=outsider.headers)
            assert_problem(forbidden, 403, "insufficient_scope")


@pytest.mark.parametrize(
    ("scope", "path"),
    [
        ("account:read", "/v1/account"),
        ("credits:read", "/v1/account/credits"),
        ("models:read", "/v1/models"),
        ("models:read", "/v1/models/pricing"),
        ("models:read", "/v1/audio/voices"),
    ],
)
async def test_contract_scope_of_each_endpoint(
    client: httpx.AsyncClient, make_caller: MakeCaller, scope: str, path: str
) -> None:
    allowed = await make_caller(scopes=[scope])
    assert (await client.get(path, headers=allowed.headers)).status_code == 200


def test_no_route_depends_on_a_sync_function(ctx: AppContext) -> None:
    """FastAPI runs a plain `def` dependency in a worker thread: a hop on every request."""
    import inspect

    from genfire_server.routes import _walk

    for entry in _routes(ctx):
        for call in _walk(entry.route.dependant):
            # A class instance used as a dependency (such as a security scheme) runs its __call__.
            target = call if inspect.isfunction(call) else type(call).__call__
            is_async = inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)
            assert is_async, f"{entry.path} depends on sync {call!r}"
