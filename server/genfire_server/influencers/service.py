"""Influencers: created from reference photos, which are copied into storage so they
outlive the URLs they came from; ready at once (the local engines need no training)."""

from __future__ import annotations

import asyncio
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from genfire_server import inputs
from genfire_server.context import AppContext
from genfire_server.influencers.schemas import InfluencerCreate, InfluencerOut
from genfire_server.kit.clock import utcnow
from genfire_server.kit.errors import Conflict, GenFireError, NotFound, ValidationFailed
from genfire_server.kit.ids import new_id
from genfire_server.models import Asset, Influencer
from genfire_server.storage import service as storage_service

HANDLE = re.compile(r"[a-z0-9_]{1,40}")
MAX_PHOTOS = 8
MAX_PHOTO_BYTES = 20 * 1024 * 1024
# Reference photos live as long as their influencer; asset expiry needs a date.
PHOTOS_KEPT_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)
PREVIEW_URL_DAYS = 7


def _check(body: InfluencerCreate) -> str:
    handle = body.handle.strip()
    if not HANDLE.fullmatch(handle):
        raise ValidationFailed(
            "handle: use 1 to 40 lowercase letters, digits and underscores (like sarah_chen)."
        )
    if not body.display_name.strip():
        raise ValidationFailed("display_name: must not be blank.")
    if not 1 <= len(body.photo_urls) <= MAX_PHOTOS:
        raise ValidationFailed(f"photo_urls: send 1 to {MAX_PHOTOS} reference photos.")
    return handle


def _image_format(path: Path) -> str:
    """The photo's format (png, jpeg, webp, ...), or ValueError if it is not an image."""
    try:
        with Image.open(path) as image:
            image.verify()
            return (image.format or "png").lower()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(str(error)) from error


async def create(ctx: AppContext, account_id: str, body: InfluencerCreate) -> Influencer:
    handle = _check(body)
    for url in body.photo_urls:
        await inputs.check_input_url(ctx, url, account_id)
    async with ctx.db.read() as session:
        if await _by_handle(session, account_id, handle) is not None:
            raise Conflict(f"An influencer with handle '{handle}' exists.", code="handle_taken")
    influencer_id = new_id("model")
    now = utcnow()
    assets: list[Asset] = []
    with tempfile.TemporaryDirectory(dir=ctx.settings.scratch_dir) as scratch:
        for index, url in enumerate(body.photo_urls):
            try:
                path = await inputs.fetch_input(
                    ctx,
                    url,
                    account_id=account_id,
                    dest=Path(scratch) / f"photo-{index}",
                    max_bytes=MAX_PHOTO_BYTES,
                    timeout_seconds=60,
                )
                kind = await asyncio.to_thread(_image_format, path)
            except inputs.InputUnavailable as error:
                raise GenFireError(
                    f"photo_urls[{index}]: {error.message}", code="invalid_input_url"
                ) from error
            except ValueError as error:
                raise ValidationFailed(f"photo_urls[{index}] is not an image.") from error
            extension = "jpg" if kind == "jpeg" else kind
            key = f"influencers/{account_id}/{influencer_id}/photo-{index + 1}.{extension}"
            size = await ctx.storage.put_file(key, path)
            assets.append(
                Asset(
                    id=new_id("asset"),
                    account_id=account_id,
                    kind="influencer",
                    storage_key=key,
                    filename=f"photo-{index + 1}.{extension}",
                    content_type=f"image/{kind}",
                    declared_size=None,
                    size_bytes=size,
                    status="ready",
                    run_id=None,
                    upload_expires_at=None,
                    expires_at=PHOTOS_KEPT_UNTIL,
                    created_at=now,
                )
            )
    influencer = Influencer(
        id=influencer_id,
        account_id=account_id,
        handle=handle,
        display_name=body.display_name.strip(),
        status="ready",
        source_type="uploaded",
        photo_asset_ids=[asset.id for asset in assets],
        created_at=now,
        updated_at=now,
    )
    try:
        async with ctx.db.write() as session:
            session.add_all(assets)
            session.add(influencer)
    except IntegrityError as error:  # a concurrent request took the handle first
        for asset in assets:
            await ctx.storage.delete(asset.storage_key)
        raise Conflict(
            f"An influencer with handle '{handle}' exists.", code="handle_taken"
        ) from error
    return influencer


async def _by_handle(session: AsyncSession, account_id: str, handle: str) -> Influencer | None:
    result = await session.scalars(
        select(Influencer).where(Influencer.account_id == account_id, Influencer.handle == handle)
    )
    return result.first()


async def get(session: AsyncSession, account_id: str, influencer_id: str) -> Influencer:
    influencer = await session.get(Influencer, influencer_id[:64])
    if influencer is None or influencer.account_id != account_id:
        raise NotFound(f"No influencer {influencer_id[:64]}.")
    return influencer


async def list_ready(session: AsyncSession, account_id: str) -> list[Influencer]:
    result = await session.scalars(
        select(Influencer)
        .where(Influencer.account_id == account_id, Influencer.status == "ready")
        .order_by(Influencer.created_at.desc(), Influencer.id)
    )
    return list(result)


async def photo_urls(ctx: AppContext, influencer: Influencer) -> list[str]:
    """Signed URLs of the reference photos (this server's own: engines read them directly)."""
    expires = storage_service.whole_seconds(utcnow() + timedelta(days=PREVIEW_URL_DAYS))
    async with ctx.db.read() as session:
        rows = (
            await session.execute(
                select(Asset.id, Asset.storage_key).where(Asset.id.in_(influencer.photo_asset_ids))
            )
        ).all()
    keys = dict(rows)
    return [
        storage_service.signed_get_url(ctx.settings, keys[asset_id], expires)
        for asset_id in influencer.photo_asset_ids
        if asset_id in keys
    ]


async def render(ctx: AppContext, influencer: Influencer) -> InfluencerOut:
    urls = await photo_urls(ctx, influencer)
    return InfluencerOut(
        id=influencer.id,
        handle=influencer.handle,
        display_name=influencer.display_name,
        status=influencer.status,
        source_type=influencer.source_type,
        preview_url=urls[0] if urls else None,
        created_at=influencer.created_at,
        updated_at=influencer.updated_at,
    )
