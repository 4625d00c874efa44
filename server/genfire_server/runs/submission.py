"""What every run-creating endpoint does once it has validated its request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response

from genfire_server.auth.principal import Principal
from genfire_server.context import AppContext
from genfire_server.idempotency import service as idempotency
from genfire_server.runs import service
from genfire_server.runs.service import RunSpec

__all__ = ["SpecBuilder", "check_input_url", "respond_with_run"]
from genfire_server.inputs import check_input_url

# Builds the spec only when a run is really created: for requests whose preparation has side
# effects (storing inline media), which a replay of the same Idempotency-Key must not repeat.
SpecBuilder = Callable[[], Awaitable[RunSpec]]


async def respond_with_run(
    request: Request,
    ctx: AppContext,
    principal: Principal,
    spec: RunSpec | SpecBuilder,
    *,
    wait_seconds: float = 0.0,
) -> Response:
    """Create the run once per Idempotency-Key and answer with it.

    Synchronous endpoints pass `wait_seconds`: the answer is the run in whatever state
    it reached by then (usually completed).
    """
    key = idempotency.key_from(request)
    request_id = str(getattr(request.state, "request_id", ""))

    async def work(claim: idempotency.Claim) -> Response:
        run_id = claim.resource_id
        if run_id is None:
            built = spec if isinstance(spec, RunSpec) else await spec()
            run_id = await service.submit(
                ctx, principal.account_id, request_id, built, on_created=claim.record
            )
        if wait_seconds > 0:
            await ctx.executor.wait_for(run_id, wait_seconds)
        view = await service.get_view(ctx, principal.account_id, run_id)
        return Response(service.run_json(view), media_type="application/json")

    return await idempotency.execute(ctx, request, principal.account_id, key, work)
