"""Signing secrets and the two signature schemes every delivery carries.

- `X-GenFire-Signature: sha256=<hex>`: HMAC-SHA256 of the raw body, keyed with the
  signing secret (the reference's scheme).
- Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`):
  HMAC-SHA256 of `id.timestamp.body`, keyed with the signing secret's UTF-8 bytes, so
  `standardwebhooks.Webhook(base64(secret))` verifies it and rejects stale timestamps.

A secret is derived from a random per-endpoint salt and the server's secret key: the
database holds the salt and a preview, never the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from genfire_server.kit.ids import base32

SECRET_PREFIX = "gfwsec_"  # noqa: S105 - a prefix, not a secret
_DERIVATION_CONTEXT = b"genfire webhook signing secret v1:"


def new_salt() -> str:
    return secrets.token_hex(32)


def derive_secret(server_key: bytes, salt: str) -> str:
    """The endpoint's signing secret: `gfwsec_` and 52 characters of base32."""
    digest = hmac.new(server_key, _DERIVATION_CONTEXT + salt.encode(), hashlib.sha256)
    return SECRET_PREFIX + base32(int.from_bytes(digest.digest(), "big"), 52)


def preview(secret: str) -> str:
    """`gfwsec_1234...abcd`: enough to tell secrets apart, too little to use one."""
    body = secret.removeprefix(SECRET_PREFIX)
    return f"{SECRET_PREFIX}{body[:4]}...{body[-4:]}"


def genfire_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def standard_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Both schemes' headers for one attempt (the timestamp is the attempt's)."""
    return {
        "X-GenFire-Signature": genfire_signature(secret, body),
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_signature(secret, message_id, timestamp, body),
    }
