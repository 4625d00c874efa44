"""Body caps, exact paths and probes: the edges every request passes through."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.types import Message, Scope

from genfire_server.app import create_app
from genfire_server.context import AppContext
from tests.conftest import Caller, assert_problem


def _small_cap_app(ctx: AppContext, cap: int) -> httpx.AsyncClient:
    small = AppContext(
        settings=ctx.settings.model_copy(update={"max_request_body_bytes": cap}),
        db=ctx.db,
        catalog=ctx.catalog,
        stock_voices=ctx.stock_voices,
        storage=ctx.storage,
    )
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(context=small)), base_url="http://t"
    )


async def test_declared_oversized_body_is_413_before_it_is_read(
    ctx: AppContext, caller: Caller
) -> None:
    async with _small_cap_app(ctx, 2048) as http:
        response = await http.post("/v1/account", content=b"x" * 4096, headers=caller.headers)
    body = assert_problem(response, 413, "payload_too_large")
    assert "2048" in str(body["detail"])


async def test_streamed_oversized_body_is_413(ctx: AppContext) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"{" * 1024

    async with _small_cap_app(ctx, 2048) as http:
        response = await http.post(
            "/v1/oauth/token", content=chunks(), headers={"content-type": "application/json"}
        )
    assert "content-length" not in response.request.headers  # really chunked
    assert_problem(response, 413, "payload_too_large")


async def test_trailing_slash_is_404_never_a_redirect(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    response = await client.post("/v1/oauth/token/", json={})
    assert_problem(response, 404, "not_found")
    assert "location" not in response.headers
    assert_problem(await client.get("/v1/account/", headers=caller.headers), 404, "not_found")


async def test_probes_answer_head(client: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/readyz"):
        response = await client.head(path)
        assert response.status_code == 200 and response.content == b""


async def test_a_client_that_leaves_mid_body_is_logged_499_not_an_error(
    ctx: AppContext, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = create_app(context=ctx)
    messages: Iterator[Message] = iter(
        [
            {"type": "http.request", "body": b'{"grant_type":', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    sent: list[Message] = []

    async def receive() -> Message:
        return next(messages)

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/oauth/token",
        "raw_path": b"/v1/oauth/token",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"host", b"t")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    assert sent == []  # nobody to answer
    access = [r for r in caplog.records if r.name == "genfire.access"]
    assert [getattr(r, "status", None) for r in access] == [499]
    assert not [r for r in caplog.records if r.name == "genfire.errors"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/runs/%00", None),
        ("GET", "/v1/runs?capability=%00", None),
        ("GET", "/v1/usage?capability=a%00b", None),
        ("POST", "/v1/testing/runs", b'{"echo": "a\\u0000b"}'),
        (
            "POST",
            "/v1/oauth/token",
            b'{"grant_type": "client_credentials", "client_id": "\\u0000"}',
        ),
    ],
)
async def test_nul_characters_are_refused_at_the_door(
    client: httpx.AsyncClient, caller: Caller, method: str, path: str, body: bytes | None
) -> None:
    headers = {**caller.headers, "Idempotency-Key": "nul", "content-type": "application/json"}
    response = await client.request(method, path, content=body, headers=headers)
    problem = assert_problem(response, 400, "validation_error")
    assert "NUL" in str(problem["detail"])


async def test_an_oversized_typed_body_is_413_not_a_parse_error(
    ctx: AppContext, caller: Caller
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"echo": "'
        for _ in range(10):
            yield b"x" * 1024
        yield b'"}'

    async with _small_cap_app(ctx, 4096) as http:
        headers = {**caller.headers, "Idempotency-Key": "big", "content-type": "application/json"}
        response = await http.post("/v1/testing/runs", content=chunks(), headers=headers)
    assert_problem(response, 413, "payload_too_large")
