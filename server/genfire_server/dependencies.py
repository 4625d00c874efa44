"""Request-scoped dependencies shared by every domain's endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from genfire_server.context import AppContext

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def context_of(request: Request) -> AppContext:
    """The process context, for hot endpoints that skip the `Context` dependency.

    Each FastAPI sub-dependency costs several microseconds per request; endpoints that
    clients poll (balances, run status) take `request` and call this instead.
    """
    ctx: AppContext = request.app.state.ctx
    return ctx


async def get_context(request: Request) -> AppContext:
    # async on purpose: FastAPI runs a plain `def` dependency in a worker thread.
    return context_of(request)


Context = Annotated[AppContext, Depends(get_context)]


def is_read_request(request: Request) -> bool:
    """Safe methods get a read-only transaction that is closed, never committed."""
    return request.method in _READ_METHODS


async def get_session(request: Request, ctx: Context) -> AsyncIterator[AsyncSession]:
    """One transaction per request: reads for safe methods, a write transaction otherwise.

    It commits when the endpoint returns and rolls back when it raises, before the
    response is sent (`scope="function"`), so a client never sees a success that was
    not committed.
    """
    factory = ctx.db.read if is_read_request(request) else ctx.db.write
    async with factory() as session:
        yield session


Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
