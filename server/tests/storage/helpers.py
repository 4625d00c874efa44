"""Shared by the storage and upload tests: a run to hang outputs on, and URL surgery."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from genfire_server.kit.clock import utcnow
from genfire_server.kit.db import Database
from genfire_server.kit.ids import new_id
from genfire_server.models import Run


async def make_run(db: Database, account_id: str) -> str:
    """A bare completed run row (assets reference their run)."""
    now = utcnow()
    run_id = new_id("run")
    async with db.write() as session:
        session.add(
            Run(
                id=run_id,
                account_id=account_id,
                status="completed",
                capability="image_generation",
                endpoint="/v1/images/generations",
                model="image.test",
                engine="test",
                request_id="req_test",
                input={},
                input_summary={},
                price_milli=0,
                attempts=1,
                created_at=now,
                updated_at=now,
            )
        )
    return run_id


def with_query(url: str, **changes: str | None) -> str:
    """`url` with query parameters replaced (None removes one)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def with_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=path))


def flip_last_char(value: str) -> str:
    return value[:-1] + ("0" if value[-1] != "0" else "1")
