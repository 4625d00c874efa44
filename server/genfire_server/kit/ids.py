"""Identifiers and secrets.

Ids are `<prefix>_<26 chars>`: a 48-bit millisecond timestamp then 80 random bits, in
Crockford base32, so they sort by creation time (newest-first listings index well) and
cannot be guessed.
"""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A time-sortable, unguessable id such as `run_01jd0x...`."""
    millis = time.time_ns() // 1_000_000
    return f"{prefix}_{base32(millis, 10)}{base32(secrets.randbits(80), 16)}"


def random_token(length: int) -> str:
    """`length` characters of lowercase base32: URL-safe and unambiguous to read aloud."""
    return base32(secrets.randbits(length * 5), length)


def request_id() -> str:
    return f"req_{random_token(24)}"
