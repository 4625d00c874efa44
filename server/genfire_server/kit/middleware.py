"""Request ids, the access log and the last-resort 500, as one pure ASGI middleware.

Pure ASGI (not BaseHTTPMiddleware) keeps the per-request overhead to a few function calls.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from genfire_server.kit.errors import PROBLEM_CONTENT_TYPE, InternalError
from genfire_server.kit.ids import request_id as new_request_id

log = logging.getLogger("genfire.access")
errors_log = logging.getLogger("genfire.errors")
# A caller may pass its own id to correlate logs; anything odd is replaced, never echoed.
_SAFE_INBOUND_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log

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

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            errors_log.exception("unhandled error", extra={"request_id": rid})
            if not response_started:
                await _send_internal_error(send_with_id, rid)
        finally:
            if self.access_log:
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


async def _send_internal_error(send: Any, rid: str) -> None:
    body = json.dumps(InternalError().body(rid)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
