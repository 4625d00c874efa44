"""GET /usage: totals and buckets that add up to what runs were charged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from genfire_server.kit.db import Database
from genfire_server.models import Run
from tests.conftest import Caller, assert_problem
from tests.runs.helpers import create_test_run, wait_terminal


async def _runs(
    client: httpx.AsyncClient, caller: Caller, specs: list[dict[str, Any]]
) -> list[str]:
    ids = [(await create_test_run(client, caller, **spec)).json()["id"] for spec in specs]
    for run_id in ids:
        await wait_terminal(client, caller, run_id)
    return ids


async def test_totals_and_model_breakdown(
    client: httpx.AsyncClient, db: Database, caller: Caller
) -> None:
    ids = await _runs(
        client, caller, [{"credits": 2}, {"credits": 3}, {"mode": "fail", "credits": 9}]
    )
    # Pretend the first came from a different model, to get two buckets.
    async with db.write() as session:
        await session.execute(
            update(Run).where(Run.id == ids[0]).values(model="image.nano_banana_2")
        )
    body = (await client.get("/v1/usage", headers=caller.headers)).json()
    assert body["object"] == "usage_summary" and body["group_by"] == "model"
    assert body["totals"] == {
        "credits_spent": 5,
        "runs_count": 3,
        "successful_runs": 2,
        "failed_runs": 1,
    }
    assert body["breakdown"] == [
        {
            "group": "test.engine",
            "credits_spent": 3,
            "runs_count": 2,
            "successful_runs": 1,
            "failed_runs": 1,
            "avg_credits_per_run": 1.5,
        },
        {
            "group": "image.nano_banana_2",
            "credits_spent": 2,
            "runs_count": 1,
            "successful_runs": 1,
            "failed_runs": 0,
            "avg_credits_per_run": 2,
        },
    ]
    start = datetime.fromisoformat(body["period"]["start"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(body["period"]["end"].replace("Z", "+00:00"))
    assert timedelta(days=30) - timedelta(seconds=5) < end - start <= timedelta(days=30)


async def test_group_by_day_is_chronological(
    client: httpx.AsyncClient, db: Database, caller: Caller
) -> None:
    ids = await _runs(client, caller, [{"credits": 1}, {"credits": 2}, {"credits": 4}])
    days = [
        datetime(2026, 11, 3, 10, tzinfo=UTC),
        datetime(2026, 11, 1, 23, 59, tzinfo=UTC),
        datetime(2026, 11, 3, 1, tzinfo=UTC),
    ]
    async with db.write() as session:
        for run_id, day in zip(ids, days, strict=True):
            await session.execute(update(Run).where(Run.id == run_id).values(created_at=day))
    body = (
        await client.get(
            "/v1/usage?group_by=day&start_date=2026-11-01&end_date=2026-11-04",
            headers=caller.headers,
        )
    ).json()
    assert [(b["group"], b["credits_spent"]) for b in body["breakdown"]] == [
        ("2026-11-01", 2),
        ("2026-11-03", 5),
    ]
    assert body["period"] == {
        "start": "2026-11-01T00:00:00.000Z",
        "end": "2026-11-03T23:59:59.999Z",
    }
    narrow = (
        await client.get(
            "/v1/usage?group_by=none&start_date=2026-11-03&end_date=2026-11-04",
            headers=caller.headers,
        )
    ).json()
    assert narrow["totals"]["credits_spent"] == 5 and narrow["breakdown"] == []


async def test_capability_filter_and_grouping(client: httpx.AsyncClient, caller: Caller) -> None:
    await _runs(client, caller, [{"credits": 2}])
    by_cap = (await client.get("/v1/usage?group_by=capability", headers=caller.headers)).json()
    assert [b["group"] for b in by_cap["breakdown"]] == ["testing"]
    other = (
        await client.get("/v1/usage?capability=video_generation", headers=caller.headers)
    ).json()
    assert other["totals"]["runs_count"] == 0 and other["breakdown"] == []


@pytest.mark.parametrize(
    "query",
    [
        "start_date=2025-01-01&end_date=2026-06-01",  # over 365 days
        "start_date=2026-06-02&end_date=2026-06-01",  # backwards
        "start_date=yesterday",
        "group_by=week",
        "end_date=0001-01-01",
        "end_date=0001-01-01T00:00:00.5",
        "start_date=0001-01-01T00:00:00%2B01:00&end_date=0001-01-05",
        "end_date=9999-12-31",
    ],
)
async def test_bad_periods_are_validation_errors(
    client: httpx.AsyncClient, caller: Caller, query: str
) -> None:
    assert_problem(
        await client.get(f"/v1/usage?{query}", headers=caller.headers), 400, "validation_error"
    )
