"""Schema.org `Product` data from microdata (`itemscope`/`itemprop` attributes)."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from genfire_server.products._categories import category_name
from genfire_server.products._found import Found
from genfire_server.products._price import Amount, currency_code, parse_amount, price_of
from genfire_server.products._text import (
    DESCRIPTION_LIMIT,
    LABEL_LIMIT,
    TITLE_LIMIT,
    absolute_url,
    clean_text,
    node_text,
)

_PRODUCT_TYPE = re.compile(
    r"^https?://(?:www\.)?(?:schema\.org|data-vocabulary\.org)/"
    r"(?:Product|ProductGroup|ProductModel|IndividualProduct|SomeProducts|Vehicle|Car)/?$",
    re.IGNORECASE,
)
_URL_TAGS = {
    "img": ("src", "data-src"),
    "source": ("src",),
    "video": ("src",),
    "audio": ("src",),
    "embed": ("src",),
    "iframe": ("src",),
    "a": ("href",),
    "link": ("href",),
    "area": ("href",),
    "object": ("data",),
}
_MAX_ELEMENTS = 50_000

Properties = dict[str, list[LexborNode]]


def _properties(scope: LexborNode) -> Properties:
    """The item's properties; a nested item's own properties belong to that item."""
    props: Properties = {}
    stack = list(reversed(list(scope.iter())))
    budget = _MAX_ELEMENTS
    while stack and budget > 0:
        budget -= 1
        node = stack.pop()
        attributes = node.attributes
        for name in (attributes.get("itemprop") or "").split():
            props.setdefault(name.lower(), []).append(node)
        if "itemscope" not in attributes:
            stack.extend(reversed(list(node.iter())))
    return props


def _value(node: LexborNode) -> str:
    """The property value by the microdata rules; `content` wins, as search engines read it."""
    attributes = node.attributes
    content = attributes.get("content")
    if content is not None:
        return content
    for attribute in _URL_TAGS.get(node.tag or "", ()):
        value = attributes.get(attribute)
        if value:
            return value
    if node.tag in ("data", "meter"):
        return attributes.get("value") or ""
    if node.tag == "time":
        return attributes.get("datetime") or node_text(node)
    return node_text(node)


def _url(node: LexborNode, base: str) -> str | None:
    """A URL property; lazy-loading images keep a data: stub in `src` and the image elsewhere."""
    attributes = node.attributes
    names = ("content", *_URL_TAGS.get(node.tag or "", ()))
    return next((u for u in (absolute_url(attributes.get(n), base) for n in names) if u), None)


def _first(props: Properties, name: str) -> str | None:
    return next((value for node in props.get(name, []) if (value := _value(node).strip())), None)


def _amounts(props: Properties) -> list[Amount]:
    currency = currency_code(_first(props, "pricecurrency"))
    amounts: list[Amount] = []
    for key in ("price", "lowprice", "highprice"):
        for node in props.get(key, [])[:1]:
            # A `content` attribute is machine-readable; element text is what shoppers read.
            amount = parse_amount(_value(node), machine="content" in node.attributes)
            if amount is not None:
                amounts.append(
                    Amount(amount.text, amount.value, amount.symbol, currency or amount.currency)
                )
        if key == "price" and amounts:
            break
    return amounts


def _main_item(tree: LexborHTMLParser) -> LexborNode | None:
    items = [
        node
        for node in tree.css("[itemscope][itemtype]")
        if any(_PRODUCT_TYPE.match(t) for t in (node.attributes.get("itemtype") or "").split())
    ]
    # An item that is itself a property (`isRelatedTo`, a listing's entries) is another product.
    return next((n for n in items if "itemprop" not in n.attributes), items[0] if items else None)


def extract_microdata(tree: LexborHTMLParser, base: str) -> Found:
    """The page's top-level microdata product."""
    found = Found(source="microdata")
    item = _main_item(tree)
    if item is None:
        return found
    found.is_product = True
    props = _properties(item)
    found.title = clean_text(_first(props, "name"), TITLE_LIMIT)
    found.description = clean_text(_first(props, "description"), DESCRIPTION_LIMIT)
    found.category = category_name(_first(props, "category"))
    for node in props.get("image", []):
        if "itemscope" in node.attributes:
            url = absolute_url(_first(_properties(node), "url"), base)
        else:
            url = _url(node, base)
        if url is not None:
            found.images.append(url)
    for node in props.get("brand", [])[:1]:
        brand = (
            _first(_properties(node), "name") if "itemscope" in node.attributes else _value(node)
        )
        found.brand = clean_text(brand, LABEL_LIMIT)
    amounts = [
        amount
        for node in props.get("offers", [])
        if "itemscope" in node.attributes
        for amount in _amounts(_properties(node))
    ]
    found.price = price_of(amounts or _amounts(props))
    return found
