"""Influencers: characters made from reference photos, injected into images by mention."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from genfire_server.models.base import Base, UTCDateTime
from genfire_server.models.types import JSONDoc


class Influencer(Base):
    __tablename__ = "influencers"
    __table_args__ = (
        UniqueConstraint("account_id", "handle", name="uq_influencers_account_handle"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # model_<...>
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    handle: Mapped[str] = mapped_column(String(40))
    display_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # draft | ready | archived
    source_type: Mapped[str] = mapped_column(String(20))  # uploaded | generated
    # The stored reference photos (asset ids), in the order they were given.
    photo_asset_ids: Mapped[list[str]] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
