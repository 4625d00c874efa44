"""Time, in one place, so tests can move it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Timezone-aware now in UTC, truncated to milliseconds (the contract's precision)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def isoformat(value: datetime) -> str:
    """`2026-03-25T12:00:00.000Z`: the timestamp format every contract example uses."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elif value.utcoffset():
        value = value.astimezone(UTC)
    # "...T12:00:00.000+00:00" -> "...T12:00:00.000Z" (isoformat is C, strftime is not).
    return value.isoformat(timespec="milliseconds")[:-6] + "Z"
