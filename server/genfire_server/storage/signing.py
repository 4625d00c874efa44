"""HMAC-signed, expiring URLs for stored files.

A file URL is `{public_url}/v1/files/{key}?expires=<unix>&sig=<hex>`; an upload URL adds
the pinned content type and, when declared, the size: `&ct=<type>&size=<bytes>`. The key
ends in the file's real extension, so the URL path does too (clients name downloads by it).

The signature is HMAC-SHA256 over the method, key, expiry, content type and size, keyed
with a sub-key derived from the server's secret key for this purpose only: a file
signature can never pass for an access token (or anything else signed with the secret),
nor a GET signature for a PUT.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from genfire_server.settings import Settings

# Where the API serves files; the path the routes in storage/endpoints.py answer.
FILES_PATH = "/v1/files/"
_PURPOSE = b"genfire-server/storage-url/v1"
_DIGITS = re.compile(r"^[0-9]{1,15}$")
_HEX_SIG = re.compile(r"^[0-9a-f]{64}$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class SignatureError(Exception):
    """The URL's signature does not check out."""


class BadSignature(SignatureError):
    """Missing, malformed or wrong: the URL was not issued by this server as it is."""


class SignatureExpired(SignatureError):
    """Issued by this server, but past its expiry."""


def _signing_key(settings: Settings) -> bytes:
    return hmac.new(settings.resolved_secret_key, _PURPOSE, hashlib.sha256).digest()


def signature(
    settings: Settings,
    method: str,
    key: str,
    expires: int,
    *,
    content_type: str | None = None,
    size: int | None = None,
) -> str:
    """The hex HMAC of one URL's parameters (a JSON array, so no two tuples collide)."""
    message = json.dumps(
        [method.upper(), key, expires, content_type, size], separators=(",", ":")
    ).encode()
    return hmac.new(_signing_key(settings), message, hashlib.sha256).hexdigest()


def file_path(key: str) -> str:
    """`/v1/files/<key>` with each segment percent-encoded."""
    return FILES_PATH + "/".join(quote(segment, safe="") for segment in key.split("/"))


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def signed_get_url(settings: Settings, storage_key: str, expires_at: datetime) -> str:
    """A URL anyone can GET (or HEAD) the object with until `expires_at`."""
    expires = _unix(expires_at)
    query = {"expires": expires, "sig": signature(settings, "GET", storage_key, expires)}
    return f"{settings.public_url}{file_path(storage_key)}?{urlencode(query)}"


def signed_put_url(
    settings: Settings,
    storage_key: str,
    expires_at: datetime,
    *,
    content_type: str,
    size: int | None = None,
) -> str:
    """A URL that accepts one PUT of `content_type` (and exactly `size` bytes, if given)."""
    expires = _unix(expires_at)
    sig = signature(settings, "PUT", storage_key, expires, content_type=content_type, size=size)
    query: dict[str, str | int] = {"expires": expires, "ct": content_type}
    if size is not None:
        query["size"] = size
    query["sig"] = sig
    return f"{settings.public_url}{file_path(storage_key)}?{urlencode(query)}"


@dataclass(frozen=True)
class Verified:
    expires: int
    content_type: str | None = None
    size: int | None = None


def verify(
    settings: Settings,
    method: str,
    key: str,
    *,
    expires: str | None,
    sig: str | None,
    content_type: str | None = None,
    size: str | None = None,
    now: float | None = None,
) -> Verified:
    """Check a URL's query parameters for `method` on `key`.

    Raises `BadSignature` for anything not signed by this server as it stands (a changed
    key, expiry, content type or size included), else `SignatureExpired` once past expiry.
    For PUT, `content_type` and `size` are the URL's `ct` and `size` parameters.
    """
    if expires is None or sig is None or not _DIGITS.match(expires) or not _HEX_SIG.match(sig):
        raise BadSignature("the URL has no valid signature")
    if size is not None and not _DIGITS.match(size):
        raise BadSignature("the URL's size parameter is malformed")
    expires_at = int(expires)
    declared = int(size) if size is not None else None
    expected = signature(
        settings, method, key, expires_at, content_type=content_type, size=declared
    )
    if not hmac.compare_digest(expected, sig):
        raise BadSignature("the URL's signature does not match")
    if (time.time() if now is None else now) >= expires_at:
        raise SignatureExpired("the URL has expired")
    return Verified(expires_at, content_type, declared)


@dataclass(frozen=True)
class FileUrl:
    """A URL of this server's `/v1/files/` route, taken apart (not yet verified)."""

    key: str
    expires: str | None
    sig: str | None
    content_type: str | None
    size: str | None

    @property
    def is_upload_url(self) -> bool:
        return self.content_type is not None


def _origin(scheme: str, host: str | None, port: int | None) -> tuple[str, str, int | None]:
    scheme = scheme.lower()
    return scheme, (host or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def parse_file_url(settings: Settings, url: str) -> FileUrl | None:
    """The parts of `url` if it points at this server's stored files, else None.

    "This server" is `settings.public_url`: same scheme, host and port, and a path under
    its `/v1/files/`.
    """
    try:
        target = urlsplit(url.strip())
        ours = urlsplit(settings.public_url)
        target_origin = _origin(target.scheme, target.hostname, target.port)
        our_origin = _origin(ours.scheme, ours.hostname, ours.port)
    except ValueError:  # a malformed port, say: not one of ours
        return None
    if target_origin != our_origin:
        return None
    prefix = ours.path.rstrip("/") + FILES_PATH
    if not target.path.startswith(prefix) or len(target.path) == len(prefix):
        return None
    query = parse_qs(target.query)

    def one(name: str) -> str | None:
        values = query.get(name)
        return values[0] if values else None

    return FileUrl(
        key=unquote(target.path[len(prefix) :]),
        expires=one("expires"),
        sig=one("sig"),
        content_type=one("ct"),
        size=one("size"),
    )
