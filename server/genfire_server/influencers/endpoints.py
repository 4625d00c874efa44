"""`GET /influencers`, `GET /influencers/{influencerId}`, `POST /influencers`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.dependencies import Context
from genfire_server.idempotency import service as idempotency
from genfire_server.influencers import service
from genfire_server.influencers.schemas import InfluencerCreate, InfluencerList, InfluencerOut
from genfire_server.kit.responses import errors

router = APIRouter(tags=["Influencers"])
InfluencersRead = Annotated[Principal, Depends(require("influencers:read"))]
InfluencersWrite = Annotated[Principal, Depends(require("influencers:write"))]


@router.get(
    "/influencers",
    summary="List your trained influencers",
    response_model=InfluencerList,
    responses=errors(401, 403),
)
async def list_influencers(ctx: Context, principal: InfluencersRead) -> InfluencerList:
    """The account's influencers in `ready` status, newest first."""
    async with ctx.db.read() as session:
        rows = await service.list_ready(session, principal.account_id)
    return InfluencerList(data=[await service.render(ctx, row) for row in rows])


@router.get(
    "/influencers/{influencerId}",
    summary="Get a single influencer by id",
    response_model=InfluencerOut,
    responses=errors(401, 403, 404),
)
async def get_influencer(
    influencerId: str, ctx: Context, principal: InfluencersRead
) -> InfluencerOut:
    """One influencer the account owns (404 otherwise)."""
    async with ctx.db.read() as session:
        influencer = await service.get(session, principal.account_id, influencerId)
    return await service.render(ctx, influencer)


@router.post(
    "/influencers",
    summary="Create an influencer from reference photos",
    response_model=InfluencerOut,
    responses=errors(400, 401, 403, 409, 422),
)
async def create_influencer(
    body: InfluencerCreate, request: Request, ctx: Context, principal: InfluencersWrite
) -> Response:
    """Copies 1 to 8 reference photos into storage and makes the influencer `ready`.

    An `Idempotency-Key` makes retries safe: the same key and body answer with the first
    result. A handle already used in the account is 409 `handle_taken`.
    """

    async def work(_claim: idempotency.Claim | None = None) -> Response:
        influencer = await service.create(ctx, principal.account_id, body)
        rendered = await service.render(ctx, influencer)
        return Response(rendered.model_dump_json(), media_type="application/json")

    if request.headers.get(idempotency.HEADER) is None:
        return await work()
    key = idempotency.key_from(request)
    return await idempotency.execute(ctx, request, principal.account_id, key, work)
