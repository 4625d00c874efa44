"""The routing table: which engine executes each public alias, as data.

`data/routing.json` maps every public alias to an engine key (`local.image`,
`local.speech`, ... by default) and the per-model rules of the generation endpoints that
the catalog's public limits do not state (how many `image_urls` a model takes, whether it
has `quality` tiers, which music options a model has). Endpoints without a model alias
(product extraction) are routed by capability under `unaliased`. Routing an alias to a
provider is an edit here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from genfire_server.catalog.service import Catalog


@dataclass(frozen=True)
class Route:
    engine: str
    params: dict[str, Any] = field(default_factory=dict)


class RoutingTable:
    def __init__(self, routes: dict[str, Route], unaliased: dict[str, Route] | None = None) -> None:
        self._routes = routes
        self._unaliased = dict(unaliased or {})

    @classmethod
    def load(cls, catalog: Catalog) -> RoutingTable:
        text = resources.files("genfire_server.engines").joinpath("data", "routing.json")
        document = json.loads(text.read_text("utf-8"))

        def parse(raw: dict[str, Any]) -> dict[str, Route]:
            return {
                key: Route(entry["engine"], dict(entry.get("params", {})))
                for key, entry in raw.items()
            }

        routes = parse(document["routes"])
        unknown = [alias for alias in routes if catalog.get(alias) is None]
        missing = [model.id for model in catalog.models if model.id not in routes]
        if unknown or missing:
            raise ValueError(f"routing.json: unknown aliases {unknown}, unrouted aliases {missing}")
        return cls(routes, parse(document.get("unaliased", {})))

    def get(self, alias: str) -> Route:
        return self._routes[alias]

    def for_capability(self, capability: str) -> Route:
        """The route of an endpoint that takes no model alias."""
        return self._unaliased[capability]
