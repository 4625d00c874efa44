"""Batches: items per second of a batch, against the same runs created one by one.

Runs the real app in this process (uvicorn on a local port, SQLite in a fresh temporary
data directory, the test engine enabled) and drives it over HTTP with a minimal
keep-alive client on raw asyncio streams:

1. a `--items` operation batch (`testing.runs.create`, instant runs) at concurrency 50,
   with 50 workers: items/s from the batch's `created_at` to its `completed_at`, and by
   the wall clock from sending `POST /v1/batches` to seeing it terminal (polling
   `GET /v1/batches/{id}`); and how long that POST took (validating, pricing and holding
   credits for every item, inserting the batch and its items, starting the first runs);
2. the baseline, in the same process: the same `--items` instant runs created one by one
   with `POST /v1/testing/runs` from 50 connections, runs/s from the first request to the
   last run completed; batch and baseline alternate, `--repeat` times each;
3. a `--workflow-items` `hook_pack` workflow batch at concurrency 50, 50 workers, `--repeat`
   times: items/s;
4. what creating a batch costs: `POST /v1/batches` with `--items`
   `images.generations.create` items against as many test-engine items, on a second app
   with no workers (nothing executes), and the targets' validation and pricing alone
   (each item built in this process, without HTTP or the database); `--posts` of each,
   alternating. CPython's full (generation 2) garbage collections, which land in some of
   these POSTs and not others, are timed (`gc.callbacks`) and reported apart.

Each line also gives the process's CPU time (server and client, all threads) per item
and as a share of one core: the app is one process, so a share near 100% means the run
was bound by Python on one core, and a lower one that it waited (or the machine was busy).

    .venv/bin/python bench/batches.py [--items 1000] [--workflow-items 200] [--repeat 3]
        [--posts 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_overhead import free_port
from genfire_server import migrations
from genfire_server.accounts import service as accounts
from genfire_server.app import create_app
from genfire_server.auth import service as auth
from genfire_server.batches import targets
from genfire_server.context import AppContext
from genfire_server.generation.images import ENDPOINT as IMAGES
from genfire_server.settings import Settings
from genfire_server.testing.endpoints import ENDPOINT as TESTING

CONCURRENCY = 50  # the batch's concurrency, the workers and the baseline's connections
CREDITS_MILLI = 10_000_000 * 1000  # plenty: image items are held and never released here
TEST_ITEM: dict[str, Any] = {"mode": "instant", "credits": 0.01}
IMAGE_ITEM: dict[str, Any] = {
    "prompt": "Studio product photo of a matte black water bottle on dark stone",
    "model": "image.nano_banana_2",
}
HOOK_PACK_ITEM: dict[str, Any] = {"prompt": "Portable blender for busy professionals"}
TERMINAL = ("completed", "failed", "partial")
POLL_SECONDS = 0.02
TIMEOUT_SECONDS = 120.0


class FullCollections:
    """Time this process spends in CPython's full (generation 2) garbage collections."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


FULL_GC = FullCollections()


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
    key: str
    account_id: str
    ctx: AppContext
    database: Path

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        conn = await Connection.open(self.port, self.key)
        try:
            yield conn
        finally:
            conn.close()


@contextlib.asynccontextmanager
async def serve(data_dir: Path, *, workers: int) -> AsyncIterator[App]:
    """Migrate a fresh SQLite database, create an account with plenty of credits and a
    full-access key, and serve the real app on a local port with `workers` run workers."""
    port = free_port()
    settings = Settings(
        data_dir=data_dir,
        public_url=f"http://127.0.0.1:{port}",
        access_log=False,
        enable_test_engine=True,
        worker_concurrency=workers,
        _env_file=None,
    )
    await asyncio.to_thread(data_dir.mkdir, parents=True)
    await asyncio.to_thread(migrations.upgrade, settings.resolved_database_url)
    ctx = AppContext.create(settings)
    async with ctx.db.write() as session:
        account = await accounts.create_account(
            session, email="bench@example.com", display_name="Bench", credits_milli=CREDITS_MILLI
        )
        _api_key, plaintext = await auth.create_api_key(session, account.id, ["*"], "bench")
    config = uvicorn.Config(
        create_app(context=ctx),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        lifespan="on",  # starts and stops the workers
    )
    server = uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:
        if task.done():
            raise SystemExit("the server did not start")
        await asyncio.sleep(0.01)
    try:
        yield App(port, plaintext, account.id, ctx, data_dir / "genfire.db")
    finally:
        server.should_exit = True
        await task
        await ctx.db.dispose()


# --- measures ----------------------------------------------------------------------------


@dataclass
class Timing:
    count: int
    span: float  # seconds, from the database's timestamps: created -> last completed
    wall: float  # seconds, by this client's clock: first request sent -> all seen done
    cpu: float  # CPU seconds of this process (server and client) over `wall`
    post: float = 0.0  # seconds the POST /v1/batches took (batches only)
    post_gc: float = 0.0  # seconds of that spent in full garbage collections

    @property
    def span_rate(self) -> float:
        return self.count / self.span

    @property
    def wall_rate(self) -> float:
        return self.count / self.wall


def _seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def batch_body(mode: str, target: str, item: dict[str, Any], count: int) -> bytes:
    items = [{"input": item} for _ in range(count)]
    body = {"mode": mode, "target": target, "concurrency": CONCURRENCY, "items": items}
    return json.dumps(body).encode()


@dataclass
class Post:
    latency: float  # seconds
    full_gc: float  # seconds of it spent in full garbage collections (this process's)


async def create_batch(conn: Connection, body: bytes) -> tuple[dict[str, Any], Post]:
    """POST /v1/batches; returns the created batch and the request's latency."""
    started, collecting = time.perf_counter(), FULL_GC.seconds
    status, payload = await conn.request("POST", "/v1/batches", body)
    post = Post(time.perf_counter() - started, FULL_GC.seconds - collecting)
    if status not in (200, 201):
        raise SystemExit(f"POST /v1/batches answered {status}: {payload[:300]!r}")
    return json.loads(payload), post


async def run_batch(app: App, mode: str, target: str, item: dict[str, Any], count: int) -> Timing:
    """Create a batch and poll it until it is terminal; every item must complete."""
    body = batch_body(mode, target, item, count)
    async with app.connection() as conn:
        started, cpu = time.perf_counter(), time.process_time()
        created, post = await create_batch(conn, body)
        path = f"/v1/batches/{created['id']}"
        while True:
            status, payload = await conn.request("GET", path)
            batch = json.loads(payload)
            if status != 200 or batch["status"] in TERMINAL:
                break
            if time.perf_counter() - started > TIMEOUT_SECONDS:
                raise SystemExit(f"batch still {batch['status']} after {TIMEOUT_SECONDS:g} s")
            await asyncio.sleep(POLL_SECONDS)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if batch.get("status") != "completed" or batch["completed_items"] != count:
        raise SystemExit(f"the batch did not complete every item: {payload[:500]!r}")
    span = _seconds(batch["created_at"], batch["completed_at"])
    return Timing(count, span, wall, cpu, post.latency, post.full_gc)


async def run_individually(app: App, count: int) -> Timing:
    """`count` instant runs, each its own POST /v1/testing/runs, from CONCURRENCY
    connections; waits until all completed (read from the database)."""
    body = json.dumps(TEST_ITEM).encode()
    todo = iter(range(count))  # shared: each connection takes the next request
    run_ids: list[str] = []

    async def client() -> None:
        async with app.connection() as conn:
            for _ in todo:
                status, payload = await conn.request("POST", "/v1/testing/runs", body)
                if status != 200:
                    raise SystemExit(f"POST /v1/testing/runs answered {status}: {payload[:300]!r}")
                run_ids.append(json.loads(payload)["id"])

    database = sqlite3.connect(app.database)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
        active = "SELECT count(*) FROM runs WHERE status IN ('queued', 'processing')"
        while database.execute(active).fetchone()[0]:
            if time.perf_counter() - started > TIMEOUT_SECONDS:
                raise SystemExit(f"runs still active after {TIMEOUT_SECONDS:g} s")
            await asyncio.sleep(POLL_SECONDS)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        wanted = set(run_ids)
        rows = [
            row
            for row in database.execute("SELECT id, status, created_at, completed_at FROM runs")
            if row[0] in wanted
        ]
    finally:
        database.close()
    completed = [row for row in rows if row[1] == "completed"]
    if len(completed) != count:
        raise SystemExit(f"{count - len(completed)} of {count} runs did not complete")
    first = min(created for _id, _status, created, _done in completed)
    last = max(done for _id, _status, _created, done in completed)
    return Timing(count, _seconds(first, last), wall, cpu)


async def post_latency(app: App, target: str, item: dict[str, Any], count: int) -> Post:
    async with app.connection() as conn:
        _created, post = await create_batch(conn, batch_body("operation", target, item, count))
    return post


async def build_time(app: App, target_key: str, item: dict[str, Any], count: int) -> float:
    """Seconds the target takes to validate and price `count` items, in this process."""
    target = targets.resolve(app.ctx, "operation", target_key)
    started = time.perf_counter()
    for _ in range(count):
        await target.build(app.ctx, app.account_id, dict(item))
    return time.perf_counter() - started


# --- reporting ---------------------------------------------------------------------------


def _median(values: Iterable[float]) -> float:
    return statistics.median(values)


def report_rates(label: str, unit: str, timings: list[Timing]) -> tuple[float, float]:
    """Print each repetition and the medians; returns (median span rate, median wall rate)."""
    for number, timing in enumerate(timings, 1):
        post = ""
        if timing.post:
            post = f", POST {timing.post * 1000:.0f} ms"
            if timing.post_gc:
                post += f" ({timing.post_gc * 1000:.0f} ms of it a full GC)"
        print(
            f"  {label} #{number}: {timing.span_rate:.1f} {unit} (database, {timing.span:.2f} s), "
            f"{timing.wall_rate:.1f} {unit} (wall clock, {timing.wall:.2f} s){post}; "
            f"{timing.cpu / timing.count * 1000:.1f} ms CPU an item, "
            f"{timing.cpu / timing.wall:.0%} of a core"
        )
    span_rate = _median(t.span_rate for t in timings)
    wall_rate = _median(t.wall_rate for t in timings)
    print(f"  {label}, median: {span_rate:.1f} {unit} (database), {wall_rate:.1f} {unit} (wall)")
    return span_rate, wall_rate


async def throughput(tmp: Path, items: int, workflow_items: int, repeat: int) -> None:
    async with serve(tmp / "workers", workers=CONCURRENCY) as app:
        # Warm-up: imports, connection pools, the engines' first calls.
        await run_batch(app, "operation", TESTING, TEST_ITEM, CONCURRENCY)
        await run_batch(app, "workflow", "hook_pack", HOOK_PACK_ITEM, CONCURRENCY)
        await run_individually(app, CONCURRENCY)

        batches: list[Timing] = []
        singles: list[Timing] = []
        for _ in range(repeat):  # alternating, so machine noise hits both alike
            batches.append(await run_batch(app, "operation", TESTING, TEST_ITEM, items))
            singles.append(await run_individually(app, items))
        workflows = [
            await run_batch(app, "workflow", "hook_pack", HOOK_PACK_ITEM, workflow_items)
            for _ in range(repeat)
        ]

    print(
        f"{items} instant test-engine items, batch concurrency {CONCURRENCY}, {CONCURRENCY} workers"
    )
    batch_span, batch_wall = report_rates("batch", "items/s", batches)
    post = _median(t.post for t in batches)
    print(f"  POST /v1/batches ({items} items), median: {post * 1000:.0f} ms")
    print(f"the same {items} runs, one POST /v1/testing/runs each, {CONCURRENCY} connections")
    single_span, single_wall = report_rates("individual", "runs/s", singles)
    print(
        f"ratio batch items/s / individual runs/s: {batch_span / single_span:.2f} (database), "
        f"{batch_wall / single_wall:.2f} (wall)"
    )
    print(f"{workflow_items}-item hook_pack workflow batch, concurrency {CONCURRENCY}")
    report_rates("hook_pack batch", "items/s", workflows)


async def creation_cost(tmp: Path, items: int, posts: int) -> None:
    cases = ((IMAGES, IMAGE_ITEM), (TESTING, TEST_ITEM))
    async with serve(tmp / "no-workers", workers=0) as app:
        for target, item in cases:  # warm-up
            await post_latency(app, target, item, CONCURRENCY)
        results: dict[str, list[Post]] = {target: [] for target, _item in cases}
        builds: dict[str, list[float]] = {target: [] for target, _item in cases}
        for _ in range(posts):  # alternating, so machine noise hits both alike
            for target, item in cases:
                results[target].append(await post_latency(app, target, item, items))
                builds[target].append(await build_time(app, target, item, items))

    print(f"creating a {items}-item batch, no workers (nothing executes), {posts} POSTs each")
    without_gc: dict[str, float] = {}
    for target, _item in cases:
        latencies = [post.latency for post in results[target]]
        collected = [post.full_gc for post in results[target] if post.full_gc]
        without_gc[target] = _median(post.latency - post.full_gc for post in results[target])
        build = _median(builds[target])
        print(
            f"  {target}: POST /v1/batches median {_median(latencies) * 1000:.0f} ms "
            f"(min {min(latencies) * 1000:.0f}, max {max(latencies) * 1000:.0f}), "
            f"{len(collected)} of {posts} with a full GC "
            f"(median {_median(collected or [0]) * 1000:.0f} ms)\n"
            f"    without the full GCs {without_gc[target] * 1000:.0f} ms "
            f"({without_gc[target] / items * 1e6:.0f} us an item); validation and pricing "
            f"alone {build * 1000:.1f} ms ({build / items * 1e6:.1f} us an item)"
        )
    ratio = without_gc[IMAGES] / without_gc[TESTING]
    print(f"  ratio images / testing, without full GCs: {ratio:.2f}")


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await throughput(Path(tmp), args.items, args.workflow_items, args.repeat)
        await creation_cost(Path(tmp), args.items, args.posts)
    # Other work on the machine shows here (and as less than a core used above).
    print("load average at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--workflow-items", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--posts", type=int, default=5, help="POSTs of each kind in step 4.")
    arguments = parser.parse_args()
    # Settings come from the arguments above, not from the caller's environment.
    for name in [name for name in os.environ if name.startswith("GENFIRE_")]:
        del os.environ[name]
    gc.callbacks.append(FULL_GC)
    logging.basicConfig(level=logging.WARNING)  # errors of the app show; its info lines don't
    cores = len(os.sched_getaffinity(0))
    load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    print(f"python {sys.version.split()[0]}, {cores} cores, uvloop; load average {load}")
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main(arguments))
