"""`POST /oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 section 4.4)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from genfire_server.auth import credentials, service, tokens
from genfire_server.auth import scopes as scope_rules
from genfire_server.auth.dependencies import Public
from genfire_server.auth.schemas import TokenResponse
from genfire_server.dependencies import Context
from genfire_server.kit.errors import OAuthError
from genfire_server.kit.responses import errors

router = APIRouter(tags=["Authentication"], dependencies=[Public])

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_MAX_BODY = 16 * 1024


async def _read_body(request: Request) -> bytes:
    """The body, refused past `_MAX_BODY` without buffering more than that."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > _MAX_BODY:
        raise OAuthError("invalid_request", "The request body is larger than 16 KiB.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > _MAX_BODY:
            raise OAuthError("invalid_request", "The request body is larger than 16 KiB.")
        chunks.append(chunk)
    return b"".join(chunks)


async def _form(request: Request) -> dict[str, Any]:
    """The token request's parameters, from a JSON or a form-encoded body."""
    raw = await _read_body(request)
    if not raw.strip():
        return {}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
        names = [name for name, _ in pairs]
        if len(names) != len(set(names)):
            raise OAuthError("invalid_request", "Each parameter may appear only once.")
        return dict(pairs)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, absurd nesting
        raise OAuthError("invalid_request", "The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise OAuthError("invalid_request", "The request body must be a JSON object.")
    return body


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization")
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_client", "Malformed HTTP Basic credentials.", status=401) from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "Malformed HTTP Basic credentials.", status=401)
    # RFC 6749 section 2.3.1: both halves are form-urlencoded before base64.
    return unquote_plus(client_id), unquote_plus(secret)


def _string(form: dict[str, Any], name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise OAuthError("invalid_request", f"{name} must be a string.")
    return value


def _plausible_credentials(client_id: str, secret: str) -> bool:
    """Whether these could be credentials this server minted; anything else never reaches
    the database (a NUL byte or a lone surrogate would make the driver fail)."""
    return credentials.looks_like_client_id(client_id) and credentials.looks_like_secret(secret)


@router.post(
    "/oauth/token",
    summary="Issue an OAuth access token",
    response_model=TokenResponse,
    responses=errors(400, 401),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/TokenRequest"}},
                "application/x-www-form-urlencoded": {
                    "schema": {"$ref": "#/components/schemas/TokenRequest"}
                },
            },
        }
    },
)
async def issue_token(request: Request, ctx: Context) -> JSONResponse:
    """Exchange OAuth client credentials for a bearer access token (no refresh token).

    Credentials go in the body or in HTTP Basic auth (`client_id:client_secret`), not both.
    """
    form = await _form(request)
    grant_type = _string(form, "grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required.")
    if grant_type != "client_credentials":
        raise OAuthError(
            "unsupported_grant_type", "Only the client_credentials grant is supported."
        )
    body_id, body_secret = _string(form, "client_id"), _string(form, "client_secret")
    basic = _basic_credentials(request)
    # RFC 6749 section 2.3: one authentication method per request. Repeating the client_id
    # in the body next to Basic auth is tolerated; a second secret is not.
    if basic is not None and (body_secret or (body_id and body_id != basic[0])):
        raise OAuthError("invalid_request", "Send client credentials in one place only.")
    client_id, secret = basic if basic is not None else (body_id, body_secret)
    if not client_id or not secret:
        raise OAuthError("invalid_request", "client_id and client_secret are required.")

    if not _plausible_credentials(client_id, secret):
        raise OAuthError("invalid_client", "Unknown client or wrong secret.", status=401)
    # The body is read and checked: only now take a (briefly held) write transaction.
    async with ctx.db.write() as session:
        client = await service.verify_client(session, client_id, secret)
        if client is None:
            raise OAuthError("invalid_client", "Unknown client or wrong secret.", status=401)
        await service.touch_client(session, client.id)

    allowed = client.scopes.split()
    requested = scope_rules.parse(_string(form, "scope"))
    if requested:
        bad = scope_rules.unknown(requested)
        if bad:
            raise OAuthError("invalid_scope", f"Unknown scope(s): {' '.join(bad)}.")
        if not scope_rules.subset(requested, allowed):
            extra = [s for s in requested if not scope_rules.subset([s], allowed)]
            raise OAuthError("invalid_scope", f"The client may not request: {' '.join(extra)}.")
    granted = scope_rules.serialize(requested or allowed)

    ttl = ctx.settings.access_token_ttl_seconds
    token = tokens.issue(
        key=ctx.settings.resolved_secret_key,
        issuer=ctx.settings.public_url,
        account_id=client.account_id,
        client_id=client.id,
        scope=granted,
        ttl_seconds=ttl,
    )
    body = TokenResponse(access_token=token, expires_in=ttl, scope=granted)
    return JSONResponse(body.model_dump(), headers=_NO_STORE)
