"""GET/HEAD /v1/files/...: signed, expiring, header-free downloads with Range support."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from genfire_server.context import AppContext
from genfire_server.storage import service
from genfire_server.storage.service import StoredFile
from tests.conftest import Caller, assert_problem
from tests.storage.helpers import flip_last_char, make_run, with_path, with_query

DATA = bytes(range(256)) * 40  # 10,240 bytes


async def _output(
    ctx: AppContext,
    caller: Caller,
    filename: str = "image.png",
    content_type: str = "image/png",
    data: bytes = DATA,
) -> StoredFile:
    run_id = await make_run(ctx.db, caller.account_id)
    return await service.save_output(
        ctx,
        account_id=caller.account_id,
        run_id=run_id,
        filename=filename,
        content_type=content_type,
        data=data,
    )


async def test_signed_get_needs_no_authorization(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    stored = await _output(ctx, caller)
    response = await client.get(stored.url)  # no Authorization header
    assert response.status_code == 200, response.text
    assert response.content == DATA
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-length"] == str(len(DATA))
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("inline;")
    cache = response.headers["cache-control"]
    assert cache.startswith("private, max-age=")
    max_age = int(cache.rsplit("=", 1)[1])
    assert 7 * 86400 - 60 < max_age <= 7 * 86400


async def test_url_path_ends_with_the_real_extension(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    for filename, content_type, extension in [
        ("image.png", "image/png", ".png"),
        ("clip.MP4", "video/mp4", ".mp4"),
        ("speech", "audio/mpeg", ".mp3"),  # no extension given: from the content type
        ("result.json", "application/json", ".json"),
    ]:
        stored = await _output(ctx, caller, filename, content_type, b"{}")
        parts = urlsplit(stored.url)
        assert parts.path.endswith(extension), stored.url
        assert parts.path.startswith("/v1/files/outputs/")
        assert set(dict(parse_qsl(parts.query))) == {"expires", "sig"}
        assert (await client.get(stored.url)).content == b"{}"


async def test_a_changed_url_is_403_invalid_signature(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    stored = await _output(ctx, caller, "one.png")
    other = await _output(ctx, caller, "two.png")
    query = dict(parse_qsl(urlsplit(stored.url).query))
    tampered = [
        with_query(stored.url, sig=flip_last_char(query["sig"])),
        with_query(stored.url, sig="zz" * 32),
        with_query(stored.url, sig=None),
        with_query(stored.url, expires=str(int(query["expires"]) + 3600)),
        with_query(stored.url, expires=None),
        with_query(stored.url, expires="soon"),
        # Another stored file's key with this URL's signature.
        with_path(stored.url, urlsplit(other.url).path),
    ]
    for url in tampered:
        assert_problem(await client.get(url), 403, "invalid_signature")
    assert (await client.get(stored.url)).status_code == 200


async def test_an_expired_url_is_403_url_expired(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    stored = await _output(ctx, caller)
    key = urlsplit(stored.url).path.removeprefix("/v1/files/")
    past = datetime.now(UTC) - timedelta(seconds=5)
    expired = service.signed_get_url(ctx.settings, key, past)
    assert_problem(await client.get(expired), 403, "url_expired")
    assert (await client.head(expired)).status_code == 403  # a HEAD answer has no body


async def test_head_describes_without_a_body(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    stored = await _output(ctx, caller)
    response = await client.head(stored.url)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(DATA))
    assert response.headers["content-type"] == "image/png"
    assert response.headers["accept-ranges"] == "bytes"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=10-19", 10, 19),
        ("bytes=0-0", 0, 0),
        ("bytes=10000-", 10000, len(DATA) - 1),
        ("bytes=-4", len(DATA) - 4, len(DATA) - 1),
        ("bytes=10200-99999", 10200, len(DATA) - 1),
    ],
)
async def test_range_is_206_with_the_right_bytes(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller, header: str, start: int, end: int
) -> None:
    stored = await _output(ctx, caller, "clip.mp4", "video/mp4")
    response = await client.get(stored.url, headers={"Range": header})
    assert response.status_code == 206
    assert response.content == DATA[start : end + 1]
    assert response.headers["content-range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response.headers["content-length"] == str(end - start + 1)
    assert response.headers["content-type"] == "video/mp4"


async def test_unsatisfiable_and_ignored_ranges(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    stored = await _output(ctx, caller)
    beyond = await client.get(stored.url, headers={"Range": f"bytes={len(DATA)}-"})
    assert_problem(beyond, 416, "range_not_satisfiable")
    assert beyond.headers["content-range"] == f"bytes */{len(DATA)}"
    # Several ranges, another unit or nonsense: the whole file, 200.
    for header in ("bytes=0-1,5-6", "items=0-1", "bytes=abc", "bytes=9-2"):
        response = await client.get(stored.url, headers={"Range": header})
        assert response.status_code == 200 and response.content == DATA, header


async def test_a_large_file_streams_whole(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    data = os.urandom(5 * 1024 * 1024 + 3)
    stored = await _output(ctx, caller, "big.wav", "audio/wav", data)
    response = await client.get(stored.url)
    assert response.status_code == 200 and response.content == data
    tail = await client.get(stored.url, headers={"Range": "bytes=-100"})
    assert tail.content == data[-100:]


async def test_missing_object_is_404(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    expires = datetime.now(UTC) + timedelta(hours=1)
    url = service.signed_get_url(ctx.settings, "outputs/nobody/run_x/none.png", expires)
    assert_problem(await client.get(url), 404, "not_found")
    assert (await client.head(url)).status_code == 404
    # The row exists but the bytes are gone (deleted behind the server's back).
    stored = await _output(ctx, caller)
    key = urlsplit(stored.url).path.removeprefix("/v1/files/")
    await ctx.storage.delete(key)
    assert_problem(await client.get(stored.url), 404, "not_found")


async def test_active_content_is_served_as_a_sandboxed_download(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    stored = await _output(ctx, caller, "page.html", "text/html", b"<script>alert(1)</script>")
    response = await client.get(stored.url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html"  # as stored, no charset added
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["content-security-policy"] == "sandbox"


async def test_get_url_cannot_be_used_to_put(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    stored = await _output(ctx, caller)
    response = await client.put(stored.url, content=b"evil", headers={"Content-Type": "image/png"})
    assert_problem(response, 403, "invalid_signature")
    assert (await client.get(stored.url)).content == DATA


def test_url_expiry_is_whole_seconds(ctx: AppContext) -> None:
    moment = datetime(2030, 1, 1, 12, 0, 0, 999_000, tzinfo=UTC)
    url = service.signed_get_url(ctx.settings, "k/a.png", moment)
    assert dict(parse_qsl(urlsplit(url).query))["expires"] == str(int(moment.timestamp()))
    assert int(moment.timestamp()) > time.time()
