"""Shared wire types: the problem document and the contract's timestamp format."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, PlainSerializer

from genfire_server.kit.clock import isoformat
from genfire_server.kit.errors import PROBLEM_CONTENT_TYPE

Timestamp = Annotated[
    datetime,
    PlainSerializer(isoformat, return_type=str, when_used="json"),
    Field(examples=["2026-03-25T12:00:00.000Z"]),
]


class Problem(BaseModel):
    """The one error shape (RFC 9457 problem details) every endpoint returns."""

    type: str = Field(examples=["https://api.genfire.ai/errors/invalid_prompt"])
    title: str = Field(examples=["Invalid Prompt"])
    status: int = Field(examples=[400])
    detail: str = Field(examples=["prompt is required."])
    code: str = Field(examples=["invalid_prompt"])
    request_id: str = Field(examples=["req_123"])


_DESCRIPTIONS = {
    400: "The request is invalid; `code` says how.",
    401: "No credential (`authentication_required`) or an unknown, revoked or expired one "
    "(`invalid_api_key`).",
    402: "Not enough credits (`insufficient_credits`).",
    403: "The credential lacks the endpoint's scope (`insufficient_scope`).",
    404: "No such resource for this account (`not_found`).",
    409: "Conflicts with the current state of the resource.",
    410: "Gone.",
    422: "The Idempotency-Key was used with a different body (`idempotency_key_reused`).",
    428: "Precondition not met yet.",
    429: "Too many requests (`rate_limited`).",
    503: "Not ready.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the error statuses an endpoint can return."""
    return {
        status: {
            "model": Problem,
            "description": _DESCRIPTIONS.get(status, "Error."),
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
