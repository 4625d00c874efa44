"""Wire shapes of batches: `POST /batches`, `GET /batches`, `GET /batches/{id}[/items]`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from genfire_server.kit.responses import Timestamp
from genfire_server.runs.schemas import RunError

DEFAULT_CONCURRENCY = 2
# Items of one batch running at once. Fifty keeps one batch from taking a whole worker
# fleet; effective parallelism is also bounded by the workers' GENFIRE_WORKER_CONCURRENCY.
MAX_CONCURRENCY = 50
# Every item is validated and priced while the request waits; a thousand takes well under
# a second (bench/README.md) and keeps the creation response a reasonable size.
MAX_ITEMS = 1000

BatchMode = Literal["workflow", "operation"]
BatchStatus = Literal["queued", "processing", "completed", "failed", "partial"]
BatchItemStatus = Literal["queued", "processing", "completed", "failed"]


class BatchItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: dict[str, Any] = Field(
        description="The body the target takes: a workflow's input or an operation's request.",
        examples=[{"prompt": "Portable blender for busy professionals"}],
    )


class BatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: BatchMode = Field(
        description="`workflow` for workflow batches, `operation` for generation operations."
    )
    target: str = Field(
        min_length=1,
        max_length=80,
        description="A workflow key (`hook_pack`, ...) or an operation: "
        "`images.generations.create` or `videos.generations.create`.",
        examples=["hook_pack"],
    )
    concurrency: StrictInt = Field(
        default=DEFAULT_CONCURRENCY,
        ge=1,
        le=MAX_CONCURRENCY,
        description=f"How many items run at once, 1 to {MAX_CONCURRENCY}.",
    )
    items: list[BatchItemCreate] = Field(
        min_length=1, max_length=MAX_ITEMS, description=f"1 to {MAX_ITEMS} items."
    )


class BatchOut(BaseModel):
    id: str = Field(examples=["batch_01jd0x4f5k6m7n8p9q0r1s2t3v"])
    object: Literal["batch"] = "batch"
    mode: BatchMode
    target: str
    status: BatchStatus
    total_items: int
    completed_items: int
    failed_items: int
    concurrency: int
    input_summary: dict[str, Any]
    output: dict[str, Any] | None = Field(
        description="Once every item has finished: counts, credits charged and the first failures."
    )
    error: RunError | None = Field(description="Set when every item failed.")
    created_at: Timestamp
    updated_at: Timestamp
    completed_at: Timestamp | None


class BatchItemOut(BaseModel):
    id: str = Field(examples=["batch_item_01jd0x4f5k6m7n8p9q0r1s2t3v"])
    object: Literal["batch_item"] = "batch_item"
    batch_id: str
    index: int
    target: str
    status: BatchItemStatus
    run_id: str | None = Field(description="The item's run, once it has started.")
    input_summary: dict[str, Any]
    output: dict[str, Any] | None = Field(description="The run's output once it completed.")
    error: RunError | None
    created_at: Timestamp
    updated_at: Timestamp
    completed_at: Timestamp | None


class BatchCreated(BatchOut):
    items: list[BatchItemOut]


class BatchList(BaseModel):
    object: Literal["list"] = "list"
    data: list[BatchOut]


class BatchItemList(BaseModel):
    object: Literal["list"] = "list"
    data: list[BatchItemOut]
