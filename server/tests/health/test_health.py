from __future__ import annotations

from pathlib import Path

import httpx

from genfire_server.app import create_app
from genfire_server.catalog.service import Catalog
from genfire_server.context import AppContext
from genfire_server.kit.db import Database
from genfire_server.settings import Settings
from genfire_server.storage import LocalStorage
from genfire_server.voices.stock import load_stock_voices
from tests.conftest import assert_problem


async def test_healthz_needs_no_auth(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_readyz_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200 and response.json() == {"status": "ready"}


async def test_readyz_is_503_when_the_database_is_gone(
    settings: Settings, tmp_path: object
) -> None:
    broken = Database("sqlite+aiosqlite:////nonexistent-dir/for/sure/genfire.db")
    ctx = AppContext(
        settings=settings,
        db=broken,
        catalog=Catalog.load(),
        stock_voices=load_stock_voices(),
        storage=LocalStorage(Path(str(tmp_path)) / "files"),
    )
    app = create_app(context=ctx)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        assert (
            await http.get("/healthz")
        ).status_code == 200  # liveness does not touch the database
        assert_problem(await http.get("/readyz"), 503, "not_ready")
    await broken.dispose()


async def test_readyz_is_503_on_a_database_that_was_never_migrated(
    settings: Settings, tmp_path: Path
) -> None:
    empty = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    ctx = AppContext(
        settings=settings,
        db=empty,
        catalog=Catalog.load(),
        stock_voices=load_stock_voices(),
        storage=LocalStorage(tmp_path / "files"),
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(context=ctx)), base_url="http://t"
    ) as http:
        body = assert_problem(await http.get("/readyz"), 503, "not_ready")
    assert "migrate" in str(body["detail"])
    await empty.dispose()
