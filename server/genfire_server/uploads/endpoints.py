"""`POST /uploads`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.dependencies import Context, Session
from genfire_server.kit.responses import errors
from genfire_server.uploads import service
from genfire_server.uploads.schemas import UploadCreate, UploadOut

router = APIRouter(tags=["Uploads"])
UploadsWrite = Annotated[Principal, Depends(require("uploads:write"))]


@router.post(
    "/uploads",
    summary="Create a signed upload URL",
    response_model=UploadOut,
    responses=errors(400, 401, 403),
)
async def create_upload(
    principal: UploadsWrite, body: UploadCreate, ctx: Context, session: Session
) -> UploadOut:
    """Allocate a pre-signed PUT URL so a client can upload a local file straight to
    storage. PUT the bytes to `upload_url` within 15 minutes with the `Content-Type` given
    here; then use `asset_url` (a 7-day signed GET URL) as `image_url`, `video_url` or
    `audio_url` in generation requests. Uploads are at most 5 GB (400 `upload_too_large`);
    `size_bytes`, when given, must be a positive whole number (400 `invalid_size_bytes`)."""
    return await service.create_upload(
        session, ctx.settings, account_id=principal.account_id, body=body
    )
