"""Liveness and readiness probes for operators and load balancers (outside `/v1`)."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from genfire_server import migrations
from genfire_server.auth.dependencies import Public
from genfire_server.dependencies import Context
from genfire_server.kit.errors import GenFireError
from genfire_server.kit.responses import errors

# Outside `/v1`, so outside the API document too (see docs/operations.md).
router = APIRouter(tags=["Health"], dependencies=[Public], include_in_schema=False)
log = logging.getLogger(__name__)


class Health(BaseModel):
    status: Literal["ok", "ready"]


@router.api_route("/healthz", methods=["GET", "HEAD"], response_model=Health)
async def healthz() -> Health:
    """The process is up and serving. Touches nothing else."""
    return Health(status="ok")


READY_TIMEOUT_SECONDS = 2.0


@router.api_route("/readyz", methods=["GET", "HEAD"], response_model=Health, responses=errors(503))
async def readyz(ctx: Context) -> Health:
    """The process can serve traffic: its database answers within 2 s and is migrated."""
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            revision = await ctx.db.schema_revision()
    except Exception as exc:
        log.warning("readiness check failed", extra={"error": type(exc).__name__})
        raise GenFireError("The database is not reachable.", status=503, code="not_ready") from exc
    if revision != migrations.current_head():
        raise GenFireError(
            "The database schema is not at the latest revision; run `genfire-server migrate`.",
            status=503,
            code="not_ready",
        )
    return Health(status="ready")
