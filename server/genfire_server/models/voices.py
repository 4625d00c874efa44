"""Cloned voices, owned by one account each. Stock voices are data, not rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from genfire_server.models.base import Base, UTCDateTime


class Voice(Base):
    __tablename__ = "voices"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # fal_cloned_<...>
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(60))
    preview_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
