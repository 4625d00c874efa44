"""SIGKILL the real server mid-work: after a restart every run ends, none is charged twice,
and every credit hold is captured or released."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import func, select

from genfire_server.kit.db import Database
from genfire_server.models import CreditHold, CreditLedgerEntry, Run
from tests.conftest import TEST_SECRET, Caller

CLI = str(Path(sys.executable).parent / "genfire-server")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _start(env: dict[str, str], port: int) -> asyncio.subprocess.Process:
    server = await asyncio.create_subprocess_exec(
        CLI,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(timeout=1) as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return server
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    server.kill()
    raise AssertionError("server did not start")


async def _stop(server: asyncio.subprocess.Process, signum: int) -> None:
    server.send_signal(signum)
    await asyncio.wait_for(server.wait(), 20)


async def test_sigkill_mid_work_loses_nothing_and_charges_once(
    database_url: str, db: Database, caller: Caller, tmp_path: Path
) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENFIRE_")}
    env.update(
        GENFIRE_DATABASE_URL=database_url,
        GENFIRE_DATA_DIR=str(tmp_path / "var"),
        GENFIRE_SECRET_KEY=TEST_SECRET,
        GENFIRE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        GENFIRE_ENABLE_TEST_ENGINE="true",
        GENFIRE_WORKER_CONCURRENCY="2",
        GENFIRE_RUN_LEASE_SECONDS="5",
        GENFIRE_SWEEP_INTERVAL_SECONDS="0.5",
        GENFIRE_REDISPATCH_AFTER_SECONDS="2",
        GENFIRE_ACCESS_LOG="false",
    )
    base = f"http://127.0.0.1:{port}/v1"
    server = await _start(env, port)
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
        await _stop(server, signal.SIGKILL)

    server = await _start(env, port)
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
        await _stop(server, signal.SIGTERM)

    assert balance == 1000 - sum(range(1, 11))
    async with db.read() as session:
        held = await session.scalar(
            select(func.count())
            .select_from(CreditHold)
            .where(CreditHold.account_id == caller.account_id, CreditHold.status != "captured")
        )
        ledger_total = await session.scalar(
            select(func.sum(CreditLedgerEntry.amount_milli)).where(
                CreditLedgerEntry.account_id == caller.account_id
            )
        )
        # One hold entry per run, and no release: each run was charged exactly its price.
        entries = dict(
            (
                await session.execute(
                    select(CreditLedgerEntry.kind, func.count())
                    .where(CreditLedgerEntry.account_id == caller.account_id)
                    .group_by(CreditLedgerEntry.kind)
                )
            ).all()
        )
        attempts = list(await session.scalars(select(Run.attempts).where(Run.id.in_(run_ids))))
    assert held == 0
    assert ledger_total == balance * 1000
    assert entries == {"grant": 1, "hold": 10}
    assert max(attempts) == 2 and attempts.count(2) >= 2  # the two it was working on ran again
