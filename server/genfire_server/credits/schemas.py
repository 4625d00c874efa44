"""Wire shapes of the credit endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class CreditBalanceOut(BaseModel):
    account_id: str
    balance: int | float = Field(
        description="Credits available now (holds for running work are already deducted)."
    )
    currency: Literal["credits"] = "credits"
