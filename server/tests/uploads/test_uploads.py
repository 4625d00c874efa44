"""POST /v1/uploads and the one PUT its upload_url accepts, over real HTTP and real files."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from starlette.requests import ClientDisconnect

from genfire_server.app import create_app
from genfire_server.context import AppContext
from genfire_server.storage import signing
from genfire_server.uploads import service as uploads
from tests.conftest import Caller, MakeCaller, assert_problem
from tests.storage.helpers import flip_last_char, with_query

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def _create(client: httpx.AsyncClient, caller: Caller, **body: Any) -> dict[str, Any]:
    body.setdefault("filename", "reference.png")
    response = await client.post("/v1/uploads", json=body, headers=caller.headers)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def _key(url: str) -> str:
    return urlsplit(url).path.removeprefix("/v1/files/")


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


async def test_full_flow_post_put_get(client: httpx.AsyncClient, caller: Caller) -> None:
    before = datetime.now(UTC)
    created = await _create(
        client, caller, filename="reference.png", content_type="image/png", size_bytes=len(PNG)
    )
    assert set(created) == {"asset_id", "upload_url", "asset_url", "content_type", "expires_at"}
    assert created["asset_id"].startswith("asset_")
    assert created["content_type"] == "image/png"
    assert TIMESTAMP.match(created["expires_at"]), created["expires_at"]
    expires_at = datetime.fromisoformat(created["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=14) < expires_at - before <= timedelta(minutes=15, seconds=1)
    for url in (created["upload_url"], created["asset_url"]):
        assert url.startswith("http://testserver/v1/files/uploads/")
        assert urlsplit(url).path.endswith("/reference.png")
    assert _query(created["upload_url"])["ct"] == "image/png"
    assert _query(created["upload_url"])["size"] == str(len(PNG))
    asset_expiry = int(_query(created["asset_url"])["expires"])
    assert abs(asset_expiry - (before + timedelta(days=7)).timestamp()) < 5

    # Not there until it is uploaded.
    assert_problem(await client.get(created["asset_url"]), 404, "not_found")

    put = await client.put(
        created["upload_url"], content=PNG, headers={"Content-Type": "image/png"}
    )
    assert put.status_code == 200, put.text
    assert put.json() == {
        "asset_id": created["asset_id"],
        "size_bytes": len(PNG),
        "content_type": "image/png",
    }
    got = await client.get(created["asset_url"])  # no Authorization header
    assert got.status_code == 200
    assert got.content == PNG
    assert got.headers["content-type"] == "image/png"


async def test_content_type_defaults_to_octet_stream(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await _create(client, caller, filename="data.BIN")
    assert created["content_type"] == "application/octet-stream"
    assert urlsplit(created["asset_url"]).path.endswith("/data.bin")
    # A PUT with no Content-Type at all is taken as application/octet-stream.
    put = await client.put(created["upload_url"], content=b"raw bytes")
    assert put.status_code == 200, put.text
    assert (await client.get(created["asset_url"])).content == b"raw bytes"


async def test_put_with_the_wrong_content_type_is_403(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await _create(client, caller, content_type="image/png")
    for sent in ("image/jpeg", "text/html", "application/octet-stream"):
        response = await client.put(
            created["upload_url"], content=PNG, headers={"Content-Type": sent}
        )
        assert_problem(response, 403, "content_type_mismatch")
    # Still usable with the pinned type (case and spacing do not matter).
    ok = await client.put(created["upload_url"], content=PNG, headers={"Content-Type": "Image/PNG"})
    assert ok.status_code == 200, ok.text


async def test_a_second_put_is_409(client: httpx.AsyncClient, caller: Caller) -> None:
    created = await _create(client, caller, content_type="image/png")
    first = await client.put(
        created["upload_url"], content=PNG, headers={"Content-Type": "image/png"}
    )
    assert first.status_code == 200
    second = await client.put(
        created["upload_url"], content=b"replacement", headers={"Content-Type": "image/png"}
    )
    assert_problem(second, 409, "already_uploaded")
    assert (await client.get(created["asset_url"])).content == PNG


async def test_put_after_expiry_is_403(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await _create(client, caller, content_type="image/png")
    expired = signing.signed_put_url(
        ctx.settings,
        _key(created["upload_url"]),
        datetime.now(UTC) - timedelta(seconds=1),
        content_type="image/png",
    )
    response = await client.put(expired, content=PNG, headers={"Content-Type": "image/png"})
    assert_problem(response, 403, "url_expired")


async def test_a_tampered_upload_url_is_403(client: httpx.AsyncClient, caller: Caller) -> None:
    created = await _create(client, caller, content_type="image/png", size_bytes=len(PNG))
    url = created["upload_url"]
    query = _query(url)
    tampered = [
        (with_query(url, sig=flip_last_char(query["sig"])), "image/png", PNG),
        (with_query(url, ct="text/html"), "text/html", PNG),  # re-pinning the type
        (with_query(url, size=None), "image/png", PNG + b"more"),  # dropping the size
        (with_query(url, size=str(len(PNG) + 4)), "image/png", PNG + b"more"),
        (with_query(url, expires=str(int(query["expires"]) + 3600)), "image/png", PNG),
        (with_query(url, ct=None), "image/png", PNG),
        (created["asset_url"], "image/png", PNG),  # a GET signature does not allow PUT
    ]
    for target, content_type, body in tampered:
        response = await client.put(target, content=body, headers={"Content-Type": content_type})
        assert_problem(response, 403, "invalid_signature")
    ok = await client.put(url, content=PNG, headers={"Content-Type": "image/png"})
    assert ok.status_code == 200


async def test_declared_size_must_match(client: httpx.AsyncClient, caller: Caller) -> None:
    created = await _create(client, caller, content_type="image/png", size_bytes=100)
    headers = {"Content-Type": "image/png"}
    for body in (b"x" * 101, b"x" * 99):
        response = await client.put(created["upload_url"], content=body, headers=headers)
        assert_problem(response, 400, "size_mismatch")

    async def chunked(total: int) -> AsyncIterator[bytes]:
        for _ in range(total // 10):
            yield b"y" * 10

    # No Content-Length (chunked): counted while streaming.
    for total in (110, 90):
        response = await client.put(created["upload_url"], content=chunked(total), headers=headers)
        assert_problem(response, 400, "size_mismatch")
    assert_problem(await client.get(created["asset_url"]), 404, "not_found")
    # Failed attempts leave the URL usable.
    ok = await client.put(created["upload_url"], content=b"z" * 100, headers=headers)
    assert ok.status_code == 200 and ok.json()["size_bytes"] == 100


async def test_an_empty_put_is_refused(client: httpx.AsyncClient, caller: Caller) -> None:
    created = await _create(client, caller, content_type="image/png")
    response = await client.put(
        created["upload_url"], content=b"", headers={"Content-Type": "image/png"}
    )
    assert_problem(response, 400, "empty_upload")


@pytest.mark.parametrize("size", [0, -1, 1.5, "12", True, "abc", [], {}])
async def test_invalid_size_bytes(client: httpx.AsyncClient, caller: Caller, size: object) -> None:
    response = await client.post(
        "/v1/uploads", json={"filename": "a.png", "size_bytes": size}, headers=caller.headers
    )
    assert_problem(response, 400, "invalid_size_bytes")


async def test_whole_number_floats_and_null_are_accepted(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await _create(client, caller, size_bytes=124000.0)
    assert _query(created["upload_url"])["size"] == "124000"
    created = await _create(client, caller, size_bytes=None)
    assert "size" not in _query(created["upload_url"])


async def test_over_five_gigabytes_is_upload_too_large(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    five_gb = 5 * 1024**3
    assert (await _create(client, caller, size_bytes=five_gb))["asset_id"]
    response = await client.post(
        "/v1/uploads", json={"filename": "a.mp4", "size_bytes": five_gb + 1}, headers=caller.headers
    )
    body = assert_problem(response, 400, "upload_too_large")
    assert str(five_gb) in str(body["detail"])


async def test_undeclared_size_is_capped_at_the_upload_limit(
    ctx: AppContext, caller: Caller
) -> None:
    small = AppContext(
        settings=ctx.settings.model_copy(update={"max_upload_bytes": 1000}),
        db=ctx.db,
        catalog=ctx.catalog,
        stock_voices=ctx.stock_voices,
        storage=ctx.storage,
    )
    transport = httpx.ASGITransport(app=create_app(context=small))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        created = await _create(http, caller, content_type="video/mp4")
        headers = {"Content-Type": "video/mp4"}
        declared = await http.put(created["upload_url"], content=b"v" * 1001, headers=headers)
        assert_problem(declared, 400, "upload_too_large")

        async def chunked() -> AsyncIterator[bytes]:
            for _ in range(20):
                yield b"v" * 100

        streamed = await http.put(created["upload_url"], content=chunked(), headers=headers)
        assert_problem(streamed, 400, "upload_too_large")
        ok = await http.put(created["upload_url"], content=b"v" * 1000, headers=headers)
        assert ok.status_code == 200


async def test_a_40_mib_put_passes_the_json_body_cap(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    size = 40 * 1024 * 1024
    assert size > ctx.settings.max_request_body_bytes
    data = bytes(range(256)) * (size // 256)
    created = await _create(
        client, caller, filename="long.mp4", content_type="video/mp4", size_bytes=size
    )
    put = await client.put(
        created["upload_url"], content=data, headers={"Content-Type": "video/mp4"}
    )
    assert put.status_code == 200, put.text
    assert put.json()["size_bytes"] == size
    got = await client.get(created["asset_url"])
    assert hashlib.sha256(got.content).digest() == hashlib.sha256(data).digest()
    # The exemption is for signed uploads only: JSON endpoints keep their cap.
    too_big = await client.post(
        "/v1/uploads",
        content=b" " * size,
        headers={**caller.headers, "Content-Type": "application/json"},
    )
    assert_problem(too_big, 413, "payload_too_large")


async def test_scope_is_uploads_write(client: httpx.AsyncClient, make_caller: MakeCaller) -> None:
    body = {"filename": "a.png"}
    assert_problem(await client.post("/v1/uploads", json=body), 401, "authentication_required")
    reader = await make_caller(scopes=["models:read"])
    response = await client.post("/v1/uploads", json=body, headers=reader.headers)
    assert_problem(response, 403, "insufficient_scope")
    writer = await make_caller(scopes=["uploads:write"])
    assert (await client.post("/v1/uploads", json=body, headers=writer.headers)).status_code == 200


@pytest.mark.parametrize(
    ("filename", "stored"),
    [
        ("../../etc/passwd.PNG", "passwd.png"),
        ("C:\\Users\\me\\Photo One.JPG", "Photo_One.jpg"),
        ("/abs/clip.mp4", "clip.mp4"),
        ("archive.tar.GZ", "archive.tar.gz"),
        ("smile \U0001f600.webp", "smile.webp"),
        (".hidden", "hidden"),
    ],
)
async def test_filenames_are_reduced_to_a_safe_bare_name(
    client: httpx.AsyncClient, caller: Caller, filename: str, stored: str
) -> None:
    created = await _create(client, caller, filename=filename)
    path = urlsplit(created["asset_url"]).path
    assert path.rsplit("/", 1)[1] == stored
    assert path.startswith(f"/v1/files/uploads/{caller.account_id}/{created['asset_id']}/")


async def test_an_extensionless_name_gets_one_from_the_content_type(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await _create(client, caller, filename="voice", content_type="audio/mpeg")
    assert urlsplit(created["asset_url"]).path.endswith("/voice.mp3")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"filename": ""},
        {"filename": "   "},
        {"filename": "dir/"},
        {"filename": ".."},
        {"filename": 12},
        {"filename": "a\x00.png"},
        {"filename": "x" * 300 + ".png"},
        {"filename": "a.png", "content_type": "not a type"},
        {"filename": "a.png", "content_type": "image/png\r\nX-Evil: 1"},
    ],
)
async def test_bad_bodies_are_validation_errors(
    client: httpx.AsyncClient, caller: Caller, body: dict[str, Any]
) -> None:
    response = await client.post("/v1/uploads", json=body, headers=caller.headers)
    assert_problem(response, 400, "validation_error")


async def test_content_type_is_normalised(client: httpx.AsyncClient, caller: Caller) -> None:
    created = await _create(
        client, caller, filename="notes.txt", content_type="Text/Plain ; charset=UTF-8"
    )
    assert created["content_type"] == "text/plain; charset=UTF-8"
    headers = {"Content-Type": "text/plain; charset=UTF-8"}
    assert (
        await client.put(created["upload_url"], content=b"hi", headers=headers)
    ).status_code == 200
    got = await client.get(created["asset_url"])
    assert got.headers["content-type"] == "text/plain; charset=UTF-8"


async def test_openapi_documents_post_uploads(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/v1/openapi.json")).json()
    operation = doc["paths"]["/uploads"]["post"]
    assert operation["x-required-scope"] == "uploads:write"
    assert operation["summary"] == "Create a signed upload URL"
    assert not any(path.startswith("/files") for path in doc["paths"])


async def test_a_concurrent_second_put_is_409_while_the_first_streams(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await _create(client, caller, content_type="video/mp4")
    headers = {"Content-Type": "video/mp4"}
    streaming, finish = asyncio.Event(), asyncio.Event()

    async def slow() -> AsyncIterator[bytes]:
        yield b"first half "
        streaming.set()
        await finish.wait()
        yield b"second half"

    first = asyncio.create_task(client.put(created["upload_url"], content=slow(), headers=headers))
    await asyncio.wait_for(streaming.wait(), 5)
    second = await client.put(created["upload_url"], content=b"other", headers=headers)
    assert_problem(second, 409, "upload_in_progress")
    finish.set()
    done = await asyncio.wait_for(first, 5)
    assert done.status_code == 200, done.text
    assert (await client.get(created["asset_url"])).content == b"first half second half"


async def test_a_client_that_goes_away_mid_upload_can_try_again(
    ctx: AppContext, client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await _create(client, caller, content_type="image/png")
    query = _query(created["upload_url"])

    async def dropped() -> AsyncIterator[bytes]:
        yield b"partial"
        raise ClientDisconnect()

    with pytest.raises(ClientDisconnect):
        await uploads.accept_upload(
            ctx,
            key=_key(created["upload_url"]),
            expires=query["expires"],
            sig=query["sig"],
            pinned_content_type=query["ct"],
            declared_size=None,
            content_type="image/png",
            content_length=None,
            body=dropped(),
        )
    assert await ctx.storage.size(_key(created["upload_url"])) is None
    assert_problem(await client.get(created["asset_url"]), 404, "not_found")
    retry = await client.put(
        created["upload_url"], content=PNG, headers={"Content-Type": "image/png"}
    )
    assert retry.status_code == 200, retry.text
