"""Wire shapes of the workflow catalog."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from genfire_server.kit.responses import Timestamp
from genfire_server.models import Project


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


class ProjectOut(BaseModel):
    id: str = Field(examples=["proj_01jd0x4f5k6m7n8p9q0r1s2t3v"])
    object: Literal["project"] = "project"
    title: str
    status: str = Field(examples=["needs_approval"])
    current_stage: str = Field(examples=["storyboard"])
    next_action: str | None = Field(examples=["approve_storyboard"])
    aspect_ratio: str = Field(examples=["9:16"])
    run_id: str = Field(description="The workflow run that planned the project.")
    brief: dict[str, Any]
    brand_kit: dict[str, Any]
    script: dict[str, Any]
    shot_list: list[dict[str, Any]]
    storyboard_frames: list[dict[str, Any]]
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def from_row(cls, project: Project) -> ProjectOut:
        plan = project.plan
        return cls(
            id=project.id,
            title=project.title,
            status=project.status,
            current_stage=project.current_stage,
            next_action=project.next_action,
            aspect_ratio=project.aspect_ratio,
            run_id=project.run_id,
            brief=dict(plan.get("brief") or {}),
            brand_kit=dict(plan.get("brand_kit") or {}),
            script=dict(plan.get("script") or {}),
            shot_list=list(plan.get("shot_list") or []),
            storyboard_frames=list(plan.get("storyboard_frames") or []),
            created_at=project.created_at,
            updated_at=project.updated_at,
        )
