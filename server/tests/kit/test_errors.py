"""Every failure is the contract's problem+json with a stable code and the request id."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, Field

from genfire_server.app import create_app
from genfire_server.auth.dependencies import Public
from genfire_server.context import AppContext
from tests.conftest import Caller, assert_problem


async def test_unknown_route_is_problem_404(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/v1/does-not-exist"), 404, "not_found")
    assert body["title"] == "Not Found"


async def test_unknown_route_outside_v1_is_problem_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/account"), 404, "not_found")


async def test_wrong_method_is_problem_405_with_allow(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    response = await client.delete("/v1/account", headers=caller.headers)
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET"


async def test_malformed_json_is_validation_error(client: httpx.AsyncClient) -> None:
    # /oauth/token parses its own body; a typed route shows FastAPI's path.
    response = await client.post(
        "/v1/oauth/token", content=b"{not json", headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 400, "invalid_request")
    assert "JSON" in str(body["detail"])


class EchoBody(BaseModel):
    prompt: str
    count: int = Field(default=1, ge=1, le=4)


async def test_schema_violation_names_the_field(ctx: AppContext) -> None:
    router = APIRouter()

    @router.post("/v1/echo", dependencies=[Public])
    async def echo(body: EchoBody) -> EchoBody:
        return body

    app = create_app(context=ctx)
    app.include_router(router)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        missing = assert_problem(await http.post("/v1/echo", json={}), 400, "validation_error")
        assert "prompt" in str(missing["detail"])
        too_many = assert_problem(
            await http.post("/v1/echo", json={"prompt": "x", "count": 9}), 400, "validation_error"
        )
        assert "count" in str(too_many["detail"])
        bad_json = assert_problem(
            await http.post(
                "/v1/echo", content=b'{"prompt": ', headers={"content-type": "application/json"}
            ),
            400,
            "validation_error",
        )
        assert "not valid JSON" in str(bad_json["detail"])
        not_object = assert_problem(
            await http.post("/v1/echo", json=[1, 2]), 400, "validation_error"
        )
        assert "JSON object" in str(not_object["detail"])


async def test_unexpected_exception_is_internal_error_without_internals(
    ctx: AppContext, caplog: pytest.LogCaptureFixture
) -> None:
    router = APIRouter()

    @router.get("/v1/boom", dependencies=[Public])
    async def boom() -> None:
        raise RuntimeError("secret internal detail: db password hunter2")

    app = create_app(context=ctx)
    app.include_router(router)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.get("/v1/boom")
    body = assert_problem(response, 500, "internal_error")
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    # The operator gets the traceback, tied to the same request id.
    logged = [r for r in caplog.records if r.name == "genfire.errors"]
    assert logged and getattr(logged[0], "request_id", None) == body["request_id"]


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    first = await client.get("/healthz")
    second = await client.get("/healthz")
    assert first.headers["x-request-id"].startswith("req_")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_a_sane_inbound_request_id_is_kept_and_an_odd_one_replaced(
    client: httpx.AsyncClient,
) -> None:
    kept = await client.get("/healthz", headers={"x-request-id": "trace-1234abcd"})
    assert kept.headers["x-request-id"] == "trace-1234abcd"
    replaced = await client.get("/healthz", headers={"x-request-id": "<script>"})
    assert replaced.headers["x-request-id"].startswith("req_")
