"""Credential formats: how keys and client secrets look, are minted and are checked."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as _secrets
from dataclasses import dataclass

from genfire_server.kit.ids import random_token

API_KEY_PREFIX = "gfa_live_"
OAUTH_CLIENT_PREFIX = "gfo_oauth_"
OAUTH_SECRET_PREFIX = "gfs_live_"  # noqa: S105 - a format prefix, not a secret


_PUBLIC_ID = re.compile(r"[0-9a-z]{16}")
_KEY_SECRET = re.compile(r"[A-Za-z0-9_-]{20,64}")
_CLIENT_ID = re.compile(r"gfo_oauth_[0-9a-z]{20}")
_CLIENT_SECRET = re.compile(r"gfs_live_[A-Za-z0-9_-]{20,64}")


def looks_like_client_id(value: str) -> bool:
    return _CLIENT_ID.fullmatch(value) is not None


def looks_like_secret(value: str) -> bool:
    return _CLIENT_SECRET.fullmatch(value) is not None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)


@dataclass(frozen=True)
class MintedKey:
    key_id: str
    api_key: str
    secret_digest: str


def mint_api_key() -> MintedKey:
    """`gfa_live_<public id>.<secret>`; the public id locates the row, the secret proves it."""
    public_id = random_token(16)
    secret = _secrets.token_urlsafe(27)  # 36 characters, 216 bits
    return MintedKey(f"key_{public_id}", f"{API_KEY_PREFIX}{public_id}.{secret}", digest(secret))


def split_api_key(token: str) -> tuple[str, str] | None:
    """`(key id, secret)` of a well-formed API key, else None."""
    if not token.startswith(API_KEY_PREFIX):
        return None
    public_id, dot, secret = token[len(API_KEY_PREFIX) :].partition(".")
    if not dot or not _PUBLIC_ID.fullmatch(public_id) or not _KEY_SECRET.fullmatch(secret):
        return None
    return f"key_{public_id}", secret


@dataclass(frozen=True)
class MintedClient:
    client_id: str
    client_secret: str
    secret_digest: str


def mint_oauth_client() -> MintedClient:
    secret = OAUTH_SECRET_PREFIX + _secrets.token_urlsafe(32)
    return MintedClient(OAUTH_CLIENT_PREFIX + random_token(20), secret, digest(secret))
