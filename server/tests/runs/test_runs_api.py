"""The runs API: shapes, filters, ownership, lifecycle and what was charged."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from genfire_server.context import AppContext
from tests.conftest import Caller, MakeCaller, assert_problem
from tests.runs.helpers import balance, create_test_run, wait_terminal

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
RUN_FIELDS = {
    "id",
    "object",
    "status",
    "capability",
    "endpoint",
    "model",
    "request_id",
    "input_summary",
    "output",
    "usage",
    "error",
    "resource_id",
    "provider_request_id",
    "created_at",
    "updated_at",
    "completed_at",
}


async def test_created_run_has_the_contract_shape_and_completes(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await create_test_run(client, caller, credits=2.5, echo="hello")
    assert created.status_code == 200, created.text
    run = created.json()
    assert set(run) == RUN_FIELDS
    assert run["id"].startswith("run_") and run["object"] == "run"
    assert run["status"] in ("queued", "processing", "completed")
    assert run["request_id"] == created.headers["x-request-id"]
    assert run["input_summary"] == {"mode": "instant", "seconds": 0.0}
    assert ISO.match(run["created_at"])

    done = await wait_terminal(client, caller, run["id"])
    assert done["status"] == "completed"
    assert done["usage"] == {"credits": 2.5} and done["error"] is None
    assert ISO.match(done["completed_at"])
    assert done["output"]["output_url"].split("?")[0].endswith(".json")
    # The output URL is fetchable with no auth header, as the CLI downloads it.
    download = await client.get(done["output"]["output_url"])
    assert download.status_code == 200 and download.json()["echo"] == "hello"
    assert await balance(client, caller) == 1000 - 2.5


async def test_failed_run_reports_error_and_charges_nothing(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    run = (
        await create_test_run(
            client, caller, mode="fail", error_code="content_policy_violation", error_message="nope"
        )
    ).json()
    done = await wait_terminal(client, caller, run["id"])
    assert done["status"] == "failed"
    assert done["error"] == {"code": "content_policy_violation", "message": "nope"}
    assert done["usage"] is None and done["output"] is None
    assert await balance(client, caller) == 1000


async def test_engine_crash_fails_with_internal_error_and_releases(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    run = (await create_test_run(client, caller, mode="crash", credits=10)).json()
    done = await wait_terminal(client, caller, run["id"])
    assert done["error"]["code"] == "internal_error"
    assert "crashed" not in done["error"]["message"]  # no internals
    assert await balance(client, caller) == 1000


async def test_partial_charge_returns_the_rest(client: httpx.AsyncClient, caller: Caller) -> None:
    run = (await create_test_run(client, caller, credits=10, charge=3.25)).json()
    done = await wait_terminal(client, caller, run["id"])
    assert done["usage"] == {"credits": 3.25}
    assert await balance(client, caller) == 1000 - 3.25


async def test_hold_shows_in_the_balance_while_running(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    run = (await create_test_run(client, caller, mode="sleep", seconds=1, credits=40)).json()
    assert await balance(client, caller) == 960
    running = (await client.get(f"/v1/runs/{run['id']}", headers=caller.headers)).json()
    assert running["status"] in ("queued", "processing")
    await wait_terminal(client, caller, run["id"])
    assert await balance(client, caller) == 960


async def test_progress_appears_while_processing(client: httpx.AsyncClient, caller: Caller) -> None:
    run = (await create_test_run(client, caller, mode="sleep", seconds=2)).json()
    seen = None
    for _ in range(80):
        current = (await client.get(f"/v1/runs/{run['id']}", headers=caller.headers)).json()
        if current.get("progress"):
            seen = current["progress"]
            break
        await _sleep(0.05)
    assert seen is not None
    assert set(seen) == {"percent", "label", "step_index", "step_count", "stages"}
    assert 0 <= seen["percent"] < 100 and seen["stages"] == ["prepare", "work", "finish"]
    done = await wait_terminal(client, caller, run["id"])
    assert "progress" not in done


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


async def test_short_balance_is_402_and_creates_nothing(
    client: httpx.AsyncClient, make_caller: MakeCaller
) -> None:
    poor = await make_caller(credits=1)
    response = await create_test_run(client, poor, credits=5)
    assert_problem(response, 402, "insufficient_credits")
    listed = (await client.get("/v1/runs", headers=poor.headers)).json()
    assert listed == {"object": "list", "data": []}


async def test_another_accounts_run_is_404(
    client: httpx.AsyncClient, make_caller: MakeCaller
) -> None:
    owner, stranger = await make_caller(), await make_caller()
    run = (await create_test_run(client, owner)).json()
    for path in (f"/v1/runs/{run['id']}", f"/v1/runs/{run['id']}/output"):
        assert_problem(await client.get(path, headers=stranger.headers), 404, "not_found")
    assert (await client.get("/v1/runs", headers=stranger.headers)).json()["data"] == []


async def test_output_envelope(client: httpx.AsyncClient, caller: Caller) -> None:
    run = (await create_test_run(client, caller)).json()
    done = await wait_terminal(client, caller, run["id"])
    envelope = (await client.get(f"/v1/runs/{run['id']}/output", headers=caller.headers)).json()
    assert envelope == {
        "id": run["id"],
        "object": "run_output",
        "status": "completed",
        "capability": "testing",
        "output": done["output"],
        "error": None,
        "completed_at": done["completed_at"],
    }


async def test_list_newest_first_with_filters_and_limits(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    ids = []
    for mode in ("instant", "fail", "instant"):
        ids.append((await create_test_run(client, caller, mode=mode)).json()["id"])
    for run_id in ids:
        await wait_terminal(client, caller, run_id)
    listed = (await client.get("/v1/runs", headers=caller.headers)).json()
    assert [run["id"] for run in listed["data"]] == ids[::-1]
    failed = (await client.get("/v1/runs?status=failed", headers=caller.headers)).json()["data"]
    assert [run["id"] for run in failed] == [ids[1]]
    assert (
        await client.get("/v1/runs?capability=image_generation", headers=caller.headers)
    ).json()["data"] == []
    two = (await client.get("/v1/runs?limit=2", headers=caller.headers)).json()["data"]
    assert [run["id"] for run in two] == ids[:0:-1]
    assert (await client.get("/v1/runs?limit=100", headers=caller.headers)).status_code == 200


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "status=running"])
async def test_bad_list_parameters_are_validation_errors(
    client: httpx.AsyncClient, caller: Caller, query: str
) -> None:
    assert_problem(
        await client.get(f"/v1/runs?{query}", headers=caller.headers), 400, "validation_error"
    )


async def test_sync_wait_returns_the_completed_run(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    response = await create_test_run(client, caller, wait=True)
    assert response.json()["status"] == "completed"
    assert response.json()["output"]["output_url"]


async def test_testing_endpoint_needs_full_access(
    client: httpx.AsyncClient, make_caller: MakeCaller
) -> None:
    narrow = await make_caller(scopes=["runs:read", "images:write"])
    assert_problem(await create_test_run(client, narrow), 403, "insufficient_scope")


async def test_rendered_runs_match_the_documented_schema(ctx: AppContext, caller: Caller) -> None:
    """The polled document is built by hand for speed; it must stay the RunOut shape."""
    from datetime import timedelta

    from genfire_server.kit.clock import utcnow
    from genfire_server.runs.schemas import RunOut
    from genfire_server.runs.service import RunView, document

    now = utcnow()
    base: dict[str, Any] = dict(
        id="run_x",
        capability="image_generation",
        endpoint="images.generations.create",
        model="image.nano_banana_2",
        request_id="req_x",
        input_summary={"prompt": "p", "count": 1},
        resource_id=None,
        provider_request_id=None,
        created_at=now,
        updated_at=now,
    )
    progress = {
        "percent": 40.0,
        "label": "rendering",
        "step_index": 1,
        "step_count": 3,
        "stages": ["a"],
    }
    views = [
        RunView(
            status="queued",
            output=None,
            charged_milli=None,
            error_code=None,
            error_message=None,
            progress=None,
            completed_at=None,
            **base,
        ),
        RunView(
            status="processing",
            output=None,
            charged_milli=None,
            error_code=None,
            error_message=None,
            progress=progress,
            completed_at=None,
            **base,
        ),
        RunView(
            status="completed",
            output={"output_url": "u"},
            charged_milli=3_500,
            error_code=None,
            error_message=None,
            progress=None,
            completed_at=now + timedelta(seconds=2),
            **base,
        ),
        RunView(
            status="failed",
            output=None,
            charged_milli=0,
            error_code="provider_error",
            error_message="boom",
            progress=progress,
            completed_at=now,
            **base,
        ),
    ]
    for view in views:
        doc = document(view)
        assert RunOut.model_validate(doc).model_dump(mode="json", exclude_unset=True) == doc
    assert "progress" in document(views[1]) and "progress" not in document(views[3])
    assert document(views[2])["usage"] == {"credits": 3.5}


async def test_terminal_runs_are_served_from_memory_and_others_never(
    client: httpx.AsyncClient, ctx: AppContext, caller: Caller, make_caller: MakeCaller
) -> None:
    running = (await create_test_run(client, caller, mode="sleep", seconds=1)).json()
    await client.get(f"/v1/runs/{running['id']}", headers=caller.headers)
    assert ctx.terminal_runs.get(caller.account_id, running["id"]) is None
    done = await wait_terminal(client, caller, running["id"])
    again = await client.get(f"/v1/runs/{running['id']}", headers=caller.headers)
    assert again.json() == done
    assert ctx.terminal_runs.get(caller.account_id, running["id"]) == again.content
    # The cache is per account: someone else still gets a 404.
    stranger = await make_caller()
    assert_problem(
        await client.get(f"/v1/runs/{running['id']}", headers=stranger.headers), 404, "not_found"
    )


def test_terminal_run_cache_is_bounded_lru() -> None:
    from genfire_server.runs.cache import TerminalRunCache

    cache = TerminalRunCache(max_entries=2)
    cache.put("a", "r1", b"1")
    cache.put("a", "r2", b"2")
    assert cache.get("a", "r1") == b"1"  # r1 is now the most recent
    cache.put("a", "r3", b"3")
    assert cache.get("a", "r2") is None and cache.get("a", "r1") == b"1" and len(cache) == 2
