"""Workflows: the local writer's documents per second, and workflow runs through the API.

1. `write()` of each workflow's reference example, in this process (median of `--repeat`
   batches of 50 documents);
2. `POST /v1/workflows/hook_pack/runs` (synchronous: the answer is the completed run) on
   a server started like `make run`: `--connections` clients for `--seconds`; runs/s and
   p50/p99 latency.

    .venv/bin/python bench/workflows.py [--repeat 5] [--connections 4] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))  # the examples

from genfire_server.workflows.writer import local
from run_loops import drive_api, summary
from tests.workflows.examples import EXAMPLES


def writer_rates(repeat: int) -> None:
    for key, inputs in EXAMPLES.items():
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            for _ in range(50):
                local.write(key, inputs)
            samples.append((time.perf_counter() - started) / 50)
        median = statistics.median(samples)
        print(f"local writer, {key:<20} {median * 1000:.2f} ms ({1 / median:.0f} documents/s)")


async def api_throughput(connections: int, seconds: float) -> None:
    body = json.dumps(EXAMPLES["hook_pack"]).encode()
    latencies, elapsed = await drive_api(
        "/v1/workflows/hook_pack/runs", body, connections=connections, seconds=seconds, warm_up=2
    )
    label = f"hook_pack runs through the API ({connections} connections)"
    print(summary(label, latencies, elapsed))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {len(os.sched_getaffinity(0))} cores")
    writer_rates(args.repeat)
    asyncio.run(api_throughput(args.connections, args.seconds))


if __name__ == "__main__":
    main()
