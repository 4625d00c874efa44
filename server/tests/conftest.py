"""Shared fixtures: a real migrated database (SQLite, or PostgreSQL when
GENFIRE_TEST_DATABASE_URL is set), the real app over ASGI, and account factories."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from genfire_server import migrations
from genfire_server.accounts import service as accounts
from genfire_server.app import create_app
from genfire_server.auth import service as auth
from genfire_server.catalog.service import Catalog
from genfire_server.context import AppContext
from genfire_server.engines.registry import EngineRegistry
from genfire_server.kit.db import Database
from genfire_server.models import Base
from genfire_server.settings import Settings
from genfire_server.storage import LocalStorage
from genfire_server.voices.stock import load_stock_voices

TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256"
# The members of the contract's account object (GET /account).
ACCOUNT_FIELDS = {
    "id",
    "object",
    "display_name",
    "email",
    "plan",
    "status",
    "created_at",
    "updated_at",
}


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("GENFIRE_TEST_DATABASE_URL")
    if url:
        asyncio.run(_reset_postgres(url))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'genfire.db'}"
    migrations.upgrade(url)
    return url


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=TEST_SECRET,
        public_url="http://testserver",
        access_log=True,
        enable_test_engine=True,
        # A quick sweeper, so lost and abandoned runs are picked up within a test.
        sweep_interval_seconds=0.2,
        redispatch_after_seconds=1,
        _env_file=None,
    )


@pytest.fixture(scope="session")
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database.from_settings(settings)
    yield database
    await database.dispose()


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "db" not in request.fixturenames:
        return
    database: Database = request.getfixturevalue("db")
    async with database.write() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(table.delete())


@pytest.fixture
async def ctx(settings: Settings, db: Database) -> AsyncIterator[AppContext]:
    """The process context with its workers running (ASGITransport runs no lifespan)."""
    context = AppContext(
        settings=settings,
        db=db,
        catalog=Catalog.load(),
        stock_voices=load_stock_voices(),
        storage=LocalStorage(settings.resolved_storage_dir),
        engines=EngineRegistry.from_settings(settings, db),
    )
    await context.executor.start()
    yield context
    await context.executor.stop(grace_seconds=0)
    await context.background.drain()


@pytest.fixture
async def client(ctx: AppContext) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(context=ctx)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@dataclass
class Caller:
    account_id: str
    email: str
    api_key: str
    key_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


MakeCaller = Callable[..., Awaitable[Caller]]


@pytest.fixture
def make_caller(db: Database) -> MakeCaller:
    """Create an account (with credits) and an API key of the given scopes."""
    counter = iter(range(1_000_000))

    async def make(scopes: list[str] | None = None, credits: int = 1000) -> Caller:
        email = f"user{next(counter)}-{os.urandom(3).hex()}@example.com"
        async with db.write() as session:
            account = await accounts.create_account(
                session, email=email, display_name="Test User", credits_milli=credits * 1000
            )
            key, plaintext = await auth.create_api_key(session, account.id, scopes or ["*"], "test")
        return Caller(account.id, email, plaintext, key.id)

    return make


@pytest.fixture
async def caller(make_caller: MakeCaller) -> Caller:
    return await make_caller()


def is_postgres() -> bool:
    return bool(os.environ.get("GENFIRE_TEST_DATABASE_URL"))


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    """The response is the contract's problem document with this status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "code", "request_id"}
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"https://api.genfire.ai/errors/{code}"
    assert body["request_id"] == response.headers["x-request-id"]
    assert isinstance(body["detail"], str) and body["detail"]
    return dict(body)
