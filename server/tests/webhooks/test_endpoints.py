"""Webhook endpoints through the API: create (the signing secret once), list, update,
delete, the URL rules, event names and scopes, as the reference describes them."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from genfire_server.auth import service as auth
from genfire_server.context import AppContext
from genfire_server.kit.db import Database
from tests.conftest import Caller, MakeCaller, assert_problem
from tests.variants import client_with
from tests.webhooks.helpers import (
    ALLOW,
    CREATED_FIELDS,
    ENDPOINT_FIELDS,
    EVENTS,
    create_endpoint,
    endpoint_of,
    list_endpoints,
)

URL = "https://example.com/webhooks/genfire"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
PRIVATE_URLS = ["https://10.0.0.1/x", "https://127.0.0.1/", "https://169.254.169.254/"]


def _public(created: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in created.items() if name != "signing_secret"}


async def _key(db: Database, account_id: str, scopes: list[str]) -> dict[str, str]:
    """Headers for another API key of the same account, holding only `scopes`."""
    async with db.write() as session:
        _key_row, plaintext = await auth.create_api_key(session, account_id, scopes, "scoped")
    return {"Authorization": f"Bearer {plaintext}"}


async def test_creating_an_endpoint_returns_its_signing_secret_once(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    body = {"url": URL, "description": "Agency production endpoint"}
    response = await client.post("/v1/webhooks", json=body, headers=caller.headers)
    assert response.status_code == 200, response.text
    created = response.json()
    assert set(created) == CREATED_FIELDS
    assert created["id"].startswith("wh_")
    assert created["object"] == "webhook_endpoint"
    assert created["url"] == URL
    assert created["description"] == "Agency production endpoint"
    assert created["status"] == "active"
    assert created["events"] == ["run.completed", "run.failed"]  # the default
    assert created["last_delivery_at"] is None
    assert TIMESTAMP.match(created["created_at"]) and TIMESTAMP.match(created["updated_at"])
    secret = created["signing_secret"]
    assert re.fullmatch(r"gfwsec_[0-9a-z]{32,}", secret), secret
    body_of_secret = secret.removeprefix("gfwsec_")
    preview = f"gfwsec_{body_of_secret[:4]}...{body_of_secret[-4:]}"
    assert created["signing_secret_preview"] == preview

    listed = await client.get("/v1/webhooks", headers=caller.headers)
    assert listed.status_code == 200
    assert listed.json()["object"] == "list"
    [shown] = listed.json()["data"]
    assert set(shown) == ENDPOINT_FIELDS
    assert shown == _public(created)
    assert body_of_secret not in listed.text

    patched = await client.patch(
        f"/v1/webhooks/{created['id']}", json={"description": "renamed"}, headers=caller.headers
    )
    assert patched.status_code == 200, patched.text
    assert set(patched.json()) == ENDPOINT_FIELDS
    assert patched.json()["signing_secret_preview"] == preview
    assert body_of_secret not in patched.text

    other = await create_endpoint(client, caller, URL)
    assert other["signing_secret"] != secret  # every endpoint has its own


async def test_the_events_asked_for_are_subscribed(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await create_endpoint(
        client, caller, URL, events=["batch.completed", "batch.failed", "run.failed"]
    )
    assert created["events"] == ["batch.completed", "batch.failed", "run.failed"]
    assert created["description"] is None
    assert (await endpoint_of(client, caller, created["id"]))["events"] == created["events"]


@pytest.mark.parametrize("events", [["run.completed", "run.finished"], ["RUN.COMPLETED"], []])
async def test_an_unknown_event_is_refused_naming_the_valid_ones(
    client: httpx.AsyncClient, caller: Caller, events: list[str]
) -> None:
    response = await client.post(
        "/v1/webhooks", json={"url": URL, "events": events}, headers=caller.headers
    )
    problem = assert_problem(response, 400, "validation_error")
    for event in EVENTS:
        assert event in str(problem["detail"])
    assert await list_endpoints(client, caller) == []


async def test_endpoints_are_listed_newest_first_to_their_account_only(
    client: httpx.AsyncClient, caller: Caller, make_caller: MakeCaller
) -> None:
    first = await create_endpoint(client, caller, URL, description="first")
    second = await create_endpoint(client, caller, URL + "/2", description="second")
    other = await make_caller()
    theirs = await create_endpoint(client, other, URL, description="theirs")

    assert [e["id"] for e in await list_endpoints(client, caller)] == [second["id"], first["id"]]
    assert [e["id"] for e in await list_endpoints(client, other)] == [theirs["id"]]
    # Another account's endpoint cannot be changed or deleted: it does not exist for them.
    assert_problem(
        await client.patch(
            f"/v1/webhooks/{first['id']}", json={"status": "disabled"}, headers=other.headers
        ),
        404,
        "not_found",
    )
    assert_problem(
        await client.delete(f"/v1/webhooks/{first['id']}", headers=other.headers), 404, "not_found"
    )
    assert (await endpoint_of(client, caller, first["id"]))["status"] == "active"


async def test_a_patch_changes_the_fields_given_and_only_those(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await create_endpoint(client, caller, URL, description="label")
    path = f"/v1/webhooks/{created['id']}"

    async def patch(body: dict[str, Any]) -> dict[str, Any]:
        response = await client.patch(path, json=body, headers=caller.headers)
        assert response.status_code == 200, response.text
        assert set(response.json()) == ENDPOINT_FIELDS
        assert response.json() == await endpoint_of(client, caller, created["id"])
        return dict(response.json())

    moved = await patch({"url": "https://hooks.example.org/genfire"})
    assert moved["url"] == "https://hooks.example.org/genfire"
    assert moved["description"] == "label"  # absent: unchanged
    assert moved["events"] == ["run.completed", "run.failed"]
    assert moved["status"] == "active"
    assert moved["updated_at"] >= created["updated_at"]
    assert moved["created_at"] == created["created_at"]
    assert moved["id"] == created["id"]
    assert moved["signing_secret_preview"] == created["signing_secret_preview"]

    relabelled = await patch({"description": "Agency production endpoint"})
    assert relabelled["description"] == "Agency production endpoint"
    assert relabelled["url"] == "https://hooks.example.org/genfire"
    cleared = await patch({"description": None})
    assert cleared["description"] is None

    disabled = await patch({"status": "disabled"})
    assert disabled["status"] == "disabled"
    assert disabled["events"] == ["run.completed", "run.failed"]
    assert disabled["url"] == "https://hooks.example.org/genfire"
    assert (await patch({"status": "active"}))["status"] == "active"

    replaced = await patch({"events": ["batch.failed"]})
    assert replaced["events"] == ["batch.failed"]  # replaced, not merged
    assert replaced["status"] == "active"
    assert replaced["description"] is None

    everything = await patch(
        {
            "url": URL,
            "description": "all at once",
            "status": "disabled",
            "events": ["run.failed", "batch.completed"],
        }
    )
    assert everything["url"] == URL
    assert everything["description"] == "all at once"
    assert everything["status"] == "disabled"
    assert everything["events"] == ["run.failed", "batch.completed"]


async def test_a_bad_patch_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await create_endpoint(client, caller, URL, description="label")
    path = f"/v1/webhooks/{created['id']}"
    before = await endpoint_of(client, caller, created["id"])

    problem = assert_problem(
        await client.patch(path, json={"events": ["run.done"]}, headers=caller.headers),
        400,
        "validation_error",
    )
    for event in EVENTS:
        assert event in str(problem["detail"])
    assert_problem(
        await client.patch(path, json={"status": "paused"}, headers=caller.headers),
        400,
        "validation_error",
    )
    assert_problem(
        await client.patch(path, json={"url": "http://example.com/plain"}, headers=caller.headers),
        400,
        "validation_error",
    )
    assert_problem(
        await client.patch(
            path, json={"url": URL, "signing_secret": "gfwsec_mine"}, headers=caller.headers
        ),
        400,
        "validation_error",
    )
    assert await endpoint_of(client, caller, created["id"]) == before


async def test_a_malformed_endpoint_is_refused(client: httpx.AsyncClient, caller: Caller) -> None:
    bodies: list[dict[str, Any]] = [
        {},
        {"url": ""},
        {"url": URL, "description": "x" * 501},
        {"url": URL + "/" + "x" * 2100},
        {"url": URL, "events": "run.completed"},
        {"url": URL, "status": "disabled"},
    ]
    for body in bodies:
        response = await client.post("/v1/webhooks", json=body, headers=caller.headers)
        assert response.status_code == 400, (body, response.text)
    created = await create_endpoint(client, caller, URL)
    changes: list[dict[str, Any]] = [{"url": None}, {"status": None}, {"events": None}]
    for change in [*changes, {"events": []}]:
        response = await client.patch(
            f"/v1/webhooks/{created['id']}", json=change, headers=caller.headers
        )
        assert response.status_code == 400, (change, response.text)
    assert await list_endpoints(client, caller) == [_public(created)]


async def test_an_account_has_at_most_20_endpoints(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    for n in range(20):
        await create_endpoint(client, caller, f"{URL}/{n}")
    assert_problem(
        await client.post("/v1/webhooks", json={"url": URL}, headers=caller.headers),
        400,
        "validation_error",
    )
    first = (await list_endpoints(client, caller))[-1]
    deleted = await client.delete(f"/v1/webhooks/{first['id']}", headers=caller.headers)
    assert deleted.status_code == 204
    await create_endpoint(client, caller, URL)  # deleting one makes room
    assert len(await list_endpoints(client, caller)) == 20


async def test_a_deleted_endpoint_is_gone(client: httpx.AsyncClient, caller: Caller) -> None:
    kept = await create_endpoint(client, caller, URL)
    created = await create_endpoint(client, caller, URL)
    path = f"/v1/webhooks/{created['id']}"

    deleted = await client.delete(path, headers=caller.headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert [e["id"] for e in await list_endpoints(client, caller)] == [kept["id"]]
    assert_problem(
        await client.patch(path, json={"status": "active"}, headers=caller.headers),
        404,
        "not_found",
    )
    assert_problem(await client.delete(path, headers=caller.headers), 404, "not_found")
    assert_problem(
        await client.delete("/v1/webhooks/wh_doesnotexist", headers=caller.headers),
        404,
        "not_found",
    )


# --- URL rules ---------------------------------------------------------------------------


async def test_plain_http_is_refused_unless_the_host_is_allow_listed(
    client: httpx.AsyncClient, ctx: AppContext, caller: Caller
) -> None:
    for url in ("http://example.com/hooks", "http://hooks.example.org:8080/genfire"):
        response = await client.post("/v1/webhooks", json={"url": url}, headers=caller.headers)
        assert response.status_code == 400, response.text
    # The receiver's loopback address is private: refused until the operator allows it.
    assert_problem(
        await client.post(
            "/v1/webhooks", json={"url": "http://127.0.0.2:8080/hooks"}, headers=caller.headers
        ),
        400,
        "unsafe_url",
    )
    assert await list_endpoints(client, caller) == []
    async with client_with(ctx, fetch_allow_hosts=ALLOW) as allowing:
        created = await create_endpoint(allowing, caller, "http://127.0.0.2:8080/hooks")
        assert created["url"] == "http://127.0.0.2:8080/hooks"
        # Only that network: plain http elsewhere is still refused.
        refused = await allowing.post(
            "/v1/webhooks", json={"url": "http://example.com/hooks"}, headers=caller.headers
        )
        assert refused.status_code == 400, refused.text


@pytest.mark.parametrize(
    "url",
    [
        *PRIVATE_URLS,
        "https://localhost/hooks",
        "https://[::1]/hooks",
        "https://user:password@example.com/hooks",
        "ftp://example.com/hooks",
    ],
)
async def test_a_private_or_unsupported_url_is_refused_at_creation(
    client: httpx.AsyncClient, caller: Caller, url: str
) -> None:
    assert_problem(
        await client.post("/v1/webhooks", json={"url": url}, headers=caller.headers),
        400,
        "unsafe_url",
    )
    assert await list_endpoints(client, caller) == []


@pytest.mark.parametrize("url", PRIVATE_URLS)
async def test_a_private_url_is_refused_on_patch(
    client: httpx.AsyncClient, caller: Caller, url: str
) -> None:
    created = await create_endpoint(client, caller, URL)
    assert_problem(
        await client.patch(
            f"/v1/webhooks/{created['id']}", json={"url": url}, headers=caller.headers
        ),
        400,
        "unsafe_url",
    )
    assert (await endpoint_of(client, caller, created["id"]))["url"] == URL


# --- scopes ------------------------------------------------------------------------------


async def test_reading_needs_webhooks_read_and_changing_needs_webhooks_write(
    client: httpx.AsyncClient, caller: Caller, db: Database
) -> None:
    created = await create_endpoint(client, caller, URL)
    path = f"/v1/webhooks/{created['id']}"
    replay = "/v1/webhooks/deliveries/delivery_01jd0x4f5k6m7n8p9q0r1s2t3v/replay"
    reader = await _key(db, caller.account_id, ["webhooks:read"])
    writer = await _key(db, caller.account_id, ["webhooks:write"])
    neither = await _key(db, caller.account_id, ["runs:read", "batches:write"])

    async def reads(headers: dict[str, str]) -> list[httpx.Response]:
        return [
            await client.get("/v1/webhooks", headers=headers),
            await client.get("/v1/webhooks/deliveries", headers=headers),
        ]

    async def writes(headers: dict[str, str]) -> list[httpx.Response]:
        return [
            await client.post("/v1/webhooks", json={"url": URL}, headers=headers),
            await client.patch(path, json={"description": "x"}, headers=headers),
            await client.post(replay, headers=headers),
            await client.delete(path, headers=headers),
        ]

    for response in await reads(reader):
        assert response.status_code == 200, response.text
    for response in await writes(reader):
        problem = assert_problem(response, 403, "insufficient_scope")
        assert "webhooks:write" in str(problem["detail"])
    for response in await reads(writer):
        problem = assert_problem(response, 403, "insufficient_scope")
        assert "webhooks:read" in str(problem["detail"])
    for response in await reads(neither) + await writes(neither):
        assert_problem(response, 403, "insufficient_scope")
    for response in await reads({}) + await writes({}):
        assert response.status_code == 401, response.text
    # Nothing the refused requests asked for happened.
    assert await list_endpoints(client, caller) == [_public(created)]

    made = await client.post("/v1/webhooks", json={"url": URL}, headers=writer)
    assert made.status_code == 200, made.text
    patched = await client.patch(path, json={"description": "x"}, headers=writer)
    assert patched.status_code == 200, patched.text
    assert_problem(await client.post(replay, headers=writer), 404, "not_found")
    assert (await client.delete(path, headers=writer)).status_code == 204


async def test_ids_that_name_nothing_are_not_found(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    for unknown in ("wh_" + "z" * 200, "delivery_" + "é" * 50, "1"):
        assert_problem(
            await client.patch(
                f"/v1/webhooks/{unknown}", json={"description": None}, headers=caller.headers
            ),
            404,
            "not_found",
        )
        assert_problem(
            await client.delete(f"/v1/webhooks/{unknown}", headers=caller.headers),
            404,
            "not_found",
        )
        assert_problem(
            await client.post(f"/v1/webhooks/deliveries/{unknown}/replay", headers=caller.headers),
            404,
            "not_found",
        )
    listed = await client.get(
        "/v1/webhooks/deliveries", params={"endpoint_id": "wh_nothing"}, headers=caller.headers
    )
    assert listed.status_code == 200 and listed.json()["data"] == []
    assert_problem(
        await client.get(
            "/v1/webhooks/deliveries", params={"endpoint_id": "w" * 65}, headers=caller.headers
        ),
        400,
        "validation_error",
    )
