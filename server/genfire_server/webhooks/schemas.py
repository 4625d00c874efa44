"""Wire shapes of webhooks: endpoints (`/webhooks`) and deliveries (`/webhooks/deliveries`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from genfire_server.kit.responses import Timestamp

EVENTS = ("run.completed", "run.failed", "batch.completed", "batch.failed")
DEFAULT_EVENTS = ("run.completed", "run.failed")
MAX_URL = 2048

EndpointStatus = Literal["active", "disabled"]
DeliveryStatus = Literal["pending", "success", "failed"]


class WebhookEndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1,
        max_length=MAX_URL,
        description="Public HTTPS endpoint that will receive webhook POST requests.",
        examples=["https://example.com/webhooks/genfire"],
    )
    description: str | None = Field(
        default=None, max_length=500, description="Optional human-readable label."
    )
    events: list[str] = Field(
        default=list(DEFAULT_EVENTS),
        description="Event types to subscribe to.",
        examples=[list(DEFAULT_EVENTS)],
    )


class WebhookEndpointUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=1, max_length=MAX_URL)
    description: str | None = Field(
        default=None, max_length=500, description="A new label, or null to clear it."
    )
    status: EndpointStatus | None = Field(default=None, description="`active` or `disabled`.")
    events: list[str] | None = Field(
        default=None, description="The replacement list of subscribed event types."
    )


class WebhookEndpointOut(BaseModel):
    id: str = Field(examples=["wh_01jd0x4f5k6m7n8p9q0r1s2t3v"])
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    url: str
    description: str | None
    status: EndpointStatus
    events: list[str]
    signing_secret_preview: str = Field(examples=["gfwsec_1234...abcd"])
    created_at: Timestamp
    updated_at: Timestamp
    last_delivery_at: Timestamp | None


class WebhookEndpointCreated(WebhookEndpointOut):
    signing_secret: str = Field(
        description="Returned only now: store it to verify signatures.",
        examples=["gfwsec_..."],
    )


class WebhookEndpointList(BaseModel):
    object: Literal["list"] = "list"
    data: list[WebhookEndpointOut]


class WebhookDeliveryOut(BaseModel):
    id: str = Field(examples=["delivery_01jd0x4f5k6m7n8p9q0r1s2t3v"])
    object: Literal["webhook_delivery"] = "webhook_delivery"
    endpoint_id: str
    event_type: str
    run_id: str | None
    batch_id: str | None
    status: DeliveryStatus
    attempt_count: int
    max_attempts: int
    response_status: int | None
    response_body: str | None = Field(description="The receiver's answer, truncated.")
    last_error: str | None
    request_headers: dict[str, Any] = Field(
        description="The headers of the last request sent (signatures, never secrets)."
    )
    created_at: Timestamp
    updated_at: Timestamp
    last_attempt_at: Timestamp | None
    next_attempt_at: Timestamp | None
    delivered_at: Timestamp | None


class WebhookDeliveryList(BaseModel):
    object: Literal["list"] = "list"
    data: list[WebhookDeliveryOut]
