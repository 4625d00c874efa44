"""The contract's scopes. `*` grants every one of them."""

from __future__ import annotations

from collections.abc import Iterable

from genfire_server.kit.errors import ValidationFailed

ALL = "*"
SCOPES: frozenset[str] = frozenset(
    {
        "account:read",
        "credits:read",
        "models:read",
        "runs:read",
        "batches:read",
        "batches:write",
        "webhooks:read",
        "webhooks:write",
        "images:write",
        "videos:write",
        "audio:write",
        "lipsync:write",
        "products:write",
        "workflows:read",
        "workflows:write",
        "uploads:write",
        "influencers:read",
        "influencers:write",
    }
)


def parse(text: str | Iterable[str] | None) -> list[str]:
    """Split a space- or comma-separated list; keep the caller's order, drop duplicates."""
    if text is None:
        return []
    parts = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    return list(dict.fromkeys(part.strip() for part in parts if part.strip()))


def unknown(scopes: Iterable[str]) -> list[str]:
    return [scope for scope in scopes if scope != ALL and scope not in SCOPES]


def validated(text: str | Iterable[str] | None, *, default: list[str]) -> list[str]:
    """Parse and check a scope list, or fall back to `default` when none is given."""
    scopes = parse(text) or list(default)
    bad = unknown(scopes)
    if bad:
        raise ValidationFailed(
            f"Unknown scope(s): {', '.join(bad)}. Known scopes: {', '.join(sorted(SCOPES))} or *."
        )
    return scopes


def grants(held: Iterable[str], needed: str) -> bool:
    held = set(held)
    return ALL in held or needed in held


def subset(requested: Iterable[str], allowed: Iterable[str]) -> bool:
    allowed = set(allowed)
    return ALL in allowed or all(scope in allowed for scope in requested)


def serialize(scopes: Iterable[str]) -> str:
    return " ".join(scopes)
