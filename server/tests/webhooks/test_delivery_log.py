"""The delivery log (`GET /webhooks/deliveries`) and replay: newest first, per endpoint,
limited, private to the account; a replay is a new delivery of the same event."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from genfire_server.context import AppContext
from tests.conftest import Caller, MakeCaller, assert_problem
from tests.variants import client_with
from tests.webhooks.helpers import (
    ALLOW,
    DELIVERY_FIELDS,
    create_endpoint,
    delivery_of,
    finished_run,
    list_deliveries,
    only_delivery,
    wait_attempts,
    wait_deliveries,
)
from tests.webhooks.receiver import receiver


def _all_sent(count: int) -> Callable[[list[dict[str, Any]]], bool]:
    """`count` deliveries, every one delivered."""
    return lambda ds: len(ds) >= count and all(d["status"] == "success" for d in ds)


async def test_deliveries_are_listed_newest_first_per_endpoint_and_per_account(
    ctx: AppContext, caller: Caller, make_caller: MakeCaller
) -> None:
    other = await make_caller()
    async with receiver() as rx, client_with(ctx, fetch_allow_hosts=ALLOW) as client:
        first = await create_endpoint(client, caller, rx.url("/a"), events=["run.completed"])
        second = await create_endpoint(client, caller, rx.url("/b"), events=["run.completed"])
        runs = [(await finished_run(client, caller))["id"] for _ in range(3)]
        theirs = await create_endpoint(client, other, rx.url("/c"))
        their_run = await finished_run(client, other)
        found = await wait_deliveries(client, caller, _all_sent(6))
        their_found = await wait_deliveries(client, other, _all_sent(1))

        assert len(found) == 6
        for delivery in found:
            assert set(delivery) == DELIVERY_FIELDS
            assert delivery["object"] == "webhook_delivery"
            assert delivery["id"].startswith("delivery_")
            assert delivery["event_type"] == "run.completed"
            assert delivery["batch_id"] is None
            assert delivery["max_attempts"] == 6
        newest_first = list(reversed(runs))
        assert [d["run_id"] for d in found] == [run for run in newest_first for _ in (1, 2)]
        assert [d["created_at"] for d in found] == sorted(
            (d["created_at"] for d in found), reverse=True
        )
        assert {d["endpoint_id"] for d in found} == {first["id"], second["id"]}

        to_first = await list_deliveries(client, caller, endpoint_id=first["id"])
        assert [d["run_id"] for d in to_first] == newest_first
        assert {d["endpoint_id"] for d in to_first} == {first["id"]}
        assert to_first == [d for d in found if d["endpoint_id"] == first["id"]]

        assert await list_deliveries(client, caller, limit=2) == found[:2]
        assert await list_deliveries(client, caller, endpoint_id=first["id"], limit=1) == [
            to_first[0]
        ]
        assert len(await list_deliveries(client, caller)) == 6  # the default, 25, covers all
        for bad in (0, 101, "many"):
            assert_problem(
                await client.get(
                    "/v1/webhooks/deliveries", params={"limit": bad}, headers=caller.headers
                ),
                400,
                "validation_error",
            )

        # Each account sees only its own deliveries, whatever it filters on.
        assert [d["run_id"] for d in their_found] == [their_run["id"]]
        assert their_found[0]["endpoint_id"] == theirs["id"]
        assert await list_deliveries(client, other, endpoint_id=first["id"]) == []
        assert await list_deliveries(client, caller, endpoint_id=theirs["id"]) == []
        assert their_run["id"] not in {d["run_id"] for d in found}


async def test_a_replay_sends_the_same_event_again_as_a_new_delivery(
    ctx: AppContext, caller: Caller
) -> None:
    async with receiver() as rx, client_with(ctx, fetch_allow_hosts=ALLOW) as client:
        endpoint = await create_endpoint(client, caller, rx.url())
        run = await finished_run(client, caller)
        original = await wait_attempts(
            client, caller, (await only_delivery(client, caller, endpoint["id"]))["id"], 1
        )
        assert original["status"] == "success"
        [first] = await rx.wait_for(1)

        response = await client.post(
            f"/v1/webhooks/deliveries/{original['id']}/replay", headers=caller.headers
        )
        assert response.status_code == 200, response.text
        again = response.json()
        assert set(again) == DELIVERY_FIELDS
        assert again["object"] == "webhook_delivery"
        assert again["id"] != original["id"] and again["id"].startswith("delivery_")
        assert again["endpoint_id"] == endpoint["id"]
        assert again["event_type"] == "run.completed"
        assert again["run_id"] == run["id"]
        assert again["batch_id"] is None
        assert again["status"] == "pending"
        assert again["attempt_count"] == 0
        assert again["max_attempts"] == 6
        assert again["response_status"] is None
        assert again["response_body"] is None
        assert again["last_error"] is None
        assert again["last_attempt_at"] is None
        assert again["delivered_at"] is None
        signature = original["request_headers"]["X-GenFire-Signature"]
        assert again["request_headers"]["X-GenFire-Signature"] == signature

        [_, second] = await rx.wait_for(2)
        sent = await wait_attempts(client, caller, again["id"], 1)
        assert sent["status"] == "success"
        assert second.body == first.body  # the same bytes, signed the same way
        assert json.loads(second.body)["id"] == json.loads(first.body)["id"]
        assert second.headers["webhook-id"] == first.headers["webhook-id"]
        assert second.headers["x-genfire-signature"] == signature
        assert second.headers["x-genfire-delivery"] == again["id"]
        assert first.headers["x-genfire-delivery"] == original["id"]
        # The original's record is untouched; both are in the log, the replay first.
        assert await delivery_of(client, caller, original["id"]) == original
        listed = await list_deliveries(client, caller, endpoint_id=endpoint["id"])
        assert [d["id"] for d in listed] == [again["id"], original["id"]]


async def test_a_replay_to_a_disabled_endpoint_is_a_conflict(
    ctx: AppContext, caller: Caller
) -> None:
    async with receiver() as rx, client_with(ctx, fetch_allow_hosts=ALLOW) as client:
        endpoint = await create_endpoint(client, caller, rx.url())
        await finished_run(client, caller)
        delivery = await only_delivery(client, caller, endpoint["id"])
        await wait_attempts(client, caller, delivery["id"], 1)
        path = f"/v1/webhooks/{endpoint['id']}"
        replay = f"/v1/webhooks/deliveries/{delivery['id']}/replay"

        disabled = await client.patch(path, json={"status": "disabled"}, headers=caller.headers)
        assert disabled.status_code == 200, disabled.text
        assert_problem(
            await client.post(replay, headers=caller.headers), 409, "webhook_endpoint_disabled"
        )
        assert len(await list_deliveries(client, caller)) == 1

        enabled = await client.patch(path, json={"status": "active"}, headers=caller.headers)
        assert enabled.status_code == 200, enabled.text
        replayed = await client.post(replay, headers=caller.headers)
        assert replayed.status_code == 200, replayed.text
        await wait_attempts(client, caller, replayed.json()["id"], 1)
        assert len(rx.received) == 2


async def test_a_replay_of_a_delivery_that_is_not_the_callers_is_not_found(
    ctx: AppContext, caller: Caller, make_caller: MakeCaller
) -> None:
    other = await make_caller()
    async with receiver() as rx, client_with(ctx, fetch_allow_hosts=ALLOW) as client:
        endpoint = await create_endpoint(client, caller, rx.url())
        await finished_run(client, caller)
        delivery = await wait_attempts(
            client, caller, (await only_delivery(client, caller, endpoint["id"]))["id"], 1
        )
        replay = f"/v1/webhooks/deliveries/{delivery['id']}/replay"
        assert_problem(await client.post(replay, headers=other.headers), 404, "not_found")
        assert_problem(
            await client.post(
                "/v1/webhooks/deliveries/delivery_01jd0x4f5k6m7n8p9q0r1s2t3v/replay",
                headers=caller.headers,
            ),
            404,
            "not_found",
        )
        # Nor can the endpoint's owner replay to an endpoint it deleted.
        deleted = await client.delete(f"/v1/webhooks/{endpoint['id']}", headers=caller.headers)
        assert deleted.status_code == 204
        assert_problem(await client.post(replay, headers=caller.headers), 404, "not_found")
        assert await list_deliveries(client, other) == []
        assert [d["id"] for d in await list_deliveries(client, caller)] == [delivery["id"]]
        assert len(rx.received) == 1
