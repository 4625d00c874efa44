"""SIGKILL the real server while webhook deliveries wait for their retry: after a restart
every one goes out when due, with the same event id and the same signed body, and none
is lost or sent an extra time."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import Caller
from tests.e2e.server import free_port, server_env, start, stop
from tests.webhooks.helpers import genfire_signature_ok
from tests.webhooks.receiver import Answer, receiver

RUNS = 5


async def _deliveries(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await http.get("/webhooks/deliveries", params={"limit": 100})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


async def _until(http: httpx.AsyncClient, done: Any, within_seconds: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + within_seconds
    while True:
        found = await _deliveries(http)
        if done(found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"deliveries never got there: {found}")
        await asyncio.sleep(0.1)


async def test_sigkill_loses_no_pending_delivery(
    database_url: str, caller: Caller, tmp_path: Path
) -> None:
    port = free_port()
    env = server_env(database_url, tmp_path / "var", port, fetch_allow_hosts="127.0.0.2/32")
    base = f"http://127.0.0.1:{port}/v1"
    async with receiver() as rx:
        rx.default = Answer(status=500)  # down for now: every first attempt fails
        server = await start(env, port)
        try:
            async with httpx.AsyncClient(base_url=base, headers=caller.headers, timeout=10) as http:
                created = await http.post("/webhooks", json={"url": rx.url()})
                assert created.status_code == 200, created.text
                secret = created.json()["signing_secret"]
                for _ in range(RUNS):
                    run = await http.post(
                        "/testing/runs", json={}, headers={"Idempotency-Key": uuid.uuid4().hex}
                    )
                    assert run.status_code == 200, run.text
                before = await _until(
                    http,
                    lambda ds: len(ds) == RUNS and all(d["attempt_count"] == 1 for d in ds),
                    within_seconds=30,
                )
        finally:
            await stop(server, signal.SIGKILL)
        assert all(d["status"] == "pending" and d["next_attempt_at"] for d in before)
        first_bodies = {request.headers["webhook-id"]: request.body for request in rx.received}
        assert len(first_bodies) == RUNS

        rx.default = Answer(status=200)  # the receiver is back; so is the server
        server = await start(env, port)
        try:
            async with httpx.AsyncClient(base_url=base, headers=caller.headers, timeout=10) as http:
                after = await _until(
                    http, lambda ds: all(d["status"] == "success" for d in ds), within_seconds=30
                )
        finally:
            await stop(server, signal.SIGTERM)

    assert sorted(d["id"] for d in after) == sorted(d["id"] for d in before)
    assert all(d["attempt_count"] == 2 and d["delivered_at"] for d in after)
    # Each event arrived exactly twice (the failed attempt, then the retry), byte for byte
    # the same and verifiably signed.
    assert len(rx.received) == 2 * RUNS
    for request in rx.received[RUNS:]:
        event_id = request.headers["webhook-id"]
        assert request.body == first_bodies[event_id]
        assert json.loads(request.body)["id"] == event_id
        assert genfire_signature_ok(secret, request.body, request.headers["x-genfire-signature"])
