"""One structured line per request, naming the account, never the secret."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from genfire_server.kit.logging import JsonFormatter
from tests.conftest import Caller


async def test_one_access_line_per_request_without_secrets(
    client: httpx.AsyncClient, caller: Caller, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = await client.get("/v1/account", headers=caller.headers)
    lines = [r for r in caplog.records if r.name == "genfire.access"]
    assert len(lines) == 1
    entry = json.loads(JsonFormatter().format(lines[0]))
    assert entry["method"] == "GET" and entry["path"] == "/v1/account" and entry["status"] == 200
    assert entry["request_id"] == response.headers["x-request-id"]
    assert entry["account_id"] == caller.account_id
    assert isinstance(entry["duration_ms"], float)
    secret = caller.api_key.split(".")[1]
    for record in caplog.records:
        assert secret not in JsonFormatter().format(record)


async def test_oauth_secrets_never_reach_the_log(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await client.post(
        "/v1/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": "gfo_oauth_x",
            "client_secret": "gfs_live_TOPSECRET",
        },
    )
    assert all("TOPSECRET" not in JsonFormatter().format(r) for r in caplog.records)


def test_json_lines_carry_extra_fields_but_not_terminal_colours() -> None:
    record = logging.LogRecord("uvicorn.error", logging.INFO, "", 0, "Started %s", ("x",), None)
    record.color_message = "Started \x1b[36m%s\x1b[0m"
    record.port = 8080
    entry = json.loads(JsonFormatter().format(record))
    assert entry["msg"] == "Started x" and entry["port"] == 8080
    assert "color_message" not in entry
