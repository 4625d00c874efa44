"""Receivers that answer oddly, listeners that fail, endpoints changed mid-attempt: every
attempt is still counted and recorded, no event is lost, nothing leaks between tenants."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from genfire_server.context import AppContext
from genfire_server.kit.db import Database
from genfire_server.models import Run
from genfire_server.webhooks.deliveries import WebhookEvents
from tests.conftest import Caller, MakeCaller
from tests.variants import client_with
from tests.webhooks.clock import FakeClock
from tests.webhooks.helpers import (
    ALLOW,
    create_endpoint,
    finished_run,
    only_delivery,
    seconds_between,
    wait_attempts,
    wait_deliveries,
)
from tests.webhooks.receiver import Answer, receiver


@pytest.mark.parametrize(
    "answer",
    [
        # "²".isdigit() is True, float("²") raises: once, that made the attempt vanish
        # (and the delivery resend forever).
        Answer(status=429, headers={"Retry-After": "\u00b2"}),
        # PostgreSQL text cannot hold NUL.
        Answer(status=500, body=b"bad\x00body"),
    ],
)
async def test_odd_answers_are_recorded_as_failed_attempts(
    ctx: AppContext, caller: Caller, answer: Answer
) -> None:
    clock = FakeClock()
    async with (
        receiver(answer) as rx,
        client_with(ctx, fetch_allow_hosts=ALLOW, clock=clock) as client,
    ):
        endpoint = await create_endpoint(client, caller, rx.url())
        await finished_run(client, caller)
        delivery = await only_delivery(client, caller, endpoint["id"])
        first = await wait_attempts(client, caller, delivery["id"], 1)
        assert first["status"] == "pending" and first["response_status"] == answer.status
        # The ordinary schedule: about 5 s later.
        assert 4 <= seconds_between(first["last_attempt_at"], first["next_attempt_at"]) <= 6
        assert "\x00" not in (first["response_body"] or "")
        clock.advance(10)
        second = await wait_attempts(client, caller, delivery["id"], 2)
        assert second["status"] == "success"
    assert len(rx.received) == 2


async def test_a_2xx_whose_body_never_finishes_counts_as_delivered(
    ctx: AppContext, caller: Caller
) -> None:
    async with (
        receiver(Answer(body=b"ok", trickle=3)) as rx,
        client_with(ctx, fetch_allow_hosts=ALLOW, webhook_timeout_seconds=1) as client,
    ):
        endpoint = await create_endpoint(client, caller, rx.url())
        await finished_run(client, caller)
        delivery = await only_delivery(client, caller, endpoint["id"])
        done = await wait_attempts(client, caller, delivery["id"], 1)
    assert (done["status"], done["response_status"], done["response_body"]) == (
        "success",
        200,
        "ok",
    )
    assert len(rx.received) == 1


async def test_cookies_set_by_one_receiver_are_never_sent_to_another(
    ctx: AppContext, make_caller: MakeCaller
) -> None:
    tenant_a, tenant_b = await make_caller(), await make_caller()
    async with receiver() as rx, client_with(ctx, fetch_allow_hosts=ALLOW) as client:
        rx.fixed["/a"] = Answer(headers={"Set-Cookie": "tenant_a_session=SECRET; Path=/"})
        await create_endpoint(client, tenant_a, rx.url("/a"))
        await create_endpoint(client, tenant_b, rx.url("/b"))
        await finished_run(client, tenant_a)
        await rx.wait_for(1)
        await finished_run(client, tenant_b)
        await rx.wait_for(2)
    assert [request.path for request in rx.received] == ["/a", "/b"]
    assert all("cookie" not in request.headers for request in rx.received)


async def test_an_event_whose_delivery_could_not_be_written_is_not_lost(
    ctx: AppContext, caller: Caller, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = WebhookEvents.subscribed
    failures = {"left": 1}

    async def flaky(*args: Any) -> Any:
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("the database went away")
        return await original(*args)

    monkeypatch.setattr(WebhookEvents, "subscribed", staticmethod(flaky))
    async with receiver() as rx, client_with(ctx, fetch_allow_hosts=ALLOW) as client:
        endpoint = await create_endpoint(client, caller, rx.url())
        run = await finished_run(client, caller)
        assert run["status"] == "completed"  # the run finished regardless
        [received] = await rx.wait_for(1)  # the sweeper told the webhooks again
        deliveries = await wait_deliveries(
            client,
            caller,
            lambda ds: bool(ds) and ds[0]["status"] == "success",
            endpoint_id=endpoint["id"],
        )
    assert failures["left"] == 0
    assert len(deliveries) == 1 and deliveries[0]["run_id"] == run["id"]
    assert b'"type":"run.completed"' in received.body
    async with db.read() as session:
        left = await session.scalar(select(Run.unannounced).where(Run.id == run["id"]))
    assert left is None


async def test_an_attempt_in_flight_when_the_endpoint_is_disabled_is_recorded(
    ctx: AppContext, caller: Caller
) -> None:
    async with (
        receiver(Answer(status=500, delay=1)) as rx,
        client_with(ctx, fetch_allow_hosts=ALLOW) as client,
    ):
        endpoint = await create_endpoint(client, caller, rx.url())
        await finished_run(client, caller)
        await rx.wait_for(1)  # the attempt is in flight: the receiver is thinking
        disabled = await client.patch(
            f"/v1/webhooks/{endpoint['id']}", json={"status": "disabled"}, headers=caller.headers
        )
        assert disabled.status_code == 200
        delivery = await only_delivery(client, caller, endpoint["id"])
        done = await wait_attempts(client, caller, delivery["id"], 1)
    assert done["status"] == "failed" and done["response_status"] == 500
    assert done["last_attempt_at"] is not None and done["next_attempt_at"] is None
    assert "disabled" in done["last_error"]
    assert len(rx.received) == 1
