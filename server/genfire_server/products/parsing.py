"""Structured product data (title, price, images, ...) from a product page's HTML.

Pages describe their product in several overlapping markups. Each reader turns one
markup into a `Found`; `extract_product` then takes every field from the most reliable
markup that has it: JSON-LD `Product` > microdata > shop markup (Shopify, WooCommerce) >
OpenGraph/`<meta>` > `<title>`/`<h1>`. The parser is pure (no I/O) and never raises, so a
hostile or broken page costs a `success: false`, not a failed request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser

from genfire_server.products._found import Found
from genfire_server.products._jsonld import extract_jsonld
from genfire_server.products._limits import within_depth
from genfire_server.products._meta import Metas, extract_html, extract_opengraph
from genfire_server.products._microdata import extract_microdata
from genfire_server.products._price import Price, compatible, display
from genfire_server.products._shops import extract_shopify, extract_woocommerce
from genfire_server.products._text import document_base, scrub

log = logging.getLogger(__name__)

MAX_HTML_BYTES = 5 * 1024 * 1024
MAX_IMAGES = 20


@dataclass(frozen=True)
class ProductData:
    """What a product page says about its product.

    `price` is for display ("$39", "£24.00", "$12.00 - $18.00"); `currency` is its ISO 4217
    code when the page makes it known. `sources` names the markups that supplied any
    field, strongest first.
    """

    success: bool
    title: str | None
    description: str | None
    category: str | None
    price: str | None
    images: list[str]
    currency: str | None = None
    brand: str | None = None
    sources: list[str] = field(default_factory=list)

    def public(self) -> dict[str, object]:
        """The six fields the API returns."""
        return {
            "success": self.success,
            "title": self.title,
            "description": self.description,
            "category": self.category,
            "price": self.price,
            "images": list(self.images),
        }


_NOTHING = ProductData(
    success=False, title=None, description=None, category=None, price=None, images=[]
)


def _pick_price(sources: list[Found]) -> tuple[Price | None, str | None, set[str]]:
    """A single price from the strongest source that states one; a span only when no source does.

    Shops publish the span of all variants in JSON-LD and the shown variant's price in
    `<meta>`; the latter is what a shopper sees first. Returns the price, its currency
    and the sources that supplied them.
    """
    priced = [s for s in sources if s.price is not None]
    chosen = next((s for s in priced if s.price and s.price.high is None), None)
    chosen = chosen or (priced[0] if priced else None)
    if chosen is None or chosen.price is None:
        return None, None, set()
    price = chosen.price
    if price.currency is not None:
        return price, price.currency, {chosen.source}
    for source in sources:
        for currency in (source.price.currency if source.price else None, source.currency):
            if currency and compatible(price.symbol, currency):
                return price, currency, {chosen.source, source.source}
    return price, None, {chosen.source}


def _merge(sources: list[Found]) -> ProductData:
    used: set[str] = set()

    def pick(attribute: str) -> str | None:
        for source in sources:
            value = getattr(source, attribute)
            if value:
                used.add(source.source)
                return str(value)
        return None

    title = pick("title")
    description = pick("description")
    category = pick("category") or pick("trail_category")
    brand = pick("brand")
    images: list[str] = []
    # Images come as one set from the strongest source that has any: sources list the
    # same pictures at different sizes, so pooling them would repeat each picture.
    for source in sources:
        if source.images:
            used.add(source.source)
            images = list(dict.fromkeys(source.images))[:MAX_IMAGES]
            break
    price, currency, price_sources = _pick_price(sources)
    used |= price_sources
    is_product = any(source.is_product for source in sources)
    return ProductData(
        success=bool(is_product and title and (price or images or description)),
        title=title,
        description=description,
        category=category,
        price=display(price, currency) if price else None,
        images=images,
        currency=currency,
        brand=brand,
        sources=[source.source for source in sources if source.source in used],
    )


def _extract(html: str, page_url: str) -> ProductData:
    # Slicing characters first bounds the encoding work; the byte cut may split a
    # character, which the parser reads as U+FFFD. The guard reads the text the parser will
    # (lone surrogates already replaced), so it sees the same tags.
    data = within_depth(scrub(html[:MAX_HTML_BYTES])).encode("utf-8")[:MAX_HTML_BYTES]
    if b"<" not in data:
        return _NOTHING
    tree = LexborHTMLParser(data)
    base_node = tree.css_first("base[href]")
    base = document_base(base_node.attributes.get("href") if base_node else None, page_url)
    page = scrub(page_url)
    metas = Metas(tree)
    sources = [
        extract_jsonld(tree, base, page),
        extract_microdata(tree, base),
        extract_shopify(tree, base),
        extract_woocommerce(tree, base),
        extract_opengraph(metas, base),
    ]
    title_hint = next((s.title for s in sources if s.title), None)
    sources.append(extract_html(tree, metas, base, page, title_hint))
    return _merge(sources)


def extract_product(html: str, page_url: str) -> ProductData:
    """Parse a fetched product page; `page_url` (after redirects) resolves relative links.

    `success` is true when the page is recognisably a product page (product markup,
    `og:type` product, a product price `<meta>`, or shop product markup) and yielded a
    title plus a price, an image or a description. Only the first 5 MB are read, and only
    up to where the markup would nest deeper, or cost the parser more, than any real page
    (see `_limits`).
    """
    try:
        return _extract(html, page_url)
    except Exception:
        # A reader bug on one odd page must not fail the request; the page then simply
        # didn't parse. The fuzz tests assert this line is never reached.
        log.exception("product page parsing failed", extra={"page_url": str(page_url)[:500]})
        return _NOTHING
