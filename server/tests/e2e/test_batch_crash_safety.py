"""SIGKILL the real server in the middle of a batch: after a restart the batch finishes,
every item has exactly one run, finished items are not run again, the batch never runs
more items at once than its concurrency, and every item is charged exactly once."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from genfire_server.kit.db import Database
from genfire_server.models import BatchItem, Run
from tests.conftest import Caller
from tests.credits import ledger
from tests.e2e.server import free_port, server_env, start, stop

ITEMS = 8
CONCURRENCY = 2
PRICES = list(range(1, ITEMS + 1))  # distinct, so a double charge shows in the total
TERMINAL = ("completed", "failed", "partial")


async def _items(http: httpx.AsyncClient, batch_id: str) -> list[dict[str, Any]]:
    response = await http.get(f"/batches/{batch_id}/items")
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def _count(items: list[dict[str, Any]], status: str) -> int:
    return sum(1 for item in items if item["status"] == status)


async def test_sigkill_mid_batch_finishes_every_item_once(
    database_url: str, db: Database, caller: Caller, tmp_path: Path
) -> None:
    port = free_port()
    # Four workers: only the batch's own concurrency can keep it to two at a time.
    env = server_env(
        database_url,
        tmp_path / "var",
        port,
        worker_concurrency="4",
        run_lease_seconds="5",
        redispatch_after_seconds="2",
    )
    base = f"http://127.0.0.1:{port}/v1"
    # Most items processing at once, in every observation of either server.
    most_processing = 0

    server = await start(env, port)
    try:
        async with httpx.AsyncClient(base_url=base, headers=caller.headers, timeout=10) as http:
            body = {
                "mode": "operation",
                "target": "testing.runs.create",
                "concurrency": CONCURRENCY,
                "items": [
                    {"input": {"mode": "sleep", "seconds": 1.5, "credits": price}}
                    for price in PRICES
                ],
            }
            created = await http.post(
                "/batches", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
            )
            assert created.status_code == 200, created.text
            batch_id = created.json()["id"]
            assert created.json()["total_items"] == ITEMS

            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                items = await _items(http, batch_id)
                most_processing = max(most_processing, _count(items, "processing"))
                if _count(items, "completed") >= 2 and _count(items, "processing") == 2:
                    break
                await asyncio.sleep(0.05)
            seen_before_kill = items
            assert _count(items, "completed") >= 2 and _count(items, "processing") == 2, items
    finally:
        await stop(server, signal.SIGKILL)

    # The items as the killed server left them.
    async with db.read() as session:
        at_kill = {
            row.id: (row.status, row.run_id)
            for row in await session.execute(
                select(BatchItem.id, BatchItem.status, BatchItem.run_id).where(
                    BatchItem.batch_id == batch_id
                )
            )
        }
        # The runs it was executing when it died: processing, under a lease.
        interrupted = dict(
            (
                await session.execute(
                    select(Run.id, Run.attempts).where(
                        Run.batch_item_id.in_(list(at_kill)), Run.status == "processing"
                    )
                )
            ).all()
        )
    assert len(at_kill) == ITEMS
    completed_at_kill = {
        item_id for item_id, (status, _) in at_kill.items() if status == "completed"
    }
    started_at_kill = {item_id: run for item_id, (_, run) in at_kill.items() if run is not None}
    # What the API showed last before the kill had happened by then.
    shown_completed = {item["id"] for item in seen_before_kill if item["status"] == "completed"}
    assert shown_completed <= completed_at_kill
    assert 2 <= len(completed_at_kill) < ITEMS
    assert sum(1 for status, _ in at_kill.values() if status == "processing") <= CONCURRENCY

    server = await start(env, port)
    try:
        async with httpx.AsyncClient(base_url=base, headers=caller.headers, timeout=10) as http:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                batch = (await http.get(f"/batches/{batch_id}")).json()
                items = await _items(http, batch_id)
                most_processing = max(most_processing, _count(items, "processing"))
                for item in items:
                    if item["id"] in completed_at_kill:  # finished items stay finished
                        assert item["status"] == "completed", item
                    if item["id"] in started_at_kill:  # and no item gets a second run
                        assert item["run_id"] == started_at_kill[item["id"]], item
                if batch["status"] in TERMINAL:
                    break
                await asyncio.sleep(0.05)
            assert batch["status"] == "completed", batch
            items = await _items(http, batch_id)
            balance = (await http.get("/account/credits")).json()["balance"]
    finally:
        await stop(server, signal.SIGTERM)

    assert most_processing <= CONCURRENCY
    assert (batch["total_items"], batch["completed_items"], batch["failed_items"]) == (
        ITEMS,
        ITEMS,
        0,
    )
    assert batch["output"]["usage"]["credits"] == sum(PRICES)
    assert [item["index"] for item in items] == list(range(ITEMS))
    assert [item["status"] for item in items] == ["completed"] * ITEMS
    assert all(item["run_id"] for item in items)
    for item_id, run_id in started_at_kill.items():
        assert next(item for item in items if item["id"] == item_id)["run_id"] == run_id

    async with db.read() as session:
        runs_per_item = dict(
            (
                await session.execute(
                    select(Run.batch_item_id, func.count())
                    .where(Run.batch_item_id.in_([item["id"] for item in items]))
                    .group_by(Run.batch_item_id)
                )
            ).all()
        )
        runs = {
            run.id: run
            for run in await session.scalars(
                select(Run).where(Run.id.in_([item["run_id"] for item in items]))
            )
        }

    # Exactly one run per item, and it is the run the item names.
    assert runs_per_item == {item["id"]: 1 for item in items}
    assert len(runs) == ITEMS
    for item in items:
        run = runs[item["run_id"]]
        assert run.batch_item_id == item["id"] and run.status == "completed"
        assert run.charged_milli == PRICES[item["index"]] * 1000
    # The items finished before the kill were not run again.
    for item_id in completed_at_kill:
        assert runs[started_at_kill[item_id]].attempts == 1

    # The runs the kill interrupted were taken over and ran again, as the same run.
    for run_id, attempts in interrupted.items():
        assert runs[run_id].attempts == attempts + 1

    # Charged once each: the sum of the prices, one hold per item, all captured, and no
    # release: each item was charged exactly its price.
    assert sum(run.charged_milli or 0 for run in runs.values()) == sum(PRICES) * 1000
    assert balance == 1000 - sum(PRICES)
    holds = await ledger.assert_charged_once_each(db, caller.account_id, balance, charges=ITEMS)
    assert sorted(hold.captured_milli or 0 for hold in holds) == [p * 1000 for p in PRICES]
    assert {run.hold_id for run in runs.values()} == {hold.id for hold in holds}
