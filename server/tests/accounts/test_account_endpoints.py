from __future__ import annotations

import re

import httpx

from genfire_server.credits import service as credits
from genfire_server.kit.db import Database
from tests.conftest import ACCOUNT_FIELDS, Caller, MakeCaller

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def test_get_account_has_the_contract_shape(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    response = await client.get("/v1/account", headers=caller.headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ACCOUNT_FIELDS
    assert body["id"] == caller.account_id and body["id"].startswith("acct_")
    assert body["object"] == "account" and body["email"] == caller.email
    assert body["status"] == "active" and body["display_name"] == "Test User"
    assert ISO.match(body["created_at"]) and ISO.match(body["updated_at"])


async def test_credits_show_the_spendable_balance(
    client: httpx.AsyncClient, db: Database, make_caller: MakeCaller
) -> None:
    caller = await make_caller(credits=250)
    first = await client.get("/v1/account/credits", headers=caller.headers)
    assert first.json() == {"account_id": caller.account_id, "balance": 250, "currency": "credits"}
    async with db.write() as session:
        await credits.hold(session, caller.account_id, 100_025)  # 100.025 credits
    after = (await client.get("/v1/account/credits", headers=caller.headers)).json()
    assert after["balance"] == 149.975


async def test_each_key_sees_its_own_account(
    client: httpx.AsyncClient, make_caller: MakeCaller
) -> None:
    first, second = await make_caller(), await make_caller()
    a = (await client.get("/v1/account", headers=first.headers)).json()
    b = (await client.get("/v1/account", headers=second.headers)).json()
    assert a["id"] == first.account_id and b["id"] == second.account_id and a["id"] != b["id"]
