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
import gc
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from genfire_server.batches import targets
from genfire_server.generation.images import ENDPOINT as IMAGES
from genfire_server.testing.endpoints import ENDPOINT as TESTING

CONCURRENCY = 50  # the batch's concurrency, the workers and the baseline's connections
ACCOUNT = "bench"
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


async def create_batch(conn: harness.Connection, body: bytes) -> tuple[dict[str, Any], Post]:
    """POST /v1/batches; returns the created batch and the request's latency."""
    started, collecting = time.perf_counter(), FULL_GC.seconds
    status, payload = await conn.request("POST", "/v1/batches", body)
    post = Post(time.perf_counter() - started, FULL_GC.seconds - collecting)
    if status not in (200, 201):
        raise SystemExit(f"POST /v1/batches answered {status}: {payload[:300]!r}")
    return json.loads(payload), post


async def run_batch(
    app: harness.App, mode: str, target: str, item: dict[str, Any], count: int
) -> Timing:
    """Create a batch and poll it until it is terminal; every item must complete."""
    body = batch_body(mode, target, item, count)
    async with app.connection(ACCOUNT) as conn:
        watch = harness.Stopwatch()
        created, post = await create_batch(conn, body)
        path = f"/v1/batches/{created['id']}"
        while True:
            status, payload = await conn.request("GET", path)
            batch = json.loads(payload)
            if status != 200 or batch["status"] in TERMINAL:
                break
            if time.perf_counter() - watch.started > TIMEOUT_SECONDS:
                raise SystemExit(f"batch still {batch['status']} after {TIMEOUT_SECONDS:g} s")
            await asyncio.sleep(POLL_SECONDS)
        wall, cpu = watch.read()
    if batch.get("status") != "completed" or batch["completed_items"] != count:
        raise SystemExit(f"the batch did not complete every item: {payload[:500]!r}")
    span = _seconds(batch["created_at"], batch["completed_at"])
    return Timing(count, span, wall, cpu, post.latency, post.full_gc)


async def run_individually(app: harness.App, count: int) -> Timing:
    """`count` instant runs, each its own POST /v1/testing/runs, from CONCURRENCY
    connections; waits until all completed (read from the database)."""
    body = json.dumps(TEST_ITEM).encode()
    database = sqlite3.connect(app.database)
    try:
        watch = harness.Stopwatch()
        run_ids = await harness.create_runs(app, ACCOUNT, body, count, CONCURRENCY)
        await harness.until_no_run_active(
            database, since=watch.started, within=TIMEOUT_SECONDS, poll=POLL_SECONDS
        )
        wall, cpu = watch.read()
        completed = harness.completed_runs(database, run_ids)
    finally:
        database.close()
    first = min(created for created, _done in completed)
    last = max(done for _created, done in completed)
    return Timing(count, _seconds(first, last), wall, cpu)


async def post_latency(app: harness.App, target: str, item: dict[str, Any], count: int) -> Post:
    async with app.connection(ACCOUNT) as conn:
        _created, post = await create_batch(conn, batch_body("operation", target, item, count))
    return post


async def build_time(app: harness.App, target_key: str, item: dict[str, Any], count: int) -> float:
    """Seconds the target takes to validate and price `count` items, in this process."""
    target = targets.resolve(app.ctx, "operation", target_key)
    started = time.perf_counter()
    for _ in range(count):
        await target.build(app.ctx, app.account_ids[ACCOUNT], dict(item))
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
            f"{harness.cpu_use(timing.cpu, timing.wall, timing.count, 'an item')}"
        )
    span_rate = _median(t.span_rate for t in timings)
    wall_rate = _median(t.wall_rate for t in timings)
    print(f"  {label}, median: {span_rate:.1f} {unit} (database), {wall_rate:.1f} {unit} (wall)")
    return span_rate, wall_rate


async def throughput(tmp: Path, items: int, workflow_items: int, repeat: int) -> None:
    async with harness.serve(tmp / "workers", [ACCOUNT], worker_concurrency=CONCURRENCY) as app:
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
    async with harness.serve(tmp / "no-workers", [ACCOUNT], worker_concurrency=0) as app:
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
    print(f"load average at the end: {harness.load_average()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--workflow-items", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--posts", type=int, default=5, help="POSTs of each kind in step 4.")
    arguments = parser.parse_args()
    harness.prepare()
    gc.callbacks.append(FULL_GC)
    harness.run_on_uvloop(main(arguments))
