"""Turn every failure into the contract's problem+json, with the request's id."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from genfire_server.kit.errors import PROBLEM_CONTENT_TYPE, GenFireError
from genfire_server.kit.ids import request_id as new_request_id

_HTTP_CODES = {
    400: ("validation_error", "The request body could not be read."),
    404: ("not_found", "No such endpoint. Every API path is under /v1; see /v1/docs."),
    405: ("method_not_allowed", "This endpoint does not accept that HTTP method."),
    413: ("payload_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Send the body as application/json."),
}


def _request_id(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    return rid if isinstance(rid, str) else new_request_id()


class ProblemResponse(JSONResponse):
    """problem+json, rendered ASCII-safe: a detail that quotes odd client input (a lone
    surrogate, say) must not turn the error into a 500."""

    media_type = PROBLEM_CONTENT_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def problem(request: Request, error: GenFireError) -> JSONResponse:
    return ProblemResponse(
        error.body(_request_id(request)),
        status_code=error.status,
        media_type=PROBLEM_CONTENT_TYPE,
        headers=error.headers,
    )


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        where = parts[0]
        parts = parts[1:]
        if where == "header" and parts:
            return f"header {parts[0]}"
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out or "body"


def describe_validation_errors(errors: list[Any]) -> str:
    """`prompt: Field required; count: Input should be less than or equal to 4`."""
    messages = []
    for error in errors[:5]:
        kind = error.get("type", "")
        if kind == "json_invalid":
            ctx = error.get("ctx") or {}
            reason = ctx.get("error", "invalid JSON")
            return f"The request body is not valid JSON ({reason})."
        loc = tuple(error.get("loc", ()))
        if kind == "missing" and loc == ("body",):
            messages.append("A JSON request body is required.")
            continue
        if kind == "model_attributes_type" or (kind == "dict_type" and loc == ("body",)):
            messages.append("The request body must be a JSON object.")
            continue
        messages.append(f"{_location(loc)}: {error.get('msg', 'is invalid')}")
    if len(errors) > 5:
        messages.append(f"and {len(errors) - 5} more")
    return "; ".join(messages) + ("" if messages[-1].endswith(".") else ".")


async def _genfire_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GenFireError)
    return problem(request, exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = describe_validation_errors(list(exc.errors()))
    return problem(request, GenFireError(detail, status=400, code="validation_error"))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, GenFireError):
        # FastAPI wraps whatever fails while it reads a body (our body cap, the NUL check)
        # into a generic 400; answer with the real reason.
        return problem(request, exc.__cause__)
    code, detail = _HTTP_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
    error = GenFireError(detail, status=exc.status_code, code=code, headers=dict(exc.headers or {}))
    return problem(request, error)


def install(app: FastAPI) -> None:
    app.add_exception_handler(GenFireError, _genfire_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Unexpected exceptions are answered by `RequestContextMiddleware`, which also logs them
    # once with the request id; a handler here would make Starlette answer and re-raise.
