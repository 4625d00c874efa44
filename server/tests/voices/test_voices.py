from __future__ import annotations

import httpx

from genfire_server.kit.db import Database
from tests.conftest import Caller, MakeCaller, assert_problem
from tests.voices.helpers import add_cloned_voice


async def test_lists_only_the_callers_cloned_voices(
    client: httpx.AsyncClient, db: Database, make_caller: MakeCaller
) -> None:
    mine, theirs = await make_caller(), await make_caller()
    await add_cloned_voice(db, mine.account_id, "fal_cloned_mine", "Mine")
    await add_cloned_voice(db, theirs.account_id, "fal_cloned_theirs", "Theirs")
    body = (await client.get("/v1/audio/voices", headers=mine.headers)).json()
    assert body["object"] == "list"
    assert [v["id"] for v in body["data"]] == ["fal_cloned_mine"]
    voice = body["data"][0]
    assert set(voice) == {"id", "object", "name", "type", "provider", "preview_url", "created_at"}
    assert (
        voice["object"] == "voice"
        and voice["type"] == "cloned"
        and voice["provider"] == "fal_qwen3"
    )


async def test_include_stock_appends_the_engines_voices(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    plain = (await client.get("/v1/audio/voices", headers=caller.headers)).json()["data"]
    assert plain == []
    stock = (await client.get("/v1/audio/voices?include=stock", headers=caller.headers)).json()[
        "data"
    ]
    assert stock and all(v["type"] == "stock" for v in stock)
    assert "local_joe" in {v["id"] for v in stock}


async def test_unknown_include_is_a_validation_error(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    body = assert_problem(
        await client.get("/v1/audio/voices?include=stock,premium", headers=caller.headers),
        400,
        "validation_error",
    )
    assert "premium" in str(body["detail"])
