"""Wire shapes of the influencer endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from genfire_server.generation.rules import InputUrl
from genfire_server.kit.responses import Timestamp


class InfluencerOut(BaseModel):
    id: str = Field(examples=["model_01jd0x4f5k6m7n8p9q0r1s2t3v"])
    object: Literal["influencer"] = "influencer"
    handle: str = Field(examples=["sarah"])
    display_name: str
    status: Literal["draft", "ready", "archived"]
    source_type: Literal["uploaded", "generated"]
    preview_url: str | None
    created_at: Timestamp
    updated_at: Timestamp


class InfluencerList(BaseModel):
    object: Literal["list"] = "list"
    data: list[InfluencerOut]


class InfluencerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    handle: str = Field(
        description="Lowercase letters, digits and underscores; unique in the account.",
        examples=["sarah"],
    )
    display_name: str = Field(min_length=1, max_length=100, examples=["Sarah Chen"])
    photo_urls: list[InputUrl] = Field(
        description="1 to 8 reference photos (any URL, an upload's asset_url, or a run output).",
    )
