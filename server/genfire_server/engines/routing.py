"""The routing table: which engine executes each public alias, as data.

`data/routing.json` maps every image and video alias to an engine key (`local.image`,
`local.video` by default) and the per-model rules of the generation endpoints that the
catalog's public limits do not state (how many `image_urls` a model takes, whether it has
`quality` tiers or edit resolutions). Routing an alias to a provider is an edit here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from genfire_server.catalog.service import Catalog

ROUTED_CAPABILITIES = frozenset({"image_generation", "video_generation"})


@dataclass(frozen=True)
class Route:
    engine: str
    params: dict[str, Any] = field(default_factory=dict)


class RoutingTable:
    def __init__(self, routes: dict[str, Route]) -> None:
        self._routes = routes

    @classmethod
    def load(cls, catalog: Catalog) -> RoutingTable:
        text = resources.files("genfire_server.engines").joinpath("data", "routing.json")
        raw = json.loads(text.read_text("utf-8"))["routes"]
        routes = {
            alias: Route(entry["engine"], dict(entry.get("params", {})))
            for alias, entry in raw.items()
        }
        unknown = [alias for alias in routes if catalog.get(alias) is None]
        missing = [
            model.id
            for model in catalog.models
            if model.capability in ROUTED_CAPABILITIES and model.id not in routes
        ]
        if unknown or missing:
            raise ValueError(f"routing.json: unknown aliases {unknown}, unrouted aliases {missing}")
        return cls(routes)

    def get(self, alias: str) -> Route:
        return self._routes[alias]
