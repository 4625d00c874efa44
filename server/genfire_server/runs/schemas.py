"""Wire shapes of runs: `GET /runs`, `GET /runs/{id}`, `GET /runs/{id}/output`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from genfire_server.kit.responses import Timestamp

RunStatus = Literal["queued", "processing", "completed", "failed"]


class RunUsage(BaseModel):
    credits: int | float = Field(description="Credits charged for the run.")


class RunError(BaseModel):
    code: str = Field(examples=["provider_error"])
    message: str


class RunProgress(BaseModel):
    percent: float = Field(ge=0, le=100)
    label: str
    step_index: int
    step_count: int
    stages: list[str]


class RunOut(BaseModel):
    id: str = Field(examples=["run_01jd0x4f5k6m7n8p9q0r1s2t3v"])
    object: Literal["run"] = "run"
    status: RunStatus
    capability: str = Field(examples=["image_generation"])
    endpoint: str = Field(examples=["images.generations.create"])
    model: str | None = Field(
        examples=["image.nano_banana_2"],
        description="The model alias; null for product extraction.",
    )
    request_id: str
    input_summary: dict[str, Any]
    output: dict[str, Any] | None
    usage: RunUsage | None
    error: RunError | None
    resource_id: str | None
    provider_request_id: str | None
    progress: RunProgress | None = Field(
        default=None, description="Present while a run is processing and reports progress."
    )
    created_at: Timestamp
    updated_at: Timestamp
    completed_at: Timestamp | None


class RunList(BaseModel):
    object: Literal["list"] = "list"
    data: list[RunOut]


class RunOutputOut(BaseModel):
    id: str
    object: Literal["run_output"] = "run_output"
    status: RunStatus
    capability: str
    output: dict[str, Any] | None
    error: RunError | None
    completed_at: Timestamp | None
