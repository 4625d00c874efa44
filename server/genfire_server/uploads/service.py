"""Uploads: allocate a signed PUT URL, then accept exactly one PUT to it.

An upload asset goes `pending` (URL issued) -> `uploading` (a PUT is streaming) ->
`ready` (bytes stored). A failed PUT puts it back to `pending`, so the client may try
again while the URL lasts. The PUT never holds a database transaction while bytes
stream: it claims the asset in one short write and completes it in another.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession

from genfire_server.kit.clock import utcnow
from genfire_server.kit.errors import NotFound, ValidationFailed
from genfire_server.kit.ids import new_id
from genfire_server.models.assets import Asset
from genfire_server.settings import Settings
from genfire_server.storage import signing
from genfire_server.storage.base import ObjectTooLarge
from genfire_server.storage.errors import (
    AlreadyUploaded,
    ContentTypeMismatch,
    EmptyUpload,
    InvalidSignature,
    InvalidSizeBytes,
    SizeMismatch,
    UploadInProgress,
    UploadTooLarge,
    UrlExpired,
)
from genfire_server.storage.service import (
    MAX_FILENAME_LENGTH,
    asset_by_key,
    bare_filename,
    storage_name,
    whole_seconds,
)
from genfire_server.uploads.schemas import UploadCreate, UploadOut, UploadReceived

if TYPE_CHECKING:
    from genfire_server.context import AppContext

log = logging.getLogger(__name__)

DEFAULT_CONTENT_TYPE = "application/octet-stream"
_MAX_CONTENT_TYPE = 120  # the assets.content_type column
_TCHARS = r"[A-Za-z0-9!#$&^_.+-]+"
_MIME = re.compile(
    rf"^({_TCHARS})/({_TCHARS})((?:\s*;\s*{_TCHARS}=(?:{_TCHARS}|\"[^\"\\\x00-\x1f]*\"))*)\s*;?\s*$"
)
_PARAM = re.compile(rf"({_TCHARS})=({_TCHARS}|\"[^\"\\\x00-\x1f]*\")")


def normalize_content_type(value: str) -> str | None:
    """`Image/PNG ; q=1` -> `image/png; q=1`, or None when it is not a media type."""
    match = _MIME.match(value.strip())
    if match is None:
        return None
    kind, subtype, params = match.groups()
    normalized = f"{kind.lower()}/{subtype.lower()}"
    for name, param_value in _PARAM.findall(params):
        normalized += f"; {name.lower()}={param_value}"
    return normalized


def check_size_bytes(value: object, limit: int) -> int | None:
    """The declared size as an int, or 400 `invalid_size_bytes` / `upload_too_large`."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidSizeBytes("size_bytes must be a whole number of bytes greater than 0.")
    if value > limit:
        raise UploadTooLarge(
            f"size_bytes is {value}; the largest upload accepted is {limit} bytes."
        )
    return value


def _check_filename(raw: str) -> str:
    filename = bare_filename(raw)
    if not filename:
        raise ValidationFailed("filename: give the file's name, such as reference.png.")
    if any(ord(char) < 32 or ord(char) == 127 for char in filename):
        raise ValidationFailed("filename: must not contain control characters.")
    if len(filename) > MAX_FILENAME_LENGTH:
        raise ValidationFailed(f"filename: at most {MAX_FILENAME_LENGTH} characters.")
    return filename


async def create_upload(
    session: AsyncSession, settings: Settings, *, account_id: str, body: UploadCreate
) -> UploadOut:
    """Record a pending upload asset and sign its PUT and GET URLs."""
    filename = _check_filename(body.filename)
    content_type = normalize_content_type(body.content_type)
    if content_type is None or len(content_type) > _MAX_CONTENT_TYPE:
        raise ValidationFailed(
            "content_type: must be a media type such as image/png "
            f"(at most {_MAX_CONTENT_TYPE} characters)."
        )
    size = check_size_bytes(body.size_bytes, settings.max_upload_bytes)
    asset_id = new_id("asset")
    key = f"uploads/{account_id}/{asset_id}/{storage_name(filename, content_type)}"
    now = utcnow()
    upload_expires_at = whole_seconds(now + timedelta(seconds=settings.upload_url_ttl_seconds))
    expires_at = whole_seconds(now + timedelta(days=settings.asset_url_ttl_days))
    session.add(
        Asset(
            id=asset_id,
            account_id=account_id,
            kind="upload",
            storage_key=key,
            filename=filename,
            content_type=content_type,
            declared_size=size,
            size_bytes=None,
            status="pending",
            upload_expires_at=upload_expires_at,
            expires_at=expires_at,
            created_at=now,
        )
    )
    return UploadOut(
        asset_id=asset_id,
        upload_url=signing.signed_put_url(
            settings, key, upload_expires_at, content_type=content_type, size=size
        ),
        asset_url=signing.signed_get_url(settings, key, expires_at),
        content_type=content_type,
        expires_at=upload_expires_at,
    )


async def accept_upload(
    ctx: AppContext,
    *,
    key: str,
    expires: str | None,
    sig: str | None,
    pinned_content_type: str | None,
    declared_size: str | None,
    content_type: str | None,
    content_length: str | None,
    body: AsyncIterator[bytes],
) -> UploadReceived:
    """Check a PUT against its signed URL, stream its body to storage, mark it ready.

    `pinned_content_type` and `declared_size` are the URL's `ct` and `size` parameters;
    `content_type` and `content_length` the request's headers.
    """
    settings = ctx.settings
    if pinned_content_type is None:
        raise InvalidSignature("This URL is not an upload URL.")
    try:
        verified = signing.verify(
            settings,
            "PUT",
            key,
            expires=expires,
            sig=sig,
            content_type=pinned_content_type,
            size=declared_size,
        )
    except signing.SignatureExpired as error:
        raise UrlExpired(
            "The upload URL has expired; ask POST /v1/uploads for a new one."
        ) from error
    except signing.BadSignature as error:
        raise InvalidSignature(
            "The upload URL's signature is missing or does not match."
        ) from error

    # A request without Content-Type is taken as application/octet-stream (RFC 9110 8.3).
    sent = normalize_content_type(content_type) if content_type else DEFAULT_CONTENT_TYPE
    if sent != pinned_content_type:
        raise ContentTypeMismatch(
            f"This upload URL is pinned to Content-Type {pinned_content_type}; "
            f"the request sent {content_type or 'none'}."
        )
    size = verified.size
    limit = size if size is not None else settings.max_upload_bytes
    if content_length is not None and content_length.isdigit():
        length = int(content_length)
        if size is not None and length != size:
            raise SizeMismatch(f"The upload URL expects {size} bytes; Content-Length is {length}.")
        if length > limit:
            raise UploadTooLarge(f"The largest upload accepted is {limit} bytes.")

    asset = await _claim(ctx, key)
    try:
        try:
            stored = await ctx.storage.put_stream(key, body, max_bytes=limit)
        except ObjectTooLarge as error:
            if size is not None:
                raise SizeMismatch(
                    f"The upload URL expects {size} bytes; the body is longer."
                ) from error
            raise UploadTooLarge(f"The largest upload accepted is {limit} bytes.") from error
        if stored == 0 or (size is not None and stored != size):
            await ctx.storage.delete(key)
            if stored == 0:
                raise EmptyUpload("The request body is empty; PUT the file's bytes.")
            raise SizeMismatch(f"The upload URL expects {size} bytes; the body has {stored}.")
        await _complete(ctx, asset.id, stored)
    except Exception:
        await _release(ctx, asset.id)
        raise
    except BaseException:
        # Cancelled: the release needs a write this task can no longer make.
        ctx.background.spawn_once(("release-upload", asset.id), _release(ctx, asset.id))
        raise
    return UploadReceived(asset_id=asset.id, size_bytes=stored, content_type=asset.content_type)


async def _claim(ctx: AppContext, key: str) -> Asset:
    """Take the asset from `pending` to `uploading`; only one PUT can win."""
    async with ctx.db.write() as session:
        asset = await asset_by_key(session, key)
        if asset is None or asset.kind != "upload":
            raise NotFound("No upload is waiting at this URL.")
        if asset.status == "ready":
            raise AlreadyUploaded("This upload URL has already been used; the file is stored.")
        result = await session.execute(
            update(Asset)
            .where(Asset.id == asset.id, Asset.status == "pending")
            .values(status="uploading")
        )
        if cast(CursorResult[Any], result).rowcount != 1:
            raise UploadInProgress("Another PUT to this upload URL is still in progress.")
    return asset


async def _complete(ctx: AppContext, asset_id: str, size: int) -> None:
    async with ctx.db.write() as session:
        await session.execute(
            update(Asset)
            .where(Asset.id == asset_id, Asset.status == "uploading")
            .values(status="ready", size_bytes=size)
        )


async def _release(ctx: AppContext, asset_id: str) -> None:
    async with ctx.db.write() as session:
        await session.execute(
            update(Asset)
            .where(Asset.id == asset_id, Asset.status == "uploading")
            .values(status="pending")
        )
