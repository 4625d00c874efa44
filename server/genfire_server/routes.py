"""The route table as declared: every router with its prefix, and the guard of each route.

`create_app` includes exactly these routers, and the OpenAPI builder and the guard test
read them from here, so what is served and what is checked cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from genfire_server.auth.dependencies import public


@dataclass(frozen=True)
class DeclaredRoute:
    path: str  # with its prefix, as served
    methods: frozenset[str]
    route: APIRoute

    @property
    def required_scope(self) -> str | None:
        return required_scope(self.route)

    @property
    def is_public(self) -> bool:
        return is_public(self.route)


def declared(routers: list[tuple[str, APIRouter]]) -> list[DeclaredRoute]:
    return [
        DeclaredRoute(prefix + route.path, frozenset(route.methods or ()), route)
        for prefix, router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
    ]


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
