"""OAuth access tokens: HS256 JWTs (RFC 9068 style) signed with the server's secret key.

They are verified without a lookup, then the issuing client is checked so that revoking
the client revokes its tokens at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from genfire_server.kit.ids import random_token

_ALGORITHM = "HS256"


@dataclass(frozen=True)
class AccessTokenClaims:
    account_id: str
    client_id: str
    scopes: list[str]
    expires_at: int


def issue(
    *, key: bytes, issuer: str, account_id: str, client_id: str, scope: str, ttl_seconds: int
) -> str:
    now = int(time.time())
    claims = {
        "iss": issuer,
        "sub": account_id,
        "client_id": client_id,
        "scope": scope,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": random_token(20),
    }
    return jwt.encode(claims, key, algorithm=_ALGORITHM, headers={"typ": "at+jwt"})


def verify(token: str, *, key: bytes, issuer: str) -> AccessTokenClaims | None:
    """The token's claims if its signature, issuer and expiry check out, else None."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[_ALGORITHM],
            issuer=issuer,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.PyJWTError:
        return None
    client_id, scope = claims.get("client_id"), claims.get("scope")
    if not isinstance(client_id, str) or not isinstance(scope, str):
        return None
    return AccessTokenClaims(str(claims["sub"]), client_id, scope.split(), int(claims["exp"]))
