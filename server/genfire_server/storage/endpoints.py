"""`GET`/`HEAD`/`PUT /files/{key}`: stored files behind signed URLs, no Authorization header.

Existing clients download run outputs with a plain GET of the URL, so the signature in
the query string is the credential. Files stream from storage in chunks and support one
`Range` (video players seek with it).
"""

from __future__ import annotations

import re
import time
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from genfire_server.auth.dependencies import Public
from genfire_server.dependencies import context_of
from genfire_server.kit.errors import NotFound
from genfire_server.kit.responses import errors
from genfire_server.storage import service, signing
from genfire_server.storage.errors import InvalidSignature, RangeNotSatisfiable, UrlExpired
from genfire_server.uploads import service as uploads
from genfire_server.uploads.schemas import UploadReceived

# Left out of the OpenAPI document, like /healthz: the contract has no /files endpoint (its
# clients only follow URLs that responses hand them), and SDK generators should not grow
# methods for it.
router = APIRouter(tags=["Files"])

Expires = Annotated[
    str | None, Query(description="When the URL stops working (Unix seconds); signed.")
]
Signature = Annotated[str | None, Query(description="HMAC-SHA256 signature of the URL.")]
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
# Types a browser renders safely in place; anything else (HTML, SVG, XML, scripts) is
# served as a download so an uploaded file can never run in this server's origin.
_INLINE_PREFIXES = ("image/", "video/", "audio/")
_INLINE_TYPES = {"application/json", "application/pdf", "text/plain"}
_ACTIVE_IMAGES = {"image/svg+xml"}

_FILE_RESPONSE = {
    "description": "The file's bytes (206 with `Content-Range` for a `Range` request).",
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}


def _verify_get(request: Request, key: str, expires: str | None, sig: str | None) -> int:
    try:
        verified = signing.verify(
            context_of(request).settings, "GET", key, expires=expires, sig=sig
        )
    except signing.SignatureExpired as error:
        raise UrlExpired() from error
    except signing.BadSignature as error:
        raise InvalidSignature() from error
    return verified.expires


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte range a single `Range: bytes=a-b` asks for, or None to send all.

    Several ranges or a malformed header are ignored (RFC 9110 allows answering 200 with
    the whole file); a range that starts past the end is 416.
    """
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(size)
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable(size)
    return start, min(end, size - 1)


def _disposition(content_type: str, filename: str) -> str:
    media = content_type.split(";")[0].strip()
    inline = (
        media.startswith(_INLINE_PREFIXES) and media not in _ACTIVE_IMAGES
    ) or media in _INLINE_TYPES
    quoted = quote(filename, safe="")
    return f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quoted}"


async def _serve(
    request: Request, key: str, expires: str | None, sig: str | None, *, head: bool
) -> Response:
    expires_at = _verify_get(request, key, expires, sig)
    ctx = context_of(request)
    asset = await service.find_asset(ctx, key)
    size = await ctx.storage.size(key) if asset is not None and asset.status == "ready" else None
    if asset is None or size is None:
        raise NotFound("No file is stored at this URL (it was never uploaded or has expired).")
    headers = {
        "content-type": asset.content_type,
        "accept-ranges": "bytes",
        "cache-control": f"private, max-age={max(0, expires_at - int(time.time()))}",
        "content-disposition": _disposition(asset.content_type, asset.filename),
        "x-content-type-options": "nosniff",
        # A file opened directly in a browser is a sandboxed document: no scripts, no
        # same-origin access, whatever it contains.
        "content-security-policy": "sandbox",
    }
    wanted = parse_range(request.headers.get("range"), size)
    status = 200
    start, end = 0, size  # [start, end)
    if wanted is not None:
        status = 206
        start, end = wanted[0], wanted[1] + 1
        headers["content-range"] = f"bytes {wanted[0]}-{wanted[1]}/{size}"
    headers["content-length"] = str(end - start)
    if head:
        return Response(status_code=status, headers=headers)
    return StreamingResponse(
        ctx.storage.open_stream(key, start, end), status_code=status, headers=headers
    )


@router.get(
    "/files/{key:path}",
    summary="Download a stored file",
    dependencies=[Public],
    include_in_schema=False,
    response_class=Response,
    responses={200: _FILE_RESPONSE, 206: _FILE_RESPONSE, **errors(403, 404, 416)},
)
async def get_file(
    request: Request, key: str, expires: Expires = None, sig: Signature = None
) -> Response:
    """Fetch an upload's `asset_url` or a run's output URL. The signature in the query
    string is the credential (no Authorization header); a changed URL is 403
    `invalid_signature`, an expired one 403 `url_expired`. One `Range: bytes=a-b` is
    honoured with 206."""
    return await _serve(request, key, expires, sig, head=False)


@router.head(
    "/files/{key:path}",
    summary="Describe a stored file",
    dependencies=[Public],
    include_in_schema=False,
    response_class=Response,
    responses={200: {"description": "The file's headers, no body."}, **errors(403, 404, 416)},
)
async def head_file(
    request: Request, key: str, expires: Expires = None, sig: Signature = None
) -> Response:
    """Like the GET of the same signed URL, without the body: Content-Type,
    Content-Length and Accept-Ranges."""
    return await _serve(request, key, expires, sig, head=True)


@router.put(
    "/files/{key:path}",
    summary="Upload a file to its signed upload URL",
    dependencies=[Public],
    include_in_schema=False,
    response_model=UploadReceived,
    responses=errors(400, 403, 404, 409),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file's bytes, with the Content-Type the upload URL is pinned to.",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def put_file(
    request: Request,
    key: str,
    expires: Expires = None,
    sig: Signature = None,
    ct: Annotated[str | None, Query(description="The pinned Content-Type; signed.")] = None,
    size: Annotated[str | None, Query(description="The declared size in bytes; signed.")] = None,
) -> UploadReceived:
    """PUT the bytes of an upload to the `upload_url` from `POST /uploads`, once, before
    it expires. The request's Content-Type must be the one the URL is pinned to (403
    `content_type_mismatch`); with a declared size the body must have exactly that many
    bytes (400 `size_mismatch`). A second PUT after success is 409 `already_uploaded`.
    The body streams to storage, so it may be far larger than the API's JSON body limit."""
    return await uploads.accept_upload(
        context_of(request),
        key=key,
        expires=expires,
        sig=sig,
        pinned_content_type=ct,
        declared_size=size,
        content_type=request.headers.get("content-type"),
        content_length=request.headers.get("content-length"),
        body=request.stream(),
    )
