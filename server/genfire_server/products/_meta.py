"""Product data from `<meta>` tags (OpenGraph, Facebook product, Twitter) and plain HTML."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from genfire_server.products._categories import Crumb, breadcrumb_category, category_name
from genfire_server.products._found import Found
from genfire_server.products._price import Amount, currency_code, parse_amount, price_of
from genfire_server.products._text import (
    DESCRIPTION_LIMIT,
    LABEL_LIMIT,
    SILENT_TAGS,
    TITLE_LIMIT,
    Budget,
    absolute_url,
    clean_text,
    collapse,
    descendants,
    node_text,
)

_MAX_METAS = 2000
# Separators a `<title>` puts between the page's name and the site's.
_TITLE_SEPARATORS = (" | ", " – ", " — ", " - ", " :: ", " · ", " » ")
# Breadcrumb trails, most specific markup first.
_TRAILS = (
    ".woocommerce-breadcrumb",
    "nav[aria-label*='breadcrumb' i]",
    "[itemtype$='BreadcrumbList']",
    ".breadcrumbs",
    ".breadcrumb",
    "#breadcrumbs",
)
# Any class mentioning breadcrumbs, which wrappers share ("show-breadcrumbs" on <body>).
_LOOSE_TRAIL = "[class*='breadcrumb' i]"
_MAX_LOOSE_TRAILS = 20
# A trail links a handful of pages; an element with more links is a page section.
_MAX_TRAIL_LINKS = 20
# Nodes looked at to count a candidate trail's links, or to find a list trail's items.
_TRAIL_SCAN = 2_000
_MAX_CRUMBS = 50
# Nodes this reader may visit on one page reading the title, the heading and the crumbs.
_MAX_NODES = 20_000
# Separator characters trails print between crumbs.
_CRUMB_NOISE = " \t\r\n\u00a0/>›»|\\·•-"
_CRUMB_CHARS = 4 * LABEL_LIMIT
# Nodes looked at for a crumb's link.
_CRUMB_SCAN = 200
# A crumb's name is its own text, not that of a list nested in it.
_CRUMB_SKIP = SILENT_TAGS | {"li", "ul", "ol"}


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


def _links(node: LexborNode) -> int:
    """How many links `node` holds, counting no further than one past `_MAX_TRAIL_LINKS`."""
    count = 0
    for child, _ in descendants(node, Budget(_TRAIL_SCAN)):
        if child.tag == "a":
            count += 1
            if count > _MAX_TRAIL_LINKS:
                break
    return count


def _encloses(outer: LexborNode, node: LexborNode) -> bool:
    current = node.parent
    while current is not None:
        if current.mem_id == outer.mem_id:
            return True
        current = current.parent
    return False


def _trail(tree: LexborHTMLParser) -> LexborNode | None:
    """The page's breadcrumb trail.

    The loose class match also hits wrappers, which come first in document order, so of
    nested matches the innermost that links at least two pages is the trail.
    """
    for selector in _TRAILS:
        node = tree.css_first(selector)
        if node is not None:
            return node
    nested: list[LexborNode] = []
    for node in tree.css(_LOOSE_TRAIL)[:_MAX_LOOSE_TRAILS]:
        if node.tag in ("html", "body"):
            continue
        if nested and not _encloses(nested[-1], node):
            break
        nested.append(node)
    for node in reversed(nested):
        links = _links(node)
        if links >= 2:
            return node if links <= _MAX_TRAIL_LINKS else None
    return None


def _href(item: LexborNode, budget: Budget) -> str | None:
    """The first link target in a crumb, looked for among its first nodes only."""
    scan = Budget(min(budget.nodes, _CRUMB_SCAN))
    href = None
    for node, _ in descendants(item, scan):
        if node.tag == "a" and (href := node.attributes.get("href")):
            break
    budget.nodes -= min(budget.nodes, _CRUMB_SCAN) - scan.nodes
    return href


class _Crumb:
    """A crumb's text as it is read, capped at `_CRUMB_CHARS`."""

    def __init__(self, href: str | None = None, joiner: str = " ") -> None:
        self.href = href
        # A link's text nodes are one name ("<b>Ki</b>tchen"); text between links is
        # separators and the current page's name.
        self.joiner = joiner
        self.parts: list[str] = []
        self.size = 0

    def add(self, text: str) -> None:
        if self.size < _CRUMB_CHARS:
            self.parts.append(text[: _CRUMB_CHARS - self.size])
            self.size += len(self.parts[-1])

    def name(self) -> str:
        return collapse(self.joiner.join(self.parts)).strip(_CRUMB_NOISE)


def _crumbs(trail: LexborNode, base: str, budget: Budget) -> list[Crumb]:
    """At most `_MAX_CRUMBS` crumbs, read within `budget`."""
    # A list trail's items come first; a flat trail is not searched through for them.
    scan = Budget(min(budget.nodes, _TRAIL_SCAN))
    items = []
    for node, _ in descendants(trail, scan):
        if node.tag == "li":
            items.append(node)
            if len(items) == _MAX_CRUMBS:
                break
    budget.nodes -= min(budget.nodes, _TRAIL_SCAN) - scan.nodes
    crumbs: list[Crumb] = []
    if items:
        for item in items:
            name = node_text(item, LABEL_LIMIT, budget, _CRUMB_SKIP).strip(_CRUMB_NOISE)
            crumbs.append((name, absolute_url(_href(item, budget), base)))
        return crumbs
    # Flat trails ("<a>Home</a> / <a>Mugs</a> / Blue Mug") end with the current page as text.
    # One walk tells link text from the text between links by the depth of the open link.
    read: list[_Crumb] = []
    between = _Crumb()
    in_link: _Crumb | None = None
    link_depth = 0
    for node, depth in descendants(trail, budget):
        if in_link is not None and depth <= link_depth:
            in_link = None
        if node.is_text_node:
            (in_link or between).add(node.text_content or "")
        elif node.tag == "a" and in_link is None:
            if len(read) >= 2 * _MAX_CRUMBS:
                break
            read.append(between)
            in_link = _Crumb(node.attributes.get("href"), joiner="")
            read.append(in_link)
            link_depth = depth
            between = _Crumb()
    read.append(between)
    for crumb in read:
        name = crumb.name()
        if name:
            crumbs.append((name, absolute_url(crumb.href, base) if crumb.href else None))
    return crumbs[:_MAX_CRUMBS]


def extract_html(
    tree: LexborHTMLParser, metas: Metas, base: str, page_url: str, title_hint: str | None
) -> Found:
    """The weakest evidence: `<title>`, the first `<h1>` and a breadcrumb trail."""
    found = Found(source="html")
    budget = Budget(_MAX_NODES)
    sites = [clean_text(name, TITLE_LIMIT) or "" for name in metas.site_names()]
    title_node = tree.css_first("title")
    heading = tree.css_first("h1")
    title = (
        clean_text(node_text(title_node, TITLE_LIMIT, budget), TITLE_LIMIT)
        if title_node is not None
        else None
    )
    found.title = strip_site_name(title, [s for s in sites if s], guess=True) or (
        clean_text(node_text(heading, TITLE_LIMIT, budget), TITLE_LIMIT)
        if heading is not None
        else None
    )
    trail = _trail(tree)
    if trail is not None:
        crumbs = [
            (clean_text(name, LABEL_LIMIT) or "", url) for name, url in _crumbs(trail, base, budget)
        ]
        found.trail_category = breadcrumb_category(crumbs, title_hint or found.title, page_url)
    return found
