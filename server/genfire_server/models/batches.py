"""Batches: many workflow or generation items run with bounded concurrency.

Every item is validated, priced and held for when the batch is created; its run is
created only when a slot frees up, so a batch never has more than `concurrency` runs
alive and other work interleaves with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from genfire_server.models.base import Base, UTCDateTime
from genfire_server.models.types import JSONDoc


class Batch(Base):
    __tablename__ = "batches"
    __table_args__ = (
        # GET /batches: an account's batches, newest first.
        Index("ix_batches_account_created", "account_id", "created_at"),
        # The sweeper: batches that are still going.
        Index("ix_batches_status", "status"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # batch_<...>
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    mode: Mapped[str] = mapped_column(String(20))  # workflow | operation
    target: Mapped[str] = mapped_column(String(80))  # hook_pack, images.generations.create
    # queued | processing | completed | failed | partial
    status: Mapped[str] = mapped_column(String(20))
    concurrency: Mapped[int] = mapped_column(Integer)
    total_items: Mapped[int] = mapped_column(Integer)
    # Moved in the transaction that finishes each item's run, so they never disagree with
    # the items' own statuses.
    completed_items: Mapped[int] = mapped_column(Integer)
    failed_items: Mapped[int] = mapped_column(Integer)
    input_summary: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    output: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    error_code: Mapped[str | None] = mapped_column(String(60))
    error_message: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str] = mapped_column(String(128))  # the request that created it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BatchItem(Base):
    __tablename__ = "batch_items"
    __table_args__ = (
        UniqueConstraint("batch_id", "item_index"),
        # Starting the next items (queued, by index) and counting the running ones.
        Index("ix_batch_items_batch_status_index", "batch_id", "status", "item_index"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # batch_item_<...>
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"))
    index: Mapped[int] = mapped_column("item_index", Integer)  # position in the request
    status: Mapped[str] = mapped_column(String(20))  # queued | processing | completed | failed
    # What `runs.service.submit` would have been given: capability, endpoint, model,
    # engine, input, input_summary, price_milli. Decided when the batch was created.
    spec: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    input_summary: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    hold_id: Mapped[str | None] = mapped_column(ForeignKey("credit_holds.id"))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id"))
    output: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    charged_milli: Mapped[int | None] = mapped_column(BigInteger)
    error_code: Mapped[str | None] = mapped_column(String(60))
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
