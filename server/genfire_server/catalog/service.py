"""The model catalog and its price list, loaded once from the package's data files.

`data/models.json` is the contract's `GET /models` body verbatim; `data/pricing.json`
is the operator-editable price list (see docs/pricing.md). Both are checked against
each other at load, so a catalog with an unpriced model cannot start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from genfire_server.credits.amounts import to_milli

UNITS = frozenset({"per_image", "per_second", "per_character"})


@dataclass(frozen=True)
class Price:
    model: str
    capability: str
    unit: str
    credits: float
    credits_milli: int
    operation_key: str
    notes: str | None
    # request field -> value (as a string) -> factor, e.g. {"quality": {"high": 22}}
    multipliers: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class CatalogModel:
    id: str
    capability: str
    is_default: bool
    status: str
    limits: dict[str, Any]
    capabilities: dict[str, bool] | None
    document: dict[str, Any]  # the contract's JSON object, served as is


class CatalogError(ValueError):
    """The data files disagree with each other; raised at start-up, never per request."""


def _read_json(name: str) -> Any:
    text = resources.files("genfire_server.catalog").joinpath("data", name).read_text("utf-8")
    return json.loads(text)


class Catalog:
    def __init__(self, models: list[dict[str, Any]], pricing: dict[str, Any]) -> None:
        self.models: list[CatalogModel] = [
            CatalogModel(
                id=doc["id"],
                capability=doc["capability"],
                is_default=bool(doc["is_default"]),
                status=doc["status"],
                limits=doc.get("limits") or {},
                capabilities=doc.get("capabilities"),
                document=doc,
            )
            for doc in models
        ]
        self._by_id = {model.id: model for model in self.models}
        if len(self._by_id) != len(self.models):
            raise CatalogError("duplicate model ids in models.json")
        self.prices = self._load_prices(pricing)
        self._price_by_model = {price.model: price for price in self.prices}
        self._defaults: dict[str, CatalogModel] = {}
        for model in self.models:
            if model.is_default:
                if model.capability in self._defaults:
                    raise CatalogError(f"two default models for {model.capability}")
                self._defaults[model.capability] = model

    def _load_prices(self, pricing: dict[str, Any]) -> list[Price]:
        prices = []
        for entry in pricing["entries"]:
            model = self._by_id.get(entry["model"])
            if model is None:
                raise CatalogError(f"pricing.json prices unknown model {entry['model']}")
            if entry["unit"] not in UNITS:
                raise CatalogError(f"{entry['model']}: unknown unit {entry['unit']}")
            prices.append(
                Price(
                    model=model.id,
                    capability=model.capability,
                    unit=entry["unit"],
                    credits=entry["credits"],
                    credits_milli=to_milli(entry["credits"]),
                    operation_key=entry["operation_key"],
                    notes=entry.get("notes"),
                    multipliers={
                        name: {str(k): float(v) for k, v in table.items()}
                        for name, table in (entry.get("multipliers") or {}).items()
                    },
                )
            )
        priced = {price.model for price in prices}
        missing = [model.id for model in self.models if model.id not in priced]
        if missing or len(priced) != len(prices):
            raise CatalogError(f"pricing.json must price each model once; missing {missing}")
        return prices

    @classmethod
    def load(cls) -> Catalog:
        return cls(_read_json("models.json")["data"], _read_json("pricing.json"))

    def get(self, model_id: str) -> CatalogModel | None:
        return self._by_id.get(model_id)

    def by_capability(self, capability: str | None) -> list[CatalogModel]:
        if capability is None:
            return list(self.models)
        return [model for model in self.models if model.capability == capability]

    def capabilities(self) -> list[str]:
        return list(dict.fromkeys(model.capability for model in self.models))

    def default_for(self, capability: str) -> CatalogModel | None:
        return self._defaults.get(capability)

    def price_of(self, model_id: str) -> Price:
        return self._price_by_model[model_id]
