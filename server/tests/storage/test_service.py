"""The storage service other domains call: save_output, resolve_own_url, open_asset_path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select, update

from genfire_server.context import AppContext
from genfire_server.kit.clock import utcnow
from genfire_server.kit.errors import GenFireError
from genfire_server.models import Asset
from genfire_server.storage import service, signing
from tests.conftest import Caller, MakeCaller
from tests.storage.helpers import flip_last_char, make_run, with_query

PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 100


async def _upload(client: httpx.AsyncClient, caller: Caller, *, put: bool = True) -> dict[str, Any]:
    response = await client.post(
        "/v1/uploads",
        json={"filename": "input.png", "content_type": "image/png"},
        headers=caller.headers,
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    if put:
        stored = await client.put(
            created["upload_url"], content=PNG, headers={"Content-Type": "image/png"}
        )
        assert stored.status_code == 200, stored.text
    return created


async def _refused(ctx: AppContext, url: str, account_id: str, words: str) -> None:
    with pytest.raises(GenFireError) as raised:
        await service.resolve_own_url(ctx, url, account_id=account_id)
    assert raised.value.status == 400
    assert raised.value.code == "invalid_input_url"
    assert words in raised.value.detail


async def test_an_uploads_asset_url_resolves_to_its_asset(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await _upload(client, caller)
    asset = await service.resolve_own_url(ctx, created["asset_url"], account_id=caller.account_id)
    assert asset is not None
    assert asset.id == created["asset_id"]
    assert asset.kind == "upload" and asset.status == "ready"
    assert asset.size_bytes == len(PNG) and asset.content_type == "image/png"
    path = await service.open_asset_path(ctx, asset)
    assert path.read_bytes() == PNG
    assert path.suffix == ".png"
    async with service.asset_file(ctx, asset) as same:
        assert same == path
    assert path.exists()  # the stored file itself is never deleted by its readers


async def test_another_accounts_url_is_refused(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller, make_caller: MakeCaller
) -> None:
    created = await _upload(client, caller)
    stranger = await make_caller()
    await _refused(ctx, created["asset_url"], stranger.account_id, "another account")


async def test_expired_tampered_and_unfinished_urls_are_refused(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await _upload(client, caller)
    url = created["asset_url"]
    key = urlsplit(url).path.removeprefix("/v1/files/")
    expired = signing.signed_get_url(ctx.settings, key, datetime.now(UTC) - timedelta(seconds=1))
    await _refused(ctx, expired, caller.account_id, "expired")
    sig = dict(item.split("=") for item in urlsplit(url).query.split("&"))["sig"]
    await _refused(ctx, with_query(url, sig=flip_last_char(sig)), caller.account_id, "signature")
    await _refused(ctx, with_query(url, sig=None), caller.account_id, "signature")
    await _refused(ctx, created["upload_url"], caller.account_id, "asset_url")
    pending = await _upload(client, caller, put=False)
    await _refused(ctx, pending["asset_url"], caller.account_id, "not been uploaded")
    # Signed correctly, but nothing was ever stored under the key.
    ghost = signing.signed_get_url(
        ctx.settings, f"uploads/{caller.account_id}/x/ghost.png", utcnow() + timedelta(hours=1)
    )
    await _refused(ctx, ghost, caller.account_id, "no longer exists")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a.png",
        "https://testserver/v1/files/uploads/a/b/c.png?expires=1&sig=00",  # other scheme
        "http://testserver:8080/v1/files/uploads/a/b/c.png",  # other port
        "http://evil.example/v1/files/uploads/a/b/c.png",
        "http://testserver/v1/models",  # ours, but not a file
        "http://testserver/v1/files/",
        "http://testserver:notaport/x.png",
        "data:image/png;base64,AAAA",
    ],
)
async def test_foreign_urls_are_not_ours(ctx: AppContext, caller: Caller, url: str) -> None:
    assert await service.resolve_own_url(ctx, url, account_id=caller.account_id) is None


async def test_host_case_and_default_port_still_match(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await _upload(client, caller)
    url = created["asset_url"].replace("http://testserver/", "HTTP://TestServer:80/")
    asset = await service.resolve_own_url(ctx, url, account_id=caller.account_id)
    assert asset is not None and asset.id == created["asset_id"]


async def test_save_output_round_trip(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    run_id = await make_run(ctx.db, caller.account_id)
    stored = await service.save_output(
        ctx,
        account_id=caller.account_id,
        run_id=run_id,
        filename="image_0.png",
        content_type="image/png",
        data=PNG,
    )
    assert stored.size_bytes == len(PNG)
    assert stored.content_type == "image/png" and stored.filename == "image_0.png"
    assert (
        urlsplit(stored.url).path == f"/v1/files/outputs/{caller.account_id}/{run_id}/image_0.png"
    )
    response = await client.get(stored.url)
    assert response.status_code == 200 and response.content == PNG
    async with ctx.db.read() as session:
        asset = await session.get(Asset, stored.asset_id)
    assert asset is not None
    assert (asset.kind, asset.status, asset.run_id) == ("output", "ready", run_id)
    assert asset.account_id == caller.account_id and asset.size_bytes == len(PNG)
    remaining = asset.expires_at - utcnow()
    assert timedelta(days=7) - timedelta(seconds=10) < remaining <= timedelta(days=7)
    # Chaining: the output URL comes back as an input of the same account.
    own = await service.resolve_own_url(ctx, stored.url, account_id=caller.account_id)
    assert own is not None and own.id == stored.asset_id


async def test_save_output_from_a_path_and_retries_replace(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller, tmp_path: Path
) -> None:
    run_id = await make_run(ctx.db, caller.account_id)
    source = tmp_path / "render.mp4"
    source.write_bytes(b"first attempt")
    first = await service.save_output(
        ctx,
        account_id=caller.account_id,
        run_id=run_id,
        filename="video.mp4",
        content_type="video/mp4",
        path=source,
    )
    again = await service.save_output(
        ctx,
        account_id=caller.account_id,
        run_id=run_id,
        filename="video.mp4",
        content_type="video/mp4",
        data=b"second attempt",
    )
    assert again.asset_id == first.asset_id
    assert (await client.get(again.url)).content == b"second attempt"
    with pytest.raises(ValueError, match="exactly one"):
        await service.save_output(
            ctx, account_id=caller.account_id, run_id=run_id, filename="x.png", content_type="x/y"
        )


async def test_retention_is_configurable(ctx: AppContext, caller: Caller) -> None:
    longer = AppContext(
        settings=ctx.settings.model_copy(update={"output_retention_days": 30}),
        db=ctx.db,
        catalog=ctx.catalog,
        stock_voices=ctx.stock_voices,
        storage=ctx.storage,
    )
    run_id = await make_run(ctx.db, caller.account_id)
    stored = await service.save_output(
        longer,
        account_id=caller.account_id,
        run_id=run_id,
        filename="a.json",
        content_type="application/json",
        data=b"{}",
    )
    expires = int(dict(p.split("=") for p in urlsplit(stored.url).query.split("&"))["expires"])
    assert abs(expires - (utcnow() + timedelta(days=30)).timestamp()) < 10


async def test_purge_expired_removes_files_and_rows(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    run_id = await make_run(ctx.db, caller.account_id)
    old = await service.save_output(
        ctx,
        account_id=caller.account_id,
        run_id=run_id,
        filename="old.png",
        content_type="image/png",
        data=PNG,
    )
    kept = await service.save_output(
        ctx,
        account_id=caller.account_id,
        run_id=run_id,
        filename="kept.png",
        content_type="image/png",
        data=PNG,
    )
    async with ctx.db.write() as session:
        await session.execute(
            update(Asset)
            .where(Asset.id == old.asset_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert await service.purge_expired(ctx) == 1
    async with ctx.db.read() as session:
        ids = set((await session.scalars(select(Asset.id))).all())
    assert old.asset_id not in ids and kept.asset_id in ids
    old_key = urlsplit(old.url).path.removeprefix("/v1/files/")
    assert await ctx.storage.size(old_key) is None
    assert (await client.get(kept.url)).status_code == 200
