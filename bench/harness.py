"""The real app in this process, for the benchmarks that drive it over HTTP (`batches.py`,
`webhooks.py`): uvicorn on a local port, SQLite in a fresh data directory, the test engine
on and accounts with plenty of credits; a minimal keep-alive HTTP/1.1 client on raw
asyncio streams; waiting for runs in the database; and the process's CPU time."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import sys
import time
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
import uvloop
from api_overhead import free_port
from genfire_server import migrations
from genfire_server.accounts import service as accounts_service
from genfire_server.app import create_app
from genfire_server.auth import service as auth
from genfire_server.context import AppContext
from genfire_server.settings import Settings

CREDITS_MILLI = 10_000_000 * 1000  # plenty: what runs hold is never short, nor released here

# --- a minimal keep-alive HTTP/1.1 client ------------------------------------------------


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, key: str):
        self.reader = reader
        self.writer = writer
        self.key = key

    @classmethod
    async def open(cls, port: int, key: str) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, key)

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        """One request; POSTs carry a fresh Idempotency-Key. Returns (status, body)."""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.key}\r\n"
        )
        if method == "POST":
            head += (
                f"Idempotency-Key: {uuid.uuid4().hex}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n"
            )
        self.writer.write(head.encode() + b"\r\n" + body)
        response_head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(response_head.split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in response_head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


# --- the app, in this process ------------------------------------------------------------


@dataclass
class App:
    port: int
    ctx: AppContext
    database: Path
    keys: dict[str, str]  # account label -> full-access API key
    account_ids: dict[str, str]  # account label -> account id

    @contextlib.asynccontextmanager
    async def connection(self, account: str) -> AsyncIterator[Connection]:
        conn = await Connection.open(self.port, self.keys[account])
        try:
            yield conn
        finally:
            conn.close()


@contextlib.asynccontextmanager
async def serve(data_dir: Path, accounts: Iterable[str], **settings: Any) -> AsyncIterator[App]:
    """Migrate a fresh SQLite database in `data_dir`, create an account for each label of
    `accounts` with plenty of credits and a full-access key, and serve the real app on a
    local port: the test engine on, no access log, and `settings` (`worker_concurrency`,
    ...)."""
    port = free_port()
    resolved = Settings(
        data_dir=data_dir,
        public_url=f"http://127.0.0.1:{port}",
        access_log=False,
        enable_test_engine=True,
        **settings,
        _env_file=None,
    )
    await asyncio.to_thread(data_dir.mkdir, parents=True)
    await asyncio.to_thread(migrations.upgrade, resolved.resolved_database_url)
    ctx = AppContext.create(resolved)
    keys, account_ids = {}, {}
    async with ctx.db.write() as session:
        for label in accounts:
            account = await accounts_service.create_account(
                session,
                email=f"{label}@example.com",
                display_name=label,
                credits_milli=CREDITS_MILLI,
            )
            _api_key, keys[label] = await auth.create_api_key(session, account.id, ["*"], label)
            account_ids[label] = account.id
    config = uvicorn.Config(
        create_app(context=ctx),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        lifespan="on",  # starts and stops the workers (and the webhook sender)
    )
    server = uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:
        if task.done():
            raise SystemExit("the server did not start")
        await asyncio.sleep(0.01)
    try:
        yield App(port, ctx, data_dir / "genfire.db", keys, account_ids)
    finally:
        server.should_exit = True
        await task
        await ctx.db.dispose()


# --- runs --------------------------------------------------------------------------------


async def create_runs(app: App, account: str, body: bytes, count: int, clients: int) -> list[str]:
    """`count` runs of `account`, each its own `POST /v1/testing/runs` of `body`, from
    `clients` connections (each takes the next request); returns their ids."""
    todo = iter(range(count))  # shared: each connection takes the next request
    run_ids: list[str] = []

    async def client() -> None:
        async with app.connection(account) as conn:
            for _ in todo:
                status, payload = await conn.request("POST", "/v1/testing/runs", body)
                if status != 200:
                    raise SystemExit(f"POST /v1/testing/runs answered {status}: {payload[:300]!r}")
                run_ids.append(json.loads(payload)["id"])

    await asyncio.gather(*(client() for _ in range(clients)))
    return run_ids


async def until_no_run_active(
    database: sqlite3.Connection, *, since: float, within: float, poll: float
) -> None:
    """Poll the database every `poll` seconds until no run is queued or processing;
    SystemExit once `within` seconds have passed `since` (a `time.perf_counter()`)."""
    active = "SELECT count(*) FROM runs WHERE status IN ('queued', 'processing')"
    while database.execute(active).fetchone()[0]:
        if time.perf_counter() - since > within:
            raise SystemExit(f"runs still active after {within:g} s")
        await asyncio.sleep(poll)


def completed_runs(database: sqlite3.Connection, run_ids: Iterable[str]) -> list[tuple[str, str]]:
    """(created_at, completed_at) of each of `run_ids`, as the database has them;
    SystemExit unless every one completed."""
    wanted = set(run_ids)
    done = [
        (created_at, completed_at)
        for run_id, status, created_at, completed_at in database.execute(
            "SELECT id, status, created_at, completed_at FROM runs"
        )
        if run_id in wanted and status == "completed"
    ]
    if len(done) != len(wanted):
        raise SystemExit(f"{len(wanted) - len(done)} of {len(wanted)} runs did not complete")
    return done


# --- time --------------------------------------------------------------------------------


class Stopwatch:
    """The wall clock (`time.perf_counter`) and this process's CPU time (server, client
    and all threads: `time.process_time`) from when it was made."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.cpu_started = time.process_time()

    def read(self) -> tuple[float, float]:
        """(wall seconds, CPU seconds) so far."""
        return time.perf_counter() - self.started, time.process_time() - self.cpu_started


def cpu_use(cpu: float, wall: float, count: int, each: str, decimals: int = 1) -> str:
    """CPU time per `each` (`an item`, `a run`, ...) and as a share of one core: the app is
    one process, so near 100% means bound by Python on one core, lower that it waited."""
    return f"{cpu / count * 1000:.{decimals}f} ms CPU {each}, {cpu / wall:.0%} of a core"


# --- the process -------------------------------------------------------------------------


def load_average() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def prepare() -> None:
    """What a benchmark does before it starts: settings come from its arguments, not from
    the caller's environment; the app's errors show, its info lines don't; and the line
    that says what ran where."""
    for name in [name for name in os.environ if name.startswith("GENFIRE_")]:
        del os.environ[name]
    logging.basicConfig(level=logging.WARNING)
    cores = len(os.sched_getaffinity(0))
    print(f"python {sys.version.split()[0]}, {cores} cores, uvloop; load average {load_average()}")


def run_on_uvloop(main: Coroutine[Any, Any, None]) -> None:
    """Run `main` on a uvloop event loop."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)
