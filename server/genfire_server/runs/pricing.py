"""What a run costs: base price x quantity x multipliers, from the catalog's price table."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal

from genfire_server.catalog.service import Catalog


def option_value(value: object) -> str:
    """How a request value is looked up in a multiplier table (`True` -> `"true"`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def quote(
    catalog: Catalog, model_id: str, quantity: float, options: Mapping[str, object] | None = None
) -> int:
    """Millicredits for `quantity` units (images, seconds, characters) of `model_id`.

    `options` are the request's values for the fields the price table multiplies by
    (`quality`, `resolution`, `generate_audio`, `scale_factor`); endpoints pass them with
    their defaults applied. A field the model does not multiply by is ignored; a value
    the table does not list raises, because charging it 1x could undercharge 22-fold.
    Rounded up to the next millicredit.
    """
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    price = catalog.price_of(model_id)
    total = Decimal(price.credits_milli) * Decimal(str(quantity))
    for name, table in price.multipliers.items():
        value = (options or {}).get(name)
        if value is None:
            continue
        factor = table.get(option_value(value))
        if factor is None:
            raise ValueError(f"{model_id} has no price for {name}={option_value(value)}")
        total *= Decimal(str(factor))
    return max(1, math.ceil(total))
