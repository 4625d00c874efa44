"""Aggregated usage of an account's runs over a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from genfire_server.credits.amounts import to_public
from genfire_server.kit.errors import ValidationFailed
from genfire_server.models import Run
from genfire_server.usage.schemas import (
    GroupBy,
    UsageBucket,
    UsagePeriod,
    UsageSummary,
    UsageTotals,
)

DEFAULT_DAYS = 30
MAX_DAYS = 365
# Bounds that keep every date computation here far from datetime's limits.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def parse_bound(text: str, name: str) -> datetime:
    """An ISO date (midnight UTC) or a full timestamp (naive means UTC)."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ValidationFailed(
            f"{name}: '{text[:40]}' is not an ISO date or timestamp (2026-04-01 or "
            "2026-04-01T00:00:00Z)."
        ) from exc


def period(
    start_date: str | None, end_date: str | None, now: datetime
) -> tuple[datetime, datetime]:
    end = parse_bound(end_date, "end_date") if end_date else now
    if not EARLIEST + timedelta(days=MAX_DAYS) <= end <= LATEST:
        raise ValidationFailed("end_date must fall between 1971 and 9998.")
    start = (
        parse_bound(start_date, "start_date") if start_date else end - timedelta(days=DEFAULT_DAYS)
    )
    if start >= end:
        raise ValidationFailed("start_date must be before end_date.")
    if end - start > timedelta(days=MAX_DAYS):
        raise ValidationFailed(f"The period may span at most {MAX_DAYS} days.")
    return start, end


def _day(session: AsyncSession) -> Any:
    # The UTC calendar day of a run, on either backend.
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Run.created_at), "YYYY-MM-DD")
    return func.substr(Run.created_at, 1, 10)


def _number(milli: int) -> int | float:
    return to_public(int(milli))


@dataclass
class _Row:
    group: str
    credits_milli: int
    runs: int
    succeeded: int
    failed: int


async def summarize(
    session: AsyncSession,
    account_id: str,
    *,
    start: datetime,
    end: datetime,
    group_by: GroupBy,
    capability: str | None,
) -> UsageSummary:
    key = {
        # Runs without an alias (product extraction) group under their capability.
        "model": func.coalesce(Run.model, Run.capability),
        "capability": Run.capability,
        "day": _day(session),
        "none": None,
    }[group_by]
    charged = func.coalesce(
        func.sum(case((Run.status == "completed", Run.charged_milli), else_=0)), 0
    )
    succeeded = func.sum(case((Run.status == "completed", 1), else_=0))
    failed = func.sum(case((Run.status == "failed", 1), else_=0))
    query = select(charged, func.count(), succeeded, failed).where(
        Run.account_id == account_id, Run.created_at >= start, Run.created_at < end
    )
    if capability is not None:
        query = query.where(Run.capability == capability)
    totals_row = (await session.execute(query)).one()
    rows: list[_Row] = []
    if key is not None:
        grouped = query.add_columns(key.label("grp")).group_by(key)
        for credits_milli, runs, ok, bad, group in (await session.execute(grouped)).all():
            rows.append(
                _Row(str(group), int(credits_milli or 0), int(runs), int(ok or 0), int(bad or 0))
            )
    if group_by == "day":
        rows.sort(key=lambda row: row.group)
    else:
        rows.sort(key=lambda row: (-row.credits_milli, row.group))
    credits_milli, runs, ok, bad = totals_row
    return UsageSummary(
        period=UsagePeriod(start=start, end=end - timedelta(milliseconds=1)),
        group_by=group_by,
        totals=UsageTotals(
            credits_spent=_number(credits_milli or 0),
            runs_count=int(runs),
            successful_runs=int(ok or 0),
            failed_runs=int(bad or 0),
        ),
        breakdown=[
            UsageBucket(
                group=row.group,
                credits_spent=_number(row.credits_milli),
                runs_count=row.runs,
                successful_runs=row.succeeded,
                failed_runs=row.failed,
                avg_credits_per_run=_number(round(row.credits_milli / row.runs)) if row.runs else 0,
            )
            for row in rows
        ],
    )
