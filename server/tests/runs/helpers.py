"""Helpers for tests that create runs through the test engine."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from tests.conftest import Caller


async def create_test_run(
    client: httpx.AsyncClient, caller: Caller, key: str | None = None, **body: Any
) -> httpx.Response:
    headers = {**caller.headers, "Idempotency-Key": key or uuid.uuid4().hex}
    return await client.post("/v1/testing/runs", json=body, headers=headers)


async def wait_terminal(
    client: httpx.AsyncClient, caller: Caller, run_id: str, within_seconds: float = 15
) -> dict[str, Any]:
    """Poll GET /runs/{id} as the CLI does, until completed or failed."""
    deadline = asyncio.get_running_loop().time() + within_seconds
    while True:
        run = (await client.get(f"/v1/runs/{run_id}", headers=caller.headers)).json()
        if run["status"] in ("completed", "failed"):
            return dict(run)
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"run {run_id} still {run['status']}")
        await asyncio.sleep(0.05)


async def balance(client: httpx.AsyncClient, caller: Caller) -> float:
    body = (await client.get("/v1/account/credits", headers=caller.headers)).json()
    return float(body["balance"])
