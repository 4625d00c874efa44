"""Wire shapes of `POST /oauth/token`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class TokenRequest(BaseModel):
    grant_type: Literal["client_credentials"]
    client_id: str | None = Field(
        default=None,
        description="Required unless sent with HTTP Basic auth.",
        examples=["gfo_oauth_123"],
    )
    client_secret: str | None = Field(
        default=None,
        description="Required unless sent with HTTP Basic auth.",
        examples=["gfs_live_secret"],
    )
    scope: str | None = Field(
        default=None,
        description="Space-separated scopes, a subset of the client's. Omit for all of them.",
        examples=["models:read runs:read images:write"],
    )


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the RFC 6750 token type
    expires_in: int = Field(examples=[3600])
    scope: str = Field(examples=["models:read runs:read images:write"])
