"""Product data from `<meta>` tags (OpenGraph, Facebook product, Twitter) and plain HTML."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from genfire_server.products._categories import Crumb, breadcrumb_category, category_name
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

_MAX_METAS = 2000
# Separators a `<title>` puts between the page's name and the site's.
_TITLE_SEPARATORS = (" | ", " – ", " — ", " - ", " :: ", " · ", " » ")
_BREADCRUMBS = (
    ".woocommerce-breadcrumb, nav[aria-label*='breadcrumb' i], [itemtype$='BreadcrumbList'], "
    ".breadcrumbs, .breadcrumb, #breadcrumbs, [class*='breadcrumb' i]"
)
# Separator characters trails print between crumbs.
_CRUMB_NOISE = " \t\r\n\u00a0/>›»|\\·•-"


class Metas:
    """The page's `<meta>` values by lower-cased `property`/`name`, in page order."""

    def __init__(self, tree: LexborHTMLParser) -> None:
        self.pairs: list[tuple[str, str]] = []
        for node in tree.css("meta[content]")[:_MAX_METAS]:
            attributes = node.attributes
            key = attributes.get("property") or attributes.get("name")
            content = attributes.get("content")
            if key and content and content.strip():
                self.pairs.append((key.strip().lower(), content.strip()))

    def first(self, *keys: str) -> str | None:
        for key in keys:
            value = next((v for k, v in self.pairs if k == key), None)
            if value is not None:
                return value
        return None

    def site_names(self) -> list[str]:
        return [v for k, v in self.pairs if k in ("og:site_name", "application-name")]


def strip_site_name(title: str | None, site_names: list[str], *, guess: bool) -> str | None:
    """`title` without a trailing " | Site Name".

    With `guess`, a trailing part after a bar or a dash is taken for the site's name even
    when the page doesn't name its site, as `<title>` conventionally ends that way.
    """
    if title is None:
        return None
    for name in site_names:
        for separator in _TITLE_SEPARATORS:
            suffix = separator + name
            if len(title) > len(suffix) and title.casefold().endswith(suffix.casefold()):
                return title[: -len(suffix)].strip()
    if guess:
        for separator in _TITLE_SEPARATORS[:3]:
            head, found, _ = title.rpartition(separator)
            if found and head.strip():
                return head.strip()
    return title


def _og_images(metas: Metas, base: str) -> list[str]:
    """`og:image` URLs, each replaced by its `og:image:secure_url` (the https copy) when given."""
    images: list[str] = []
    secured = True
    for key, value in metas.pairs:
        url = absolute_url(value, base)
        if url is None:
            continue
        if key in ("og:image", "og:image:url"):
            images.append(url)
            secured = False
        elif key == "og:image:secure_url":
            if images and not secured:
                images[-1] = url
            else:
                images.append(url)
            secured = True
    if images:
        return images
    fallback = (
        absolute_url(v, base) for k, v in metas.pairs if k in ("twitter:image", "twitter:image:src")
    )
    return [url for url in fallback if url]


def extract_opengraph(metas: Metas, base: str) -> Found:
    found = Found(source="opengraph")
    sites = [clean_text(name, TITLE_LIMIT) or "" for name in metas.site_names()]
    og_type = (metas.first("og:type") or "").lower()
    price_keys = [
        ("product:sale_price:amount", "product:sale_price:currency"),
        ("product:price:amount", "product:price:currency"),
        ("og:price:amount", "og:price:currency"),
    ]
    has_price_meta = any(metas.first(amount) for amount, _ in price_keys)
    found.is_product = "product" in og_type or has_price_meta
    title = clean_text(metas.first("og:title", "twitter:title"), TITLE_LIMIT)
    found.title = strip_site_name(title, [s for s in sites if s], guess=False)
    found.description = clean_text(
        metas.first("og:description", "description", "twitter:description"), DESCRIPTION_LIMIT
    )
    found.category = category_name(metas.first("product:category", "og:category"))
    found.brand = clean_text(metas.first("product:brand", "og:brand"), LABEL_LIMIT)
    found.images = _og_images(metas, base)
    amounts: list[Amount] = []
    for amount_key, currency_key in price_keys:
        amount = parse_amount(metas.first(amount_key), machine=True)
        if amount is not None:
            currency = currency_code(metas.first(currency_key)) or amount.currency
            amounts.append(Amount(amount.text, amount.value, amount.symbol, currency))
            break
    found.price = price_of(amounts)
    found.currency = currency_code(metas.first(*(currency for _, currency in price_keys)))
    return found


def _in_link(node: LexborNode, trail: LexborNode) -> bool:
    current = node.parent
    while current is not None and current.mem_id != trail.mem_id:
        if current.tag == "a":
            return True
        current = current.parent
    return False


def _crumbs(trail: LexborNode, base: str) -> list[Crumb]:
    items = trail.css("li")
    crumbs: list[Crumb] = []
    if items:
        for item in items:
            link = item.css_first("a[href]")
            name = node_text(item).strip(_CRUMB_NOISE)
            href = link.attributes.get("href") if link is not None else None
            crumbs.append((name, absolute_url(href, base)))
        return crumbs
    # Flat trails ("<a>Home</a> / <a>Mugs</a> / Blue Mug") end with the current page as text.
    trailing: list[str] = []
    for node in trail.traverse(include_text=True):
        if node.tag == "a":
            if trailing:
                crumbs.append((" ".join(trailing).strip(_CRUMB_NOISE), None))
                trailing = []
            crumbs.append((node_text(node), absolute_url(node.attributes.get("href"), base)))
        elif node.is_text_node and not _in_link(node, trail):
            trailing.append(node.text_content or "")
    tail = " ".join(" ".join(trailing).split()).strip(_CRUMB_NOISE)
    if tail:
        crumbs.append((tail, None))
    return [(name, url) for name, url in crumbs if name]


def extract_html(
    tree: LexborHTMLParser, metas: Metas, base: str, page_url: str, title_hint: str | None
) -> Found:
    """The weakest evidence: `<title>`, the first `<h1>` and a breadcrumb trail."""
    found = Found(source="html")
    sites = [clean_text(name, TITLE_LIMIT) or "" for name in metas.site_names()]
    title_node = tree.css_first("title")
    heading = tree.css_first("h1")
    title = clean_text(node_text(title_node), TITLE_LIMIT) if title_node is not None else None
    found.title = strip_site_name(title, [s for s in sites if s], guess=True) or (
        clean_text(node_text(heading), TITLE_LIMIT) if heading is not None else None
    )
    trail = tree.css_first(_BREADCRUMBS)
    if trail is not None:
        crumbs = [(clean_text(name, LABEL_LIMIT) or "", url) for name, url in _crumbs(trail, base)]
        found.trail_category = breadcrumb_category(crumbs, title_hint or found.title, page_url)
    return found
