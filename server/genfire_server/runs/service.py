"""Creating, reading and rendering runs.

Every generation endpoint builds a `RunSpec` (what it validated, what it costs, which
engine executes it) and calls `submit`; nothing else creates runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from genfire_server.context import AppContext
from genfire_server.credits import service as credits
from genfire_server.credits.amounts import to_public
from genfire_server.kit.clock import isoformat, utcnow
from genfire_server.kit.errors import NotFound
from genfire_server.kit.hot_reads import HotQuery
from genfire_server.kit.ids import new_id
from genfire_server.models import Run
from genfire_server.runs.schemas import RunError, RunOutputOut


@dataclass(frozen=True)
class RunSpec:
    capability: str
    endpoint: str  # e.g. "images.generations.create"
    model: str | None  # the public alias; None where the endpoint has none (products)
    engine: str  # engine key from the routing table
    input: dict[str, Any]  # the validated request, as the engine will read it
    input_summary: dict[str, Any]  # what GET /runs shows of the request
    price_milli: int  # held at creation, captured (at most) on completion


# Called inside the creating transaction with the new run's id (idempotency records it).
OnCreated = Callable[[AsyncSession, str], Awaitable[None]]


async def submit(
    ctx: AppContext,
    account_id: str,
    request_id: str,
    spec: RunSpec,
    *,
    on_created: OnCreated | None = None,
) -> str:
    """Hold the price, insert the run (queued) and dispatch it; returns the run id.

    Raises `InsufficientCredits` (402) before writing anything if the balance is short.
    The dispatch is sent only after the transaction commits, so a worker never looks
    for a run that is not there yet.
    """
    run_id = new_id("run")
    now = utcnow()
    # Without local workers nothing is sent: leave dispatched_at empty so a worker node's
    # sweeper takes the run on its next pass instead of waiting for it to look lost.
    dispatched_at = now if ctx.executor.accepts_work else None
    async with ctx.db.write() as session:
        hold_id = None
        if spec.price_milli > 0:  # free work (product extraction) holds nothing
            held = await credits.hold(session, account_id, spec.price_milli, reference=run_id)
            hold_id = held.hold_id
        session.add(
            new_run(
                run_id,
                account_id,
                request_id,
                spec,
                hold_id=hold_id,
                dispatched_at=dispatched_at,
                now=now,
            )
        )
        await session.flush()
        if on_created is not None:
            await on_created(session, run_id)
    await ctx.executor.dispatch(run_id)
    return run_id


def new_run(
    run_id: str,
    account_id: str,
    request_id: str,
    spec: RunSpec,
    *,
    hold_id: str | None,
    dispatched_at: datetime | None,
    now: datetime,
    batch_item_id: str | None = None,
) -> Run:
    """The queued row of a new run whose price is already held (`hold_id`, or None if free)."""
    return Run(
        id=run_id,
        account_id=account_id,
        status="queued",
        capability=spec.capability,
        endpoint=spec.endpoint,
        model=spec.model,
        engine=spec.engine,
        request_id=request_id,
        input=spec.input,
        input_summary=spec.input_summary,
        output=None,
        progress=None,
        error_code=None,
        error_message=None,
        price_milli=spec.price_milli,
        charged_milli=None,
        hold_id=hold_id,
        resource_id=None,
        provider_request_id=None,
        batch_item_id=batch_item_id,
        attempts=0,
        lease_owner=None,
        lease_expires_at=None,
        dispatched_at=dispatched_at,
        created_at=now,
        updated_at=now,
        started_at=None,
        completed_at=None,
    )


# --- reading ----------------------------------------------------------------------------

_VIEW_COLUMNS = (
    Run.id,
    Run.status,
    Run.capability,
    Run.endpoint,
    Run.model,
    Run.request_id,
    Run.input_summary,
    Run.output,
    Run.charged_milli,
    Run.error_code,
    Run.error_message,
    Run.resource_id,
    Run.provider_request_id,
    Run.progress,
    Run.created_at,
    Run.updated_at,
    Run.completed_at,
)


@dataclass(frozen=True)
class RunView:
    """The columns the API shows, whether read by a hot query or a session."""

    id: str
    status: str
    capability: str
    endpoint: str
    model: str | None
    request_id: str
    input_summary: dict[str, Any]
    output: dict[str, Any] | None
    charged_milli: int | None
    error_code: str | None
    error_message: str | None
    resource_id: str | None
    provider_request_id: str | None
    progress: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None


_RUN_BY_ID = HotQuery(
    select(*_VIEW_COLUMNS).where(
        Run.id == bindparam("run_id"), Run.account_id == bindparam("account_id")
    )
)
_STATUS_BY_ID = HotQuery(select(Run.status).where(Run.id == bindparam("run_id")))


async def get_view(ctx: AppContext, account_id: str, run_id: str) -> RunView:
    """One of the account's runs; another account's run is as absent as a missing one."""
    row = await ctx.db.fetch_one(_RUN_BY_ID, run_id=run_id, account_id=account_id)
    if row is None:
        raise NotFound(f"No run {run_id[:64]}.")
    return RunView(*row)


async def view_in(session: AsyncSession, run_id: str) -> RunView:
    """The run as the API shows it, read inside `session` (a transaction finishing it)."""
    row = (await session.execute(select(*_VIEW_COLUMNS).where(Run.id == run_id))).one()
    return RunView(*row)


async def current_status(ctx: AppContext, run_id: str) -> str | None:
    row = await ctx.db.fetch_one(_STATUS_BY_ID, run_id=run_id)
    return None if row is None else str(row[0])


async def list_views(
    session: AsyncSession,
    account_id: str,
    *,
    status: str | None,
    capability: str | None,
    limit: int,
) -> list[RunView]:
    """The account's runs, newest first."""
    query = select(*_VIEW_COLUMNS).where(Run.account_id == account_id)
    if status is not None:
        query = query.where(Run.status == status)
    if capability is not None:
        query = query.where(Run.capability == capability)
    query = query.order_by(Run.created_at.desc(), Run.id.desc()).limit(limit)
    return [RunView(*row) for row in (await session.execute(query)).all()]


# --- rendering --------------------------------------------------------------------------


def _error(view: RunView) -> RunError | None:
    if view.status != "failed":
        return None
    return RunError(code=view.error_code or "internal_error", message=view.error_message or "")


def render_output(view: RunView) -> RunOutputOut:
    return RunOutputOut(
        id=view.id,
        object="run_output",
        status=view.status,
        capability=view.capability,
        output=view.output if view.status == "completed" else None,
        error=_error(view),
        completed_at=view.completed_at,
    )


def document(view: RunView) -> dict[str, Any]:
    """The run as the API sends it: the `RunOut` shape, built directly because clients
    poll it (a test checks the two agree)."""
    completed = view.status == "completed"
    doc: dict[str, Any] = {
        "id": view.id,
        "object": "run",
        "status": view.status,
        "capability": view.capability,
        "endpoint": view.endpoint,
        "model": view.model,
        "request_id": view.request_id,
        "input_summary": view.input_summary,
        "output": view.output if completed else None,
        "usage": (
            {"credits": to_public(view.charged_milli)}
            if completed and view.charged_milli is not None
            else None
        ),
        "error": (
            {"code": view.error_code or "internal_error", "message": view.error_message or ""}
            if view.status == "failed"
            else None
        ),
        "resource_id": view.resource_id,
        "provider_request_id": view.provider_request_id,
        "created_at": isoformat(view.created_at),
        "updated_at": isoformat(view.updated_at),
        "completed_at": isoformat(view.completed_at) if view.completed_at else None,
    }
    if view.status == "processing" and view.progress:
        doc["progress"] = view.progress
    return doc


def run_json(view: RunView) -> bytes:
    return orjson.dumps(document(view))
