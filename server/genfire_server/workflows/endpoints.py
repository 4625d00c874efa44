"""`GET /workflows`, `GET /workflows/{workflowKey}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.dependencies import Context
from genfire_server.kit.errors import NotFound
from genfire_server.kit.responses import errors
from genfire_server.workflows.catalog import Workflow
from genfire_server.workflows.schemas import WorkflowList, WorkflowOut

router = APIRouter(tags=["Workflows"])
WorkflowsRead = Annotated[Principal, Depends(require("workflows:read"))]
WorkflowKey = Annotated[
    str, Path(description="A workflow id such as `hook_pack` or `creative_pack`.")
]


def workflow_or_404(ctx: Context, key: str) -> Workflow:
    workflow = ctx.workflows.get(key)
    if workflow is None:
        known = ", ".join(ctx.workflows.keys())
        raise NotFound(f"No workflow '{key[:80]}'. Workflows: {known}.")
    return workflow


@router.get(
    "/workflows",
    summary="List executable workflows",
    response_model=WorkflowList,
    responses=errors(401, 403),
)
async def list_workflows(ctx: Context, _principal: WorkflowsRead) -> WorkflowList:
    """The workflow catalog: outcomes (hooks, ad scripts, storyboards) rather than raw media."""
    documents = [workflow.document for workflow in ctx.workflows.workflows.values()]
    return WorkflowList.model_validate({"object": "list", "data": documents})


@router.get(
    "/workflows/{workflowKey}",
    summary="Get one workflow definition",
    response_model=WorkflowOut,
    responses=errors(401, 403, 404),
)
async def get_workflow(
    workflowKey: WorkflowKey,
    ctx: Context,
    _principal: WorkflowsRead,
) -> WorkflowOut:
    """The input and output schema of one workflow."""
    return WorkflowOut.model_validate(workflow_or_404(ctx, workflowKey).document)
