"""Product data in the markup of the two most common shop systems.

Shopify themes carry the product as JSON in scripts (`ProductJson-*`, ShopifyAnalytics'
`var meta`), with prices in cents; WooCommerce renders it as classed HTML.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from selectolax.lexbor import LexborHTMLParser, LexborNode

from genfire_server.products._categories import category_name
from genfire_server.products._found import Found
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

_SHOPIFY_META = re.compile(r"\bvar\s+meta\s*=\s*")
_SHOPIFY_CURRENCY = re.compile(r"Shopify\.currency\s*=\s*")
_MAX_SCRIPT_CHARS = 1_000_000
_MAX_VARIANTS = 250
# Price elements read in a WooCommerce price box (a sale shows two, a variable product two
# or four), and the nodes the WooCommerce reader may visit for text on one page.
_MAX_AMOUNTS = 20
_MAX_WOO_NODES = 20_000


def _json_after(text: str, pattern: re.Pattern[str]) -> object:
    """The JSON value a script assigns after `pattern`; the rest of the script is ignored."""
    match = pattern.search(text)
    if match is None:
        return None
    try:
        value, _ = json.JSONDecoder(strict=False).raw_decode(text, match.end())
    except (ValueError, RecursionError):
        return None
    return value


def _cents(value: object, currency: str | None) -> Amount | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    amount = parse_amount(value, machine=True)
    if amount is None or "." in amount.text:
        return None
    major = (amount.value / 100).quantize(Decimal("0.01"))
    return Amount(text=str(major), value=major, currency=currency)


def _dicts(value: object) -> list[dict[str, object]]:
    items = value[:_MAX_VARIANTS] if isinstance(value, list) else []
    return [item for item in items if isinstance(item, dict)]


def extract_shopify(tree: LexborHTMLParser, base: str) -> Found:
    found = Found(source="shopify")
    currency: str | None = None
    meta: object = None
    for script in tree.css("script:not([src])"):
        text = script.text()
        # `var meta` is a common name; only ShopifyAnalytics' copy describes the product.
        if len(text) > _MAX_SCRIPT_CHARS or "Shopify" not in text:
            continue
        if currency is None:
            active = _json_after(text, _SHOPIFY_CURRENCY)
            currency = currency_code(active.get("active")) if isinstance(active, dict) else None
        if meta is None:
            meta = _json_after(text, _SHOPIFY_META)
    product: dict[str, object] = {}
    for script in tree.css(
        'script[type="application/json"][id^="ProductJson"], script[data-product-json]'
    ):
        try:
            loaded = json.loads(script.text(), strict=False)
        except (ValueError, RecursionError):
            continue
        if isinstance(loaded, dict):
            inner = loaded.get("product")
            product = inner if isinstance(inner, dict) else loaded
            break
    analytics = meta.get("product") if isinstance(meta, dict) else None
    analytics = analytics if isinstance(analytics, dict) else {}
    page = meta.get("page") if isinstance(meta, dict) else None
    page_type = page.get("pageType") if isinstance(page, dict) else None
    if not product and not analytics and page_type != "product":
        return found
    found.is_product = True
    found.currency = currency
    for key, target in (("title", TITLE_LIMIT), ("description", DESCRIPTION_LIMIT)):
        value = product.get(key)
        setattr(found, key, clean_text(value if isinstance(value, str) else None, target))
    vendor = product.get("vendor") or analytics.get("vendor")
    kind = product.get("type") or analytics.get("type")
    found.brand = clean_text(vendor if isinstance(vendor, str) else None, LABEL_LIMIT)
    found.category = category_name(kind if isinstance(kind, str) else None)
    images = product.get("images")
    for raw in images[:_MAX_VARIANTS] if isinstance(images, list) else []:
        source = raw.get("src") if isinstance(raw, dict) else raw
        url = absolute_url(source, base) if isinstance(source, str) else None
        if url is not None:
            found.images.append(url)
    variants = _dicts(product.get("variants")) or _dicts(analytics.get("variants"))
    found.price = price_of(
        amount
        for amount in (_cents(v.get("price"), currency) for v in variants)
        if amount is not None
    )
    return found


def _ancestor(node: LexborNode, classes: tuple[str, ...]) -> LexborNode | None:
    current = node.parent
    while current is not None:
        names = (current.attributes.get("class") or "").split() if current.is_element_node else []
        if any(name in names for name in classes):
            return current
        current = current.parent
    return None


def _inside(node: LexborNode, tag: str, stop: LexborNode) -> bool:
    current = node.parent
    while current is not None and current.mem_id != stop.mem_id:
        if current.tag == tag:
            return True
        current = current.parent
    return False


def _woo_price(scope: LexborNode, budget: Budget) -> list[Amount]:
    box = scope.css_first("p.price, span.price, .price")
    if box is None:
        return []
    # On sale the old price is in <del> and the current one in <ins>.
    nodes = box.css("ins .woocommerce-Price-amount, ins .amount")[:_MAX_AMOUNTS] or [
        node
        for node in (box.css(".woocommerce-Price-amount") or box.css(".amount"))[:_MAX_AMOUNTS]
        if not _inside(node, "del", box)
    ]
    texts = [node_text(node, LABEL_LIMIT, budget) for node in nodes] or [
        node_text(box, LABEL_LIMIT, budget)
    ]
    return [amount for amount in (parse_amount(t, machine=False) for t in texts) if amount]


def extract_woocommerce(tree: LexborHTMLParser, base: str) -> Found:
    found = Found(source="woocommerce")
    title = tree.css_first(".product_title")
    if title is None:
        return found
    found.is_product = True
    budget = Budget(_MAX_WOO_NODES)
    found.title = clean_text(node_text(title, TITLE_LIMIT, budget), TITLE_LIMIT)
    summary = _ancestor(title, ("summary", "entry-summary")) or _ancestor(title, ("product",))
    product = _ancestor(title, ("product",)) or summary
    scope = summary or tree.body
    if scope is not None:
        amounts = _woo_price(scope, budget)
        # A variable product shows the span of its variants' prices as two amounts.
        found.price = price_of(amounts)
        short = scope.css_first(".woocommerce-product-details__short-description")
        if short is not None:
            found.description = clean_text(
                node_text(short, DESCRIPTION_LIMIT, budget), DESCRIPTION_LIMIT
            )
    if found.description is None:
        tab = tree.css_first("#tab-description")
        if tab is not None:
            text = node_text(tab, DESCRIPTION_LIMIT, budget)
            heading = tab.css_first("h2")
            # The tab repeats its own label ("Description") as a heading.
            if heading is not None and text.startswith(
                label := node_text(heading, LABEL_LIMIT, budget)
            ):
                text = text[len(label) :]
            found.description = clean_text(text, DESCRIPTION_LIMIT)
    meta_scope = product or tree.body
    if meta_scope is not None:
        link = meta_scope.css_first(".product_meta .posted_in a, .posted_in a")
        if link is not None:
            found.category = category_name(node_text(link, LABEL_LIMIT, budget))
    for image_box in (product or tree).css(".woocommerce-product-gallery__image"):
        image = image_box.css_first("img")
        anchor = image_box.css_first("a[href]")
        candidates = [
            image.attributes.get("data-large_image") if image else None,
            anchor.attributes.get("href") if anchor else None,
            image.attributes.get("data-src") if image else None,
            image.attributes.get("src") if image else None,
        ]
        url = next((u for u in (absolute_url(c, base) for c in candidates) if u), None)
        if url is not None:
            found.images.append(url)
    return found
