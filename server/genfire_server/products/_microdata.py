"""Schema.org `Product` data from microdata (`itemscope`/`itemprop` attributes)."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from genfire_server.products._categories import category_name
from genfire_server.products._found import PRODUCT_TYPES, Found
from genfire_server.products._price import Amount, currency_code, parse_amount, price_of
from genfire_server.products._text import (
    DESCRIPTION_LIMIT,
    LABEL_LIMIT,
    TITLE_LIMIT,
    Budget,
    absolute_url,
    clean_text,
    node_text,
)

_PRODUCT_TYPE = re.compile(
    r"^https?://(?:www\.)?(?:schema\.org|data-vocabulary\.org)/"
    rf"(?:{'|'.join(PRODUCT_TYPES)})/?$",
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
# Elements one page's microdata reader may walk to find properties, across all the items
# it reads, and nodes it may visit to read values from element text.
_MAX_ELEMENTS = 50_000
_MAX_TEXT_NODES = 20_000
# Elements tried for one property until one has a value, and items of a kind read.
_MAX_VALUES = 20
_MAX_ITEMS = 40

Properties = dict[str, list[LexborNode]]


def _properties(scope: LexborNode, budget: Budget) -> Properties:
    """The item's properties; a nested item's own properties belong to that item."""
    props: Properties = {}
    # One children iterator per open element: a nested item's subtree is never entered.
    stack = [scope.iter()]
    while stack and budget.nodes > 0:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        budget.nodes -= 1
        attributes = node.attributes
        for name in (attributes.get("itemprop") or "").split():
            props.setdefault(name.lower(), []).append(node)
        if "itemscope" not in attributes:
            stack.append(node.iter())
    return props


def _value(node: LexborNode, limit: int, budget: Budget) -> str:
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
        return attributes.get("datetime") or node_text(node, limit, budget)
    return node_text(node, limit, budget)


def _url(node: LexborNode, base: str) -> str | None:
    """A URL property; lazy-loading images keep a data: stub in `src` and the image elsewhere."""
    attributes = node.attributes
    names = ("content", *_URL_TAGS.get(node.tag or "", ()))
    return next((u for u in (absolute_url(attributes.get(n), base) for n in names) if u), None)


def _first(props: Properties, name: str, budget: Budget, limit: int = LABEL_LIMIT) -> str | None:
    for node in props.get(name, [])[:_MAX_VALUES]:
        value = _value(node, limit, budget).strip()
        if value:
            return value
    return None


def _amounts(props: Properties, budget: Budget) -> list[Amount]:
    currency = currency_code(_first(props, "pricecurrency", budget))
    amounts: list[Amount] = []
    for key in ("price", "lowprice", "highprice"):
        for node in props.get(key, [])[:1]:
            # A `content` attribute is machine-readable; element text is what shoppers read.
            amount = parse_amount(
                _value(node, LABEL_LIMIT, budget), machine="content" in node.attributes
            )
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
    # Apart, so that an item enclosing a large page still has its values read.
    walk, text = Budget(_MAX_ELEMENTS), Budget(_MAX_TEXT_NODES)
    props = _properties(item, walk)
    found.title = clean_text(_first(props, "name", text, TITLE_LIMIT), TITLE_LIMIT)
    found.description = clean_text(
        _first(props, "description", text, DESCRIPTION_LIMIT), DESCRIPTION_LIMIT
    )
    found.category = category_name(_first(props, "category", text))
    for node in props.get("image", [])[:_MAX_ITEMS]:
        if "itemscope" in node.attributes:
            url = absolute_url(_first(_properties(node, walk), "url", text), base)
        else:
            url = _url(node, base)
        if url is not None:
            found.images.append(url)
    for node in props.get("brand", [])[:1]:
        brand = (
            _first(_properties(node, walk), "name", text)
            if "itemscope" in node.attributes
            else _value(node, LABEL_LIMIT, text)
        )
        found.brand = clean_text(brand, LABEL_LIMIT)
    amounts = [
        amount
        for node in props.get("offers", [])[:_MAX_ITEMS]
        if "itemscope" in node.attributes
        for amount in _amounts(_properties(node, walk), text)
    ]
    found.price = price_of(amounts or _amounts(props, text))
    return found
