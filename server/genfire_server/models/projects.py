"""Creative projects: what the storyboard workflow plans, waiting for approval."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from genfire_server.models.base import Base, UTCDateTime
from genfire_server.models.types import JSONDoc


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # proj_<...>
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    run_id: Mapped[str] = mapped_column(String(40))  # the workflow run that planned it
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(30))  # needs_approval | approved | ...
    current_stage: Mapped[str] = mapped_column(String(30))  # storyboard
    next_action: Mapped[str | None] = mapped_column(String(40))  # approve_storyboard
    aspect_ratio: Mapped[str] = mapped_column(String(10))
    # The planning documents: brief, brand_kit, script, shot_list, storyboard_frames.
    plan: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
