"""Product pages already extracted, so a repeat of the same URL is answered from here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from genfire_server.models.base import Base, UTCDateTime
from genfire_server.models.types import JSONDoc


class ProductPage(Base):
    __tablename__ = "product_pages"

    # SHA-256 of the normalised URL: URLs can be longer than an index allows.
    url_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    product: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # the public product document
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
