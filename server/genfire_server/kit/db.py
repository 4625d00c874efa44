"""Database engines and sessions, the same API on SQLite and PostgreSQL.

SQLite allows one writer at a time. A transaction that reads and then writes can fail
with SQLITE_BUSY_SNAPSHOT (the busy timeout cannot help it), and writers that poll the
busy handler wait up to 100 ms after the lock frees. So on SQLite:

- write transactions start with `BEGIN IMMEDIATE` (they take the write lock up front), and
  writers of this process queue on an asyncio lock first, so they hand the lock over
  without polling; `busy_timeout` covers other processes (the admin CLI, a worker);
- read transactions start with a plain `BEGIN` and never block or get blocked (WAL).

On PostgreSQL both kinds are ordinary READ COMMITTED transactions; correctness under
concurrency comes from guarded conditional updates, never from the lock above.

`fetch_one` serves single-row reads of the hottest paths outside any transaction (see
`kit/hot_reads.py`).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, inspect, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from genfire_server.kit.hot_reads import HotQuery, SQLiteReader, is_busy
from genfire_server.settings import Settings

log = logging.getLogger(__name__)


def _sqlite_pragmas(busy_timeout_ms: int, *, read_only: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Own the transaction boundaries ourselves (see `_begin`), pysqlite's are wrong for us.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    return on_connect


def _begin(statement: str) -> Any:
    def on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(statement)

    return on_begin


class Database:
    """Owns the engines of one process. `read()` and `write()` give sessions that commit on exit."""

    def __init__(self, url: str, *, pool_size: int = 10, busy_timeout_ms: int = 10_000) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._write_owner: asyncio.Task[Any] | None = None
        if self.is_sqlite:
            self.write_engine = self._sqlite_engine(
                url, "BEGIN IMMEDIATE", pool_size, busy_timeout_ms, read_only=False
            )
            self.read_engine = self._sqlite_engine(
                url, "BEGIN", pool_size, busy_timeout_ms, read_only=True
            )
        else:
            self.write_engine = create_async_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                hide_parameters=True,
            )
            # The same pool; its transactions are READ ONLY, so a stray write in a GET
            # handler fails loudly instead of being rolled back in silence.
            self.read_engine = self.write_engine.execution_options(postgresql_readonly=True)
        database = make_url(url).database if self.is_sqlite else None
        self._reader = SQLiteReader(database) if database and database != ":memory:" else None
        self._write_sessions = async_sessionmaker(self.write_engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @staticmethod
    def _sqlite_engine(
        url: str, begin: str, pool_size: int, busy_timeout_ms: int, *, read_only: bool
    ) -> AsyncEngine:
        # hide_parameters: bound values never reach logs or error messages.
        engine = create_async_engine(url, pool_size=pool_size, max_overflow=0, hide_parameters=True)
        event.listen(
            engine.sync_engine, "connect", _sqlite_pragmas(busy_timeout_ms, read_only=read_only)
        )
        event.listen(engine.sync_engine, "begin", _begin(begin))
        return engine

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(
            settings.resolved_database_url,
            pool_size=settings.db_pool_size,
            busy_timeout_ms=settings.db_busy_timeout_ms,
        )

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A read-write transaction: committed when the block exits cleanly, else rolled back."""
        if self._write_lock is None:
            async with self._write_sessions.begin() as session:
                yield session
            return
        task = asyncio.current_task()
        if task is not None and task is self._write_owner:
            # Waiting for our own lock would hang forever; fail loudly instead.
            raise RuntimeError("nested write transaction in one task; pass the session down")
        async with self._write_lock:
            self._write_owner = task
            try:
                async with self._write_sessions.begin() as session:
                    yield session
            finally:
                self._write_owner = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction; it never waits for writers.

        Closing (not rolling back) ends it, so objects it loaded stay readable afterwards.
        """
        async with self._read_sessions() as session:
            yield session

    async def fetch_one(self, query: HotQuery, **params: str | int) -> tuple[Any, ...] | None:
        """The single row `query` selects (or None), read outside any transaction."""
        if self._reader is not None:
            try:
                return self._reader.fetch_one(query, params)
            except sqlite3.OperationalError as error:
                if not is_busy(error):
                    raise
                log.warning("hot read found the database busy; using the async engine")
        async with self.read_engine.connect() as conn:
            row = (await conn.execute(query.statement, params)).first()
        return tuple(row) if row is not None else None

    async def schema_revision(self) -> str | None:
        """The migration the database is at (None when it has never been migrated)."""
        async with self.read_engine.connect() as conn:
            exists = await conn.run_sync(lambda sync: inspect(sync).has_table("alembic_version"))
            if not exists:
                return None
            revision = (
                await conn.execute(text("SELECT version_num FROM alembic_version"))
            ).scalar()
            return str(revision) if revision is not None else None

    async def dispose(self) -> None:
        if self._reader is not None:
            self._reader.close()
        await self.write_engine.dispose()
        if self.is_sqlite:
            await self.read_engine.dispose()
