"""Sending webhook deliveries: claim what is due, POST it signed, record what happened.

- Runs in worker processes beside the run executor. Deliveries are claimed with a
  conditional update that sets a lease, so several workers never send one attempt twice;
  an attempt whose worker died is taken over once its lease lapses.
- Success is a 2xx answer within `GENFIRE_WEBHOOK_TIMEOUT_SECONDS` (15 s); anything else,
  redirects included (they are not followed), is a failed attempt. At most six attempts,
  at about 0 s, 5 s, 5 min, 30 min, 2 h and 5 h (±10% jitter); a `Retry-After` on a 429
  or 503 is honoured (never sooner than it asks, at most a day). A 410 disables the
  endpoint.
- The URL is checked again before every attempt, and the connection is pinned to checked
  public addresses (`kit/safe_http`): an endpoint whose name comes to resolve to a
  private address gets nothing.
- The schedule runs on the context's clock (`AppContext.clock`), which tests replace; the
  Standard Webhooks timestamp is always the real time of sending, which receivers
  compare with their own clocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import os
import random
import re
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx
from sqlalchemy import or_, select, update

from genfire_server.kit import safe_http
from genfire_server.kit.errors import GenFireError
from genfire_server.kit.ids import random_token
from genfire_server.models import WebhookDelivery, WebhookEndpoint
from genfire_server.webhooks import service, signing

if TYPE_CHECKING:
    from genfire_server.context import AppContext

log = logging.getLogger("genfire.webhooks")

# Seconds to wait after the 1st, 2nd, ... 5th failed attempt.
RETRY_DELAYS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600)
JITTER = 0.1
MAX_RETRY_AFTER = 24 * 3600
RESPONSE_BODY_LIMIT = 2048
USER_AGENT = "GenFire-Server/0.1 (+webhooks)"
_CLAIM_BATCH = 50
_BODY_SECONDS = 2.0
_STOP_SECONDS = 5.0
_ENDED = "The endpoint was disabled or deleted while this attempt was in flight."
_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Attempt:
    """What one POST came to."""

    status: int | None  # the HTTP status, None if there was no answer
    body: str | None
    error: str | None  # why it failed, None on success
    retry_after: float | None  # seconds the receiver asked for (429, 503)
    headers: dict[str, str]
    sent: bool  # False when the URL was refused before any request

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def retry_delay(failed_attempts: int, retry_after: float | None) -> float:
    """Seconds until the next attempt after `failed_attempts` failures."""
    delay = RETRY_DELAYS[failed_attempts - 1] * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """`Retry-After` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    if re.fullmatch(r"[0-9]{1,10}", text):  # ASCII digits: "²".isdigit() is True too
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


class WebhookSender:
    """The webhook sending loop of one worker process."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        settings = ctx.settings
        self.timeout = settings.webhook_timeout_seconds
        self.lease = timedelta(seconds=self.timeout + 45)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{random_token(6)}"
        self.capacity = settings.webhook_concurrency
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None
        self._stopping = False

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        if self._loop_task is not None:
            return
        self._client = safe_http.safe_async_client(
            self.ctx.settings.fetch_allow, timeout=self.timeout, keep_cookies=False
        )
        self._stopping = False
        self._loop_task = asyncio.get_running_loop().create_task(self._run_forever())

    async def stop(self, grace_seconds: float = 5.0) -> None:
        """Stop claiming; give attempts in flight `grace_seconds`, then abandon them (their
        leases lapse and the next start sends them again)."""
        if self._loop_task is None:
            return
        # Let the loop finish its pass rather than cancel it inside a transaction: a
        # connection cancelled mid-write can leave SQLite's write lock held.
        self._stopping = True
        self.wake()
        _done, running = await asyncio.wait({self._loop_task}, timeout=_STOP_SECONDS)
        for task in running:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._loop_task = None
        if self._sending:
            _done, still = await asyncio.wait(list(self._sending), timeout=grace_seconds)
            for task in still:
                task.cancel()  # records are shielded: an attempt's outcome is still written
            await asyncio.gather(*still, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        await self._give_back_leases()

    async def _give_back_leases(self) -> None:
        """Attempts this sender abandoned are due again at once, for whichever sender
        starts next, instead of after their leases lapse. The receiver may have seen
        them: delivery is at least once, and `webhook-id` lets it drop the duplicate."""
        async with self.ctx.db.write() as session:
            await session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.lease_owner == self.worker_id,
                )
                .values(lease_owner=None, lease_expires_at=None)
            )

    def wake(self) -> None:
        """Look for due deliveries now (one was just created)."""
        self._wake.set()

    async def _run_forever(self) -> None:
        poll = min(_POLL_SECONDS, self.ctx.settings.sweep_interval_seconds)
        while not self._stopping:
            self._wake.clear()
            try:
                claimed = await self.send_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook sweep failed")
                claimed = 0
            if claimed == 0 and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=poll)

    # --- claiming --------------------------------------------------------------------

    async def send_due(self) -> int:
        """Claim due deliveries (as many as there are free sending slots) and start
        sending them; returns how many were claimed. A finished attempt wakes the loop,
        so a backlog drains as fast as attempts finish."""
        free = self.capacity - len(self._sending)
        if free <= 0:
            return 0
        now = self.ctx.clock()
        due = (
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
                or_(
                    WebhookDelivery.lease_expires_at.is_(None),
                    WebhookDelivery.lease_expires_at < now,
                ),
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(min(free, _CLAIM_BATCH))
        )
        async with self.ctx.db.read() as session:  # most passes find nothing: no write lock
            candidates = list(await session.scalars(due))
        if not candidates:
            return 0
        async with self.ctx.db.write() as session:
            claimed = list(
                await session.scalars(
                    update(WebhookDelivery)
                    .where(
                        # Re-checked here, not only in the read above: on PostgreSQL another
                        # sender may have attempted and rescheduled it in between.
                        WebhookDelivery.id.in_(candidates),
                        WebhookDelivery.status == "pending",
                        WebhookDelivery.next_attempt_at <= now,
                        or_(
                            WebhookDelivery.lease_expires_at.is_(None),
                            WebhookDelivery.lease_expires_at < now,
                        ),
                    )
                    .values(lease_owner=self.worker_id, lease_expires_at=now + self.lease)
                    .returning(WebhookDelivery.id)
                )
            )
        for delivery_id in claimed:
            task = asyncio.get_running_loop().create_task(self._send_one(delivery_id))
            self._sending.add(task)
            task.add_done_callback(self._sent)
        return len(claimed)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        self.wake()  # a slot is free: claim the next due delivery now, not at the next poll
        if not task.cancelled() and task.exception() is not None:
            log.error("webhook attempt crashed", exc_info=task.exception())

    # --- sending ---------------------------------------------------------------------

    async def _send_one(self, delivery_id: str) -> None:
        async with self.ctx.db.read() as session:
            row = (
                await session.execute(
                    select(WebhookDelivery, WebhookEndpoint)
                    .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                    .where(
                        WebhookDelivery.id == delivery_id,
                        WebhookDelivery.lease_owner == self.worker_id,
                        WebhookDelivery.status == "pending",
                    )
                )
            ).one_or_none()
        if row is None:
            return
        delivery, endpoint = row
        if endpoint.status != "active":
            await asyncio.shield(self._give_up(delivery_id, f"The endpoint is {endpoint.status}."))
            return
        secret = service.secret_of(self.ctx.settings, endpoint)
        try:
            attempt = await self._post(endpoint.url, delivery, secret)
        except Exception:  # whatever went wrong, the attempt counts: no endless resending
            log.exception("webhook attempt failed unexpectedly", extra={"delivery_id": delivery_id})
            attempt = Attempt(None, None, "The attempt failed inside the server.", None, {}, True)
        # Shielded: stopping cancels attempts in flight, and a write cancelled halfway
        # could leave its connection (and SQLite's write lock) in a transaction.
        await asyncio.shield(self._record_or_count(delivery, attempt))

    async def _record_or_count(self, delivery: WebhookDelivery, attempt: Attempt) -> None:
        try:
            await self._record(delivery, attempt)
        except Exception:
            log.exception("could not record a webhook attempt", extra={"delivery_id": delivery.id})
            failed = Attempt(None, None, "The answer could not be recorded.", None, {}, True)
            await self._record(delivery, failed)

    async def _post(self, url: str, delivery: WebhookDelivery, secret: str) -> Attempt:
        body = delivery.payload.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-GenFire-Event": delivery.event_type,
            "X-GenFire-Delivery": delivery.id,
            **signing.signed_headers(secret, delivery.event_id, int(time.time()), body),
        }
        try:
            service.check_url(url, self.ctx.settings.fetch_allow)
        except GenFireError as refused:
            return Attempt(None, None, f"Not sent: {refused.detail}", None, headers, False)
        assert self._client is not None
        try:
            async with contextlib.AsyncExitStack() as stack:
                # Success is decided by the status line within the time limit; the body
                # (kept for the log) gets a short limit of its own, so a receiver that
                # accepted the event but trickles its answer is not sent it again.
                async with asyncio.timeout(self.timeout):
                    answer = await stack.enter_async_context(
                        self._client.stream("POST", url, content=body, headers=headers)
                    )
                text = await _read_limited(answer)
        except TimeoutError:
            late = f"No answer within {self.timeout:g} s."
            return Attempt(None, None, late, None, headers, True)
        except httpx.HTTPError as failure:
            reason = str(failure) or type(failure).__name__
            prefix = "Could not connect" if isinstance(failure, httpx.ConnectError) else "Failed"
            return Attempt(None, None, f"{prefix}: {reason}"[:500], None, headers, True)
        status = answer.status_code
        error: str | None = None
        retry_after: float | None = None
        if not 200 <= status < 300:
            error = f"The receiver answered {status}."
            if 300 <= status < 400:
                error = f"The receiver answered {status}; redirects are not followed."
        if status in (429, 503):
            retry_after = parse_retry_after(answer.headers.get("retry-after"), self.ctx.clock())
        return Attempt(status, text, error, retry_after, headers, True)

    async def _record(self, delivery: WebhookDelivery, attempt: Attempt) -> None:
        now = self.ctx.clock()
        count = delivery.attempt_count + 1
        status, next_at, delivered_at = "pending", None, None
        if attempt.succeeded:
            status, delivered_at = "success", now
        elif attempt.status == 410 or count >= delivery.max_attempts:
            status = "failed"
        else:
            next_at = now + timedelta(seconds=retry_delay(count, attempt.retry_after))
        async with self.ctx.db.write() as session:
            recorded = await session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery.id,
                    WebhookDelivery.lease_owner == self.worker_id,
                    WebhookDelivery.status == "pending",
                )
                .values(
                    status=status,
                    attempt_count=count,
                    response_status=attempt.status,
                    response_body=_storable(attempt.body),
                    last_error=_storable(attempt.error),
                    request_headers=attempt.headers or delivery.request_headers,
                    last_attempt_at=now,
                    next_attempt_at=next_at,
                    delivered_at=delivered_at,
                    lease_owner=None,
                    lease_expires_at=None,
                    updated_at=now,
                )
                .returning(WebhookDelivery.id)
            )
            if recorded.one_or_none() is None:
                return  # another sender took it over after our lease lapsed
            endpoint_status = await session.scalar(
                select(WebhookEndpoint.status).where(WebhookEndpoint.id == delivery.endpoint_id)
            )
            if attempt.status == 410:
                await service.disable_gone(session, delivery.endpoint_id)
            elif endpoint_status != "active" and status == "pending":
                # Disabled or deleted while this attempt was in flight: nothing more.
                await session.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id == delivery.id)
                    .values(**service.ended(_ENDED, now))
                )
            if attempt.sent:
                await session.execute(
                    update(WebhookEndpoint)
                    .where(WebhookEndpoint.id == delivery.endpoint_id)
                    .values(last_delivery_at=now)
                )
        log.info(
            "webhook attempt",
            extra={
                "delivery_id": delivery.id,
                "attempt": count,
                "status": status,
                "response_status": attempt.status,
            },
        )

    async def _give_up(self, delivery_id: str, reason: str) -> None:
        now = self.ctx.clock()
        async with self.ctx.db.write() as session:
            await session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.lease_owner == self.worker_id,
                    WebhookDelivery.status == "pending",
                )
                .values(**service.ended(reason, now))
            )


async def _read_limited(answer: httpx.Response) -> str:
    """The start of the receiver's answer: at most 2 KB, within a couple of seconds; a
    huge or endless body is neither waited for nor stored."""
    kept = bytearray()
    with contextlib.suppress(TimeoutError, httpx.HTTPError):
        async with asyncio.timeout(_BODY_SECONDS):
            async for chunk in answer.aiter_bytes():
                kept += chunk
                if len(kept) >= RESPONSE_BODY_LIMIT:
                    break
    return bytes(kept[:RESPONSE_BODY_LIMIT]).decode("utf-8", errors="replace")


def _storable(text: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL; a receiver's answer may contain one."""
    return None if text is None else text.replace("\x00", "\ufffd")
