"""Webhook endpoints: create (the secret shown once), list, update, delete.

A URL must be https, unless its host is on the operator's allow-list
(`GENFIRE_FETCH_ALLOW_HOSTS`), and must pass the same address checks as input fetching
(`kit/safe_http`): here, and again by the sender before every attempt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from genfire_server.kit import safe_http
from genfire_server.kit.clock import utcnow
from genfire_server.kit.errors import NotFound, ValidationFailed
from genfire_server.kit.ids import new_id
from genfire_server.models import WebhookDelivery, WebhookEndpoint
from genfire_server.settings import Settings
from genfire_server.webhooks import signing
from genfire_server.webhooks.schemas import (
    EVENTS,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointOut,
    WebhookEndpointUpdate,
)

MAX_ENDPOINTS = 20  # per account, as hosted webhook services cap them


def check_url(url: str, allow: safe_http.AllowList) -> None:
    """400 `unsafe_url` for a target that is private or malformed; 400 `validation_error`
    for plain http to a host the operator has not allowed."""
    safe_http.check_url(url, allow)
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" and not allow.allows_host(parts.hostname or ""):
        raise ValidationFailed(
            "url must be https (plain http only to hosts on GENFIRE_FETCH_ALLOW_HOSTS)."
        )


def check_events(events: list[str]) -> list[str]:
    """The subscribed events, deduplicated in order; 400 naming the valid ones."""
    unknown = [event for event in events if event not in EVENTS]
    if unknown:
        shown = ", ".join(repr(event[:60]) for event in unknown[:5])
        raise ValidationFailed(f"Unknown events {shown}. Events: {', '.join(EVENTS)}.")
    if not events:
        raise ValidationFailed(f"events must name at least one of: {', '.join(EVENTS)}.")
    return list(dict.fromkeys(events))


def secret_of(settings: Settings, endpoint: WebhookEndpoint) -> str:
    return signing.derive_secret(settings.resolved_secret_key, endpoint.secret_salt)


def render(endpoint: WebhookEndpoint) -> WebhookEndpointOut:
    return WebhookEndpointOut(
        id=endpoint.id,
        url=endpoint.url,
        description=endpoint.description,
        status="active" if endpoint.status == "active" else "disabled",
        events=list(endpoint.events),
        signing_secret_preview=endpoint.secret_preview,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
        last_delivery_at=endpoint.last_delivery_at,
    )


async def create(
    session: AsyncSession, settings: Settings, account_id: str, body: WebhookEndpointCreate
) -> WebhookEndpointCreated:
    check_url(body.url, settings.fetch_allow)
    events = check_events(body.events)
    existing = await list_endpoints(session, account_id)
    if len(existing) >= MAX_ENDPOINTS:
        raise ValidationFailed(
            f"An account has at most {MAX_ENDPOINTS} webhook endpoints; delete one first."
        )
    now = utcnow()
    salt = signing.new_salt()
    secret = signing.derive_secret(settings.resolved_secret_key, salt)
    endpoint = WebhookEndpoint(
        id=new_id("wh"),
        account_id=account_id,
        url=body.url,
        description=body.description,
        status="active",
        events=events,
        secret_salt=salt,
        secret_preview=signing.preview(secret),
        disabled_reason=None,
        created_at=now,
        updated_at=now,
        last_delivery_at=None,
    )
    session.add(endpoint)
    await session.flush()
    return WebhookEndpointCreated(**render(endpoint).model_dump(), signing_secret=secret)


async def list_endpoints(session: AsyncSession, account_id: str) -> list[WebhookEndpoint]:
    """The account's endpoints (not deleted ones), newest first."""
    return list(
        await session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.account_id == account_id, WebhookEndpoint.status != "deleted")
            .order_by(WebhookEndpoint.created_at.desc(), WebhookEndpoint.id.desc())
        )
    )


async def get(session: AsyncSession, account_id: str, endpoint_id: str) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
    if endpoint is None or endpoint.account_id != account_id or endpoint.status == "deleted":
        raise NotFound(f"No webhook endpoint {endpoint_id[:64]}.")
    return endpoint


def ended(reason: str, now: datetime) -> dict[str, Any]:
    """The columns of a pending delivery that will get no more attempts."""
    return {
        "status": "failed",
        "last_error": reason,
        "next_attempt_at": None,
        "lease_owner": None,
        "lease_expires_at": None,
        "updated_at": now,
    }


async def _fail_pending(session: AsyncSession, endpoint_id: str, reason: str) -> None:
    """A disabled or deleted endpoint gets nothing more: its pending deliveries end here.
    One being attempted right now is left to its sender, which records the attempt and
    then ends it (the log stays true)."""
    now = utcnow()
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == "pending",
            or_(WebhookDelivery.lease_expires_at.is_(None), WebhookDelivery.lease_expires_at < now),
        )
        .values(**ended(reason, now))
    )


async def disable_gone(session: AsyncSession, endpoint_id: str) -> None:
    """The receiver answered 410 Gone: it wants nothing more, now or later."""
    reason = "The endpoint answered 410 Gone and was disabled."
    await _fail_pending(session, endpoint_id, reason)
    await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.status == "active")
        .values(status="disabled", disabled_reason=reason, updated_at=utcnow())
    )


async def update_endpoint(
    session: AsyncSession,
    settings: Settings,
    account_id: str,
    endpoint_id: str,
    body: WebhookEndpointUpdate,
) -> WebhookEndpoint:
    endpoint = await get(session, account_id, endpoint_id)
    given = body.model_fields_set
    if "url" in given:
        if body.url is None:
            raise ValidationFailed("url cannot be null.")
        check_url(body.url, settings.fetch_allow)
        endpoint.url = body.url
    if "description" in given:
        endpoint.description = body.description
    if "events" in given:
        if body.events is None:
            raise ValidationFailed("events cannot be null; send the list of events.")
        endpoint.events = check_events(body.events)
    if "status" in given:
        if body.status is None:
            raise ValidationFailed("status cannot be null; send active or disabled.")
        if body.status == "disabled" and endpoint.status == "active":
            await _fail_pending(session, endpoint.id, "The endpoint was disabled.")
        endpoint.status = body.status
        endpoint.disabled_reason = None
    endpoint.updated_at = utcnow()
    await session.flush()
    return endpoint


async def delete(session: AsyncSession, account_id: str, endpoint_id: str) -> None:
    """Gone for the API; the row stays so its delivery log keeps its history."""
    endpoint = await get(session, account_id, endpoint_id)
    await _fail_pending(session, endpoint.id, "The endpoint was deleted.")
    endpoint.status = "deleted"
    endpoint.updated_at = utcnow()
    await session.flush()
