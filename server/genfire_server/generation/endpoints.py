"""`POST /images/generations`, `POST /videos/generations`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.dependencies import Context
from genfire_server.generation import images, operations, videos
from genfire_server.kit.responses import errors
from genfire_server.runs.schemas import RunOut
from genfire_server.runs.submission import respond_with_run

router = APIRouter(tags=["Generation"])
ImagesWrite = Annotated[Principal, Depends(require("images:write"))]
VideosWrite = Annotated[Principal, Depends(require("videos:write"))]
_ERRORS = errors(400, 401, 402, 403, 409, 422)


@router.post(
    "/images/generations",
    summary="Generate images",
    response_model=RunOut,
    responses=_ERRORS,
)
async def create_image_generation(
    body: images.ImageGenerationCreate, request: Request, ctx: Context, principal: ImagesWrite
) -> Response:
    """Create one or more images with a public image model alias. Usually answers with a
    completed run (it waits up to `GENFIRE_SYNC_WAIT_SECONDS`); otherwise poll the run."""
    spec = await operations.image_run_spec(ctx, principal.account_id, body)
    wait = ctx.settings.sync_wait_seconds
    return await respond_with_run(request, ctx, principal, spec, wait_seconds=wait)


@router.post(
    "/videos/generations",
    summary="Generate videos",
    response_model=RunOut,
    responses=_ERRORS,
)
async def create_video_generation(
    body: videos.VideoGenerationCreate, request: Request, ctx: Context, principal: VideosWrite
) -> Response:
    """Create a video run; the input mode follows from the inputs sent. Answers with the
    queued run: poll `GET /runs/{runId}`."""
    spec = await operations.video_run_spec(ctx, principal.account_id, body)
    return await respond_with_run(request, ctx, principal, spec)
