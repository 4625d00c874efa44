"""Schema.org `Product` data from JSON-LD script blocks."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from selectolax.lexbor import LexborHTMLParser

from genfire_server.products._categories import Crumb, breadcrumb_category, category_name
from genfire_server.products._found import PRODUCT_TYPES, Found
from genfire_server.products._price import Amount, currency_code, parse_amount, price_of
from genfire_server.products._text import (
    DESCRIPTION_LIMIT,
    LABEL_LIMIT,
    TITLE_LIMIT,
    absolute_url,
    clean_text,
)

_PRODUCT_TYPES = frozenset(name.lower() for name in PRODUCT_TYPES)
# Products under these keys are other products (related items, listings, reviews of
# them), or variants read through their group; none of them is the page's product.
_FOREIGN_KEYS = frozenset(
    {
        "itemListElement", "isRelatedTo", "isSimilarTo", "isAccessoryOrSparePartFor",
        "isConsumableFor", "hasVariant", "isVariantOf", "review", "reviews", "mentions",
        "about", "relatedLink", "significantLink",
    }
)  # fmt: skip
_NOT_CURRENT_PRICE = re.compile(r"strikethrough|listprice|srp|msrp|invoice", re.IGNORECASE)
# Wrappers old templates put around script content for pre-HTML5 browsers.
_OPENERS = ("<!--", "//<![CDATA[", "/*<![CDATA[*/", "<![CDATA[")
_CLOSERS = ("-->", "//]]>", "/*]]>*/", "]]>")
_MAX_BLOCK_CHARS = 2_000_000
_MAX_NODES = 20_000
_MAX_LIST = 200

Json = object
Node = dict[str, Json]


def _unwrap(text: str) -> str:
    text = text.strip()
    for opener in _OPENERS:
        if text.startswith(opener):
            text = text[len(opener) :]
            break
    text = text.rstrip("; \t\r\n")
    for closer in _CLOSERS:
        if text.endswith(closer):
            text = text[: -len(closer)].rstrip("; \t\r\n")
            break
    return text


def _blocks(tree: LexborHTMLParser) -> list[Json]:
    """Every block that is valid JSON; a broken block is skipped, not fatal."""
    loaded: list[Json] = []
    for script in tree.css('script[type*="ld+json" i]'):
        text = script.text()
        if len(text) > _MAX_BLOCK_CHARS:
            continue
        try:
            loaded.append(json.loads(_unwrap(text), parse_float=Decimal, strict=False))
        except (ValueError, RecursionError):
            continue
    return loaded


def _nodes(roots: list[Json]) -> list[Node]:
    """Objects in document order, not descending into other products' keys."""
    found: list[Node] = []
    stack: list[Json] = list(reversed(roots))
    budget = _MAX_NODES
    while stack and budget > 0:
        budget -= 1
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item[:_MAX_LIST]))
        elif isinstance(item, dict):
            found.append(item)
            stack.extend(
                value
                for key, value in reversed(item.items())
                if key not in _FOREIGN_KEYS and isinstance(value, dict | list)
            )
    return found


def _types(node: Node) -> set[str]:
    raw = node.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    return {re.split(r"[/:#]", name.strip())[-1].lower() for name in names if isinstance(name, str)}


class _Graph:
    """The page's JSON-LD objects, with `{"@id": ...}` references resolved."""

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        self._by_id: dict[str, Node] = {}
        for node in nodes:
            node_id = node.get("@id")
            if isinstance(node_id, str) and len(node) > 1:
                self._by_id.setdefault(node_id, node)

    def deref(self, value: Json) -> Json:
        if isinstance(value, dict) and set(value) <= {"@id", "@type"}:
            node_id = value.get("@id")
            if isinstance(node_id, str):
                return self._by_id.get(node_id, value)
        return value

    def each(self, value: Json) -> list[Json]:
        """`value` as a list of resolved items; nested lists (one per variant) are flattened."""
        items: list[Json] = []
        pending: list[tuple[Json, int]] = [(value, 0)]
        while pending and len(items) < _MAX_LIST:
            item, depth = pending.pop()
            if isinstance(item, list):
                if depth < 3:
                    pending.extend((inner, depth + 1) for inner in reversed(item[:_MAX_LIST]))
            elif item is not None:
                items.append(self.deref(item))
        return items

    def string(self, value: Json) -> str | None:
        """A value's text: a string, a number, `{"@value": ...}` or the first of a list."""
        for item in self.each(value):
            if isinstance(item, str):
                return item
            if isinstance(item, int | Decimal) and not isinstance(item, bool):
                amount = parse_amount(item, machine=True)
                return amount.text if amount else None
            if isinstance(item, dict) and "@value" in item:
                return self.string(item["@value"])
        return None

    def name(self, value: Json) -> str | None:
        """A thing's name, whether given as a string or as an object with `name`."""
        for item in self.each(value):
            if isinstance(item, str):
                return item
            if isinstance(item, dict):
                return self.string(item.get("name"))
        return None


def _images(graph: _Graph, value: Json, base: str) -> list[str]:
    urls: list[str] = []
    for item in graph.each(value):
        raw = (
            graph.string(item.get("contentUrl") or item.get("url"))
            if isinstance(item, dict)
            else item
        )
        url = absolute_url(raw, base) if isinstance(raw, str) else None
        if url is not None:
            urls.append(url)
    return urls


def _offer_amounts(graph: _Graph, offers: Json, depth: int = 0) -> list[Amount]:
    amounts: list[Amount] = []
    for offer in graph.each(offers):
        if not isinstance(offer, dict):
            continue
        currency = currency_code(graph.string(offer.get("priceCurrency")))
        price = offer.get("price")
        for spec in graph.each(offer.get("priceSpecification")):
            if price is not None:
                break
            if isinstance(spec, dict) and not _NOT_CURRENT_PRICE.search(
                graph.string(spec.get("priceType")) or ""
            ):
                price = spec.get("price")
                currency = currency or currency_code(graph.string(spec.get("priceCurrency")))
        bounds = [price] if price is not None else [offer.get("lowPrice"), offer.get("highPrice")]
        parsed = [
            amount
            for amount in (parse_amount(graph.string(bound), machine=True) for bound in bounds)
            if amount is not None
        ]
        if not parsed and depth < 2:
            # An AggregateOffer may only list its offers.
            parsed = _offer_amounts(graph, offer.get("offers"), depth + 1)
        amounts.extend(Amount(a.text, a.value, a.symbol, currency or a.currency) for a in parsed)
    return amounts


def _category(graph: _Graph, value: Json) -> str | None:
    items = graph.each(value)
    # A list runs from broad to specific; the last entry is the product's own category.
    for item in reversed(items):
        name = category_name(item if isinstance(item, str) else graph.name(item))
        if name:
            return name
    return None


def _crumbs(graph: _Graph, trail: Node, base: str) -> list[Crumb]:
    entries: list[tuple[Decimal, int, Crumb]] = []
    for index, entry in enumerate(graph.each(trail.get("itemListElement"))):
        if not isinstance(entry, dict):
            continue
        item = graph.deref(entry.get("item"))
        name = graph.string(entry.get("name")) or (
            graph.name(item) if isinstance(item, dict) else None
        )
        link = (item.get("@id") or item.get("url")) if isinstance(item, dict) else item
        position = entry.get("position")
        order = Decimal(index)
        if isinstance(position, int | Decimal) and not isinstance(position, bool):
            order = Decimal(position)
        cleaned = clean_text(name, LABEL_LIMIT)
        if cleaned:
            url = absolute_url(link, base) if isinstance(link, str) else None
            entries.append((order, index, (cleaned, url)))
    entries.sort(key=lambda e: (e[0], e[1]))
    return [crumb for _, _, crumb in entries]


def _trail_category(graph: _Graph, title: str | None, base: str, page_url: str) -> str | None:
    for trail in (node for node in graph.nodes if "breadcrumblist" in _types(node)):
        category = breadcrumb_category(_crumbs(graph, trail, base), title, page_url)
        if category:
            return category
    return None


def extract_jsonld(tree: LexborHTMLParser, base: str, page_url: str) -> Found:
    """The first product described in JSON-LD, filled in from other blocks describing it."""
    found = Found(source="json-ld")
    graph = _Graph(_nodes(_blocks(tree)))
    products = [node for node in graph.nodes if _types(node) & _PRODUCT_TYPES]
    if not products:
        found.trail_category = _trail_category(graph, None, base, page_url)
        return found
    found.is_product = True
    main = products[0]
    main_id, main_name = main.get("@id"), graph.string(main.get("name"))
    # Some sites describe one product in several blocks (theme plus SEO plugin).
    same = [
        p
        for p in products
        if p is main
        or (main_id is not None and p.get("@id") == main_id)
        or (main_name is not None and graph.string(p.get("name")) == main_name)
    ]
    variants = [v for p in same for v in graph.each(p.get("hasVariant")) if isinstance(v, dict)]

    def first(key: str, nodes: list[Node]) -> Json:
        return next((n[key] for n in nodes if n.get(key) not in (None, "", [])), None)

    found.title = clean_text(graph.string(first("name", same)), TITLE_LIMIT)
    found.description = clean_text(graph.string(first("description", same)), DESCRIPTION_LIMIT)
    found.brand = clean_text(graph.name(first("brand", same)), LABEL_LIMIT)
    found.category = _category(graph, first("category", same))
    found.images = _images(graph, first("image", same), base) or _images(
        graph, [v.get("image") for v in variants], base
    )
    offers = first("offers", same)
    amounts = _offer_amounts(
        graph, offers if offers is not None else [v.get("offers") for v in variants]
    )
    found.price = price_of(amounts)
    found.trail_category = _trail_category(graph, found.title, base, page_url)
    return found
