"""Helpers for batch tests: create a batch as a client would, and wait for it to end."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from tests.conftest import Caller

TERMINAL = ("completed", "failed", "partial")


async def create_batch(
    client: httpx.AsyncClient, caller: Caller, body: dict[str, Any], key: str | None = None
) -> httpx.Response:
    headers = {**caller.headers, "Idempotency-Key": key or uuid.uuid4().hex}
    return await client.post("/v1/batches", json=body, headers=headers)


def test_items(*inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """Items for the test engine's operation target."""
    return [{"input": item} for item in inputs]


test_items.__test__ = False  # type: ignore[attr-defined]


async def wait_batch(
    client: httpx.AsyncClient, caller: Caller, batch_id: str, within_seconds: float = 30
) -> dict[str, Any]:
    """Poll GET /batches/{id} until it is completed, failed or partial."""
    deadline = asyncio.get_running_loop().time() + within_seconds
    while True:
        batch = (await client.get(f"/v1/batches/{batch_id}", headers=caller.headers)).json()
        if batch["status"] in TERMINAL:
            return dict(batch)
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"batch {batch_id} still {batch['status']}: {batch}")
        await asyncio.sleep(0.05)


async def items_of(
    client: httpx.AsyncClient, caller: Caller, batch_id: str, **params: str
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/v1/batches/{batch_id}/items", headers=caller.headers, params=params
    )
    assert response.status_code == 200, response.text
    return list(response.json()["data"])
