"""Idempotency keys: a retried request gets the first response, never a second effect.

Policy (docs/operations.md, "Idempotency"):
- Keys are scoped to the account, 1-255 printable characters, kept `idempotency_ttl_hours`.
- Same key, same request (method, path, canonical JSON body): the stored status and body
  are replayed byte for byte with `Idempotent-Replayed: true`.
- Same key, different request: 422 `idempotency_key_reused`.
- Same key while the first request is still in flight: 409 `idempotency_key_in_use`.
- Only responses of requests that started work are stored (2xx, and 402 once pricing ran);
  anything rejected before (401, 403, 429, validation errors) frees the key again.
- The creating transaction records what it created (`resource_id`) on the key, so a retry
  after a crash between creating a run and storing the response answers with that run
  instead of creating a second one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Request, Response
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from genfire_server.context import AppContext
from genfire_server.kit.clock import utcnow
from genfire_server.kit.errors import PROBLEM_CONTENT_TYPE, GenFireError
from genfire_server.kit.ids import random_token
from genfire_server.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Failures that happen after work started and are part of the request's outcome.
_STORED_ERROR_STATUSES = frozenset({402})


def key_from(request: Request) -> str:
    """The request's key; 400 `idempotency_key_required` when missing or empty."""
    key = request.headers.get(HEADER)
    if key is None or not key.strip():
        raise GenFireError(
            f"This endpoint requires an {HEADER} header (any unique string up to "
            f"{MAX_KEY_LENGTH} characters) so that retries never repeat its effect.",
            code="idempotency_key_required",
        )
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise GenFireError(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.",
            code="validation_error",
        )
    return key


async def fingerprint(request: Request) -> str:
    """Method, path and body; JSON bodies compare by content, not by formatting."""
    raw = await request.body()
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        body = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class ClaimLost(GenFireError):
    status = 409
    code = "idempotency_key_in_use"


@dataclass(frozen=True)
class Claim:
    """This request owns the key. `resource_id` is what an earlier, crashed attempt created."""

    account_id: str
    key: str
    token: str
    resource_id: str | None

    def mine(self) -> tuple[Any, ...]:
        """Conditions that hold while the key is still this request's."""
        return (
            IdempotencyKey.account_id == self.account_id,
            IdempotencyKey.key == self.key,
            IdempotencyKey.claim_token == self.token,
        )

    async def record(self, session: AsyncSession, resource_id: str) -> None:
        """Note what this request created, inside the transaction that creates it; if the
        key was taken over meanwhile, refuse, so that transaction (and its run) rolls back."""
        recorded = await session.execute(
            update(IdempotencyKey)
            .where(*self.mine(), IdempotencyKey.status == "in_flight")
            .values(resource_id=resource_id)
            .returning(IdempotencyKey.key)
        )
        if recorded.one_or_none() is None:
            raise ClaimLost(
                f"This {HEADER} was taken over by a retry of this request; that retry will "
                "answer with the result."
            )


Work = Callable[[Claim], Awaitable[Response]]


async def execute(
    ctx: AppContext, request: Request, account_id: str, key: str, work: Work
) -> Response:
    """Run `work` once per key: replay, refuse, or claim the key and store the outcome."""
    print_ = await fingerprint(request)
    outcome = await _claim(ctx, account_id, key, print_)
    if isinstance(outcome, Response):
        return outcome
    claim = outcome
    try:
        response = await work(claim)
    except GenFireError as error:
        if error.status in _STORED_ERROR_STATUSES:
            rid = getattr(request.state, "request_id", "")
            body = json.dumps(error.body(rid), ensure_ascii=True, separators=(",", ":")).encode()
            await _store(ctx, claim, error.status, PROBLEM_CONTENT_TYPE, body)
        else:
            await _release(ctx, claim)
        raise
    except BaseException:
        await _release(ctx, claim)
        raise
    if 200 <= response.status_code < 300:
        content_type = response.media_type or "application/json"
        await _store(ctx, claim, response.status_code, content_type, bytes(response.body))
    else:
        await _release(ctx, claim)
    return response


async def _claim(ctx: AppContext, account_id: str, key: str, print_: str) -> Claim | Response:
    ttl = timedelta(hours=ctx.settings.idempotency_ttl_hours)
    lock = timedelta(seconds=ctx.settings.idempotency_lock_seconds)
    for _ in range(3):
        now = utcnow()
        try:
            async with ctx.db.write() as session:
                row = (
                    await session.execute(
                        select(
                            IdempotencyKey.request_hash,
                            IdempotencyKey.status,
                            IdempotencyKey.locked_until,
                            IdempotencyKey.expires_at,
                            IdempotencyKey.response_status,
                            IdempotencyKey.response_content_type,
                            IdempotencyKey.response_body,
                        ).where(IdempotencyKey.account_id == account_id, IdempotencyKey.key == key)
                    )
                ).one_or_none()
                if row is not None and row.expires_at <= now:
                    # Forgotten: the key is free again.
                    await session.execute(
                        delete(IdempotencyKey).where(
                            IdempotencyKey.account_id == account_id,
                            IdempotencyKey.key == key,
                            IdempotencyKey.expires_at <= now,
                        )
                    )
                    row = None
                if row is None:
                    token = random_token(24)
                    session.add(
                        IdempotencyKey(
                            account_id=account_id,
                            key=key,
                            request_hash=print_,
                            status="in_flight",
                            locked_until=now + lock,
                            claim_token=token,
                            resource_id=None,
                            response_status=None,
                            response_content_type=None,
                            response_body=None,
                            created_at=now,
                            expires_at=now + ttl,
                        )
                    )
                    await session.flush()
                    return Claim(account_id, key, token, None)
                if row.request_hash != print_:
                    raise GenFireError(
                        f"This {HEADER} was used with a different request. Use a new key for "
                        "a new request.",
                        status=422,
                        code="idempotency_key_reused",
                    )
                if row.status == "done":
                    return Response(
                        content=row.response_body or b"",
                        status_code=row.response_status or 200,
                        media_type=row.response_content_type,
                        headers={REPLAYED_HEADER: "true"},
                    )
                # In flight. If its request died (lock lapsed), take it over, exactly once.
                token = random_token(24)
                taken = (
                    await session.execute(
                        update(IdempotencyKey)
                        .where(
                            IdempotencyKey.account_id == account_id,
                            IdempotencyKey.key == key,
                            IdempotencyKey.status == "in_flight",
                            IdempotencyKey.locked_until <= now,
                        )
                        .values(locked_until=now + lock, claim_token=token)
                        .returning(IdempotencyKey.resource_id)
                    )
                ).one_or_none()
                if taken is None:
                    raise GenFireError(
                        f"A request with this {HEADER} is still being processed. Retry after it "
                        "finishes to get its response.",
                        status=409,
                        code="idempotency_key_in_use",
                    )
                return Claim(account_id, key, token, taken[0])
        except IntegrityError:
            continue  # a concurrent first request inserted the key: look again
    raise GenFireError(
        f"A request with this {HEADER} is still being processed.",
        status=409,
        code="idempotency_key_in_use",
    )


async def _store(
    ctx: AppContext, claim: Claim, status: int, content_type: str, body: bytes
) -> None:
    async with ctx.db.write() as session:
        await session.execute(
            update(IdempotencyKey)
            .where(*claim.mine())
            .values(
                status="done",
                response_status=status,
                response_content_type=content_type,
                response_body=body,
                locked_until=utcnow(),
            )
        )


async def _release(ctx: AppContext, claim: Claim) -> None:
    """Free the key, unless this request already created something a retry must find:
    then only unlock it, so an immediate retry recovers that resource."""
    mine = (*claim.mine(), IdempotencyKey.status == "in_flight")
    async with ctx.db.write() as session:
        await session.execute(
            delete(IdempotencyKey).where(*mine, IdempotencyKey.resource_id.is_(None))
        )
        await session.execute(
            update(IdempotencyKey)
            .where(*mine, IdempotencyKey.resource_id.is_not(None))
            .values(locked_until=utcnow())
        )
