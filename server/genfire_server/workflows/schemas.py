"""Wire shapes of the workflow catalog."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class WorkflowOut(BaseModel):
    id: str = Field(examples=["hook_pack"])
    object: Literal["workflow"] = "workflow"
    name: str = Field(examples=["Hook Pack"])
    description: str
    status: str = Field(examples=["available"])
    input_schema: dict[str, Any] = Field(description="JSON Schema of the run request body.")
    output_schema: dict[str, Any] = Field(description="JSON Schema of the run's output.")


class WorkflowList(BaseModel):
    object: Literal["list"] = "list"
    data: list[WorkflowOut]
