"""Body caps, exact paths and probes: the edges every request passes through."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from genfire_server.app import create_app
from genfire_server.context import AppContext
from tests.conftest import Caller, assert_problem


def _small_cap_app(ctx: AppContext, cap: int) -> httpx.AsyncClient:
    small = AppContext(
        settings=ctx.settings.model_copy(update={"max_request_body_bytes": cap}),
        db=ctx.db,
        catalog=ctx.catalog,
        stock_voices=ctx.stock_voices,
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
