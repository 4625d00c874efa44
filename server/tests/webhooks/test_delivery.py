"""Attempts and retries, on a clock the tests move: the schedule (about 5 s, 5 min, ...
with ±10% jitter), six attempts at most, redirects, Retry-After, 410, timeouts, and
endpoints that are disabled, deleted or no longer allowed."""

from __future__ import annotations

import email.utils
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from genfire_server.context import AppContext
from genfire_server.kit.clock import isoformat
from tests.conftest import Caller
from tests.variants import client_with
from tests.webhooks.clock import FakeClock
from tests.webhooks.helpers import (
    ALLOW,
    Setup,
    attempted,
    barrier,
    create_endpoint,
    delivery_of,
    endpoint_of,
    finished_run,
    list_deliveries,
    on_a_fake_clock,
    one_delivery,
    only_delivery,
    seconds_between,
    standard_webhooks_key,
    wait_attempts,
)
from tests.webhooks.receiver import Answer, receiver

# Seconds between a failed attempt and the next, after the 1st ... 5th failure.
SCHEDULE = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600)
JITTER = 0.1
MS = 0.001  # timestamps are shown to the millisecond


@pytest.fixture
async def setup(ctx: AppContext, caller: Caller) -> AsyncIterator[Setup]:
    """`on_a_fake_clock`, with the receiver's answers scripted by each test."""
    async with on_a_fake_clock(ctx, caller) as s:
        yield s


async def _ids_to(s: Setup, caller: Caller) -> list[str]:
    """The ids of the deliveries to the endpoint under test, newest first."""
    found = await list_deliveries(s.client, caller, endpoint_id=s.endpoint["id"])
    return [d["id"] for d in found]


def _assert_retry_in(delivery: dict[str, Any], seconds: float) -> None:
    gap = seconds_between(delivery["last_attempt_at"], delivery["next_attempt_at"])
    assert seconds * (1 - JITTER) - MS <= gap <= seconds * (1 + JITTER) + MS, (gap, delivery)


def _assert_failed_just_now(s: Setup, seen: dict[str, Any], body: str) -> None:
    """`seen` was attempted at the clock's now, the receiver answered 500 `body`, and it
    waits for its retry."""
    assert seen["status"] == "pending"
    assert seen["response_status"] == 500
    assert seen["response_body"] == body
    assert "500" in seen["last_error"]
    assert seen["last_attempt_at"] == isoformat(s.clock.now)
    assert seen["delivered_at"] is None


def _until_the_retry(s: Setup, seen: dict[str, Any]) -> None:
    """Move the clock just past `seen`'s next attempt."""
    s.clock.advance(seconds_between(seen["last_attempt_at"], seen["next_attempt_at"]) + 1)


async def test_failed_attempts_are_retried_on_schedule_until_one_succeeds(
    setup: Setup, caller: Caller
) -> None:
    s = setup
    s.rx.script += [Answer(500, b"boom 1"), Answer(500, b"boom 2"), Answer(200, b"thanks")]
    run, delivery = await one_delivery(s, caller)
    created_at = delivery["created_at"]

    first = await attempted(s, caller, delivery["id"], 1)
    _assert_failed_just_now(s, first, "boom 1")
    assert first["created_at"] == created_at
    _assert_retry_in(first, 5)

    _until_the_retry(s, first)
    second = await attempted(s, caller, delivery["id"], 2)
    _assert_failed_just_now(s, second, "boom 2")
    _assert_retry_in(second, 5 * 60)

    _until_the_retry(s, second)
    third = await attempted(s, caller, delivery["id"], 3)
    assert third["status"] == "success"
    assert third["response_status"] == 200
    assert third["response_body"] == "thanks"
    assert third["last_error"] is None
    assert third["last_attempt_at"] == isoformat(s.clock.now)
    assert third["delivered_at"] == third["last_attempt_at"]
    assert third["next_attempt_at"] is None
    assert third["max_attempts"] == 6
    assert third["run_id"] == run["id"]

    # Delivered: nothing more, however late it gets; every attempt was the same event.
    s.clock.advance(7 * 24 * 3600)
    await barrier(s.client, caller, s.rx, s.sentinel_id)
    attempts = s.rx.to("/hooks")
    assert len(attempts) == 3
    assert len({a.body for a in attempts}) == 1
    assert len({a.headers["webhook-id"] for a in attempts}) == 1
    assert {a.headers["x-genfire-delivery"] for a in attempts} == {delivery["id"]}
    assert await delivery_of(s.client, caller, delivery["id"]) == third
    shown = await endpoint_of(s.client, caller, s.endpoint["id"])
    assert shown["last_delivery_at"] == third["last_attempt_at"]


async def test_a_receiver_that_always_fails_gets_six_attempts(setup: Setup, caller: Caller) -> None:
    s = setup
    s.rx.default = Answer(500, b"down")
    _run, delivery = await one_delivery(s, caller)
    for attempt in range(1, 6):
        seen = await attempted(s, caller, delivery["id"], attempt)
        _assert_failed_just_now(s, seen, "down")
        _assert_retry_in(seen, SCHEDULE[attempt - 1])
        _until_the_retry(s, seen)

    last = await attempted(s, caller, delivery["id"], 6)
    assert last["status"] == "failed"
    assert last["next_attempt_at"] is None
    assert last["delivered_at"] is None
    assert last["response_status"] == 500
    assert "500" in last["last_error"]
    assert last["last_attempt_at"] == isoformat(s.clock.now)

    s.clock.advance(30 * 24 * 3600)
    await barrier(s.client, caller, s.rx, s.sentinel_id)
    attempts = s.rx.to("/hooks")
    assert len(attempts) == 6
    assert await delivery_of(s.client, caller, delivery["id"]) == last
    # Hours apart on the schedule's clock, every attempt carries the real time of sending:
    # the receiver's Standard Webhooks check (which refuses stale timestamps) accepts each.
    verifier = Webhook(standard_webhooks_key(s.endpoint["signing_secret"]))
    for request in attempts:
        assert verifier.verify(request.body, request.headers)["id"] == request.headers["webhook-id"]
    assert len({a.body for a in attempts}) == 1


async def test_a_redirect_is_a_failed_attempt_and_is_not_followed(
    setup: Setup, caller: Caller
) -> None:
    s = setup
    s.rx.script.append(Answer(307, b"", headers={"Location": s.rx.url("/moved")}))
    _run, delivery = await one_delivery(s, caller)
    seen = await attempted(s, caller, delivery["id"], 1)
    assert seen["status"] == "pending"
    assert seen["response_status"] == 307
    assert "307" in seen["last_error"]
    assert "redirect" in seen["last_error"].lower()
    assert seen["delivered_at"] is None
    _assert_retry_in(seen, 5)
    assert s.rx.to("/moved") == []
    assert [r.path for r in s.rx.received] == ["/hooks"]


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_puts_the_next_attempt_where_the_receiver_asked(
    setup: Setup, caller: Caller, status: int
) -> None:
    s = setup
    if status == 429:
        asked = {"Retry-After": "3600"}
    else:  # an HTTP date, an hour from the (fake) now
        later = s.clock.now + timedelta(hours=1)
        asked = {"Retry-After": email.utils.format_datetime(later, usegmt=True)}
    s.rx.script.append(Answer(status, b"slow down", headers=asked))
    _run, delivery = await one_delivery(s, caller)
    seen = await attempted(s, caller, delivery["id"], 1)
    assert seen["status"] == "pending"
    assert seen["response_status"] == status
    gap = seconds_between(seen["last_attempt_at"], seen["next_attempt_at"])
    assert 3600 - 1 <= gap <= 3600 * (1 + JITTER), seen  # not the usual 5 s

    s.clock.advance(60)  # when it would have retried without Retry-After
    await barrier(s.client, caller, s.rx, s.sentinel_id)
    assert len(s.rx.to("/hooks")) == 1
    s.clock.advance(gap)
    done = await attempted(s, caller, delivery["id"], 2)
    assert done["status"] == "success"


@pytest.mark.parametrize(
    ("status", "retry_after", "low", "high"),
    [
        (429, "1", 5 * (1 - JITTER), 5 * (1 + JITTER)),  # never sooner than the schedule
        (500, "3600", 5 * (1 - JITTER), 5 * (1 + JITTER)),  # only a 429 or 503 is heeded
        (503, "864000", 24 * 3600, 24 * 3600),  # at most a day
    ],
)
async def test_retry_after_is_bounded_by_the_schedule_and_a_day(
    setup: Setup, caller: Caller, status: int, retry_after: str, low: float, high: float
) -> None:
    s = setup
    s.rx.script.append(Answer(status, b"later", headers={"Retry-After": retry_after}))
    _run, delivery = await one_delivery(s, caller)
    seen = await attempted(s, caller, delivery["id"], 1)
    assert seen["status"] == "pending"
    assert seen["response_status"] == status
    gap = seconds_between(seen["last_attempt_at"], seen["next_attempt_at"])
    assert low - MS <= gap <= high + MS, seen


async def test_the_stored_answer_is_the_first_2_kb(setup: Setup, caller: Caller) -> None:
    s = setup
    long = b"".join(f"{n:05d}|".encode() for n in range(5000))  # 30 KB
    s.rx.script.append(Answer(500, long))
    _run, delivery = await one_delivery(s, caller)
    seen = await attempted(s, caller, delivery["id"], 1)
    assert seen["response_status"] == 500
    assert seen["response_body"] == long[:2048].decode()


async def test_a_retry_goes_to_the_url_the_endpoint_has_now(setup: Setup, caller: Caller) -> None:
    s = setup
    s.rx.script.append(Answer(500, b"boom"))
    _run, delivery = await one_delivery(s, caller)
    first = await attempted(s, caller, delivery["id"], 1)
    moved = await s.client.patch(
        f"/v1/webhooks/{s.endpoint['id']}", json={"url": s.rx.url("/moved")}, headers=caller.headers
    )
    assert moved.status_code == 200, moved.text
    _until_the_retry(s, first)
    [request] = await s.rx.wait_for(1, path="/moved")
    assert (await wait_attempts(s.client, caller, delivery["id"], 2))["status"] == "success"
    assert request.headers["x-genfire-delivery"] == delivery["id"]
    assert request.body == s.rx.to("/hooks")[0].body
    assert len(s.rx.to("/hooks")) == 1


async def test_a_410_disables_the_endpoint_after_one_attempt(setup: Setup, caller: Caller) -> None:
    s = setup
    s.rx.script.append(Answer(410, b"gone"))
    _run, delivery = await one_delivery(s, caller)
    seen = await attempted(s, caller, delivery["id"], 1)
    assert seen["status"] == "failed"
    assert seen["response_status"] == 410
    assert seen["next_attempt_at"] is None
    assert seen["delivered_at"] is None
    assert seen["last_error"]
    assert (await endpoint_of(s.client, caller, s.endpoint["id"]))["status"] == "disabled"

    # Later runs are not delivered to it, and the failed delivery is never retried.
    await finished_run(s.client, caller)
    assert await _ids_to(s, caller) == [delivery["id"]]
    s.clock.advance(24 * 3600)
    await barrier(s.client, caller, s.rx, s.sentinel_id)
    assert len(s.rx.to("/hooks")) == 1


async def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(
    ctx: AppContext, caller: Caller
) -> None:
    clock = FakeClock()
    async with (
        receiver(Answer(200, delay=2)) as rx,
        client_with(
            ctx, clock=clock, fetch_allow_hosts=ALLOW, webhook_timeout_seconds=0.5
        ) as client,
    ):
        endpoint = await create_endpoint(client, caller, rx.url())
        await finished_run(client, caller)
        delivery = await only_delivery(client, caller, endpoint["id"])
        await rx.wait_for(1)
        seen = await wait_attempts(client, caller, delivery["id"], 1)
    assert seen["status"] == "pending"
    assert seen["response_status"] is None
    assert seen["response_body"] is None
    assert "no answer" in seen["last_error"].lower()
    assert seen["delivered_at"] is None
    _assert_retry_in(seen, 5)


async def test_disabling_an_endpoint_ends_its_pending_delivery(
    setup: Setup, caller: Caller
) -> None:
    s = setup
    s.rx.script.append(Answer(500, b"boom"))
    _run, delivery = await one_delivery(s, caller)
    retrying = await attempted(s, caller, delivery["id"], 1)
    assert retrying["status"] == "pending" and retrying["next_attempt_at"] is not None

    path = f"/v1/webhooks/{s.endpoint['id']}"
    disabled = await s.client.patch(path, json={"status": "disabled"}, headers=caller.headers)
    assert disabled.status_code == 200 and disabled.json()["status"] == "disabled"
    ended = await delivery_of(s.client, caller, delivery["id"])
    assert ended["status"] == "failed"
    assert ended["next_attempt_at"] is None
    assert ended["attempt_count"] == 1
    assert "disabled" in ended["last_error"]

    # Runs that finish while it is disabled are not delivered to it, now or later.
    await finished_run(s.client, caller)
    s.clock.advance(3600)
    await barrier(s.client, caller, s.rx, s.sentinel_id)
    assert len(s.rx.to("/hooks")) == 1
    assert await _ids_to(s, caller) == [delivery["id"]]
    assert await delivery_of(s.client, caller, delivery["id"]) == ended

    # Enabled again, it gets what finishes from then on (and not the ended delivery).
    enabled = await s.client.patch(path, json={"status": "active"}, headers=caller.headers)
    assert enabled.status_code == 200 and enabled.json()["status"] == "active"
    run = await finished_run(s.client, caller)
    [fresh, _ended] = await list_deliveries(s.client, caller, endpoint_id=s.endpoint["id"])
    assert fresh["run_id"] == run["id"]
    await s.rx.wait_for(2, path="/hooks")
    assert (await wait_attempts(s.client, caller, fresh["id"], 1))["status"] == "success"
    assert (await delivery_of(s.client, caller, delivery["id"]))["status"] == "failed"


async def test_deleting_an_endpoint_ends_its_pending_delivery(setup: Setup, caller: Caller) -> None:
    s = setup
    s.rx.script.append(Answer(500, b"boom"))
    _run, delivery = await one_delivery(s, caller)
    await attempted(s, caller, delivery["id"], 1)

    deleted = await s.client.delete(f"/v1/webhooks/{s.endpoint['id']}", headers=caller.headers)
    assert deleted.status_code == 204
    ended = await delivery_of(s.client, caller, delivery["id"])
    assert ended["status"] == "failed"
    assert ended["next_attempt_at"] is None
    assert "deleted" in ended["last_error"]

    await finished_run(s.client, caller)
    s.clock.advance(3600)
    await barrier(s.client, caller, s.rx, s.sentinel_id)
    assert len(s.rx.to("/hooks")) == 1
    assert len(await list_deliveries(s.client, caller, endpoint_id=s.endpoint["id"])) == 1


async def test_an_endpoint_whose_host_is_no_longer_allowed_gets_nothing(
    ctx: AppContext, caller: Caller
) -> None:
    async with receiver() as rx:
        async with client_with(ctx, fetch_allow_hosts=ALLOW) as client:
            endpoint = await create_endpoint(client, caller, rx.url())
        # The operator removes the receiver's network from the allow-list.
        async with client_with(ctx, clock=FakeClock(), fetch_allow_hosts="") as client:
            await finished_run(client, caller)
            delivery = await only_delivery(client, caller, endpoint["id"])
            seen = await wait_attempts(client, caller, delivery["id"], 1)
        assert rx.received == []
    assert seen["status"] == "pending"
    assert seen["response_status"] is None
    assert seen["delivered_at"] is None
    assert "127.0.0.2" in seen["last_error"]
    assert "not sent" in seen["last_error"].lower()
