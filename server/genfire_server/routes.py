"""Introspection of the route table: which guard each route declares."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from genfire_server.auth.dependencies import public


def _walk(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _walk(sub)


def required_scope(route: APIRoute) -> str | None:
    """The scope a route's `require(...)` guard checks, or None if it has none."""
    for call in _walk(route.dependant):
        scope = getattr(call, "required_scope", None)
        if isinstance(scope, str):
            return scope
    return None


def is_public(route: APIRoute) -> bool:
    return any(call is public for call in _walk(route.dependant))
