"""`GET /usage`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.dependencies import Session
from genfire_server.kit.clock import utcnow
from genfire_server.kit.responses import errors
from genfire_server.usage import service
from genfire_server.usage.schemas import GroupBy, UsageSummary

router = APIRouter(tags=["Usage"])
RunsRead = Annotated[Principal, Depends(require("runs:read"))]


@router.get(
    "/usage",
    summary="Get aggregated API usage",
    response_model=UsageSummary,
    responses=errors(400, 401, 403),
)
async def get_usage(
    session: Session,
    principal: RunsRead,
    start_date: Annotated[
        str | None,
        Query(max_length=40, description="Inclusive lower bound (ISO date or timestamp)."),
    ] = None,
    end_date: Annotated[
        str | None, Query(max_length=40, description="Exclusive upper bound. Defaults to now.")
    ] = None,
    group_by: Annotated[GroupBy, Query(description="Bucketing for the breakdown.")] = "model",
    capability: Annotated[
        str | None, Query(max_length=80, description="Only this capability.")
    ] = None,
) -> UsageSummary:
    """Credits spent and run counts over a period (default: the last 30 days, at most 365),
    with a breakdown by model, capability or day."""
    start, end = service.period(start_date, end_date, utcnow())
    return await service.summarize(
        session,
        principal.account_id,
        start=start,
        end=end,
        group_by=group_by,
        capability=capability,
    )
