"""Driving a run-creating endpoint over one keep-alive connection, as a client would."""

from __future__ import annotations

import asyncio
import time
import uuid


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
