"""API overhead: authenticated `GET /v1/account/credits` against `GET /healthz`.

Starts the server the way `make run` does (migrate, ensure the dev account, serve) in a
fresh data directory, then drives both routes on that one server with the same client,
the same number of keep-alive connections and the same duration, alternating rounds so
machine noise hits both alike. Prints requests/s, p50 and p99 for each and their ratio.

    .venv/bin/python bench/api_overhead.py [--connections 16] [--seconds 5] [--rounds 3]

The load generator is a minimal HTTP/1.1 keep-alive client on raw asyncio streams, so
the client spends as little of the shared CPU as possible.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = str(ROOT / ".venv" / "bin" / "genfire-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _connection(
    port: int,
    request: bytes,
    deadline: float,
    latencies: list[float],
    errors: list[int],
) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    done = 0
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors[0] += 1
            done += 1
    finally:
        writer.close()
    return done


async def drive(
    port: int, path: str, headers: dict[str, str], connections: int, seconds: float
) -> Result:
    lines = [
        f"GET {path} HTTP/1.1",
        "Host: 127.0.0.1",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    latencies: list[float] = []
    errors = [0]
    started = time.perf_counter()
    deadline = started + seconds
    counts = await asyncio.gather(
        *(_connection(port, request, deadline, latencies, errors) for _ in range(connections))
    )
    return Result(sum(counts), time.perf_counter() - started, latencies, errors[0])


Targets = dict[str, tuple[str, dict[str, str]]]  # name -> (path, headers)


async def compare(
    port: int, targets: Targets, connections: int, seconds: float, rounds: int
) -> dict[str, dict[str, float]]:
    """Drive each target with the same client and connections, alternating rounds after a
    warm-up, so machine noise hits all alike. Median req/s, merged p50/p99 per target."""
    for path, headers in targets.values():  # warm-up: imports, pools, caches
        await drive(port, path, headers, connections, 1.0)
    results: dict[str, list[Result]] = {name: [] for name in targets}
    for _ in range(rounds):
        for name, (path, headers) in targets.items():
            results[name].append(await drive(port, path, headers, connections, seconds))
    summary: dict[str, dict[str, float]] = {}
    for name, runs in results.items():
        merged = Result(
            sum(r.requests for r in runs),
            sum(r.seconds for r in runs),
            [x for r in runs for x in r.latencies],
            sum(r.errors for r in runs),
        )
        if merged.errors:
            raise SystemExit(f"{name}: {merged.errors} non-200 responses")
        summary[name] = {
            "rps": round(statistics.median(r.rps for r in runs), 1),
            "p50_ms": round(merged.percentile(0.50), 2),
            "p99_ms": round(merged.percentile(0.99), 2),
            "requests": merged.requests,
        }
    return summary


def print_comparison(
    summary: dict[str, dict[str, float]], labels: dict[str, str], baseline: str, subject: str
) -> float:
    """The table and the subject/baseline throughput ratio (returned)."""
    print(f"{'route':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, label in labels.items():
        row = summary[name]
        print(f"{label:<28}{row['rps']:>10.1f}{row['p50_ms']:>10.2f}{row['p99_ms']:>10.2f}")
    ratio = summary[subject]["rps"] / summary[baseline]["rps"]
    print(f"throughput ratio {subject}/{baseline}: {ratio:.2f} (target >= 0.60)")
    return ratio


def start_server(
    data_dir: Path, port: int, access_log: bool, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENFIRE_")}
    env.update(GENFIRE_DATA_DIR=str(data_dir), GENFIRE_PUBLIC_URL=f"http://127.0.0.1:{port}")
    env.update(extra_env or {})
    if not access_log:
        env["GENFIRE_ACCESS_LOG"] = "false"
    subprocess.run([CLI, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([CLI, "admin", "ensure-dev-account"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("server did not start")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="Keep the per-request JSON access line on, as `make run` does (to /dev/null).",
    )
    parser.add_argument("--json", action="store_true", help="Print the summary as JSON too.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "var"
        port = free_port()
        server = start_server(data_dir, port, args.access_log)
        try:
            key = (data_dir / "dev-api-key").read_text().strip()
            targets: Targets = {
                "healthz": ("/healthz", {}),
                "credits": ("/v1/account/credits", {"Authorization": f"Bearer {key}"}),
            }
            summary = await compare(port, targets, args.connections, args.seconds, args.rounds)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=15)

    log_state = "on" if args.access_log else "off"
    print(
        f"{args.connections} connections, {args.rounds} rounds x {args.seconds:g} s per route, "
        f"access log {log_state}, python {sys.version.split()[0]}"
    )
    labels = {"healthz": "GET /healthz", "credits": "GET /v1/account/credits"}
    ratio = print_comparison(summary, labels, "healthz", "credits")
    if args.json:
        print(json.dumps({**summary, "ratio": round(ratio, 3)}))


if __name__ == "__main__":
    asyncio.run(main())
