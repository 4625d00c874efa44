"""`GET /workflows`, `GET /workflows/{workflowKey}`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request, Response

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.dependencies import Context, Session
from genfire_server.kit.errors import NotFound
from genfire_server.kit.responses import errors
from genfire_server.models import Project
from genfire_server.runs.schemas import RunOut
from genfire_server.runs.submission import respond_with_run
from genfire_server.workflows.catalog import Workflow
from genfire_server.workflows.runs import workflow_run_spec
from genfire_server.workflows.schemas import ProjectOut, WorkflowList, WorkflowOut

router = APIRouter(tags=["Workflows"])
WorkflowsRead = Annotated[Principal, Depends(require("workflows:read"))]
WorkflowsWrite = Annotated[Principal, Depends(require("workflows:write"))]
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


@router.post(
    "/workflows/{workflowKey}/runs",
    summary="Execute a workflow",
    response_model=RunOut,
    responses=errors(400, 401, 402, 403, 404, 409, 422),
)
async def create_workflow_run(
    workflowKey: WorkflowKey,
    body: Annotated[dict[str, Any], Body(description="Fields of the workflow's input schema.")],
    request: Request,
    ctx: Context,
    principal: WorkflowsWrite,
) -> Response:
    """Run a workflow with a body that follows its `input_schema` (`GET /workflows/{key}`).
    Answers with the completed run when it finishes within the synchronous wait."""
    workflow = workflow_or_404(ctx, workflowKey)
    spec = await workflow_run_spec(ctx, principal.account_id, workflow, body)
    wait = ctx.settings.sync_wait_seconds
    return await respond_with_run(request, ctx, principal, spec, wait_seconds=wait)


@router.get(
    "/projects/{projectId}",
    summary="Get a creative project",
    response_model=ProjectOut,
    responses=errors(401, 403, 404),
)
async def get_project(
    projectId: Annotated[str, Path(description="A project id (`proj_...`).")],
    session: Session,
    principal: WorkflowsRead,
) -> ProjectOut:
    """A project the storyboard workflow planned: its brief, brand kit, script, shot list
    and storyboard frames, and where it stands."""
    project = await session.get(Project, projectId)
    if project is None or project.account_id != principal.account_id:
        raise NotFound(f"No project {projectId[:80]}.")
    return ProjectOut.from_row(project)
