"""POST /v1/batches: the reference's example, items validated up front as their targets
would validate them, credits held for every item or none, scopes and idempotency."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from genfire_server.kit.db import Database
from genfire_server.models import Batch, BatchItem, CreditHold, Run
from tests.batches.helpers import create_batch, items_of, test_items, wait_batch
from tests.conftest import Caller, MakeCaller, assert_problem
from tests.generation.helpers import mp4_facts, png_size, post
from tests.runs.helpers import balance, wait_terminal

REFERENCE_EXAMPLE: dict[str, Any] = {
    "mode": "workflow",
    "target": "hook_pack",
    "concurrency": 2,
    "items": [
        {"input": {"prompt": "Portable blender for busy professionals"}},
        {"input": {"prompt": "Portable blender for college students"}},
    ],
}
# The members of the reference's batch and batch item examples.
BATCH_FIELDS = {
    "id",
    "object",
    "mode",
    "target",
    "status",
    "total_items",
    "completed_items",
    "failed_items",
    "concurrency",
    "input_summary",
    "output",
    "error",
    "created_at",
    "updated_at",
    "completed_at",
}
ITEM_FIELDS = {
    "id",
    "object",
    "batch_id",
    "index",
    "target",
    "status",
    "run_id",
    "input_summary",
    "output",
    "error",
    "created_at",
    "updated_at",
    "completed_at",
}


async def _nothing_stored(db: Database, account_id: str) -> None:
    async with db.read() as session:
        batches = await session.scalar(
            select(func.count()).select_from(Batch).where(Batch.account_id == account_id)
        )
        holds = await session.scalar(
            select(func.count()).select_from(CreditHold).where(CreditHold.account_id == account_id)
        )
    assert (batches, holds) == (0, 0)


async def test_the_reference_example_creates_a_queued_batch_that_completes(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await create_batch(client, caller, REFERENCE_EXAMPLE)
    assert created.status_code == 200, created.text
    batch = created.json()
    assert set(batch) == BATCH_FIELDS | {"items"}
    assert batch["id"].startswith("batch_") and batch["object"] == "batch"
    assert (batch["mode"], batch["target"], batch["status"]) == ("workflow", "hook_pack", "queued")
    assert (batch["total_items"], batch["completed_items"], batch["failed_items"]) == (2, 0, 0)
    assert batch["concurrency"] == 2
    assert batch["input_summary"] == {"mode": "workflow", "target": "hook_pack", "item_count": 2}
    assert (batch["output"], batch["error"], batch["completed_at"]) == (None, None, None)
    assert batch["created_at"].endswith("Z")
    for index, item in enumerate(batch["items"]):
        assert set(item) == ITEM_FIELDS
        assert item["id"].startswith("batch_item_") and item["object"] == "batch_item"
        assert (item["batch_id"], item["index"], item["target"]) == (
            batch["id"],
            index,
            "hook_pack",
        )
        assert (item["status"], item["run_id"], item["output"]) == ("queued", None, None)
        assert item["input_summary"] == REFERENCE_EXAMPLE["items"][index]["input"]

    done = await wait_batch(client, caller, batch["id"])
    assert set(done) == BATCH_FIELDS
    assert (done["status"], done["completed_items"], done["failed_items"]) == ("completed", 2, 0)
    assert done["output"] == {
        "total_items": 2,
        "completed_items": 2,
        "failed_items": 0,
        "usage": {"credits": 0},
        "failures": [],
    }
    assert done["error"] is None and done["completed_at"] is not None
    items = await items_of(client, caller, batch["id"])
    assert [item["index"] for item in items] == [0, 1]
    for item, audience in zip(items, ("busy professionals", "college students"), strict=True):
        assert item["status"] == "completed" and item["completed_at"] is not None
        run = (await client.get(f"/v1/runs/{item['run_id']}", headers=caller.headers)).json()
        # Each item is its own run, of the workflow, and the item shows the run's output.
        assert (run["status"], run["endpoint"], run["capability"]) == (
            "completed",
            "workflows.hook_pack.run",
            "workflow.hook_pack",
        )
        assert item["output"] == run["output"]
        assert len(item["output"]["hooks"]) == 3
        assert audience in item["output"]["full_script"].lower()


async def test_image_items_are_priced_held_and_honour_quality(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    before = await balance(client, caller)
    body = {
        "mode": "operation",
        "target": "images.generations.create",
        "items": [
            {"input": {"prompt": "a red bicycle", "aspect_ratio": "16:9"}},
            {"input": {"prompt": "a cat", "model": "image.gpt_image_2", "quality": "medium"}},
        ],
    }
    created = await create_batch(client, caller, body)
    assert created.status_code == 200, created.text
    batch = created.json()
    assert batch["concurrency"] == 2  # the default
    assert batch["items"][1]["input_summary"]["quality"] == "medium"
    # Both items' prices are held now, before either runs: 3 (nano banana) + 6 (medium).
    assert await balance(client, caller) == before - 9
    done = await wait_batch(client, caller, batch["id"], within_seconds=60)
    assert done["status"] == "completed", done
    assert done["output"]["usage"] == {"credits": 9}
    assert await balance(client, caller) == before - 9
    items = await items_of(client, caller, batch["id"])
    assert await png_size(client, items[0]["output"]["output_url"]) == (1344, 768)
    run = await wait_terminal(client, caller, items[1]["run_id"])
    assert run["usage"] == {"credits": 6} and run["input_summary"]["quality"] == "medium"


async def test_a_video_item_becomes_a_video_run(client: httpx.AsyncClient, caller: Caller) -> None:
    body = {
        "mode": "operation",
        "target": "videos.generations.create",
        "concurrency": 1,
        "items": [
            {
                "input": {
                    "prompt": "waves at dusk",
                    "model": "video.seedance_2_0",
                    "duration": 4,
                    "resolution": "480p",
                }
            }
        ],
    }
    created = await create_batch(client, caller, body)
    assert created.status_code == 200, created.text
    done = await wait_batch(client, caller, created.json()["id"], within_seconds=120)
    assert done["status"] == "completed", done
    (item,) = await items_of(client, caller, done["id"])
    video = item["output"]["video"]
    assert video["duration"] == 4.0 and video["url"].split("?")[0].endswith(".mp4")
    facts = await mp4_facts(client, video["url"])
    assert facts["height"] == 480 and facts["duration"] == 4.0
    run = await wait_terminal(client, caller, item["run_id"])
    assert run["endpoint"] == "videos.generations.create"
    assert done["output"]["usage"] == run["usage"]


@pytest.mark.parametrize(
    ("body", "status", "code", "says"),
    [
        # Each item is checked exactly as its target checks a request; the error names it.
        (
            {"items": [{"input": {"prompt": "ok"}}, {"input": {"tone": "persuasive"}}]},
            400,
            "validation_error",
            "items[1].input",
        ),
        (
            {"items": [{"input": {"prompt": "ok", "tone": "grumpy"}}]},
            400,
            "validation_error",
            "items[0].input: tone",
        ),
        (
            {"items": [{"input": {"prompt": "ok", "variant_count": 9}}]},
            400,
            "validation_error",
            "items[0].input",
        ),
        (
            {
                "mode": "operation",
                "target": "images.generations.create",
                "items": [
                    {"input": {"prompt": "fine"}},
                    {"input": {"prompt": "fine"}},
                    {
                        "input": {
                            "prompt": "x",
                            "model": "image.seedream_v45",
                            "aspect_ratio": "4:3",
                        }
                    },
                ],
            },
            400,
            "invalid_aspect_ratio",
            "items[2].input: ",
        ),
        (
            {
                "mode": "operation",
                "target": "images.generations.create",
                "items": [{"input": {"prompt": "fine"}}, {"input": {"promtp": "typo"}}],
            },
            400,
            "validation_error",
            "items[1].input.promtp",
        ),
        (
            {
                "mode": "operation",
                "target": "images.generations.create",
                "items": [{"input": {"prompt": "x", "image_url": "http://169.254.169.254/a.png"}}],
            },
            400,
            "unsafe_url",
            "items[0].input: ",
        ),
        (
            {
                "mode": "operation",
                "target": "videos.generations.create",
                "items": [{"input": {"prompt": "x", "duration": 99}}],
            },
            400,
            "invalid_duration",
            "items[0].input: ",
        ),
        # The batch itself.
        ({"target": "hook_pak"}, 400, "validation_error", "hook_pack"),
        ({"mode": "operation"}, 400, "validation_error", "images.generations.create"),
        ({"mode": "stream"}, 400, "validation_error", "mode"),
        ({"concurrency": 0}, 400, "validation_error", "concurrency"),
        ({"concurrency": 51}, 400, "validation_error", "concurrency"),
        ({"concurrency": 2.5}, 400, "validation_error", "concurrency"),
        ({"concurrency": "2"}, 400, "validation_error", "concurrency"),
        ({"items": []}, 400, "validation_error", "items"),
        ({"items": [{"input": {"prompt": "x"}}] * 1001}, 400, "validation_error", "1000"),
        ({"items": [{"prompt": "x"}]}, 400, "validation_error", "items[0].input"),
        ({"items": [{"input": "x"}]}, 400, "validation_error", "items[0].input"),
        ({"items": [{"input": {"prompt": "x"}, "extra": 1}]}, 400, "validation_error", "extra"),
    ],
)
async def test_invalid_batches_are_refused_whole_and_store_nothing(
    client: httpx.AsyncClient,
    caller: Caller,
    db: Database,
    body: dict[str, Any],
    status: int,
    code: str,
    says: str,
) -> None:
    request = {**REFERENCE_EXAMPLE, **body}
    before = await balance(client, caller)
    problem = assert_problem(await create_batch(client, caller, request), status, code)
    assert says in str(problem["detail"]), problem["detail"]
    assert await balance(client, caller) == before
    await _nothing_stored(db, caller.account_id)


async def test_a_batch_the_balance_cannot_cover_is_refused_with_402(
    client: httpx.AsyncClient, make_caller: MakeCaller, db: Database
) -> None:
    poor = await make_caller(credits=10)
    # 3 + 3 + 3 fit, the fourth does not: nothing at all is held.
    body = {
        "mode": "operation",
        "target": "images.generations.create",
        "items": [{"input": {"prompt": f"picture {n}"}} for n in range(4)],
    }
    problem = assert_problem(await create_batch(client, poor, body), 402, "insufficient_credits")
    assert "12" in str(problem["detail"])
    assert await balance(client, poor) == 10
    await _nothing_stored(db, poor.account_id)
    body["items"] = body["items"][:3]
    created = await create_batch(client, poor, body)
    assert created.status_code == 200, created.text
    assert await balance(client, poor) == 1


async def test_the_target_needs_its_own_scope_too(
    client: httpx.AsyncClient, make_caller: MakeCaller
) -> None:
    batches_only = await make_caller(scopes=["batches:write", "batches:read"])
    body = {**REFERENCE_EXAMPLE, "mode": "operation", "target": "images.generations.create"}
    body["items"] = [{"input": {"prompt": "a lamp"}}]
    problem = assert_problem(
        await create_batch(client, batches_only, body), 403, "insufficient_scope"
    )
    assert "images:write" in str(problem["detail"])
    assert_problem(
        await create_batch(client, batches_only, REFERENCE_EXAMPLE), 403, "insufficient_scope"
    )
    reader = await make_caller(scopes=["batches:read", "workflows:write"])
    assert_problem(await create_batch(client, reader, REFERENCE_EXAMPLE), 403, "insufficient_scope")
    both = await make_caller(scopes=["batches:write", "images:write"])
    assert (await create_batch(client, both, body)).status_code == 200
    # Reading needs batches:read.
    assert_problem(await client.get("/v1/batches", headers=both.headers), 403, "insufficient_scope")
    assert (await client.get("/v1/batches", headers=batches_only.headers)).status_code == 200


async def test_idempotency_key_replays_the_same_batch(
    client: httpx.AsyncClient, caller: Caller, db: Database
) -> None:
    first = await create_batch(client, caller, REFERENCE_EXAMPLE, key="batch-once")
    again = await create_batch(client, caller, REFERENCE_EXAMPLE, key="batch-once")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    changed = {**REFERENCE_EXAMPLE, "concurrency": 1}
    assert_problem(
        await create_batch(client, caller, changed, key="batch-once"), 422, "idempotency_key_reused"
    )
    missing = await client.post("/v1/batches", json=REFERENCE_EXAMPLE, headers=caller.headers)
    assert_problem(missing, 400, "idempotency_key_required")
    await wait_batch(client, caller, first.json()["id"])
    async with db.read() as session:
        batches = await session.scalar(
            select(func.count()).select_from(Batch).where(Batch.account_id == caller.account_id)
        )
        runs = await session.scalar(
            select(func.count()).select_from(Run).where(Run.account_id == caller.account_id)
        )
    assert (batches, runs) == (1, 2)


async def test_listing_filters_and_other_accounts(
    client: httpx.AsyncClient, caller: Caller, make_caller: MakeCaller
) -> None:
    workflow = (await create_batch(client, caller, REFERENCE_EXAMPLE)).json()
    await wait_batch(client, caller, workflow["id"])
    failing = {
        "mode": "operation",
        "target": "testing.runs.create",
        "items": test_items({"mode": "fail"}),
    }
    operation = (await create_batch(client, caller, failing)).json()
    await wait_batch(client, caller, operation["id"])

    async def listed(**params: Any) -> list[str]:
        response = await client.get("/v1/batches", headers=caller.headers, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["object"] == "list"
        assert all(set(batch) == BATCH_FIELDS for batch in body["data"])
        return [batch["id"] for batch in body["data"]]

    assert await listed() == [operation["id"], workflow["id"]]  # newest first
    assert await listed(limit=1) == [operation["id"]]
    assert await listed(mode="workflow") == [workflow["id"]]
    assert await listed(target="testing.runs.create") == [operation["id"]]
    assert await listed(status="failed") == [operation["id"]]
    assert await listed(status="completed", mode="operation") == []
    bad = await client.get("/v1/batches", headers=caller.headers, params={"status": "done"})
    assert_problem(bad, 400, "validation_error")
    assert_problem(
        await client.get("/v1/batches", headers=caller.headers, params={"limit": 0}),
        400,
        "validation_error",
    )

    stranger = await make_caller()
    assert (await client.get("/v1/batches", headers=stranger.headers)).json()["data"] == []
    for path in (f"/v1/batches/{workflow['id']}", f"/v1/batches/{workflow['id']}/items"):
        assert_problem(await client.get(path, headers=stranger.headers), 404, "not_found")
    assert_problem(
        await client.get("/v1/batches/batch_nope", headers=caller.headers), 404, "not_found"
    )


async def test_items_can_be_filtered_by_status(client: httpx.AsyncClient, caller: Caller) -> None:
    body = {
        "mode": "operation",
        "target": "testing.runs.create",
        "items": test_items({"mode": "instant"}, {"mode": "fail"}, {"mode": "instant"}),
    }
    batch = (await create_batch(client, caller, body)).json()
    await wait_batch(client, caller, batch["id"])
    failed = await items_of(client, caller, batch["id"], status="failed")
    assert [item["index"] for item in failed] == [1]
    completed = await items_of(client, caller, batch["id"], status="completed")
    assert [item["index"] for item in completed] == [0, 2]


async def test_a_batch_item_run_is_an_ordinary_run_of_the_account(
    client: httpx.AsyncClient, caller: Caller, db: Database
) -> None:
    """Runs of batch items list, poll and charge like any run; the run knows its item."""
    body = {
        "mode": "operation",
        "target": "testing.runs.create",
        "items": test_items({"credits": 2, "charge": 1.5}),
    }
    batch = (await create_batch(client, caller, body)).json()
    done = await wait_batch(client, caller, batch["id"])
    (item,) = await items_of(client, caller, batch["id"])
    run = await wait_terminal(client, caller, item["run_id"])
    assert run["usage"] == {"credits": 1.5} and done["output"]["usage"] == {"credits": 1.5}
    listed = (await client.get("/v1/runs", headers=caller.headers)).json()["data"]
    assert [r["id"] for r in listed] == [run["id"]]
    async with db.read() as session:
        linked = await session.scalar(select(Run.batch_item_id).where(Run.id == run["id"]))
        hold = await session.scalar(select(BatchItem.hold_id).where(BatchItem.id == item["id"]))
        run_hold = await session.scalar(select(Run.hold_id).where(Run.id == run["id"]))
    assert linked == item["id"] and hold == run_hold  # the hold taken at creation
    assert await balance(client, caller) == 1000 - 1.5


async def test_a_workflow_run_direct_and_in_a_batch_agree(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    """The same input gives the same output whether sent directly or batched."""
    body = {"prompt": "Standing desk for small apartments", "tone": "casual"}
    direct = (await post(client, caller, "/v1/workflows/ugc_ad/runs", body)).json()
    batch_body = {"mode": "workflow", "target": "ugc_ad", "items": [{"input": body}]}
    batch = (await create_batch(client, caller, batch_body)).json()
    await wait_batch(client, caller, batch["id"])
    (item,) = await items_of(client, caller, batch["id"])
    assert item["output"] == direct["output"]
