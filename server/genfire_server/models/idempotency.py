"""Idempotency keys: the first response to a keyed request, kept to replay it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from genfire_server.models.base import Base, UTCDateTime


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_expires", "expires_at"),)

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))  # method, path and body
    status: Mapped[str] = mapped_column(String(20))  # in_flight | done
    # An in-flight claim whose request died is given up after this.
    locked_until: Mapped[datetime] = mapped_column(UTCDateTime())
    # Which request owns the claim: a request whose claim was taken over (it was too slow)
    # must not record, store or release anything under the key any more.
    claim_token: Mapped[str] = mapped_column(String(32))
    # What the first request created (a run id), written in the same transaction as the
    # creation, so a retry after a crash answers with it instead of creating another.
    resource_id: Mapped[str | None] = mapped_column(String(40))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_content_type: Mapped[str | None] = mapped_column(String(120))
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
