"""Driving a run-creating endpoint over one keep-alive connection, as a client would."""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from pathlib import Path

from api_overhead import free_port, start_server


async def post_runs(
    port: int, key: str, path: str, body: bytes, deadline: float, latencies: list[float]
) -> None:
    """POST `body` to `path` until `deadline`, each with a fresh Idempotency-Key; record
    the latency of every completed run. Anything but a completed run stops the benchmark."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < deadline:
            head = (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {key}\r\nIdempotency-Key: {uuid.uuid4().hex}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            started = time.perf_counter()
            writer.write(head.encode() + body)
            response_head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in response_head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            payload = await reader.readexactly(length)
            if b'"status":"completed"' not in payload:
                raise SystemExit(f"a run of {path} did not complete: {payload[:200]!r}")
            latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


def summary(label: str, latencies: list[float], elapsed: float) -> str:
    ordered = sorted(latencies)
    return (
        f"{label}: {len(ordered) / elapsed:.1f} runs/s, "
        f"p50 {ordered[len(ordered) // 2] * 1000:.0f} ms, "
        f"p99 {ordered[int(0.99 * (len(ordered) - 1))] * 1000:.0f} ms"
    )


async def drive_api(
    path: str, body: bytes, *, connections: int, seconds: float, warm_up: float
) -> tuple[list[float], float]:
    """Start a server like `make run`, warm it up, then run `connections` clients against
    `path` for `seconds`; returns (latencies, elapsed seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "var"
        port = free_port()
        server = start_server(data_dir, port, access_log=False)
        try:
            key = (data_dir / "dev-api-key").read_text().strip()
            await post_runs(port, key, path, body, time.perf_counter() + warm_up, [])
            latencies: list[float] = []
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    post_runs(port, key, path, body, started + seconds, latencies)
                    for _ in range(connections)
                )
            )
            return latencies, time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
