"""Wire shapes of the discovery endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ModelLimits(BaseModel):
    """Per-model limits. Only the members that apply to a model are present."""

    model_config = ConfigDict(extra="allow")

    aspect_ratios: list[str] | None = None
    max_count: int | None = None
    duration_seconds: list[int] | None = None
    supports_audio: bool | None = None
    resolution: str | None = None
    resolutions: list[str] | None = None
    max_characters: int | None = None
    max_duration_seconds: int | None = None
    prompt_max_length: int | None = None
    max_file_mb: int | None = None
    input: str | None = None
    scale_factors: list[int] | None = None


class ModelCapabilities(BaseModel):
    """Which input combinations an image or video model accepts."""

    text_to_output: bool
    image_to_output: bool
    reference_images: bool
    source_video: bool
    motion_control: bool
    first_last_frame: bool


class Model(BaseModel):
    id: str = Field(examples=["image.nano_banana_2"])
    object: Literal["model"] = "model"
    capability: str = Field(examples=["image_generation"])
    name: str
    description: str
    status: str = Field(examples=["available", "preview"])
    is_default: bool
    limits: ModelLimits
    capabilities: ModelCapabilities | None = Field(
        default=None, description="Present on image, video and Lyria models only."
    )


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Model]


class ModelPrice(BaseModel):
    model: str
    capability: str
    unit: Literal["per_image", "per_second", "per_character"]
    credits: float | int
    operation_key: str
    notes: str | None = Field(default=None, description="Present where a multiplier applies.")


class ModelPriceList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelPrice]
