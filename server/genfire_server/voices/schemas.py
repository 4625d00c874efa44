"""Wire shapes of `GET /audio/voices`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from genfire_server.kit.responses import Timestamp


class VoiceOut(BaseModel):
    id: str = Field(examples=["fal_cloned_abc123", "local_joe"])
    object: Literal["voice"] = "voice"
    name: str
    type: Literal["cloned", "stock"]
    provider: str
    preview_url: str | None = None
    created_at: Timestamp | None = Field(default=None, description="Null for stock voices.")


class VoiceList(BaseModel):
    object: Literal["list"] = "list"
    data: list[VoiceOut]
