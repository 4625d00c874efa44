"""What a receiver gets: `{id, type, created_at, data}` with `data` the run or batch as
GET shows it, signed twice (X-GenFire-Signature and Standard Webhooks); only the events
an endpoint subscribed to."""

from __future__ import annotations

import json
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from genfire_server.context import AppContext
from tests.batches.helpers import create_batch, test_items, wait_batch
from tests.conftest import Caller, MakeCaller
from tests.variants import client_with
from tests.webhooks.helpers import (
    ALLOW,
    create_endpoint,
    endpoint_of,
    finished_run,
    genfire_signature_ok,
    list_deliveries,
    only_delivery,
    standard_webhooks_key,
    wait_attempts,
    wait_deliveries,
    when,
)
from tests.webhooks.receiver import Received, receiver

SIGNATURE_HEADERS = ("X-GenFire-Signature", "webhook-id", "webhook-timestamp", "webhook-signature")


def _tampered(body: bytes) -> bytes:
    document = json.loads(body)
    document["data"]["status"] = "completed" if document["data"]["status"] != "completed" else "x"
    return json.dumps(document).encode()


def _standard_ok(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(standard_webhooks_key(secret)).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


def _payload(request: Received, event_type: str) -> dict[str, Any]:
    payload = json.loads(request.body)
    assert set(payload) == {"id", "type", "created_at", "data"}
    assert payload["type"] == event_type
    assert payload["id"].startswith("evt_")
    assert payload["id"] == request.headers["webhook-id"]
    when(payload["created_at"])  # a timestamp
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-genfire-event"] == event_type
    return dict(payload)


async def test_a_completed_run_arrives_signed_with_the_run_as_get_shows_it(
    ctx: AppContext, caller: Caller
) -> None:
    async with receiver() as rx, client_with(ctx, fetch_allow_hosts=ALLOW) as client:
        endpoint = await create_endpoint(client, caller, rx.url())
        other = await create_endpoint(client, caller, rx.url("/other"), events=["batch.failed"])
        secret = endpoint["signing_secret"]
        run = await finished_run(client, caller)
        assert run["status"] == "completed"
        [request] = await rx.wait_for(1)
        delivery = await wait_attempts(
            client, caller, (await only_delivery(client, caller, endpoint["id"]))["id"], 1
        )
        shown = (await client.get(f"/v1/runs/{run['id']}", headers=caller.headers)).json()
        listed_endpoint = await endpoint_of(client, caller, endpoint["id"])
        log = await client.get("/v1/webhooks/deliveries", headers=caller.headers)

    assert request.path == "/hooks"
    payload = _payload(request, "run.completed")
    assert payload["data"] == shown
    assert request.headers["x-genfire-delivery"] == delivery["id"]

    # X-GenFire-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>.
    signature = request.headers["x-genfire-signature"]
    assert signature.startswith("sha256=")
    assert genfire_signature_ok(secret, request.body, signature)
    # Standard Webhooks, checked by its own library.
    assert Webhook(standard_webhooks_key(secret)).verify(request.body, request.headers) == payload
    # A changed body, or another endpoint's secret, fails both checks.
    tampered = _tampered(request.body)
    assert not genfire_signature_ok(secret, tampered, signature)
    assert not _standard_ok(secret, tampered, request.headers)
    assert not genfire_signature_ok(other["signing_secret"], request.body, signature)
    assert not _standard_ok(other["signing_secret"], request.body, request.headers)

    # The log shows the signature headers that were sent, and never the secret.
    assert delivery["status"] == "success"
    assert delivery["run_id"] == run["id"]
    assert delivery["event_type"] == "run.completed"
    assert delivery["response_status"] == 200
    assert delivery["response_body"] == "ok"
    assert delivery["last_error"] is None
    assert delivery["next_attempt_at"] is None
    assert delivery["delivered_at"] == delivery["last_attempt_at"] is not None
    sent = {name.lower(): value for name, value in delivery["request_headers"].items()}
    for name in SIGNATURE_HEADERS:
        assert sent[name.lower()] == request.headers[name.lower()], name
    for secret_part in (secret, secret.removeprefix("gfwsec_")):
        assert secret_part not in log.text
    assert listed_endpoint["last_delivery_at"] == delivery["last_attempt_at"]


async def test_a_failed_run_arrives_as_run_failed_with_its_error(
    ctx: AppContext, caller: Caller
) -> None:
    async with receiver() as rx, client_with(ctx, fetch_allow_hosts=ALLOW) as client:
        endpoint = await create_endpoint(client, caller, rx.url())
        run = await finished_run(
            client, caller, mode="fail", error_code="provider_error", error_message="No luck."
        )
        assert run["status"] == "failed"
        [request] = await rx.wait_for(1)
        delivery = await wait_attempts(
            client, caller, (await only_delivery(client, caller, endpoint["id"]))["id"], 1
        )
        shown = (await client.get(f"/v1/runs/{run['id']}", headers=caller.headers)).json()

    payload = _payload(request, "run.failed")
    assert payload["data"] == shown
    assert payload["data"]["status"] == "failed"
    assert payload["data"]["error"] == {"code": "provider_error", "message": "No luck."}
    assert payload["data"]["output"] is None
    assert genfire_signature_ok(
        endpoint["signing_secret"], request.body, request.headers["x-genfire-signature"]
    )
    assert delivery["event_type"] == "run.failed"
    assert delivery["run_id"] == run["id"]
    assert delivery["status"] == "success"


@pytest.mark.parametrize(
    ("modes", "event_type", "status"),
    [
        (["instant", "instant", "instant"], "batch.completed", "completed"),
        (["instant", "fail", "instant"], "batch.completed", "partial"),
        (["fail", "fail"], "batch.failed", "failed"),
    ],
)
async def test_a_finished_batch_arrives_once_as_batch_completed_or_failed(
    ctx: AppContext, caller: Caller, modes: list[str], event_type: str, status: str
) -> None:
    async with receiver() as rx, client_with(ctx, fetch_allow_hosts=ALLOW) as client:
        endpoint = await create_endpoint(
            client, caller, rx.url(), events=["batch.completed", "batch.failed"]
        )
        body = {
            "mode": "operation",
            "target": "testing.runs.create",
            "concurrency": 2,
            "items": test_items(*({"mode": mode} for mode in modes)),
        }
        created = await create_batch(client, caller, body)
        assert created.status_code in (200, 202), created.text
        batch = await wait_batch(client, caller, created.json()["id"])
        assert batch["status"] == status
        found = await wait_deliveries(
            client, caller, lambda ds: len(ds) >= 1 and ds[0]["attempt_count"] >= 1
        )
        [request] = await rx.wait_for(1)
        shown = (await client.get(f"/v1/batches/{batch['id']}", headers=caller.headers)).json()

    # One delivery, for the batch: its items' runs are not events this endpoint wants.
    [delivery] = found
    assert delivery["endpoint_id"] == endpoint["id"]
    assert delivery["event_type"] == event_type
    assert delivery["batch_id"] == batch["id"]
    assert delivery["run_id"] is None
    assert delivery["status"] == "success"
    payload = _payload(request, event_type)
    assert payload["data"] == shown
    assert payload["data"]["status"] == status
    assert genfire_signature_ok(
        endpoint["signing_secret"], request.body, request.headers["x-genfire-signature"]
    )
    assert len(rx.received) == 1


async def test_an_endpoint_gets_only_the_events_it_subscribed_to(
    ctx: AppContext, caller: Caller
) -> None:
    async with receiver() as rx, client_with(ctx, fetch_allow_hosts=ALLOW) as client:
        failures = await create_endpoint(client, caller, rx.url("/failures"), events=["run.failed"])
        successes = await create_endpoint(
            client, caller, rx.url("/successes"), events=["run.completed"]
        )
        batches = await create_endpoint(
            client, caller, rx.url("/batches"), events=["batch.completed", "batch.failed"]
        )
        completed = await finished_run(client, caller)
        # Deliveries are written with the run: by now every one it caused exists.
        assert await list_deliveries(client, caller, endpoint_id=failures["id"]) == []
        assert await list_deliveries(client, caller, endpoint_id=batches["id"]) == []
        [to_successes] = await list_deliveries(client, caller, endpoint_id=successes["id"])
        assert to_successes["run_id"] == completed["id"]

        failed = await finished_run(client, caller, mode="fail")
        [to_failures] = await list_deliveries(client, caller, endpoint_id=failures["id"])
        assert to_failures["run_id"] == failed["id"]
        assert to_failures["event_type"] == "run.failed"
        assert len(await list_deliveries(client, caller, endpoint_id=successes["id"])) == 1
        assert await list_deliveries(client, caller, endpoint_id=batches["id"]) == []

        await wait_deliveries(
            client, caller, lambda ds: len(ds) == 2 and all(d["attempt_count"] >= 1 for d in ds)
        )
        assert sorted(r.path for r in rx.received) == ["/failures", "/successes"]
        assert json.loads(rx.to("/successes")[0].body)["data"]["id"] == completed["id"]
        assert json.loads(rx.to("/failures")[0].body)["data"]["id"] == failed["id"]


async def test_an_endpoint_of_another_account_gets_nothing_of_this_one(
    ctx: AppContext, caller: Caller, make_caller: MakeCaller
) -> None:
    other = await make_caller()
    async with receiver() as rx, client_with(ctx, fetch_allow_hosts=ALLOW) as client:
        theirs = await create_endpoint(client, other, rx.url("/theirs"))
        mine = await create_endpoint(client, caller, rx.url("/mine"))
        run = await finished_run(client, caller)
        await wait_deliveries(
            client, caller, lambda ds: len(ds) == 1 and ds[0]["attempt_count"] >= 1
        )
        assert await list_deliveries(client, other, endpoint_id=theirs["id"]) == []
        assert [r.path for r in rx.received] == ["/mine"]
        assert json.loads(rx.received[0].body)["data"]["id"] == run["id"]
        assert (await only_delivery(client, caller, mine["id"]))["status"] == "success"
