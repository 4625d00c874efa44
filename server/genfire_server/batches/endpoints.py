"""`POST /batches`, `GET /batches`, `GET /batches/{batchId}`, `GET /batches/{batchId}/items`."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.batches import service
from genfire_server.batches.schemas import (
    BatchCreate,
    BatchCreated,
    BatchItemList,
    BatchItemStatus,
    BatchList,
    BatchMode,
    BatchOut,
    BatchStatus,
)
from genfire_server.dependencies import Context, Session
from genfire_server.idempotency import service as idempotency
from genfire_server.kit.responses import errors

router = APIRouter(tags=["Batches"])
BatchesRead = Annotated[Principal, Depends(require("batches:read"))]
BatchesWrite = Annotated[Principal, Depends(require("batches:write"))]
BatchId = Annotated[str, Path(description="The batch id returned by `POST /batches`.")]
log = logging.getLogger("genfire.batches")


@router.post(
    "/batches",
    summary="Create a batch",
    response_model=BatchCreated,
    responses=errors(400, 401, 402, 403, 409, 422),
)
async def create_batch(
    body: BatchCreate, request: Request, ctx: Context, principal: BatchesWrite
) -> Response:
    """Run many items of one workflow or operation, at most `concurrency` at a time. Every
    item is validated up front as its target validates a request (the 400 names the
    item), and every item's credits are held now (402 if the balance cannot cover them
    all). Each item becomes its own run when it starts; poll the batch or its items."""
    key = idempotency.key_from(request)
    request_id = str(getattr(request.state, "request_id", ""))

    async def work(claim: idempotency.Claim) -> Response:
        if claim.resource_id is not None:  # an earlier attempt created it, then died
            async with ctx.db.read() as session:
                created = await service.created_earlier(
                    session, principal.account_id, claim.resource_id
                )
        else:
            created = await service.create(ctx, principal, request_id, body, claim)
        try:
            await ctx.batches.advance(created.id)
        except Exception:  # the batch is stored; a worker's sweeper starts it
            log.exception("could not start a new batch", extra={"batch_id": created.id})
        return Response(created.model_dump_json(), media_type="application/json")

    return await idempotency.execute(ctx, request, principal.account_id, key, work)


@router.get(
    "/batches",
    summary="List recent batches",
    response_model=BatchList,
    responses=errors(400, 401, 403),
)
async def list_batches(
    session: Session,
    principal: BatchesRead,
    status: Annotated[BatchStatus | None, Query(description="Only batches in this status.")] = None,
    mode: Annotated[BatchMode | None, Query(description="`workflow` or `operation`.")] = None,
    target: Annotated[
        str | None,
        Query(max_length=80, description="Such as `hook_pack` or `images.generations.create`."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="How many, newest first.")] = 25,
) -> BatchList:
    """The account's batches, newest first."""
    batches = await service.list_batches(
        session, principal.account_id, status=status, mode=mode, target=target, limit=limit
    )
    return BatchList(data=[service.render(batch) for batch in batches])


@router.get(
    "/batches/{batchId}",
    summary="Get a batch by id",
    response_model=BatchOut,
    responses=errors(401, 403, 404),
)
async def get_batch(batchId: BatchId, session: Session, principal: BatchesRead) -> BatchOut:
    """Batch-level status, counts, and (once every item finished) the summary output."""
    return service.render(await service.get(session, principal.account_id, batchId))


@router.get(
    "/batches/{batchId}/items",
    summary="List items in a batch",
    response_model=BatchItemList,
    responses=errors(400, 401, 403, 404),
)
async def list_batch_items(
    batchId: BatchId,
    session: Session,
    principal: BatchesRead,
    status: Annotated[
        BatchItemStatus | None, Query(description="Only items in this status.")
    ] = None,
) -> BatchItemList:
    """One row per item, in request order: its status, its run id once started, and its
    output or error once finished."""
    batch = await service.get(session, principal.account_id, batchId)
    items = await service.list_items(session, batch, status=status)
    return BatchItemList(data=[service.render_item(item, batch) for item in items])
