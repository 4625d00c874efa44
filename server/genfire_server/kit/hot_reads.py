"""Single-row reads for the hottest paths (authentication, balances), without a transaction.

An ORM session costs about 0.1 ms of Python per query before any I/O, and every
aiosqlite call is a thread hop of about 60 us. Authentication runs on every request, so
on SQLite these reads go to one plain `sqlite3` connection on the event loop instead:
a primary-key lookup there takes a few microseconds. That is safe because in WAL mode
readers never wait for writers; the connection's busy timeout is short, and a read that
still finds the database busy falls back to the async engine instead of stalling the loop.
Each read is one statement in autocommit mode, so it sees the latest committed data.
On PostgreSQL the same query runs through the engine's pool as usual.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Select
from sqlalchemy.dialects import sqlite

from genfire_server.models.base import UTCDateTime


# orjson parses the JSON columns several times faster than the standard library.
def _json_loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        # orjson refuses what the standard library wrote for odd text (lone surrogates):
        # read it the way it was written rather than fail the request.
        return json.loads(text)


_SQLITE = sqlite.dialect(paramstyle="named", json_deserializer=_json_loads)
Processor = Callable[[Any], Any] | None
AnySelect = Select[*tuple[Any, ...]]


class HotQuery:
    """A SELECT that returns at most one row, compiled once per backend.

    Parameters are `bindparam`s with plain str/int values (no bind processing).
    """

    def __init__(self, statement: AnySelect) -> None:
        self.statement = statement
        self._sqlite: tuple[str, list[Processor]] | None = None

    def sqlite_form(self) -> tuple[str, list[Processor]]:
        if self._sqlite is None:
            sql = str(self.statement.compile(dialect=_SQLITE))
            processors: list[Processor] = [
                _utc_datetime
                if isinstance(column.type, UTCDateTime)
                else column.type.dialect_impl(_SQLITE).result_processor(_SQLITE, None)
                for column in self.statement.selected_columns
            ]
            self._sqlite = (sql, processors)
        return self._sqlite


def _utc_datetime(value: str | None) -> datetime | None:
    """SQLite stores `2026-11-25 23:33:18.663000`; the C parser reads that directly, several
    times faster than SQLAlchemy's regex (timestamps are most of a run's columns)."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class SQLiteReader:
    """One autocommit, query-only `sqlite3` connection used synchronously on the loop."""

    def __init__(self, path: str, busy_timeout_ms: int = 200) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            # Opened by the loop's thread and used only there; the flag lets `close`
            # run from whichever thread disposes of the database.
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            connection.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            connection.execute("PRAGMA query_only=ON")
            self._connection = connection
        return self._connection

    def fetch_one(self, query: HotQuery, params: dict[str, Any]) -> tuple[Any, ...] | None:
        sql, processors = query.sqlite_form()
        row = self._connect().execute(sql, params).fetchone()
        if row is None:
            return None
        return tuple(
            process(value) if process is not None else value
            for process, value in zip(processors, row, strict=True)
        )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def is_busy(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)
