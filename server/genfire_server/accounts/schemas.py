"""Wire shapes of the account endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from genfire_server.kit.responses import Timestamp


class AccountOut(BaseModel):
    id: str = Field(examples=["acct_01jd0x4f5k6m7n8p9q0r1s2t3v"])
    object: Literal["account"] = "account"
    display_name: str
    email: str
    plan: str
    status: Literal["active", "suspended"]
    created_at: Timestamp
    updated_at: Timestamp
