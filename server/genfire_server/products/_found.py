"""What one kind of markup says about the product, before sources are merged."""

from __future__ import annotations

from dataclasses import dataclass, field

from genfire_server.products._price import Price

# Schema.org types whose item is a product, in JSON-LD as in microdata.
PRODUCT_TYPES = (
    "Product",
    "ProductGroup",
    "ProductModel",
    "IndividualProduct",
    "SomeProducts",
    "Vehicle",
    "Car",
)


@dataclass
class Found:
    """Fields one markup source supplied; every field is already cleaned and capped."""

    source: str
    is_product: bool = False
    title: str | None = None
    description: str | None = None
    category: str | None = None
    # A category read off a breadcrumb trail is a guess (trails may stop at "Shop"), so any
    # source's explicit category beats every trail.
    trail_category: str | None = None
    brand: str | None = None
    price: Price | None = None
    # The page's currency where a source names it apart from any price (a shop-wide
    # setting), for prices shown with a symbol several currencies share.
    currency: str | None = None
    images: list[str] = field(default_factory=list)
