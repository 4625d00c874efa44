"""Inputs of runs: this server's own files are read from storage, chaining without
re-uploading; other URLs go through the SSRF guard; failures fail the run clearly."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from genfire_server.context import AppContext
from tests.conftest import Caller, MakeCaller, assert_problem
from tests.loopback import Origin, origin
from tests.runs.helpers import create_test_run, wait_terminal
from tests.variants import client_with

PAYLOAD = b"GIF89a" + bytes(range(200)) * 5


async def _upload(client: httpx.AsyncClient, caller: Caller, data: bytes) -> str:
    created = (
        await client.post(
            "/v1/uploads",
            json={"filename": "input.gif", "content_type": "image/gif", "size_bytes": len(data)},
            headers=caller.headers,
        )
    ).json()
    put = await client.put(
        created["upload_url"], content=data, headers={"content-type": "image/gif"}
    )
    assert put.status_code == 200, put.text
    return str(created["asset_url"])


async def test_an_uploads_asset_url_feeds_a_run(client: httpx.AsyncClient, caller: Caller) -> None:
    asset_url = await _upload(client, caller, PAYLOAD)
    run = (await create_test_run(client, caller, input_url=asset_url)).json()
    done = await wait_terminal(client, caller, run["id"])
    assert done["status"] == "completed", done
    assert done["output"]["input_bytes"] == len(PAYLOAD)


async def test_a_runs_output_url_feeds_the_next_run(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    first = await wait_terminal(
        client, caller, (await create_test_run(client, caller)).json()["id"]
    )
    size = first["output"]["result"]["size_bytes"]
    second = (await create_test_run(client, caller, input_url=first["output"]["output_url"])).json()
    done = await wait_terminal(client, caller, second["id"])
    assert done["output"]["input_bytes"] == size


async def test_someone_elses_file_is_refused_at_request_time(
    client: httpx.AsyncClient, make_caller: MakeCaller
) -> None:
    owner, other = await make_caller(), await make_caller()
    asset_url = await _upload(client, owner, PAYLOAD)
    body = assert_problem(
        await create_test_run(client, other, input_url=asset_url), 400, "invalid_input_url"
    )
    assert "asset" in str(body["detail"]).lower() or "account" in str(body["detail"]).lower()


@pytest.fixture
async def remote() -> AsyncIterator[Origin]:
    async with origin() as served:
        yield served


@pytest.fixture
async def allowing_client(ctx: AppContext) -> AsyncIterator[httpx.AsyncClient]:
    """The app with 127.0.0.2 allow-listed, as an operator would for an internal host."""
    async with client_with(ctx, fetch_allow_hosts="127.0.0.2/32") as http:
        yield http


async def test_an_allowed_remote_url_is_fetched_over_http(
    allowing_client: httpx.AsyncClient, caller: Caller, remote: Origin
) -> None:
    url = remote.serve("/pictures/cat.gif", PAYLOAD, "image/gif")
    run = (await create_test_run(allowing_client, caller, input_url=url)).json()
    done = await wait_terminal(allowing_client, caller, run["id"])
    assert done["status"] == "completed", done
    assert done["output"]["input_bytes"] == len(PAYLOAD) and len(remote.requests) == 1


async def test_an_unreachable_input_fails_the_run_with_input_fetch_failed(
    allowing_client: httpx.AsyncClient, caller: Caller
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.2", 0))
        port = probe.getsockname()[1]
    run = (
        await create_test_run(
            allowing_client, caller, input_url=f"http://127.0.0.2:{port}/x.gif", credits=5
        )
    ).json()
    done = await wait_terminal(allowing_client, caller, run["id"])
    assert done["status"] == "failed"
    assert done["error"]["code"] == "input_fetch_failed"
    assert "127.0.0.2" in done["error"]["message"]
    credits = (await allowing_client.get("/v1/account/credits", headers=caller.headers)).json()
    assert credits["balance"] == 1000  # the hold was released


async def test_a_private_url_is_refused_before_anything_is_created(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/a.png",
        "file:///etc/passwd",
    ):
        assert_problem(await create_test_run(client, caller, input_url=url), 400, "unsafe_url")
    assert (await client.get("/v1/runs", headers=caller.headers)).json()["data"] == []


async def test_an_own_file_over_the_inputs_size_cap_fails_the_run(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    # The test engine reads inputs of at most 10 MB; an upload may be far larger.
    asset_url = await _upload(client, caller, b"\0" * (10 * 1024 * 1024 + 1))
    run = (await create_test_run(client, caller, input_url=asset_url, credits=5)).json()
    done = await wait_terminal(client, caller, run["id"])
    assert done["status"] == "failed" and done["error"]["code"] == "input_fetch_failed"
    assert "at most 10 MB" in done["error"]["message"]
