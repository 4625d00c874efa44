"""`GET /runs`, `GET /runs/{runId}`, `GET /runs/{runId}/output`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.dependencies import Session, context_of
from genfire_server.kit.responses import errors
from genfire_server.runs import service
from genfire_server.runs.executor import TERMINAL
from genfire_server.runs.schemas import RunList, RunOut, RunOutputOut

router = APIRouter(tags=["Runs"])
RunsRead = Annotated[Principal, Depends(require("runs:read"))]
_JSON = "application/json"


@router.get(
    "/runs",
    summary="List recent runs",
    response_model=RunList,
    responses=errors(400, 401, 403),
)
async def list_runs(
    session: Session,
    principal: RunsRead,
    status: Annotated[
        Literal["queued", "processing", "completed", "failed"] | None,
        Query(description="Only runs in this status."),
    ] = None,
    capability: Annotated[
        str | None,
        Query(max_length=80, description="Only runs of this capability, e.g. `image_generation`."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="How many runs, newest first.")] = 25,
) -> Response:
    """The account's runs, newest first."""
    views = await service.list_views(
        session, principal.account_id, status=status, capability=capability, limit=limit
    )
    body = b'{"object":"list","data":[' + b",".join(service.run_json(v) for v in views) + b"]}"
    return Response(body, media_type=_JSON)


@router.get(
    "/runs/{runId}",
    summary="Get a run by id",
    response_model=RunOut,
    responses=errors(401, 403, 404),
)
async def get_run(runId: str, request: Request, principal: RunsRead) -> Response:
    """Status, output, usage and provider metadata of one run. Clients poll this."""
    ctx = context_of(request)
    body = ctx.terminal_runs.get(principal.account_id, runId)
    if body is None:
        view = await service.get_view(ctx, principal.account_id, runId)
        body = service.run_json(view)
        if view.status in TERMINAL:
            ctx.terminal_runs.put(principal.account_id, runId, body)
    return Response(body, media_type=_JSON)


@router.get(
    "/runs/{runId}/output",
    summary="Get the output envelope for a run",
    response_model=RunOutputOut,
    responses=errors(401, 403, 404),
)
async def get_run_output(runId: str, request: Request, principal: RunsRead) -> Response:
    """Just the terminal output (or error) of a run."""
    view = await service.get_view(context_of(request), principal.account_id, runId)
    return Response(service.render_output(view).model_dump_json().encode(), media_type=_JSON)
