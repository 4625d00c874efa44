"""Wire shapes of `GET /usage`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from genfire_server.kit.responses import Timestamp

GroupBy = Literal["model", "capability", "day", "none"]


class UsagePeriod(BaseModel):
    start: Timestamp
    end: Timestamp


class UsageTotals(BaseModel):
    credits_spent: int | float
    runs_count: int
    successful_runs: int
    failed_runs: int


class UsageBucket(UsageTotals):
    group: str
    avg_credits_per_run: int | float


class UsageSummary(BaseModel):
    object: Literal["usage_summary"] = "usage_summary"
    period: UsagePeriod
    group_by: GroupBy
    totals: UsageTotals
    breakdown: list[UsageBucket]
