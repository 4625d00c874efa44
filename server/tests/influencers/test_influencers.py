"""Influencers: created from photos, listed when ready, private, and usable in mentions."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Caller, MakeCaller, assert_problem
from tests.generation.helpers import png_bytes, png_size, post, upload


async def _create(
    client: httpx.AsyncClient, caller: Caller, handle: str = "sarah", photos: int = 2
) -> httpx.Response:
    urls = [
        await upload(client, caller, png_bytes(color=(40 * i, 120, 80)), f"p{i}.png", "image/png")
        for i in range(photos)
    ]
    return await client.post(
        "/v1/influencers",
        json={"handle": handle, "display_name": "Sarah Chen", "photo_urls": urls},
        headers=caller.headers,
    )


async def test_create_list_get(client: httpx.AsyncClient, caller: Caller) -> None:
    created = await _create(client, caller)
    assert created.status_code == 200, created.text
    influencer = created.json()
    assert influencer["id"].startswith("model_") and influencer["object"] == "influencer"
    assert (influencer["handle"], influencer["status"], influencer["source_type"]) == (
        "sarah",
        "ready",
        "uploaded",
    )
    assert await png_size(client, influencer["preview_url"]) == (320, 240)
    listed = (await client.get("/v1/influencers", headers=caller.headers)).json()
    assert [item["id"] for item in listed["data"]] == [influencer["id"]]
    one = (await client.get(f"/v1/influencers/{influencer['id']}", headers=caller.headers)).json()
    assert one["handle"] == "sarah"


async def test_rules(client: httpx.AsyncClient, caller: Caller, make_caller: MakeCaller) -> None:
    assert (await _create(client, caller)).status_code == 200
    assert_problem(await _create(client, caller), 409, "handle_taken")
    assert_problem(await _create(client, caller, handle="Sarah!"), 400, "validation_error")
    assert_problem(await _create(client, caller, handle="many", photos=9), 400, "validation_error")
    assert_problem(await _create(client, caller, handle="none", photos=0), 400, "validation_error")
    blank = await client.post(
        "/v1/influencers",
        json={
            "handle": "blank",
            "display_name": "   ",
            "photo_urls": ["https://example.com/a.png"],
        },
        headers=caller.headers,
    )
    assert_problem(blank, 400, "validation_error")
    stranger = await make_caller()
    influencer = (await client.get("/v1/influencers", headers=caller.headers)).json()["data"][0]
    assert_problem(
        await client.get(f"/v1/influencers/{influencer['id']}", headers=stranger.headers),
        404,
        "not_found",
    )
    text = await upload(client, caller, b"not an image at all", "notes.txt", "text/plain")
    bad = await client.post(
        "/v1/influencers",
        json={"handle": "texty", "display_name": "T", "photo_urls": [text]},
        headers=caller.headers,
    )
    assert_problem(bad, 400, "validation_error")


async def test_idempotent_with_a_key(client: httpx.AsyncClient, caller: Caller) -> None:
    urls = [await upload(client, caller, png_bytes(), "p.png", "image/png")]
    body = {"handle": "kai", "display_name": "Kai", "photo_urls": urls}
    headers = {**caller.headers, "Idempotency-Key": uuid.uuid4().hex}
    first = await client.post("/v1/influencers", json=body, headers=headers)
    again = await client.post("/v1/influencers", json=body, headers=headers)
    assert first.status_code == 200 and again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"


async def test_a_mention_routes_through_the_edit_variant(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    influencer = (await _create(client, caller)).json()
    body = {
        "prompt": "@sarah holding a matte black bottle",
        "mentions": [{"handle": "sarah", "influencer_id": influencer["id"]}],
    }
    run = (await post(client, caller, "/v1/images/generations", body)).json()
    assert run["status"] == "completed", run
    assert (
        run["input_summary"]["mentions"] == ["sarah"] and run["input_summary"]["has_image"] is True
    )
    assert await png_size(client, run["output"]["output_url"]) == (1024, 1024)
    wrong = {**body, "mentions": [{"handle": "sam", "influencer_id": influencer["id"]}]}
    assert_problem(
        await post(client, caller, "/v1/images/generations", wrong), 400, "validation_error"
    )
    missing = {**body, "mentions": [{"handle": "sarah", "influencer_id": "model_nope"}]}
    assert_problem(
        await post(client, caller, "/v1/images/generations", missing), 400, "validation_error"
    )


def test_mention_prompt_rewrites_the_handle() -> None:
    from genfire_server.generation.influencer_mentions import IDENTITY_DIRECTIVE, mention_prompt

    assert mention_prompt("@Sarah on a beach with @sarahs dog", "sarah") == (
        f"the character on a beach with @sarahs dog {IDENTITY_DIRECTIVE}"
    )
