"""Runs: creation throughput, dispatch latency, and GET /v1/runs/{id} against /healthz.

Starts the server the way `make run` does (fresh data directory, SQLite, one process with
its in-process workers) with the test engine enabled, then:

1. creation: `--connections` clients POST /v1/testing/runs (instant runs, a new
   Idempotency-Key each) for `--seconds`; runs created per second;
2. dispatch latency, created_at -> started_at (the worker's claim), read from the
   database afterwards, p50 and p99: for the runs of step 1 (a saturated queue, so mostly
   time spent waiting for a worker) and for `--idle-runs` runs created one at a time on an
   otherwise idle server (the cost of dispatch itself);
3. polling: GET /v1/runs/{id} of a completed run (served from the terminal-run cache after
   the first read), of a run still processing (read from the database every time), and
   GET /healthz; same client, same connections, alternating rounds; requests/s and the
   ratios to /healthz (target >= 0.6).

    .venv/bin/python bench/runs.py [--connections 16] [--seconds 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_overhead import Targets, compare, free_port, print_comparison, start_server


async def _create_loop(
    port: int, key: str, deadline: float, created: list[str], errors: list[int], sleep: float = 0
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    mode = f'"mode":"sleep","seconds":{sleep}' if sleep else '"mode":"instant"'
    body = ("{" + mode + ',"credits":0.001}').encode()
    try:
        while time.perf_counter() < deadline:
            head = (
                "POST /v1/testing/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {key}\r\nIdempotency-Key: {uuid.uuid4().hex}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            writer.write(head.encode() + body)
            response_head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in response_head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            payload = await reader.readexactly(length)
            if b" 200 " in response_head.split(b"\r\n", 1)[0]:
                created.append(json.loads(payload)["id"])
            else:
                errors[0] += 1
    finally:
        writer.close()


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def _until_claimed(data_dir: Path, run_id: str) -> None:
    database = sqlite3.connect(data_dir / "genfire.db")
    try:
        query = "SELECT started_at FROM runs WHERE id = ?"
        # Polling another process's database: there is no event to wait on.
        while database.execute(query, (run_id,)).fetchone() == (None,):  # noqa: ASYNC110
            await asyncio.sleep(0.002)
    finally:
        database.close()


async def _latencies(data_dir: Path, run_ids: list[str]) -> list[float]:
    """created -> claimed in ms, for those of the runs a worker has claimed (waits up to 60 s)."""
    database = sqlite3.connect(data_dir / "genfire.db")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            pending = database.execute(
                "SELECT count(*) FROM runs WHERE status IN ('queued', 'processing')"
            ).fetchone()[0]
            if pending == 0:
                break
            await asyncio.sleep(0.1)
        wanted = set(run_ids)
        rows = database.execute("SELECT id, created_at, started_at FROM runs").fetchall()
    finally:
        database.close()
    return sorted(
        (_parse(start) - _parse(made)).total_seconds() * 1000
        for run_id, made, start in rows
        if run_id in wanted and start is not None
    )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle-runs", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "var"
        port = free_port()
        server = start_server(
            data_dir, port, access_log=False, extra_env={"GENFIRE_ENABLE_TEST_ENGINE": "true"}
        )
        try:
            key = (data_dir / "dev-api-key").read_text().strip()
            created: list[str] = []
            errors = [0]
            started = time.perf_counter()
            deadline = started + args.seconds
            await asyncio.gather(
                *(
                    _create_loop(port, key, deadline, created, errors)
                    for _ in range(args.connections)
                )
            )
            elapsed = time.perf_counter() - started
            if errors[0]:
                raise SystemExit(f"{errors[0]} run creations failed")
            saturated = await _latencies(data_dir, created)
            completed = len(saturated)

            # One at a time: each run is created only after the previous one was claimed.
            idle: list[str] = []
            while len(idle) < args.idle_runs:
                await _create_loop(port, key, time.perf_counter() + 0.001, idle, errors)
                await _until_claimed(data_dir, idle[-1])
            idle_latencies = await _latencies(data_dir, idle)

            busy: list[str] = []
            await _create_loop(port, key, time.perf_counter() + 0.001, busy, errors, sleep=600)
            await _until_claimed(data_dir, busy[0])
            auth = {"Authorization": f"Bearer {key}"}
            targets: Targets = {
                "healthz": ("/healthz", {}),
                "completed": (f"/v1/runs/{created[0]}", auth),
                "processing": (f"/v1/runs/{busy[0]}", auth),
            }
            summary = await compare(port, targets, args.connections, args.seconds, args.rounds)
        finally:
            server.terminate()
            server.wait(timeout=20)

    python = sys.version.split()[0]
    print(f"{args.connections} connections, {args.seconds:g} s per phase, python {python}")
    rate = len(created) / elapsed
    print(f"run creation: {rate:.1f} runs/s ({len(created)} runs, {completed} completed)")
    for label, values in (("saturated", saturated), ("idle", idle_latencies)):
        print(
            f"dispatch latency, {label} (created -> claimed): "
            f"p50 {statistics.median(values):.1f} ms, "
            f"p99 {values[int(0.99 * (len(values) - 1))]:.1f} ms"
        )
    labels = {
        "healthz": "GET /healthz",
        "completed": "GET /v1/runs/{completed}",
        "processing": "GET /v1/runs/{processing}",
    }
    print_comparison(summary, labels, "healthz", "completed")
    ratio = summary["processing"]["rps"] / summary["healthz"]["rps"]
    print(f"throughput ratio processing/healthz: {ratio:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
