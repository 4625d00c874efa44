"""Runs: one asynchronous piece of work (a generation, a workflow), from request to result."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from genfire_server.models.base import Base, UTCDateTime
from genfire_server.models.types import JSONDoc


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        # GET /runs: an account's runs, newest first.
        Index("ix_runs_account_created", "account_id", "created_at"),
        # The sweeper: queued runs by last dispatch, processing runs by lease expiry.
        Index("ix_runs_status_dispatched", "status", "dispatched_at"),
        Index("ix_runs_status_lease", "status", "lease_expires_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # run_<...>
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    status: Mapped[str] = mapped_column(String(20))  # queued | processing | completed | failed
    capability: Mapped[str] = mapped_column(String(60))
    endpoint: Mapped[str] = mapped_column(String(80))
    model: Mapped[str | None] = mapped_column(String(80))  # None: no alias (products)
    engine: Mapped[str] = mapped_column(String(80))  # the engine key the route resolved to
    request_id: Mapped[str] = mapped_column(String(128))
    input: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    input_summary: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    output: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    error_code: Mapped[str | None] = mapped_column(String(60))
    error_message: Mapped[str | None] = mapped_column(Text)
    price_milli: Mapped[int] = mapped_column(BigInteger)  # what was held
    charged_milli: Mapped[int | None] = mapped_column(BigInteger)  # what was captured
    hold_id: Mapped[str | None] = mapped_column(ForeignKey("credit_holds.id"))
    resource_id: Mapped[str | None] = mapped_column(String(120))
    # The batch item this run executes, if any: finishing the run finishes the item.
    batch_item_id: Mapped[str | None] = mapped_column(String(40))
    # Listeners (runs/events.py) that failed when the run finished, comma-separated; the
    # sweeper tells them again. NULL for nearly every run, so the index stays small.
    unannounced: Mapped[str | None] = mapped_column(String(200), index=True)
    provider_request_id: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
