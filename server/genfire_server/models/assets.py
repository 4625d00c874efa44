"""Stored files: uploads clients PUT, and outputs runs produce."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from genfire_server.models.base import Base, UTCDateTime


class Asset(Base):
    __tablename__ = "assets"
    __table_args__ = (
        Index("ix_assets_account_created", "account_id", "created_at"),
        Index("ix_assets_expires", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # asset_<...>
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(20))  # upload | output
    # Where the bytes live in storage; it ends in the file's real extension.
    storage_key: Mapped[str] = mapped_column(String(500), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    declared_size: Mapped[int | None] = mapped_column(BigInteger)  # uploads: size_bytes
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)  # once the bytes are stored
    # pending (URL issued) | uploading (a PUT is writing) | ready
    status: Mapped[str] = mapped_column(String(20))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id"), index=True)
    upload_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
