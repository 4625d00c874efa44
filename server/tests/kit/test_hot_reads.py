"""Hot reads: current, typed, and never failing or stalling long on a busy SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import bindparam, select, update

from genfire_server.kit.clock import utcnow
from genfire_server.kit.db import Database
from genfire_server.kit.hot_reads import HotQuery
from genfire_server.models import ApiKey, CreditBalance
from tests.conftest import Caller, is_postgres

BALANCE = HotQuery(
    select(CreditBalance.balance_milli, CreditBalance.updated_at).where(
        CreditBalance.account_id == bindparam("account_id")
    )
)


async def test_sees_each_committed_write_at_once(db: Database, caller: Caller) -> None:
    for value in (5, 7_000, 0):
        async with db.write() as session:
            await session.execute(
                update(CreditBalance)
                .where(CreditBalance.account_id == caller.account_id)
                .values(balance_milli=value)
            )
        row = await db.fetch_one(BALANCE, account_id=caller.account_id)
        assert row is not None and row[0] == value


async def test_returns_typed_values_and_none_when_missing(db: Database, caller: Caller) -> None:
    row = await db.fetch_one(BALANCE, account_id=caller.account_id)
    assert row is not None
    balance, updated_at = row
    assert isinstance(balance, int)
    assert updated_at.utcoffset() == timedelta(0)
    assert abs((utcnow() - updated_at).total_seconds()) < 60
    assert await db.fetch_one(BALANCE, account_id="acct_missing") is None


async def test_nullable_columns_come_back_as_none(db: Database, caller: Caller) -> None:
    query = HotQuery(
        select(ApiKey.revoked_at, ApiKey.scopes).where(ApiKey.id == bindparam("key_id"))
    )
    assert await db.fetch_one(query, key_id=caller.key_id) == (None, "*")


@pytest.mark.skipif(is_postgres(), reason="SQLite locking")
async def test_busy_database_falls_back_instead_of_failing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Another process holds an exclusive lock: the hot read gives up after its short
    timeout, and the async engine (which may wait) answers once the lock is gone."""
    path = tmp_path / "busy.db"
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute(
        "CREATE TABLE credit_balances "
        "(account_id TEXT PRIMARY KEY, balance_milli INT, updated_at TEXT)"
    )
    setup.execute("INSERT INTO credit_balances VALUES ('acct_1', 42, '2026-11-25 12:00:00.000000')")
    setup.close()
    locked, release = threading.Event(), threading.Event()

    def hold_exclusive_lock() -> None:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE credit_balances SET balance_milli = 43")
        holder.execute("COMMIT")  # exclusive locking mode keeps the lock after commit
        locked.set()
        release.wait(10)
        holder.close()

    thread = threading.Thread(target=hold_exclusive_lock)
    thread.start()
    database = Database(f"sqlite+aiosqlite:///{path}")
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    try:
        assert locked.wait(5)
        asyncio.get_running_loop().call_later(0.6, release.set)
        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        row = await database.fetch_one(BALANCE, account_id="acct_1")
        ticking.cancel()
        assert row is not None and row[0] == 43
        assert time.perf_counter() - started >= 0.5  # it waited for the lock, off the loop
        assert any("busy" in record.getMessage() for record in caplog.records)
        # The loop stalled at most for the hot reader's short busy timeout (200 ms), not
        # for the whole 600 ms the lock was held.
        assert max(gaps) < 0.45
    finally:
        release.set()
        thread.join()
        await database.dispose()


@pytest.mark.skipif(is_postgres(), reason="the in-process writer queue is SQLite's")
async def test_nested_write_in_one_task_fails_loudly_instead_of_hanging(db: Database) -> None:
    async with db.write():
        with pytest.raises(RuntimeError, match="nested write"):
            async with db.write():
                pass
    async with db.write():  # the lock was released
        pass


async def test_read_transactions_refuse_writes(db: Database, caller: Caller) -> None:
    """A write that slipped into a GET handler fails loudly instead of vanishing."""
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError):
        async with db.read() as session:
            await session.execute(
                update(CreditBalance)
                .where(CreditBalance.account_id == caller.account_id)
                .values(balance_milli=1)
            )
