"""Prices as pages state them, and their display form.

Amounts stay strings so the API shows the decimals the page shows ("$39", "$39.90"); the
`Decimal` is only for comparing offers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

# Display symbols for the currencies shops use most, as English-locale shoppers read them.
SYMBOLS: dict[str, str] = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "CN¥",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "HKD": "HK$",
    "SGD": "S$",
    "MXN": "MX$",
    "BRL": "R$",
    "TWD": "NT$",
    "INR": "₹",
    "KRW": "₩",
    "ILS": "₪",
    "VND": "₫",
    "PHP": "₱",
    "NGN": "₦",
    "UAH": "₴",
    "TRY": "₺",
}
# Symbols pages print, mapped to a code only where the symbol names one currency;
# "$" and "¥" are shared by several, so they keep the symbol and leave the code unknown.
_SYMBOL_CODES: dict[str, str | None] = {
    "US$": "USD",
    "CA$": "CAD",
    "C$": "CAD",
    "AU$": "AUD",
    "A$": "AUD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "MX$": "MXN",
    "R$": "BRL",
    "NT$": "TWD",
    "CN¥": "CNY",
    "€": "EUR",
    "£": "GBP",
    "₹": "INR",
    "₩": "KRW",
    "₪": "ILS",
    "₫": "VND",
    "₱": "PHP",
    "₦": "NGN",
    "₴": "UAH",
    "₺": "TRY",
    "$": None,
    "¥": None,
    "￥": None,
}
# Codes recognised inside free text ("EUR 24,50"); a structured currency field accepts any
# three letters.
_TEXT_CODES = frozenset(SYMBOLS) | {
    "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON", "ZAR", "AED", "SAR", "THB",
    "MYR", "IDR", "CLP", "COP", "PEN", "ARS",
}  # fmt: skip
_SYMBOL_RE = re.compile(
    "|".join(re.escape(s) for s in sorted(_SYMBOL_CODES, key=len, reverse=True))
)
_CODE_RE = re.compile(r"(?<![A-Za-z])(" + "|".join(sorted(_TEXT_CODES)) + r")(?![A-Za-z])")
_NUMBER_RE = re.compile(r"\d{1,3}(?:[ \u00a0\u202f'.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?")
_DIGITS = re.compile(r"\d+")
_MAX_INTEGER_DIGITS = 12


@dataclass(frozen=True)
class Amount:
    text: str  # normalised: digits, optionally "." and the page's decimals
    value: Decimal
    symbol: str | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Price:
    """One price or, when offers differ, the span `low`..`high`."""

    low: str
    high: str | None = None
    currency: str | None = None
    symbol: str | None = None


def currency_code(raw: object) -> str | None:
    """An ISO 4217 code from a currency field; some pages put a symbol there instead."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if re.fullmatch(r"[A-Za-z]{3}", text):
        return text.upper()
    return _SYMBOL_CODES.get(text)


def _normalise(number: str, *, machine: bool) -> str | None:
    digits = re.sub(r"[ \u00a0\u202f']", "", number)
    whole, fraction = digits, ""
    if "." in digits and "," in digits:
        decimal_mark = "." if digits.rfind(".") > digits.rfind(",") else ","
        whole, _, fraction = digits.replace("." if decimal_mark == "," else ",", "").partition(
            decimal_mark
        )
    elif "." in digits or "," in digits:
        mark = "." if "." in digits else ","
        groups = digits.split(mark)
        # "1,299" and (in prose) "1.299" group thousands; a machine-readable "1.299" is
        # a decimal because structured data uses "." by definition.
        thousands = len(groups) > 2 or (len(groups[1]) == 3 and (mark == "," or not machine))
        if thousands:
            whole = "".join(groups)
        else:
            whole, fraction = groups
    if not _DIGITS.fullmatch(whole) or (fraction and not _DIGITS.fullmatch(fraction)):
        return None
    whole = whole.lstrip("0") or "0"
    if len(whole) > _MAX_INTEGER_DIGITS or len(fraction) > 4:
        return None
    return f"{whole}.{fraction}" if fraction else whole


def parse_amount(raw: object, *, machine: bool) -> Amount | None:
    """The first price in `raw` ("£24.00", "1.299,00 €", 39, Decimal("39.90")).

    `machine` marks values from structured data, where "." is always the decimal mark.
    A zero price is dropped: shops publish 0 for "price on request".
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, Decimal):
        if not raw.is_finite() or raw.adjusted() > _MAX_INTEGER_DIGITS:
            return None
        exponent = raw.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -4:
            return None
        text = format(raw, "f")
    elif isinstance(raw, str):
        text = raw[:200]
    else:
        return None
    match = _NUMBER_RE.search(text)
    if match is None:
        return None
    amount = _normalise(match.group(), machine=machine)
    if amount is None or Decimal(amount) == 0:
        return None
    symbol_match = _SYMBOL_RE.search(text)
    code_match = _CODE_RE.search(text)
    symbol = symbol_match.group() if symbol_match else None
    currency = code_match.group() if code_match else None
    if currency is None and symbol is not None:
        currency = _SYMBOL_CODES.get(symbol)
    return Amount(text=amount, value=Decimal(amount), symbol=symbol, currency=currency)


def price_of(amounts: Iterable[Amount], currency: str | None = None) -> Price | None:
    """One price from several offers: a single price when they agree, else their span.

    Offers in another currency than the first one named are left out, so a shop listing
    USD and EUR offers doesn't produce a meaningless "$10 - €12".
    """
    kept: list[Amount] = []
    for amount in amounts:
        if currency is None:
            currency = amount.currency
        if amount.currency in (None, currency):
            kept.append(amount)
    if not kept:
        return None
    low = min(kept, key=lambda a: a.value)
    high = max(kept, key=lambda a: a.value)
    symbol = next((a.symbol for a in kept if a.symbol), None)
    return Price(
        low=low.text,
        high=None if high.value == low.value else high.text,
        currency=currency,
        symbol=symbol,
    )


def compatible(symbol: str | None, currency: str) -> bool:
    """Whether a currency named elsewhere on the page can be what `symbol` shows."""
    if symbol is None:
        return True
    shown = SYMBOLS.get(currency)
    return shown is not None and shown.endswith(symbol.replace("￥", "¥"))


def display(price: Price, currency: str | None) -> str:
    """ "$39.99", "€1299.00", "12.00 CHF", or "$12.00 - $18.00" for a span."""

    def one(amount: str) -> str:
        if currency is not None:
            symbol = SYMBOLS.get(currency)
            return f"{symbol}{amount}" if symbol else f"{amount} {currency}"
        return f"{price.symbol}{amount}" if price.symbol else amount

    return one(price.low) if price.high is None else f"{one(price.low)} - {one(price.high)}"
