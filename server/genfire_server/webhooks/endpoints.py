"""`/webhooks`: endpoints, the delivery log and replay."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.dependencies import Context, Session
from genfire_server.kit.responses import errors
from genfire_server.webhooks import deliveries, service
from genfire_server.webhooks.schemas import (
    WebhookDeliveryList,
    WebhookDeliveryOut,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointList,
    WebhookEndpointOut,
    WebhookEndpointUpdate,
)

router = APIRouter(tags=["Webhooks"])
WebhooksRead = Annotated[Principal, Depends(require("webhooks:read"))]
WebhooksWrite = Annotated[Principal, Depends(require("webhooks:write"))]
EndpointId = Annotated[str, Path(description="The webhook endpoint id (`wh_...`).")]


@router.get(
    "/webhooks",
    summary="List webhook endpoints",
    response_model=WebhookEndpointList,
    responses=errors(401, 403),
)
async def list_webhook_endpoints(session: Session, principal: WebhooksRead) -> WebhookEndpointList:
    """Webhook destinations registered for the account, newest first."""
    endpoints = await service.list_endpoints(session, principal.account_id)
    return WebhookEndpointList(data=[service.render(endpoint) for endpoint in endpoints])


@router.post(
    "/webhooks",
    summary="Create a webhook endpoint",
    response_model=WebhookEndpointCreated,
    responses=errors(400, 401, 403),
)
async def create_webhook_endpoint(
    body: WebhookEndpointCreate, session: Session, ctx: Context, principal: WebhooksWrite
) -> WebhookEndpointCreated:
    """Register a destination. The signing secret is in this answer only: store it. The URL
    must be https (plain http only to hosts on the operator's allow-list) and public."""
    return await service.create(session, ctx.settings, principal.account_id, body)


@router.get(
    "/webhooks/deliveries",
    summary="List webhook deliveries",
    response_model=WebhookDeliveryList,
    responses=errors(400, 401, 403),
)
async def list_webhook_deliveries(
    session: Session,
    principal: WebhooksRead,
    endpoint_id: Annotated[
        str | None, Query(max_length=64, description="Only deliveries to this endpoint.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="How many, newest first.")] = 25,
) -> WebhookDeliveryList:
    """Deliveries and their attempts: status, the receiver's last answer, what was sent."""
    found = await deliveries.list_deliveries(
        session, principal.account_id, endpoint_id=endpoint_id, limit=limit
    )
    return WebhookDeliveryList(data=[deliveries.render(delivery) for delivery in found])


@router.post(
    "/webhooks/deliveries/{deliveryId}/replay",
    summary="Replay a webhook delivery",
    response_model=WebhookDeliveryOut,
    responses=errors(401, 403, 404, 409),
)
async def replay_webhook_delivery(
    deliveryId: Annotated[str, Path(description="The webhook delivery id.")],
    ctx: Context,
    principal: WebhooksWrite,
) -> WebhookDeliveryOut:
    """Queue a new delivery of the same event (same id, same signed body) to its endpoint."""
    async with ctx.db.write() as session:  # committed before the sender is woken
        again = deliveries.render(
            await deliveries.replay(ctx, session, principal.account_id, deliveryId)
        )
    ctx.webhook_sender.wake()
    return again


@router.patch(
    "/webhooks/{endpointId}",
    summary="Update a webhook endpoint",
    response_model=WebhookEndpointOut,
    responses=errors(400, 401, 403, 404),
)
async def update_webhook_endpoint(
    endpointId: EndpointId,
    body: WebhookEndpointUpdate,
    session: Session,
    ctx: Context,
    principal: WebhooksWrite,
) -> WebhookEndpointOut:
    """Change the URL, description (null clears it), status (`active`/`disabled`) or
    events. Disabling ends the endpoint's pending deliveries."""
    endpoint = await service.update_endpoint(
        session, ctx.settings, principal.account_id, endpointId, body
    )
    return service.render(endpoint)


@router.delete(
    "/webhooks/{endpointId}",
    summary="Delete a webhook endpoint",
    status_code=204,
    response_class=Response,
    responses=errors(401, 403, 404),
)
async def delete_webhook_endpoint(
    endpointId: EndpointId, session: Session, principal: WebhooksWrite
) -> Response:
    """The endpoint is gone: it gets nothing more and its id no longer works."""
    await service.delete(session, principal.account_id, endpointId)
    return Response(status_code=204)
