"""Deliveries are rows, so they outlive the process that made them: pending ones are sent
after a restart, one whose sender died mid-attempt is taken over once its lease lapses,
and several senders on one database never send one attempt twice."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update

from genfire_server.context import AppContext
from genfire_server.engines.registry import EngineRegistry
from genfire_server.kit.db import Database
from genfire_server.models import WebhookDelivery
from genfire_server.settings import Settings
from tests.conftest import Caller, is_postgres
from tests.runs.helpers import create_test_run, wait_terminal
from tests.variants import client_with
from tests.webhooks.clock import FakeClock
from tests.webhooks.helpers import (
    ALLOW,
    attempted,
    barrier,
    create_endpoint,
    delivery_of,
    finished_run,
    on_a_fake_clock,
    one_delivery,
    only_delivery,
    sentinel,
    wait_deliveries,
)
from tests.webhooks.receiver import HOST, Answer, receiver


async def test_pending_deliveries_are_sent_after_a_restart(ctx: AppContext, caller: Caller) -> None:
    async with receiver() as stopped:
        port = stopped.port  # the receiver's address, while it is down
    url = f"http://{HOST}:{port}/hooks"

    clock = FakeClock()
    async with client_with(ctx, clock=clock, fetch_allow_hosts=ALLOW) as client:
        endpoint = await create_endpoint(client, caller, url, events=["run.completed"])
        runs = [(await finished_run(client, caller))["id"] for _ in range(3)]
        first_tries = await wait_deliveries(
            client, caller, lambda ds: len(ds) == 3 and all(d["attempt_count"] == 1 for d in ds)
        )
    for delivery in first_tries:
        assert delivery["status"] == "pending"
        assert delivery["response_status"] is None
        assert delivery["last_error"]
    event_of = {d["id"]: d["request_headers"]["webhook-id"] for d in first_tries}
    assert {d["run_id"] for d in first_tries} == set(runs)

    # The server comes back after the retries are due, and so does the receiver.
    clock = FakeClock(clock.now + timedelta(minutes=1))
    async with (
        receiver(port=port) as rx,
        client_with(ctx, clock=clock, fetch_allow_hosts=ALLOW) as client,
    ):
        await rx.wait_for(3, path="/hooks")
        sent = await wait_deliveries(
            client, caller, lambda ds: all(d["status"] == "success" for d in ds)
        )
        await barrier(client, caller, rx, await sentinel(client, caller, rx))

    assert len(sent) == 3
    assert all(d["attempt_count"] == 2 for d in sent)
    arrived = rx.to("/hooks")
    assert Counter(r.headers["x-genfire-delivery"] for r in arrived) == Counter(list(event_of))
    for request in arrived:
        delivery_id = request.headers["x-genfire-delivery"]
        assert request.headers["webhook-id"] == event_of[delivery_id]
        payload = json.loads(request.body)
        assert payload["id"] == event_of[delivery_id]
        assert payload["data"]["id"] in runs
        assert endpoint["id"] == next(d for d in sent if d["id"] == delivery_id)["endpoint_id"]


async def test_a_delivery_whose_sender_died_is_sent_once_its_lease_lapses(
    ctx: AppContext, caller: Caller, db: Database
) -> None:
    async with on_a_fake_clock(ctx, caller, Answer(500, b"boom")) as s:
        _run, delivery = await one_delivery(s, caller)
        await attempted(s, caller, delivery["id"], 1)

        # Another worker claimed the retry and died sending it: its lease runs a minute.
        async with db.write() as session:
            await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery["id"])
                .values(
                    lease_owner="another-host:4242:dead01",
                    lease_expires_at=s.clock.now + timedelta(seconds=60),
                    next_attempt_at=s.clock.now,
                )
            )
        s.clock.advance(10)  # due, but still leased: not sent
        await barrier(s.client, caller, s.rx, s.sentinel_id)
        assert len(s.rx.to("/hooks")) == 1
        assert (await delivery_of(s.client, caller, delivery["id"]))["attempt_count"] == 1

        s.clock.advance(60)  # the lease has lapsed
        taken_over = await attempted(s, caller, delivery["id"], 2)
        await barrier(s.client, caller, s.rx, s.sentinel_id)
    assert taken_over["status"] == "success"
    assert taken_over["response_status"] == 200
    assert len(s.rx.to("/hooks")) == 2
    assert {r.headers["x-genfire-delivery"] for r in s.rx.to("/hooks")} == {delivery["id"]}


async def test_an_attempt_cut_short_by_a_stop_is_sent_after_the_restart(
    ctx: AppContext, caller: Caller
) -> None:
    clock = FakeClock()
    async with receiver(Answer(200, delay=5)) as rx:
        async with client_with(ctx, clock=clock, fetch_allow_hosts=ALLOW) as client:
            endpoint = await create_endpoint(client, caller, rx.url(), events=["run.completed"])
            await finished_run(client, caller)
            delivery = await only_delivery(client, caller, endpoint["id"])
            await rx.wait_for(1, path="/hooks")  # the answer is slow: the server stops first
        # Back later than the abandoned attempt's lease.
        clock = FakeClock(clock.now + timedelta(minutes=5))
        async with client_with(ctx, clock=clock, fetch_allow_hosts=ALLOW) as client:
            [cut, again] = await rx.wait_for(2, path="/hooks")
            done = await wait_deliveries(
                client,
                caller,
                lambda ds: any(d["id"] == delivery["id"] and d["status"] == "success" for d in ds),
            )
            await barrier(client, caller, rx, await sentinel(client, caller, rx))
    assert [d["id"] for d in done if d["endpoint_id"] == endpoint["id"]] == [delivery["id"]]
    assert len(rx.to("/hooks")) == 2
    assert again.headers["x-genfire-delivery"] == cut.headers["x-genfire-delivery"]
    assert again.headers["webhook-id"] == cut.headers["webhook-id"]
    assert again.body == cut.body


def _another_process(ctx: AppContext, **overrides: Any) -> AppContext:
    """Another worker process's context on the same database."""
    settings = Settings(**{**ctx.settings.model_dump(), **overrides}, _env_file=None)
    return AppContext(
        settings=settings,
        db=ctx.db,
        catalog=ctx.catalog,
        stock_voices=ctx.stock_voices,
        storage=ctx.storage,
        engines=EngineRegistry.from_settings(settings, ctx.db),
    )


async def test_two_senders_never_send_one_attempt_twice(ctx: AppContext, caller: Caller) -> None:
    async with (
        receiver() as rx,
        client_with(ctx, fetch_allow_hosts=ALLOW, worker_concurrency=4) as client,
    ):
        other = _another_process(ctx, fetch_allow_hosts=ALLOW, worker_concurrency=4)
        await other.executor.start()
        try:
            rx.default = Answer(200, delay=0.05)  # attempts overlap the other's sweeps
            endpoint = await create_endpoint(client, caller, rx.url(), events=["run.completed"])
            sentinel_id = await sentinel(client, caller, rx)
            created = await asyncio.gather(*(create_test_run(client, caller) for _ in range(20)))
            runs = [response.json()["id"] for response in created]
            for run_id in runs:
                assert (await wait_terminal(client, caller, run_id))["status"] == "completed"
            sent = await wait_deliveries(
                client,
                caller,
                lambda ds: len(ds) == 20 and all(d["status"] == "success" for d in ds),
                within_seconds=20,
                endpoint_id=endpoint["id"],
            )
            await barrier(client, caller, rx, sentinel_id)
        finally:
            await other.executor.stop(grace_seconds=0)

    assert all(d["attempt_count"] == 1 for d in sent)
    counts = Counter(r.headers["x-genfire-delivery"] for r in rx.to("/hooks"))
    assert counts == Counter({d["id"]: 1 for d in sent})
    assert {json.loads(r.body)["data"]["id"] for r in rx.to("/hooks")} == set(runs)


@pytest.mark.skipif(not is_postgres(), reason="SQLite serializes write transactions")
async def test_a_delivery_another_sender_just_attempted_is_not_sent_again_before_it_is_due(
    ctx: AppContext, caller: Caller, db: Database
) -> None:
    """PostgreSQL, read committed: this sender reads the due deliveries, then claims them.
    If another sender claims, attempts and reschedules one in between, the claim must not
    take it: it is no longer due."""
    async with on_a_fake_clock(ctx, caller, Answer(500, b"boom")) as s:
        _run, delivery = await one_delivery(s, caller)
        first = await attempted(s, caller, delivery["id"], 1)

        async with db.write() as other_sender:
            # Another sender holds the row (it is claiming it) when the retry falls due ...
            await other_sender.execute(
                select(WebhookDelivery.id)
                .where(WebhookDelivery.id == delivery["id"])
                .with_for_update()
            )
            s.clock.advance(10)
            await _wait_until_a_claim_waits(db)
            # ... and attempts it (the receiver fails it again) and reschedules it.
            await other_sender.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery["id"])
                .values(
                    attempt_count=2,
                    last_attempt_at=s.clock.now,
                    next_attempt_at=s.clock.now + timedelta(minutes=5),
                    response_status=500,
                    last_error="The receiver answered 500.",
                )
            )
        await barrier(s.client, caller, s.rx, s.sentinel_id)
        after = await delivery_of(s.client, caller, delivery["id"])
    assert first["status"] == "pending"
    assert len(s.rx.to("/hooks")) == 1, "sent again 5 minutes before its retry was due"
    assert after["attempt_count"] == 2
    assert after["status"] == "pending"


async def _wait_until_a_claim_waits(db: Database) -> None:
    """Until some session's UPDATE of webhook_deliveries waits for a row lock."""
    for _ in range(500):
        async with db.read() as session:
            waiting = await session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query ILIKE 'UPDATE webhook_deliveries%'"
                )
            )
        if waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("no sender tried to claim the delivery")
