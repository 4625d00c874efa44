"""One error hierarchy, rendered everywhere as the contract's problem+json shape.

Raise a `GenFireError` (or a subclass) anywhere below an endpoint; the handlers in
`kit/error_handlers.py` turn it into `{type, title, status, detail, code, request_id}`.
"""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_CONTENT_TYPE = "application/problem+json"
# The contract's error-type namespace. Clients may match on `type`, so a self-hosted
# server keeps the same URIs rather than inventing its own.
ERROR_TYPE_BASE = "https://api.genfire.ai/errors/"


_WORDS = {"api": "API", "url": "URL", "id": "ID", "oauth": "OAuth", "cli": "CLI", "json": "JSON"}


def title_for(code: str) -> str:
    """`invalid_prompt` -> `Invalid Prompt`, the way the contract's example titles read."""
    return " ".join(_WORDS.get(part, part.capitalize()) for part in code.split("_"))


class GenFireError(Exception):
    """A failure the client can act on. `code` is stable; `detail` is for humans."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status  # type: ignore[misc]
        if code is not None:
            self.code = code  # type: ignore[misc]
        self.headers = headers or {}
        # Extra members for protocols that need them (OAuth's error/error_description).
        self.extra = extra or {}

    def body(self, request_id: str) -> dict[str, Any]:
        return {
            "type": ERROR_TYPE_BASE + self.code,
            "title": title_for(self.code),
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            "request_id": request_id,
            **self.extra,
        }


class ValidationFailed(GenFireError):
    status = 400
    code = "validation_error"


class AuthenticationRequired(GenFireError):
    status = 401
    code = "authentication_required"

    def __init__(
        self, detail: str = "Send Authorization: Bearer <API key or access token>."
    ) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="genfire"'})


class InvalidApiKey(GenFireError):
    status = 401
    code = "invalid_api_key"

    def __init__(
        self, detail: str = "The API key or access token is unknown, revoked or expired."
    ) -> None:
        super().__init__(
            detail, headers={"WWW-Authenticate": 'Bearer realm="genfire", error="invalid_token"'}
        )


class InsufficientScope(GenFireError):
    status = 403
    code = "insufficient_scope"

    def __init__(self, scope: str) -> None:
        super().__init__(
            f"This endpoint needs the scope '{scope}', which the credential does not have.",
            headers={
                "WWW-Authenticate": (
                    f'Bearer realm="genfire", error="insufficient_scope", scope="{scope}"'
                )
            },
        )


class NotFound(GenFireError):
    status = 404
    code = "not_found"


class InvalidModel(GenFireError):
    status = 400
    code = "invalid_model"


class InsufficientCredits(GenFireError):
    status = 402
    code = "insufficient_credits"


class Conflict(GenFireError):
    status = 409
    code = "conflict"


class InternalError(GenFireError):
    status = 500
    code = "internal_error"

    def __init__(self) -> None:
        super().__init__(
            "The server hit an unexpected error. Retry later; quote the request_id if it persists."
        )


class OAuthError(GenFireError):
    """RFC 6749 section 5.2 errors: the code doubles as the OAuth `error` member."""

    def __init__(self, code: str, detail: str, *, status: int = 400) -> None:
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        if status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="genfire"'
        super().__init__(
            detail,
            status=status,
            code=code,
            headers=headers,
            extra={"error": code, "error_description": detail},
        )
