"""Helpers for webhook tests: endpoints and deliveries through the API, as a client would
use them, and the checks a receiver makes on what arrives."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from genfire_server.context import AppContext
from tests.conftest import Caller
from tests.runs.helpers import create_test_run, wait_terminal
from tests.variants import client_with
from tests.webhooks.clock import FakeClock
from tests.webhooks.receiver import Answer, Receiver, receiver

# The loopback receiver's network: the operator allow-lists it, so plain http is accepted.
ALLOW = "127.0.0.2/32"

# The members of the reference's examples.
ENDPOINT_FIELDS = {
    "id",
    "object",
    "url",
    "description",
    "status",
    "events",
    "signing_secret_preview",
    "created_at",
    "updated_at",
    "last_delivery_at",
}
CREATED_FIELDS = ENDPOINT_FIELDS | {"signing_secret"}
DELIVERY_FIELDS = {
    "id",
    "object",
    "endpoint_id",
    "event_type",
    "run_id",
    "batch_id",
    "status",
    "attempt_count",
    "max_attempts",
    "response_status",
    "response_body",
    "last_error",
    "request_headers",
    "created_at",
    "updated_at",
    "last_attempt_at",
    "next_attempt_at",
    "delivered_at",
}
EVENTS = ("run.completed", "run.failed", "batch.completed", "batch.failed")


async def create_endpoint(
    client: httpx.AsyncClient, caller: Caller, url: str, **body: Any
) -> dict[str, Any]:
    response = await client.post("/v1/webhooks", json={"url": url, **body}, headers=caller.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def list_endpoints(client: httpx.AsyncClient, caller: Caller) -> list[dict[str, Any]]:
    response = await client.get("/v1/webhooks", headers=caller.headers)
    assert response.status_code == 200, response.text
    assert response.json()["object"] == "list"
    return list(response.json()["data"])


async def endpoint_of(
    client: httpx.AsyncClient, caller: Caller, endpoint_id: str
) -> dict[str, Any]:
    """The endpoint as GET /webhooks lists it."""
    found = [e for e in await list_endpoints(client, caller) if e["id"] == endpoint_id]
    assert len(found) == 1, f"{endpoint_id} is not listed"
    return found[0]


async def list_deliveries(
    client: httpx.AsyncClient, caller: Caller, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get("/v1/webhooks/deliveries", headers=caller.headers, params=params)
    assert response.status_code == 200, response.text
    assert response.json()["object"] == "list"
    return list(response.json()["data"])


async def delivery_of(
    client: httpx.AsyncClient, caller: Caller, delivery_id: str
) -> dict[str, Any]:
    found = [d for d in await list_deliveries(client, caller, limit=100) if d["id"] == delivery_id]
    assert len(found) == 1, f"{delivery_id} is not listed"
    return found[0]


async def wait_deliveries(
    client: httpx.AsyncClient,
    caller: Caller,
    until: Callable[[list[dict[str, Any]]], bool],
    within_seconds: float = 10,
    **params: Any,
) -> list[dict[str, Any]]:
    """Poll GET /webhooks/deliveries until `until(deliveries)` holds."""
    deadline = asyncio.get_running_loop().time() + within_seconds
    params.setdefault("limit", 100)
    while True:
        found = await list_deliveries(client, caller, **params)
        if until(found):
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"deliveries never came to the expected state: {found}")
        await asyncio.sleep(0.02)


async def wait_attempts(
    client: httpx.AsyncClient, caller: Caller, delivery_id: str, count: int
) -> dict[str, Any]:
    """The delivery once its `count`th attempt is recorded."""
    found = await wait_deliveries(
        client,
        caller,
        lambda ds: any(d["id"] == delivery_id and d["attempt_count"] >= count for d in ds),
    )
    delivery = next(d for d in found if d["id"] == delivery_id)
    assert delivery["attempt_count"] == count, delivery
    return delivery


async def only_delivery(
    client: httpx.AsyncClient, caller: Caller, endpoint_id: str
) -> dict[str, Any]:
    """The endpoint's one delivery (it must exist: deliveries are written with the run)."""
    found = await list_deliveries(client, caller, endpoint_id=endpoint_id)
    assert len(found) == 1, found
    return found[0]


async def finished_run(
    client: httpx.AsyncClient, caller: Caller, mode: str = "instant", **body: Any
) -> dict[str, Any]:
    """A test-engine run, once it has finished (its deliveries are written by then)."""
    created = await create_test_run(client, caller, mode=mode, **body)
    assert created.status_code in (200, 202), created.text
    return await wait_terminal(client, caller, created.json()["id"])


async def sentinel(client: httpx.AsyncClient, caller: Caller, rx: Receiver) -> str:
    """An endpoint on `rx` at /sentinel for `barrier`, subscribed to run.failed only (the
    endpoints under test subscribe to the other events), always answered 200."""
    rx.fixed["/sentinel"] = Answer()
    return str(
        (await create_endpoint(client, caller, rx.url("/sentinel"), events=["run.failed"]))["id"]
    )


async def barrier(
    client: httpx.AsyncClient, caller: Caller, rx: Receiver, sentinel_id: str
) -> None:
    """Wait until the sender has handled a new due delivery to the sentinel endpoint, and
    so every delivery that was due before it (it claims them oldest due first): anything
    the sender was going to send by now has been sent once this returns."""
    before = len(rx.to("/sentinel"))
    run = await finished_run(client, caller, mode="fail")
    await wait_deliveries(
        client,
        caller,
        lambda ds: any(d["run_id"] == run["id"] and d["attempt_count"] >= 1 for d in ds),
        endpoint_id=sentinel_id,
    )
    assert len(rx.to("/sentinel")) == before + 1


@dataclass
class Setup:
    client: httpx.AsyncClient
    rx: Receiver
    clock: FakeClock
    endpoint: dict[str, Any]
    sentinel_id: str


@contextlib.asynccontextmanager
async def on_a_fake_clock(ctx: AppContext, caller: Caller, *script: Answer) -> AsyncIterator[Setup]:
    """The app on a fake clock, a receiver answering `script` (then 200 `ok`), an endpoint
    on it subscribed to run.completed, and a sentinel endpoint for `barrier`."""
    clock = FakeClock()
    async with (
        receiver(*script) as rx,
        client_with(ctx, clock=clock, fetch_allow_hosts=ALLOW) as client,
    ):
        endpoint = await create_endpoint(client, caller, rx.url(), events=["run.completed"])
        yield Setup(client, rx, clock, endpoint, await sentinel(client, caller, rx))


async def one_delivery(s: Setup, caller: Caller) -> tuple[dict[str, Any], dict[str, Any]]:
    """A finished run and its delivery to the endpoint under test (perhaps not yet
    attempted)."""
    run = await finished_run(s.client, caller)
    return run, await only_delivery(s.client, caller, s.endpoint["id"])


async def attempted(s: Setup, caller: Caller, delivery_id: str, count: int) -> dict[str, Any]:
    """The delivery once the receiver has had `count` requests at /hooks and its `count`th
    attempt is recorded."""
    await s.rx.wait_for(count, path="/hooks")
    return await wait_attempts(s.client, caller, delivery_id, count)


def when(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def seconds_between(earlier: str, later: str) -> float:
    return (when(later) - when(earlier)).total_seconds()


def genfire_signature_ok(secret: str, body: bytes, header: str) -> bool:
    """The receiver's check of `X-GenFire-Signature`, as a reader of the reference writes it."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def standard_webhooks_key(secret: str) -> str:
    """What `standardwebhooks.Webhook` takes: the secret's bytes, base64-encoded."""
    return base64.b64encode(secret.encode()).decode()
