"""Liveness and readiness probes for operators and load balancers (outside `/v1`)."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from genfire_server.auth.dependencies import Public
from genfire_server.dependencies import Context
from genfire_server.kit.errors import GenFireError
from genfire_server.kit.responses import errors

router = APIRouter(tags=["Health"], dependencies=[Public])
log = logging.getLogger(__name__)


class Health(BaseModel):
    status: Literal["ok", "ready"]


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up and serving. Touches nothing else."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses=errors(503))
async def readyz(ctx: Context) -> Health:
    """The process can serve traffic: its database answers."""
    try:
        await ctx.db.ping()
    except Exception as exc:
        log.warning("readiness check failed", extra={"error": type(exc).__name__})
        raise GenFireError("The database is not reachable.", status=503, code="not_ready") from exc
    return Health(status="ready")
