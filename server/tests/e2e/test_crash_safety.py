"""SIGKILL the real server mid-work: after a restart every run ends, none is charged twice,
and every credit hold is captured or released."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import select

from genfire_server.kit.db import Database
from genfire_server.models import Run
from tests.conftest import Caller
from tests.credits import ledger
from tests.e2e.server import free_port, server_env, start, stop


async def test_sigkill_mid_work_loses_nothing_and_charges_once(
    database_url: str, db: Database, caller: Caller, tmp_path: Path
) -> None:
    port = free_port()
    env = server_env(
        database_url,
        tmp_path / "var",
        port,
        worker_concurrency="2",
        run_lease_seconds="5",
        redispatch_after_seconds="2",
    )
    base = f"http://127.0.0.1:{port}/v1"
    server = await start(env, port)
    run_ids: list[str] = []
    try:
        async with httpx.AsyncClient(base_url=base, headers=caller.headers, timeout=10) as http:
            for index in range(10):
                body = {"mode": "sleep", "seconds": 3, "credits": 1 + index}
                created = await http.post(
                    "/testing/runs", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
                )
                assert created.status_code == 200, created.text
                run_ids.append(created.json()["id"])
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                statuses = [(await http.get(f"/runs/{rid}")).json()["status"] for rid in run_ids]
                if statuses.count("processing") == 2:
                    break
                await asyncio.sleep(0.1)
            assert statuses.count("processing") == 2 and statuses.count("queued") == 8
    finally:
        await stop(server, signal.SIGKILL)

    server = await start(env, port)
    try:
        async with httpx.AsyncClient(base_url=base, headers=caller.headers, timeout=10) as http:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                runs = [(await http.get(f"/runs/{rid}")).json() for rid in run_ids]
                if all(run["status"] in ("completed", "failed") for run in runs):
                    break
                await asyncio.sleep(0.25)
            assert [run["status"] for run in runs] == ["completed"] * 10
            assert [run["usage"]["credits"] for run in runs] == list(range(1, 11))
            balance = (await http.get("/account/credits")).json()["balance"]
    finally:
        await stop(server, signal.SIGTERM)

    assert balance == 1000 - sum(range(1, 11))
    # One hold per run, captured, and no release: each run was charged exactly its price.
    await ledger.assert_charged_once_each(db, caller.account_id, balance, charges=10)
    async with db.read() as session:
        attempts = list(await session.scalars(select(Run.attempts).where(Run.id.in_(run_ids))))
    assert max(attempts) == 2 and attempts.count(2) >= 2  # the two it was working on ran again
