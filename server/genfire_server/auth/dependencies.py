"""Route guards. Every `/v1` route declares either `require(scope)` or `public`.

A test walks the app's routes and fails on any route that declares neither, so a new
endpoint cannot ship unprotected by accident.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from genfire_server.auth import service
from genfire_server.auth.principal import Principal
from genfire_server.dependencies import Context, Session, is_read_request
from genfire_server.kit.errors import AuthenticationRequired, InsufficientScope

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API key (`gfa_live_...`) or an OAuth access token from `POST /oauth/token`.",
)

Guard = Callable[..., Awaitable[Principal]]


def require(scope: str) -> Guard:
    """A dependency that authenticates the caller and checks it holds `scope`."""

    async def guard(
        request: Request,
        ctx: Context,
        session: Session,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None or not credentials.credentials:
            raise AuthenticationRequired()
        principal, last_used_at = await service.authenticate(
            session, credentials.credentials, ctx.settings
        )
        # Seen by the access log, so every line names the account it served.
        request.state.account_id = principal.account_id
        if service.needs_touch(last_used_at, ctx.settings):
            if is_read_request(request):
                # Read requests never commit; the rare refresh gets its own write transaction.
                async with ctx.db.write() as writer:
                    await service.touch(writer, principal)
            else:
                await service.touch(session, principal)
        if not principal.allows(scope):
            raise InsufficientScope(scope)
        return principal

    guard.required_scope = scope  # type: ignore[attr-defined]
    guard.__name__ = f"require_{scope.replace(':', '_')}"
    return guard


async def public() -> None:
    """Marks a route as deliberately open (token issuance, CLI login, health)."""


Public = Depends(public)
