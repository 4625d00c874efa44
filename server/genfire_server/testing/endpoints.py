"""`POST /testing/runs`: runs on the test engine, for tests and benchmarks only.

Mounted only when `GENFIRE_ENABLE_TEST_ENGINE` is on, and only for full-access (`*`)
credentials. It goes through exactly the machinery every generation endpoint uses:
Idempotency-Key, pricing, credit hold, dispatch, workers, storage.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.context import AppContext
from genfire_server.credits.amounts import to_milli
from genfire_server.dependencies import Context
from genfire_server.engines.registry import TEST_ENGINE
from genfire_server.generation.rules import InputUrl
from genfire_server.kit.responses import errors
from genfire_server.runs.schemas import RunOut
from genfire_server.runs.service import RunSpec
from genfire_server.runs.submission import check_input_url, respond_with_run

router = APIRouter(tags=["Testing"])
ENDPOINT = "testing.runs.create"
FullAccess = Annotated[Principal, Depends(require("*"))]


class TestRunCreate(BaseModel):
    __test__ = False

    mode: Literal["instant", "sleep", "fail", "crash"] = "instant"
    seconds: float = Field(default=0, ge=0, le=600, description="How long `sleep` works.")
    credits: float = Field(default=1, ge=0.001, le=1_000_000, description="The price held.")
    charge: float | None = Field(
        default=None, ge=0, description="Credits actually charged (at most `credits`)."
    )
    error_code: str = "provider_error"
    error_message: str = Field(default="The test engine failed as asked.", max_length=500)
    input_url: InputUrl | None = None
    echo: Any = None
    wait: bool = Field(default=False, description="Wait for the run like a synchronous endpoint.")


async def testing_run_spec(ctx: AppContext, account_id: str, body: TestRunCreate) -> RunSpec:
    """The run on the test engine that `body` asks for (also an operation batch target)."""
    if body.input_url is not None:
        await check_input_url(ctx, body.input_url, account_id)
    engine_input = body.model_dump(exclude={"wait"})
    if body.charge is not None:
        engine_input["charge_milli"] = to_milli(round(min(body.charge, body.credits), 3))
    return RunSpec(
        capability="testing",
        endpoint=ENDPOINT,
        model="test.engine",
        engine=TEST_ENGINE,
        input=engine_input,
        input_summary={"mode": body.mode, "seconds": body.seconds},
        price_milli=to_milli(round(body.credits, 3)),
    )


@router.post(
    "/testing/runs",
    summary="Create a run on the test engine",
    response_model=RunOut,
    responses=errors(400, 401, 402, 403, 409, 422),
)
async def create_test_run(
    body: TestRunCreate, request: Request, ctx: Context, principal: FullAccess
) -> Response:
    """Completes at once (`instant`), after `seconds` (`sleep`), or fails (`fail`, `crash`)."""
    spec = await testing_run_spec(ctx, principal.account_id, body)
    wait = ctx.settings.sync_wait_seconds if body.wait else 0.0
    return await respond_with_run(request, ctx, principal, spec, wait_seconds=wait)
