"""Stored files as the rest of the server sees them: saving run outputs, signing their
URLs, and recognising this server's own file URLs when they come back as inputs.

Runs chain without re-uploading: an upload's `asset_url` or a run's output URL passed as
`image_url` / `video_url` / `audio_url` is resolved here to its `Asset` and read straight
from storage, never fetched over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import os
import re
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from genfire_server.kit.clock import utcnow
from genfire_server.kit.ids import new_id
from genfire_server.models.assets import Asset
from genfire_server.settings import Settings
from genfire_server.storage import signing
from genfire_server.storage.errors import InvalidInputUrl

if TYPE_CHECKING:
    from genfire_server.context import AppContext

_UNSAFE_STEM = re.compile(r"[^A-Za-z0-9._-]+")
_UNSAFE_EXTENSION = re.compile(r"[^a-z0-9]+")
_MAX_STEM = 100
_MAX_EXTENSION = 16
MAX_FILENAME_LENGTH = 255  # the assets.filename column
# No extension is better than a made-up one for bytes of unknown type.
_NO_GUESS = {"application/octet-stream"}


@dataclass(frozen=True)
class StoredFile:
    asset_id: str
    url: str  # signed GET URL, valid until the asset expires
    size_bytes: int
    content_type: str
    filename: str


def whole_seconds(moment: datetime) -> datetime:
    """URLs carry expiries in whole seconds; the rows say exactly the same moment."""
    return moment.replace(microsecond=0)


def bare_filename(filename: str) -> str:
    """The last path component of a client's file name, with its extension lower-cased.

    Both separators count (a browser on Windows sends `C:\\photos\\cat.PNG`). Empty when
    nothing usable is left.
    """
    raw = filename.strip()
    if raw.endswith(("/", "\\")):  # names a folder, not a file
        return ""
    name = PureWindowsPath(PurePosixPath(raw).name).name.strip()
    if name in {"", ".", ".."}:
        return ""
    stem, dot, extension = name.rpartition(".")
    if dot and stem:
        name = f"{stem}.{extension.lower()}"
    return name


def storage_name(filename: str, content_type: str) -> str:
    """A safe object name for `filename`: ASCII letters, digits, `._-`, ending in the
    file's real extension (lower-cased), or one guessed from `content_type` if it has none.
    """
    name = bare_filename(filename)
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem.strip("."):
        stem, extension = name, ""
    extension = _UNSAFE_EXTENSION.sub("", extension.lower())[:_MAX_EXTENSION]
    if not extension and content_type not in _NO_GUESS:
        guessed = mimetypes.guess_extension(content_type.split(";")[0].strip(), strict=False)
        extension = guessed.lstrip(".") if guessed else ""
    safe_stem = _UNSAFE_STEM.sub("_", stem).strip("._-")[:_MAX_STEM].rstrip("._-") or "file"
    return f"{safe_stem}.{extension}" if extension else safe_stem


def signed_get_url(settings: Settings, storage_key: str, expires_at: datetime) -> str:
    """A URL that fetches the object with no other credential until `expires_at`."""
    return signing.signed_get_url(settings, storage_key, expires_at)


def asset_url(settings: Settings, asset: Asset) -> str:
    """The asset's signed GET URL, valid as long as the asset is kept."""
    return signing.signed_get_url(settings, asset.storage_key, asset.expires_at)


async def asset_by_key(session: AsyncSession, storage_key: str) -> Asset | None:
    asset: Asset | None = await session.scalar(
        select(Asset).where(Asset.storage_key == storage_key)
    )
    return asset


async def find_asset(ctx: AppContext, storage_key: str) -> Asset | None:
    """The asset stored under `storage_key`, read outside any request transaction."""
    async with ctx.db.read() as session:
        return await asset_by_key(session, storage_key)


async def save_output(
    ctx: AppContext,
    *,
    account_id: str,
    run_id: str,
    filename: str,
    content_type: str,
    data: bytes | None = None,
    path: Path | None = None,
) -> StoredFile:
    """Store one file a run produced and return its signed URL.

    Give exactly one of `data` and `path` (a local file, copied). The object lands at
    `outputs/<account_id>/<run_id>/<filename>` and is kept `output_retention_days`. The
    asset row is written in its own short write transaction, so call this outside any
    other write transaction. Saving the same file name for the same run again (a retried
    attempt) replaces the earlier file and keeps its asset id.
    """
    if (data is None) == (path is None):
        raise ValueError("save_output takes exactly one of data= and path=")
    name = bare_filename(filename)[:MAX_FILENAME_LENGTH] or storage_name(filename, content_type)
    key = f"outputs/{account_id}/{run_id}/{storage_name(filename, content_type)}"
    if data is not None:
        size = await ctx.storage.put_bytes(key, data)
    else:
        assert path is not None
        size = await ctx.storage.put_file(key, path)
    now = utcnow()
    expires_at = whole_seconds(now + timedelta(days=ctx.settings.output_retention_days))
    async with ctx.db.write() as session:
        asset = await asset_by_key(session, key)
        if asset is None:
            asset = Asset(
                id=new_id("asset"),
                account_id=account_id,
                kind="output",
                storage_key=key,
                created_at=now,
            )
            session.add(asset)
        asset.run_id = run_id
        asset.filename = name
        asset.content_type = content_type
        asset.size_bytes = size
        asset.status = "ready"
        asset.expires_at = expires_at
    return StoredFile(
        asset_id=asset.id,
        url=signed_get_url(ctx.settings, key, expires_at),
        size_bytes=size,
        content_type=content_type,
        filename=name,
    )


async def save_inline_upload(
    ctx: AppContext, *, account_id: str, filename: str, data: bytes
) -> StoredFile:
    """Keep a file a request carried inline (base64) as an upload of the account, so the
    run refers to it by URL like any other input instead of storing it in the run row.
    Kept, like uploads, for `asset_url_ttl_days`."""
    content_type = mimetypes.guess_type(bare_filename(filename) or "file")[0]
    content_type = content_type or "application/octet-stream"
    asset_id = new_id("asset")
    key = f"uploads/{account_id}/{asset_id}/{storage_name(filename, content_type)}"
    size = await ctx.storage.put_bytes(key, data)
    now = utcnow()
    expires_at = whole_seconds(now + timedelta(days=ctx.settings.asset_url_ttl_days))
    name = bare_filename(filename)[:MAX_FILENAME_LENGTH] or storage_name(filename, content_type)
    async with ctx.db.write() as session:
        session.add(
            Asset(
                id=asset_id,
                account_id=account_id,
                kind="upload",
                storage_key=key,
                filename=name,
                content_type=content_type,
                declared_size=size,
                size_bytes=size,
                status="ready",
                upload_expires_at=None,
                expires_at=expires_at,
                created_at=now,
            )
        )
    return StoredFile(
        asset_id=asset_id,
        url=signed_get_url(ctx.settings, key, expires_at),
        size_bytes=size,
        content_type=content_type,
        filename=name,
    )


async def resolve_own_url(ctx: AppContext, url: str, *, account_id: str) -> Asset | None:
    """The asset behind `url` when it is one of this server's file URLs, else None.

    A URL of this server's files that cannot be used (tampered, expired, someone else's,
    not uploaded yet, an upload URL instead of an asset URL) raises 400
    `invalid_input_url`: fetching it over HTTP instead could only fail less clearly.
    """
    parts = signing.parse_file_url(ctx.settings, url)
    if parts is None:
        return None
    if parts.is_upload_url:
        raise InvalidInputUrl(
            "That is an upload_url (for PUT); pass the upload's asset_url as the input."
        )
    try:
        signing.verify(ctx.settings, "GET", parts.key, expires=parts.expires, sig=parts.sig)
    except signing.SignatureExpired as error:
        raise InvalidInputUrl(
            "The file URL has expired; upload the file again or use a newer output URL."
        ) from error
    except signing.BadSignature as error:
        raise InvalidInputUrl(
            "The file URL's signature does not match (was it changed or truncated?)."
        ) from error
    asset = await find_asset(ctx, parts.key)
    if asset is None or asset.expires_at <= utcnow():
        raise InvalidInputUrl("The file behind this URL no longer exists.")
    if asset.account_id != account_id:
        raise InvalidInputUrl("The file behind this URL belongs to another account.")
    if asset.status != "ready":
        raise InvalidInputUrl(
            "The file behind this URL has not been uploaded yet; PUT it to its upload_url first."
        )
    return asset


async def open_asset_path(ctx: AppContext, asset: Asset) -> Path:
    """A local file with the asset's bytes, for engines that read files.

    With local storage this is the stored file itself: read it, never change or delete
    it. With a remote backend it is a temporary copy that the caller deletes; prefer
    `asset_file`, which does that.
    """
    local = ctx.storage.local_path(asset.storage_key)
    if local is not None:
        if await ctx.storage.size(asset.storage_key) is None:
            raise InvalidInputUrl("The file behind this URL no longer exists.")
        return local
    copy = await asyncio.to_thread(_temporary_file, PurePosixPath(asset.storage_key).suffix)
    try:
        await _download(ctx, asset.storage_key, copy)
    except BaseException:
        _remove(copy)
        raise
    return copy


@contextlib.asynccontextmanager
async def asset_file(ctx: AppContext, asset: Asset) -> AsyncIterator[Path]:
    """`open_asset_path` that removes a temporary copy when the block exits."""
    path = await open_asset_path(ctx, asset)
    temporary = ctx.storage.local_path(asset.storage_key) is None
    try:
        yield path
    finally:
        if temporary:
            await asyncio.to_thread(_remove, path)


def _temporary_file(suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix="genfire-input-", suffix=suffix)
    os.close(fd)
    return Path(name)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def _open_for_writing(path: Path) -> BinaryIO:
    return path.open("wb")


async def _download(ctx: AppContext, key: str, target: Path) -> None:
    handle = await asyncio.to_thread(_open_for_writing, target)
    try:
        async for chunk in ctx.storage.open_stream(key):
            await asyncio.to_thread(handle.write, chunk)
    finally:
        handle.close()


async def purge_expired(ctx: AppContext, *, limit: int = 500) -> int:
    """Delete up to `limit` assets past their expiry (files first, then rows); return how
    many went. For a periodic job: outputs live `output_retention_days`, uploads (and
    uploads never completed) `asset_url_ttl_days`."""
    now = utcnow()
    async with ctx.db.read() as session:
        rows = (
            await session.execute(
                select(Asset.id, Asset.storage_key)
                .where(Asset.expires_at <= now)
                .order_by(Asset.expires_at)
                .limit(limit)
            )
        ).all()
    if not rows:
        return 0
    for _asset_id, key in rows:
        await ctx.storage.delete(key)
    async with ctx.db.write() as session:
        await session.execute(
            delete(Asset).where(
                Asset.id.in_([asset_id for asset_id, _ in rows]), Asset.expires_at <= now
            )
        )
    return len(rows)
