"""Webhook endpoints and the deliveries made to them.

A delivery is a row created in the transaction that finished its run or batch, then sent
(and retried) by the workers' webhook sender, so no event is lost to a crash or restart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from genfire_server.models.base import Base, UTCDateTime
from genfire_server.models.types import JSONDoc


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_account_created", "account_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # wh_<...>
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))  # active | disabled | deleted
    events: Mapped[list[str]] = mapped_column(JSONDoc)
    # The signing secret is derived from this salt and the server's secret key, never
    # stored: a copy of the database alone cannot forge a signature.
    secret_salt: Mapped[str] = mapped_column(String(64))
    secret_preview: Mapped[str] = mapped_column(String(40))  # gfwsec_1234...abcd
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_delivery_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # GET /webhooks/deliveries: an account's deliveries, newest first (per endpoint too).
        Index("ix_webhook_deliveries_account_created", "account_id", "created_at"),
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
        # The sender: pending deliveries by when they are due.
        Index("ix_webhook_deliveries_status_due", "status", "next_attempt_at"),
        # Housekeeping: the log's old entries.
        Index("ix_webhook_deliveries_created", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # delivery_<...>
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id"))
    event_id: Mapped[str] = mapped_column(String(40))  # evt_<...>: webhook-id, payload id
    event_type: Mapped[str] = mapped_column(String(40))
    run_id: Mapped[str | None] = mapped_column(String(40))
    batch_id: Mapped[str | None] = mapped_column(String(40))
    # The exact bytes sent (and signed) on every attempt and replay.
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # pending | success | failed
    attempt_count: Mapped[int] = mapped_column(Integer)
    max_attempts: Mapped[int] = mapped_column(Integer)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)  # truncated
    last_error: Mapped[str | None] = mapped_column(Text)
    request_headers: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
