"""Webhooks: deliveries per second, latency from a run's completion to its receipt, and
what webhooks cost the run path.

Runs the real app in this process (uvicorn on a local port, SQLite in a fresh temporary
data directory, the test engine on, `--workers` run workers) and a webhook receiver on
127.0.0.2 (allow-listed with `fetch_allow_hosts`, as an operator would an internal
receiver), also in this process: HTTP/1.1 keep-alive, it answers every POST 200 at once
and notes the wall clock when each request has arrived. Runs are instant test-engine
runs, created with `POST /v1/testing/runs` over a minimal keep-alive client on raw asyncio
streams. Three accounts: `plain` (no endpoint), `hooked` (one endpoint) and `fan` (
`--fan-out` endpoints), all subscribed to `run.completed`.

1. burst, `--repeat` times, alternating: `--runs` runs from `--connections` connections
   for `hooked` (runs/s from the first request to the last run completed, deliveries/s to
   the last delivery received, and completion -> receipt latency of every delivery); the
   same for `plain` (the baseline: webhooks' listener runs but finds no endpoint); and for
   `plain` with the webhooks listener taken off the executor (what the listener costs a
   run whose account has no endpoint);
2. the sender alone, `--repeat` times: with the sender stopped, `--drain-runs` runs of
   `fan` leave `--drain-runs` x `--fan-out` pending deliveries; then the sender starts
   and the time to the last one received is measured;
3. latency at a steady rate, `--repeat` times: `--steady-runs` runs of `hooked` created
   at `--rate` a second from one connection (open loop), completion -> receipt p50/p99.

Latency is the receiver's `time.time()` when a request has arrived minus the run's
`completed_at` (the payload's `data.completed_at`, which the server truncates to the
millisecond, so latencies read up to 1 ms long). `completed_at` is taken before the
completing transaction writes the delivery and commits; that is part of the latency.
Every line gives the process's CPU time per run (server, client and receiver share the
process and one event loop) and its share of one core. For the `hooked` burst that CPU
time runs until the last delivery arrived, so it includes sending; the ratio of CPU per
run is what webhooks cost the process, while the ratio of runs/s only shows how much of
that work the sender managed to do before the last run completed.

    .venv/bin/python bench/webhooks.py [--runs 200] [--repeat 3] [--workers 50]
        [--connections 50] [--fan-out 10] [--drain-runs 10] [--steady-runs 150] [--rate 25]
        [--webhook-concurrency 16] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from genfire_server.context import AppContext

RECEIVER_HOST = "127.0.0.2"
ACCOUNTS = ("plain", "hooked", "fan")
RUN_BODY = json.dumps({"mode": "instant", "credits": 0.01}).encode()
POLL_SECONDS = 0.01


def wait_seconds(count: int) -> float:
    """How long to wait for `count` runs or deliveries before giving up with an error: at
    least 5 a second, which the slowest measure here is well above."""
    return 30.0 + count / 5


# --- the receiver ------------------------------------------------------------------------


@dataclass
class Arrival:
    at: float  # time.time() once the whole request was read
    path: str
    body: bytes


@dataclass
class Receiver:
    """A keep-alive HTTP/1.1 server on 127.0.0.2 answering every request 200 `ok`."""

    port: int = 0
    arrivals: list[Arrival] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    handlers: set[asyncio.Task[None]] = field(default_factory=set)
    writers: set[asyncio.StreamWriter] = field(default_factory=set)
    connections: int = 0

    def url(self, path: str) -> str:
        return f"http://{RECEIVER_HOST}:{self.port}{path}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.handlers.add(task)
        self.writers.add(writer)
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                path = lines[0].split(b" ", 2)[1].decode("latin-1")
                length, close = 0, False
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"connection" and value.strip().lower() == b"close":
                        close = True
                body = await reader.readexactly(length)
                self.arrivals.append(Arrival(time.time(), path, body))
                self.arrived.set()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
                )
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed the connection
        finally:
            writer.close()
            self.writers.discard(writer)
            if task is not None:
                self.handlers.discard(task)

    async def wait_for(self, count: int) -> None:
        """Until `count` requests have arrived in all; SystemExit if that takes longer than
        `wait_seconds(count)` (so the benchmark always stops)."""
        within = wait_seconds(count - len(self.arrivals))
        deadline = time.monotonic() + within
        while len(self.arrivals) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SystemExit(
                    f"the receiver got {len(self.arrivals)} of {count} requests in {within:g} s"
                )
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), remaining)


@contextlib.asynccontextmanager
async def receiving() -> AsyncIterator[Receiver]:
    served = Receiver()
    server = await asyncio.start_server(served.handle, RECEIVER_HOST, 0)
    served.port = server.sockets[0].getsockname()[1]
    try:
        yield served
    finally:
        server.close()
        for writer in list(served.writers):  # idle keep-alive connections end their handlers
            writer.close()
        answering = list(served.handlers)
        if answering:
            _done, still = await asyncio.wait(answering, timeout=5)
            for task in still:
                task.cancel()
            await asyncio.gather(*still, return_exceptions=True)
        await server.wait_closed()


async def create_endpoint(app: harness.App, account: str, url: str) -> None:
    body = json.dumps({"url": url, "events": ["run.completed"]}).encode()
    async with app.connection(account) as conn:
        status, payload = await conn.request("POST", "/v1/webhooks", body)
    if status != 200:
        raise SystemExit(f"POST /v1/webhooks answered {status}: {payload[:300]!r}")


# --- measures ----------------------------------------------------------------------------


def _timestamp(value: str) -> float:
    """Seconds since the epoch of an ISO timestamp (the API's `...Z` or the database's)."""
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


@dataclass
class Delivered:
    """What arrived for one set of runs, by run: completion -> receipt, and the event's
    `created_at` (written in the completing transaction) -> receipt."""

    latencies: list[float]
    after_event: list[float]
    last_at: float


def delivered(arrivals: list[Arrival], run_ids: set[str]) -> Delivered:
    latencies, after_event, last_at, seen = [], [], 0.0, set()
    for arrival in arrivals:
        event = json.loads(arrival.body)
        run = event["data"]
        if run["id"] not in run_ids or run["status"] != "completed":
            raise SystemExit(f"an unexpected delivery arrived: {arrival.body[:300]!r}")
        seen.add(run["id"])
        latencies.append(arrival.at - _timestamp(run["completed_at"]))
        after_event.append(arrival.at - _timestamp(event["created_at"]))
        last_at = max(last_at, arrival.at)
    if len(seen) != len(arrivals):
        raise SystemExit(f"{len(arrivals) - len(seen)} deliveries arrived twice")
    return Delivered(latencies, after_event, last_at)


async def wait_runs(app: harness.App, run_ids: list[str]) -> float:
    """Wait until every run is completed; returns the last `completed_at` (epoch seconds)."""
    since, within = time.perf_counter(), wait_seconds(len(set(run_ids)))
    database = sqlite3.connect(app.database)
    try:
        await harness.until_no_run_active(database, since=since, within=within, poll=POLL_SECONDS)
        done = harness.completed_runs(database, run_ids)
    finally:
        database.close()
    return max(_timestamp(completed_at) for _created_at, completed_at in done)


async def instant_runs(app: harness.App, account: str, count: int, connections: int) -> list[str]:
    """`count` instant runs of `account`, each its own POST, from `connections` clients."""
    return await harness.create_runs(app, account, RUN_BODY, count, min(connections, count))


@dataclass
class Burst:
    runs: int
    run_seconds: float  # first request sent -> last run completed
    cpu: float  # CPU seconds of this process over `wall`
    wall: float  # first request sent -> everything (runs, deliveries) seen done
    delivery_seconds: float = 0.0  # first request sent -> last delivery received
    latencies: list[float] = field(default_factory=list)
    behind: int = 0  # deliveries not yet received when the last run completed

    @property
    def run_rate(self) -> float:
        return self.runs / self.run_seconds

    @property
    def delivery_rate(self) -> float:
        return self.runs / self.delivery_seconds

    def cpu_line(self) -> str:
        return harness.cpu_use(self.cpu, self.wall, self.runs, "a run")


async def burst(
    app: harness.App, rx: Receiver, account: str, count: int, connections: int
) -> Burst:
    """`count` runs of `account` as fast as `connections` clients create them; for the
    `hooked` account also until their deliveries arrived."""
    before = len(rx.arrivals)
    started, wall, cpu = time.time(), time.perf_counter(), time.process_time()
    run_ids = await instant_runs(app, account, count, connections)
    last_completed = await wait_runs(app, run_ids)
    hooked = account == "hooked"
    if hooked:
        await rx.wait_for(before + count)
    result = Burst(
        count, last_completed - started, time.process_time() - cpu, time.perf_counter() - wall
    )
    if hooked:
        got = delivered(rx.arrivals[before:], set(run_ids))
        result.delivery_seconds = got.last_at - started
        result.latencies = got.latencies
        result.behind = sum(1 for arrival in rx.arrivals[before:] if arrival.at > last_completed)
    elif len(rx.arrivals) != before:
        raise SystemExit(f"{account} runs got deliveries")
    return result


@contextlib.contextmanager
def without_webhook_listener(ctx: AppContext) -> Iterator[None]:
    """The executor without the webhooks listener: runs finish as before webhooks existed."""
    listeners = list(ctx.executor.listeners)
    ctx.executor.listeners[:] = [it for it in listeners if it is not ctx.webhook_events]
    try:
        yield
    finally:
        ctx.executor.listeners[:] = listeners


@dataclass
class Drain:
    deliveries: int
    seconds: float  # sender started -> last delivery received
    cpu: float

    @property
    def rate(self) -> float:
        return self.deliveries / self.seconds


def pending_deliveries(app: harness.App) -> int:
    database = sqlite3.connect(app.database)
    try:
        query = "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'"
        return int(database.execute(query).fetchone()[0])
    finally:
        database.close()


async def drain(app: harness.App, rx: Receiver, runs: int, fan_out: int, connections: int) -> Drain:
    """With the sender stopped, `runs` runs of `fan` leave runs x fan_out pending
    deliveries; start the sender and time it until the last one arrived."""
    sender = app.ctx.webhook_sender
    await sender.stop()
    before = len(rx.arrivals)
    run_ids = await instant_runs(app, "fan", runs, connections)
    await wait_runs(app, run_ids)
    count = runs * fan_out
    if (pending := pending_deliveries(app)) != count or len(rx.arrivals) != before:
        raise SystemExit(f"{pending} deliveries pending, {count} expected")
    started, cpu = time.time(), time.process_time()
    await sender.start()
    await rx.wait_for(before + count)
    cpu = time.process_time() - cpu
    last = max(arrival.at for arrival in rx.arrivals[before:])
    return Drain(count, last - started, cpu)


@dataclass
class Steady:
    runs: int
    rate: float  # runs/s asked for
    achieved: float  # runs/s created
    latencies: list[float]
    after_event: list[float]
    cpu: float
    wall: float


async def steady(app: harness.App, rx: Receiver, count: int, rate: float) -> Steady:
    """`count` runs of `hooked` created at `rate` a second (open loop: the i-th request
    is sent at i / rate, or at once if the previous one answered later)."""
    before = len(rx.arrivals)
    run_ids: list[str] = []
    async with app.connection("hooked") as conn:
        watch = harness.Stopwatch()
        started = watch.started
        for number in range(count):
            delay = started + number / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            status, payload = await conn.request("POST", "/v1/testing/runs", RUN_BODY)
            if status != 200:
                raise SystemExit(f"POST /v1/testing/runs answered {status}: {payload[:300]!r}")
            run_ids.append(json.loads(payload)["id"])
        achieved = count / (time.perf_counter() - started)
    await wait_runs(app, run_ids)
    await rx.wait_for(before + count)
    wall, cpu = watch.read()
    got = delivered(rx.arrivals[before:], set(run_ids))
    return Steady(count, rate, achieved, got.latencies, got.after_event, cpu, wall)


# --- reporting ---------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def latency_cells(latencies: list[float]) -> str:
    return f"{ms(percentile(latencies, 0.5))} | {ms(percentile(latencies, 0.99))}"


def median_of(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float], unit: str = "") -> str:
    shown = ", ".join(f"{value:.1f}" for value in values)
    return f"{median_of(values):.1f}{unit} ({shown})"


def report(
    args: argparse.Namespace,
    bursts: dict[str, list[Burst]],
    drains: list[Drain],
    steadies: list[Steady],
) -> None:
    hooked, plain, bare = bursts["hooked"], bursts["plain"], bursts["no listener"]
    print()
    for label, timings in bursts.items():
        for number, timing in enumerate(timings, 1):
            extra = ""
            if timing.latencies:
                extra = (
                    f", {timing.delivery_rate:.1f} deliveries/s "
                    f"({timing.delivery_seconds:.2f} s), latency p50 "
                    f"{ms(percentile(timing.latencies, 0.5))} ms, "
                    f"p99 {ms(percentile(timing.latencies, 0.99))} ms, "
                    f"{timing.behind} not received when the last run completed"
                )
            print(
                f"  burst {label} #{number}: {timing.run_rate:.1f} runs/s "
                f"({timing.run_seconds:.2f} s){extra}; {timing.cpu_line()}"
            )
    for number, drained in enumerate(drains, 1):
        print(
            f"  sender alone #{number}: {drained.deliveries} deliveries in "
            f"{drained.seconds:.2f} s, {drained.rate:.1f}/s; "
            f"{harness.cpu_use(drained.cpu, drained.seconds, drained.deliveries, 'a delivery', 2)}"
        )
    for number, run in enumerate(steadies, 1):
        print(
            f"  steady #{number}: {run.achieved:.1f} runs/s created, latency p50 "
            f"{ms(percentile(run.latencies, 0.5))} ms, p99 {ms(percentile(run.latencies, 0.99))}"
            f" ms (event created -> receipt p50 {ms(percentile(run.after_event, 0.5))} ms); "
            f"{harness.cpu_use(run.cpu, run.wall, run.runs, 'a run')}"
        )

    hooked_rate = median_of([t.run_rate for t in hooked])
    plain_rate = median_of([t.run_rate for t in plain])
    bare_rate = median_of([t.run_rate for t in bare])
    burst_latencies = [value for t in hooked for value in t.latencies]
    steady_latencies = [value for run in steadies for value in run.latencies]
    print()
    print(f"medians of {args.repeat}; latency percentiles over all repetitions' deliveries")
    print()
    print("| measure | result (each repetition) | p50 ms | p99 ms |")
    print("|---|---|---:|---:|")
    print(
        f"| burst, {args.runs} runs, 1 endpoint: deliveries/s (first run created -> last "
        f"delivery received) | {spread([t.delivery_rate for t in hooked])} | "
        f"{latency_cells(burst_latencies)} |"
    )
    print(
        f"| the same: runs/s (-> last run completed) | {spread([t.run_rate for t in hooked])} | | |"
    )
    behind = ", ".join(str(t.behind) for t in hooked)
    print(f"| the same: deliveries not yet received when the last run completed | {behind} | | |")
    print(f"| no endpoint (baseline): runs/s | {spread([t.run_rate for t in plain])} | | |")
    print(
        f"| no endpoint, webhooks listener off: runs/s | {spread([t.run_rate for t in bare])} | | |"
    )
    print(
        f"| sender alone: {drains[0].deliveries} pending deliveries ({args.drain_runs} runs x "
        f"{args.fan_out} endpoints), deliveries/s | {spread([d.rate for d in drains])} | | |"
    )
    print(
        f"| steady {args.rate:g} runs/s, {args.steady_runs} runs: completion -> receipt | "
        f"{spread([run.achieved for run in steadies], ' runs/s')} | "
        f"{latency_cells(steady_latencies)} |"
    )
    print(
        f"| **ratio runs/s with an endpoint / without** | **{hooked_rate / plain_rate:.2f}** | | |"
    )
    print(f"| ratio runs/s without an endpoint / listener off | {plain_rate / bare_rate:.2f} | | |")
    cpu = {label: median_of([t.cpu / t.runs for t in timings]) for label, timings in bursts.items()}
    print(
        f"| CPU a run, its delivery included: listener off / no endpoint / 1 endpoint (ms) | "
        f"{cpu['no listener'] * 1000:.1f} / {cpu['plain'] * 1000:.1f} / "
        f"{cpu['hooked'] * 1000:.1f} | | |"
    )
    print(
        f"| **ratio of CPU a run, no endpoint / 1 endpoint** (runs/s a core can carry) | "
        f"**{cpu['plain'] / cpu['hooked']:.2f}** | | |"
    )


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with (
            receiving() as rx,
            harness.serve(
                Path(tmp) / "var",
                ACCOUNTS,
                worker_concurrency=args.workers,
                webhook_concurrency=args.webhook_concurrency,
                fetch_allow_hosts=f"{RECEIVER_HOST}/32",
            ) as app,
        ):
            await create_endpoint(app, "hooked", rx.url("/hooked"))
            for number in range(args.fan_out):
                await create_endpoint(app, "fan", rx.url(f"/fan/{number}"))
            # Warm-up: imports, connection pools, the first calls of everything.
            await burst(app, rx, "plain", args.connections, args.connections)
            await burst(app, rx, "hooked", args.webhook_concurrency, args.connections)
            await drain(app, rx, 2, args.fan_out, args.connections)

            bursts: dict[str, list[Burst]] = {"hooked": [], "plain": [], "no listener": []}
            drains: list[Drain] = []
            steadies: list[Steady] = []
            for number in range(args.repeat):  # alternating, so machine noise hits all alike
                print(f"repetition {number + 1} of {args.repeat}", flush=True)
                runs, conns = args.runs, args.connections
                bursts["hooked"].append(await burst(app, rx, "hooked", runs, conns))
                bursts["plain"].append(await burst(app, rx, "plain", runs, conns))
                with without_webhook_listener(app.ctx):
                    bursts["no listener"].append(await burst(app, rx, "plain", runs, conns))
                drains.append(await drain(app, rx, args.drain_runs, args.fan_out, conns))
                steadies.append(await steady(app, rx, args.steady_runs, args.rate))
            connections = rx.connections
    print(f"the receiver saw {connections} connections for {len(rx.arrivals)} deliveries")
    report(args, bursts, drains, steadies)
    # Other work on the machine shows here (and as less than a core used above).
    print(f"\nload average at the end: {harness.load_average()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=200, help="Runs of each burst.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=50, help="worker_concurrency")
    parser.add_argument("--connections", type=int, default=50, help="Clients of a burst.")
    parser.add_argument("--fan-out", type=int, default=10, help="Endpoints of `fan` (<= 20).")
    parser.add_argument("--drain-runs", type=int, default=10)
    parser.add_argument("--steady-runs", type=int, default=150)
    parser.add_argument("--rate", type=float, default=25.0, help="Runs/s of the steady phase.")
    parser.add_argument("--webhook-concurrency", type=int, default=16)
    parser.add_argument("--profile", help="Write cProfile statistics of the whole run here.")
    arguments = parser.parse_args()
    harness.prepare()
    profiler = cProfile.Profile() if arguments.profile else None
    if profiler is not None:
        profiler.enable()
    try:
        harness.run_on_uvloop(main(arguments))
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(arguments.profile)
