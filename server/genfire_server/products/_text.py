"""Text and URL clean-up shared by every markup reader.

Pages put the same kind of value in attributes, JSON strings and element text, each
escaped differently; every reader funnels its strings through here so the API sees one
normal form whichever markup supplied the field.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from genfire_server.products._limits import within_depth

TITLE_LIMIT = 300
DESCRIPTION_LIMIT = 2000
LABEL_LIMIT = 200
_URL_LIMIT = 4096

# A `<` that can open a tag; "Size <5 cm" is text, not markup.
_MARKUP = re.compile(r"<[a-zA-Z/!]")
# Control and invisible characters that pages leak from CMS exports; kept out so the
# API never returns text a client cannot display.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\u200b\ufeff]")
# Element boundaries that a reader sees as a gap between words.
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr",
        "ul",
    }
)  # fmt: skip
SILENT_TAGS = frozenset({"script", "style", "template", "noscript"})


def scrub(value: str) -> str:
    """Replace lone surrogates (JSON `\\ud800` escapes) so the result always encodes as UTF-8."""
    return value.encode("utf-8", "replace").decode("utf-8")


def collapse(value: str) -> str:
    return " ".join(_INVISIBLE.sub("", value).split())


class Budget:
    """How many more nodes a reader may visit.

    A reader shares one budget across all its walks, so a page whose elements nest inside
    each other (every walk then covers most of the page) costs it no more than a flat one.
    """

    __slots__ = ("nodes",)

    def __init__(self, nodes: int) -> None:
        self.nodes = nodes


def descendants(root: LexborNode, budget: Budget) -> Iterator[tuple[LexborNode, int]]:
    """`root`'s descendants, text included, in document order with their depth below `root`
    (1 for a child), for as long as `budget` lasts."""
    node = root.child
    depth = 1
    while node is not None and budget.nodes > 0:
        budget.nodes -= 1
        yield node, depth
        below = node.child
        if below is not None:
            node, depth = below, depth + 1
            continue
        while True:
            sibling = node.next
            if sibling is not None:
                node = sibling
                break
            depth -= 1
            parent = node.parent
            if depth == 0 or parent is None:
                return
            node = parent


def node_text(
    node: LexborNode,
    limit: int = DESCRIPTION_LIMIT,
    budget: Budget | None = None,
    skip: frozenset[str] = SILENT_TAGS,
) -> str:
    """Visible text of `node` with block boundaries kept as spaces, so paragraphs don't fuse.

    Reading stops once there is text enough for `limit` characters, or after a few nodes
    per character (fewer if `budget` has less left), however much the element encloses.
    Elements named in `skip` are left out with their content.
    """
    allowed = 2 * limit + 200
    own = Budget(min(allowed, budget.nodes) if budget is not None else allowed)
    wanted = 4 * limit + 100
    parts: list[str] = []
    size = 0
    silent = 0  # depth of the element being skipped, 0 when none
    for child, depth in descendants(node, own):
        if silent:
            if depth > silent:
                continue
            silent = 0
        if child.is_text_node:
            text = (child.text_content or "")[: wanted - size]
            parts.append(text)
            size += len(text)
            if size >= wanted:
                break
        else:
            tag = child.tag
            if tag in skip:
                silent = depth
            elif tag in _BLOCK_TAGS:
                parts.append(" ")
    if budget is not None:
        budget.nodes -= min(allowed, budget.nodes) - own.nodes
    return collapse("".join(parts))


def _markup_text(value: str, limit: int) -> str:
    body = LexborHTMLParser(within_depth(value).encode("utf-8", "replace")).body
    return node_text(body, limit) if body is not None else ""


def truncate(value: str, limit: int) -> str:
    """Cut at a word boundary near `limit` so a long text never ends mid-word."""
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 4 // 5:
        cut = cut[:space]
    return cut.rstrip() + "…"


def clean_text(value: str | None, limit: int) -> str | None:
    """One line of plain text: entities decoded, tags dropped, whitespace collapsed, capped.

    Shops put HTML in JSON-LD descriptions and sometimes escape it once more
    (`&lt;p&gt;`, `&amp;#39;`), so decoding repeats while it still finds markup or
    entities, a bounded number of times.
    """
    if not value:
        return None
    # Markup and entities shrink a lot on the way to text, but not by this much; the cap
    # keeps a multi-megabyte JSON string from being parsed as HTML to yield 2000 chars.
    text = scrub(value[: limit * 20 + 1000])
    for _ in range(3):
        if _MARKUP.search(text):
            text = _markup_text(text, limit)
        elif "&" in text and (decoded := html.unescape(text)) != text:
            text = decoded
        else:
            break
    text = collapse(text)
    return truncate(text, limit) if text else None


def absolute_url(raw: str | None, base: str) -> str | None:
    """`raw` resolved against `base`, or None unless that yields an http(s) URL."""
    if not raw:
        return None
    # JSON-LD writers escape `&` in query strings; attribute values are already decoded,
    # and a full unescape would turn `&copy=1` into `©=1`.
    text = scrub(raw).replace("&amp;", "&").replace("&#38;", "&").strip()
    # `{width}` is a theme's size template, not a fetchable image.
    if not text or len(text) > _URL_LIMIT or "{" in text or "}" in text:
        return None
    # Browsers drop tabs and newlines inside URLs and send spaces as %20.
    text = re.sub(r"[\t\n\r]", "", text).replace(" ", "%20")
    try:
        resolved = urljoin(base, text)
        parts = urlsplit(resolved)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return resolved


def document_base(base_href: str | None, page_url: str) -> str:
    """The URL relative links resolve against: `<base href>` when the page sets one."""
    page = scrub(page_url).strip()
    return absolute_url(base_href, page) or page


def same_page(url: str, page_url: str) -> bool:
    """Whether two URLs name the same page, ignoring scheme, query, fragment and trailing `/`."""
    try:
        a, b = urlsplit(url), urlsplit(page_url)
    except ValueError:
        return False
    return (a.netloc.lower(), a.path.rstrip("/")) == (b.netloc.lower(), b.path.rstrip("/"))


def same_text(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()
