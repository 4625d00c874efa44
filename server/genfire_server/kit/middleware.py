"""Request ids, the body-size cap, the access log and the last-resort 500, as one pure
ASGI middleware.

Pure ASGI (not BaseHTTPMiddleware) keeps the per-request overhead to a few function calls.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from genfire_server.kit.errors import PROBLEM_CONTENT_TYPE, GenFireError, InternalError
from genfire_server.kit.ids import request_id as new_request_id

log = logging.getLogger("genfire.access")
errors_log = logging.getLogger("genfire.errors")
# A caller may pass its own id to correlate logs; anything odd is replaced, never echoed.
_SAFE_INBOUND_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
# What the access log records for a client that went away before the response.
CLIENT_CLOSED = 499
# Signed uploads (PUT /v1/files/...) stream straight to storage and enforce their own,
# much larger limits (storage/endpoints.py), so the JSON body cap does not apply to them.
UNCAPPED_PUT_PREFIX = "/v1/files/"


class BodyTooLarge(GenFireError):
    status = 413
    code = "payload_too_large"


class NulCharacter(GenFireError):
    """PostgreSQL text cannot hold U+0000 and no API field needs it: refuse it at the door
    rather than let it fail deep inside a query."""

    status = 400
    code = "validation_error"

    def __init__(self, where: str) -> None:
        super().__init__(f"The {where} contains a NUL character (U+0000), which is not allowed.")


class LoneSurrogate(NulCharacter):
    def __init__(self) -> None:
        GenFireError.__init__(
            self,
            "The request body contains an unpaired UTF-16 surrogate escape (like \\ud800), "
            "which is not valid Unicode text.",
        )


_NUL_ESCAPE = rb"\u0000"  # JSON's spelling of U+0000 (only lowercase u is valid JSON)
# A UTF-16 surrogate escape without its partner (JSON allows writing one, Unicode text
# cannot contain one): it would be stored, then break every later read of the document.
_LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _has_nul_in_url(data: bytes) -> bool:
    return b"\x00" in data or b"%00" in data


def _has_nul(data: bytes) -> bool:
    return b"\x00" in data or _NUL_ESCAPE in data


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, access_log: bool = True, max_body_bytes: int) -> None:
        self.app = app
        self.access_log = access_log
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        inbound = _header(scope, b"x-request-id")
        rid = inbound if inbound and _SAFE_INBOUND_ID.match(inbound) else new_request_id()
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        limit = self.max_body_bytes
        capped = not (scope["method"] == "PUT" and scope["path"].startswith(UNCAPPED_PUT_PREFIX))
        too_large = BodyTooLarge(f"The request body is larger than the limit of {limit} bytes.")
        received = 0
        content_type = _header(scope, b"content-type") or ""
        json_body = "json" in content_type.lower()
        tail = b""  # the last bytes of the previous chunk, so an escape split in two is seen

        async def receive_capped() -> Message:
            nonlocal received, tail
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                if capped:
                    received += len(chunk)
                    if received > limit:
                        raise too_large
                if json_body and (chunk or not message.get("more_body", False)):
                    window = tail + chunk
                    if _has_nul(window):
                        raise NulCharacter("request body")
                    final = not message.get("more_body", False)
                    # Near the end of a chunk a surrogate's partner may still be coming.
                    checked = window if final else window[:-12]
                    if _LONE_SURROGATE.search(checked):
                        raise LoneSurrogate()
                    tail = window[-24:]
            return message

        try:
            if "\x00" in scope["path"] or _has_nul_in_url(scope.get("query_string", b"")):
                raise NulCharacter("URL")
            declared = _header(scope, b"content-length")
            if capped and declared is not None and declared.isdigit() and int(declared) > limit:
                raise too_large
            await self.app(scope, receive_capped, send_with_id)
        except (BodyTooLarge, NulCharacter) as error:
            if not response_started:
                await _send_problem(send_with_id, error, rid)
        except ClientDisconnect:
            status = CLIENT_CLOSED  # nobody is left to answer; not a server error
        except Exception:
            errors_log.exception("unhandled error", extra={"request_id": rid})
            if not response_started:
                await _send_problem(send_with_id, InternalError(), rid)
        finally:
            if self.access_log and log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "request_id": rid,
                        "account_id": state.get("account_id"),
                    },
                )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return None


async def _send_problem(send: Any, error: GenFireError, rid: str) -> None:
    body = json.dumps(error.body(rid)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
