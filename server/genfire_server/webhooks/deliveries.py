"""Webhook events become deliveries: one row per subscribed endpoint, written in the
transaction that finished the run or batch, so an event is never lost between the two.

The payload is `{id, type, created_at, data}`, where `data` is the run or batch as `GET`
returns it; its bytes are fixed here and sent (and signed) unchanged on every attempt and
every replay.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from genfire_server.kit.clock import isoformat
from genfire_server.kit.errors import GenFireError, NotFound
from genfire_server.kit.ids import new_id
from genfire_server.models import Batch, WebhookDelivery, WebhookEndpoint
from genfire_server.runs import service as runs
from genfire_server.runs.events import AfterCommit, RunFinished
from genfire_server.webhooks import signing
from genfire_server.webhooks.schemas import DeliveryStatus, WebhookDeliveryOut

if TYPE_CHECKING:
    from genfire_server.context import AppContext

MAX_ATTEMPTS = 6


def _first_headers(secret: str, body: bytes) -> dict[str, str]:
    """What a pending delivery shows before its first attempt: the body's signature is
    already known; the Standard Webhooks headers depend on the moment of sending."""
    return {
        "Content-Type": "application/json",
        "X-GenFire-Signature": signing.genfire_signature(secret, body),
    }


def _new_delivery(
    endpoint: WebhookEndpoint,
    secret: str,
    *,
    event_id: str,
    event_type: str,
    payload: bytes,
    run_id: str | None,
    batch_id: str | None,
    now: datetime,
) -> WebhookDelivery:
    return WebhookDelivery(
        id=new_id("delivery"),
        account_id=endpoint.account_id,
        endpoint_id=endpoint.id,
        event_id=event_id,
        event_type=event_type,
        run_id=run_id,
        batch_id=batch_id,
        payload=payload.decode(),
        status="pending",
        attempt_count=0,
        max_attempts=MAX_ATTEMPTS,
        response_status=None,
        response_body=None,
        last_error=None,
        request_headers=_first_headers(secret, payload),
        lease_owner=None,
        lease_expires_at=None,
        created_at=now,
        updated_at=now,
        last_attempt_at=None,
        next_attempt_at=now,
        delivered_at=None,
    )


class WebhookEvents:
    """Turns finished runs and batches into deliveries (a run listener of the executor)."""

    name = "webhooks"

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    @staticmethod
    async def subscribed(
        session: AsyncSession, account_id: str, event_type: str
    ) -> list[WebhookEndpoint]:
        """The account's active endpoints that want this event: usually none, which every
        finished run learns from this one indexed query."""
        return [
            endpoint
            for endpoint in await session.scalars(
                select(WebhookEndpoint).where(
                    WebhookEndpoint.account_id == account_id, WebhookEndpoint.status == "active"
                )
            )
            if event_type in endpoint.events
        ]

    async def enqueue(
        self,
        session: AsyncSession,
        endpoints: list[WebhookEndpoint],
        event_type: str,
        data: dict[str, Any],
        *,
        run_id: str | None = None,
        batch_id: str | None = None,
    ) -> int:
        """Create a delivery of the event for each endpoint; returns how many."""
        if not endpoints:
            return 0
        now = self.ctx.clock()
        event_id = new_id("evt")
        payload = orjson.dumps(
            {"id": event_id, "type": event_type, "created_at": isoformat(now), "data": data}
        )
        for endpoint in endpoints:
            secret = signing.derive_secret(
                self.ctx.settings.resolved_secret_key, endpoint.secret_salt
            )
            session.add(
                _new_delivery(
                    endpoint,
                    secret,
                    event_id=event_id,
                    event_type=event_type,
                    payload=payload,
                    run_id=run_id,
                    batch_id=batch_id,
                    now=now,
                )
            )
        await session.flush()
        return len(endpoints)

    async def run_finished(self, session: AsyncSession, event: RunFinished) -> AfterCommit | None:
        event_type = f"run.{event.status}"
        endpoints = await self.subscribed(session, event.account_id, event_type)
        if not endpoints:
            return None
        view = await runs.view_in(session, event.run_id)
        await self.enqueue(session, endpoints, event_type, runs.document(view), run_id=event.run_id)
        return self._wake_sender

    async def batch_finished(self, session: AsyncSession, batch_id: str) -> AfterCommit | None:
        """`batch.completed` for a batch that finished with every item or some items
        (its `status` says which), `batch.failed` when none completed."""
        from genfire_server.batches import service as batches  # batches import this module

        batch = await session.get(Batch, batch_id, populate_existing=True)
        if batch is None:
            return None
        event_type = "batch.failed" if batch.status == "failed" else "batch.completed"
        endpoints = await self.subscribed(session, batch.account_id, event_type)
        if not endpoints:
            return None
        data = batches.render(batch).model_dump(mode="json")
        await self.enqueue(session, endpoints, event_type, data, batch_id=batch_id)
        return self._wake_sender

    async def _wake_sender(self) -> None:
        self.ctx.webhook_sender.wake()


# --- the delivery log -------------------------------------------------------------------


def render(delivery: WebhookDelivery) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(
        id=delivery.id,
        endpoint_id=delivery.endpoint_id,
        event_type=delivery.event_type,
        run_id=delivery.run_id,
        batch_id=delivery.batch_id,
        status=cast(DeliveryStatus, delivery.status),
        attempt_count=delivery.attempt_count,
        max_attempts=delivery.max_attempts,
        response_status=delivery.response_status,
        response_body=delivery.response_body,
        last_error=delivery.last_error,
        request_headers=delivery.request_headers,
        created_at=delivery.created_at,
        updated_at=delivery.updated_at,
        last_attempt_at=delivery.last_attempt_at,
        next_attempt_at=delivery.next_attempt_at,
        delivered_at=delivery.delivered_at,
    )


async def list_deliveries(
    session: AsyncSession, account_id: str, *, endpoint_id: str | None, limit: int
) -> list[WebhookDelivery]:
    """The account's deliveries, newest first."""
    query = select(WebhookDelivery).where(WebhookDelivery.account_id == account_id)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    return list(await session.scalars(query.limit(limit)))


async def replay(
    ctx: AppContext, session: AsyncSession, account_id: str, delivery_id: str
) -> WebhookDelivery:
    """A new delivery of the same event (same id and bytes) to the same endpoint."""
    original = await session.get(WebhookDelivery, delivery_id)
    if original is None or original.account_id != account_id:
        raise NotFound(f"No webhook delivery {delivery_id[:64]}.")
    endpoint = await session.get(WebhookEndpoint, original.endpoint_id)
    if endpoint is None or endpoint.status == "deleted":
        raise NotFound(f"The endpoint of delivery {delivery_id[:64]} was deleted.")
    if endpoint.status != "active":
        raise GenFireError(
            f"Endpoint {endpoint.id} is disabled; enable it (PATCH status active) to replay.",
            status=409,
            code="webhook_endpoint_disabled",
        )
    secret = signing.derive_secret(ctx.settings.resolved_secret_key, endpoint.secret_salt)
    again = _new_delivery(
        endpoint,
        secret,
        event_id=original.event_id,
        event_type=original.event_type,
        payload=original.payload.encode(),
        run_id=original.run_id,
        batch_id=original.batch_id,
        now=ctx.clock(),
    )
    session.add(again)
    await session.flush()
    return again
