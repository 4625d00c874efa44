"""Route guards. Every `/v1` route declares either `require(scope)` or `public`.

A test walks the app's routes and fails on any route that declares neither, so a new
endpoint cannot ship unprotected by accident.

The guard runs on every protected request, so it depends on nothing but the request:
each extra FastAPI sub-dependency costs measurable time per call (see bench/README.md).
The OpenAPI document declares the bearer scheme for every guarded operation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request

from genfire_server.auth import service
from genfire_server.auth.principal import Principal
from genfire_server.dependencies import context_of
from genfire_server.kit.errors import AuthenticationRequired, InsufficientScope

Guard = Callable[[Request], Awaitable[Principal]]


def bearer_token(request: Request) -> str | None:
    """The credential of an `Authorization: Bearer <token>` header, if there is one."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def require(scope: str) -> Guard:
    """A dependency that authenticates the caller and checks it holds `scope`."""

    async def guard(request: Request) -> Principal:
        token = bearer_token(request)
        if token is None:
            raise AuthenticationRequired()
        ctx = context_of(request)
        principal, last_used_at = await service.authenticate(ctx.db, token, ctx.settings)
        # Seen by the access log, so every line names the account it served.
        request.state.account_id = principal.account_id
        if service.needs_touch(last_used_at, ctx.settings):
            # Off the request path: the refresh needs a write, the request may not.
            ctx.background.spawn_once(
                ("touch", principal.credential_id), service.touch(ctx.db, principal)
            )
        if not principal.allows(scope):
            raise InsufficientScope(scope)
        return principal

    guard.required_scope = scope  # type: ignore[attr-defined]
    guard.__name__ = f"require_{scope.replace(':', '_')}"
    return guard


async def public() -> None:
    """Marks a route as deliberately open (token issuance, CLI login, health)."""


Public = Depends(public)
