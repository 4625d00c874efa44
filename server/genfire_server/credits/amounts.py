"""Credit amounts: millicredits inside, plain numbers on the wire."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MILLI = 1000
# A trillion credits: far beyond any real balance, far within a 64-bit column.
MAX_MILLI = 10**15


def to_milli(value: int | float | str | Decimal) -> int:
    """Parse a credit amount with at most three decimals (`0.025` -> 25)."""
    try:
        exact = Decimal(str(value)) * MILLI
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not a number") from exc
    if not exact.is_finite():
        raise ValueError(f"{value!r} is not a number")
    if abs(exact) > MAX_MILLI:
        raise ValueError(f"{value} is more credits than one account can hold")
    if exact != exact.to_integral_value():
        raise ValueError(f"{value} has more than three decimals; credits count to 1/1000")
    return int(exact)


def to_public(milli: int) -> int | float:
    """`25` -> `0.025`, `10000000` -> `10000`: whole numbers stay integers in JSON."""
    if milli % MILLI == 0:
        return milli // MILLI
    return float(Decimal(milli) / MILLI)
