"""`POST /images/background-remove`, `/videos/upscale`, `/lipsync/generations`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.dependencies import Context
from genfire_server.generation import media
from genfire_server.kit.responses import errors
from genfire_server.runs.schemas import RunOut
from genfire_server.runs.service import RunSpec
from genfire_server.runs.submission import respond_with_run

router = APIRouter(tags=["Generation"])
ImagesWrite = Annotated[Principal, Depends(require("images:write"))]
VideosWrite = Annotated[Principal, Depends(require("videos:write"))]
LipsyncWrite = Annotated[Principal, Depends(require("lipsync:write"))]
_ERRORS = errors(400, 401, 402, 403, 409, 422)


@router.post(
    "/images/background-remove",
    summary="Remove image background",
    response_model=RunOut,
    responses=_ERRORS,
)
async def create_background_removal(
    body: media.BackgroundRemovalCreate, request: Request, ctx: Context, principal: ImagesWrite
) -> Response:
    """A PNG of the image with its background transparent, the same size as the source.
    Usually answers with the completed run."""
    spec = await media.background_removal_spec(ctx, principal.account_id, body)
    wait = ctx.settings.sync_wait_seconds
    return await respond_with_run(request, ctx, principal, spec, wait_seconds=wait)


@router.post("/videos/upscale", summary="Upscale a video", response_model=RunOut, responses=_ERRORS)
async def create_video_upscale(
    body: media.VideoUpscaleCreate, request: Request, ctx: Context, principal: VideosWrite
) -> Response:
    """Upscale a video 2x or 4x, keeping its duration and audio. Priced per second of video
    times the scale factor. Answers with the queued run: poll `GET /runs/{runId}`."""
    spec = await media.upscale_spec(ctx, principal.account_id, body)
    return await respond_with_run(request, ctx, principal, spec)


@router.post(
    "/lipsync/generations",
    summary="Generate a lip-synced video",
    response_model=RunOut,
    responses=_ERRORS,
)
async def create_lipsync(
    body: media.LipsyncCreate, request: Request, ctx: Context, principal: LipsyncWrite
) -> Response:
    """Sync a video to audio (`audio_url`, or inline `audio_base64`); `sync_mode` decides
    what happens when their lengths differ. Answers with the queued run."""
    inline = media.check_lipsync(ctx, body)

    async def build() -> RunSpec:  # stores inline audio: once per Idempotency-Key
        return await media.lipsync_spec(ctx, principal.account_id, body, inline)

    return await respond_with_run(request, ctx, principal, build)
