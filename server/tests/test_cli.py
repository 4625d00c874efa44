"""`genfire-server admin ...`: every command, text and --json, against the test database."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import httpx
import pytest

from genfire_server.cli import main
from genfire_server.settings import Settings
from tests.conftest import ACCOUNT_FIELDS, TEST_SECRET


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings, tmp_path: Path) -> Path:
    monkeypatch.setenv("GENFIRE_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("GENFIRE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GENFIRE_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("GENFIRE_PUBLIC_URL", "http://testserver")
    return tmp_path


async def cli(*argv: str) -> int:
    """Run the CLI as an operator would: it owns its event loop, so give it a thread."""
    return await asyncio.to_thread(main, list(argv))


async def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert await cli(*argv, "--json") == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.usefixtures("db")
async def test_account_key_and_credit_commands(
    cli_env: Path, capsys: pytest.CaptureFixture[str], client: httpx.AsyncClient
) -> None:
    account = await run_json(
        capsys,
        "admin",
        "create-account",
        "--email",
        "Ops@Example.com",
        "--name",
        "Ops",
        "--credits",
        "120",
    )
    assert isinstance(account, dict)
    assert set(account) == ACCOUNT_FIELDS
    assert account["email"] == "ops@example.com" and account["display_name"] == "Ops"

    key = await run_json(
        capsys,
        "admin",
        "create-key",
        "--account",
        "ops@example.com",
        "--scopes",
        "account:read, credits:read",
        "--label",
        "ci",
    )
    assert isinstance(key, dict) and set(key) == {"id", "api_key", "scopes", "label"}
    assert key["scopes"] == ["account:read", "credits:read"] and key["label"] == "ci"
    headers = {"Authorization": f"Bearer {key['api_key']}"}
    assert (await client.get("/v1/account/credits", headers=headers)).json()["balance"] == 120

    granted = await run_json(
        capsys,
        "admin",
        "grant-credits",
        "--account",
        str(account["id"]),
        "--amount",
        "2.5",
        "--reason",
        "promo",
    )
    assert granted == {"account_id": account["id"], "amount": 2.5, "balance": 122.5}
    assert (await client.get("/v1/account/credits", headers=headers)).json()["balance"] == 122.5

    listed = await run_json(capsys, "admin", "list-accounts")
    assert isinstance(listed, list)
    assert [a["balance"] for a in listed if a["id"] == account["id"]] == [122.5]

    await run_json(capsys, "admin", "revoke-key", "--key", str(key["api_key"]))
    assert (await client.get("/v1/account/credits", headers=headers)).status_code == 401


@pytest.mark.usefixtures("db")
async def test_oauth_client_command(
    cli_env: Path, capsys: pytest.CaptureFixture[str], client: httpx.AsyncClient
) -> None:
    await run_json(capsys, "admin", "create-account", "--email", "m2m@example.com")
    made = await run_json(
        capsys,
        "admin",
        "create-oauth-client",
        "--account",
        "m2m@example.com",
        "--scopes",
        "models:read",
    )
    assert isinstance(made, dict) and set(made) == {"client_id", "client_secret", "scopes"}
    token = await client.post(
        "/v1/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": made["client_id"],
            "client_secret": made["client_secret"],
        },
    )
    assert token.status_code == 200 and token.json()["scope"] == "models:read"
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert (await client.get("/v1/models", headers=bearer)).status_code == 200

    revoked = await run_json(
        capsys, "admin", "revoke-oauth-client", "--client", str(made["client_id"])
    )
    assert isinstance(revoked, dict) and revoked["client_id"] == made["client_id"]
    assert (await client.get("/v1/models", headers=bearer)).status_code == 401


@pytest.mark.usefixtures("db")
async def test_errors_are_reported_not_raised(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await cli("admin", "create-key", "--account", "nobody@example.com") == 1
    assert "No account" in capsys.readouterr().err
    assert await cli("admin", "create-account", "--email", "dup@example.com") == 0
    capsys.readouterr()
    assert await cli("admin", "create-account", "--email", "dup@example.com", "--json") == 1
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "account_exists"
    assert (
        await cli(
            "admin",
            "create-key",
            "--account",
            "dup@example.com",
            "--scopes",
            "images:write bogus:scope",
        )
        == 1
    )
    assert "bogus:scope" in capsys.readouterr().err
    assert (
        await cli(
            "admin",
            "grant-credits",
            "--account",
            "dup@example.com",
            "--amount",
            "0.0005",
            "--reason",
            "x",
        )
        == 1
    )


@pytest.mark.usefixtures("db")
async def test_ensure_dev_account_is_idempotent(
    cli_env: Path, capsys: pytest.CaptureFixture[str], client: httpx.AsyncClient
) -> None:
    first = await run_json(capsys, "admin", "ensure-dev-account")
    assert isinstance(first, dict) and first["created"] is True
    key_file = cli_env / "dev-api-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    api_key = key_file.read_text().strip()
    assert api_key == first["api_key"]

    second = await run_json(capsys, "admin", "ensure-dev-account")
    assert isinstance(second, dict) and second["created"] is False and "api_key" not in second
    assert key_file.read_text().strip() == api_key

    headers = {"Authorization": f"Bearer {api_key}"}
    assert (await client.get("/v1/account", headers=headers)).json()["email"] == "dev@localhost"
    assert (await client.get("/v1/account/credits", headers=headers)).json()["balance"] == 10000

    # A dead key in the file is replaced; the account (and its credits) are kept.
    assert await cli("admin", "revoke-key", "--key", api_key) == 0
    capsys.readouterr()
    third = await run_json(capsys, "admin", "ensure-dev-account")
    assert isinstance(third, dict) and third["created"] is False and third["api_key"] != api_key
    headers = {"Authorization": f"Bearer {third['api_key']}"}
    assert (await client.get("/v1/account/credits", headers=headers)).json()["balance"] == 10000
