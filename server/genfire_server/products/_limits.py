"""Bounds on what the HTML parser is given.

Lexbor, like every HTML5 tree builder, scans the stack of open elements for many start
tags, so its time grows with nesting depth times tag count: 60,000 nested `<div>`s take
seconds and 5 MB of them would take many minutes. Real product pages nest a few hundred
levels at most, so the document is cut where its nesting passes `MAX_DEPTH`; everything
a product page's markup needs (head, main product) comes before such a point.
"""

from __future__ import annotations

import re

MAX_DEPTH = 1024

# Comments and raw-text elements are skipped whole: "<div>" inside a script is not a tag.
# Each alternative can also end at the end of the input, so an unclosed comment, script or
# tag costs one scan, not one scan per later "<".
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(script|style|textarea|title|xmp|iframe|noembed|noframes|plaintext)\b[^>]*>.*?(?:</\1\s*>|\Z)"
    r"|<(/?)([a-zA-Z][^\s/>]*)([^>]*)>?",
    re.DOTALL | re.IGNORECASE,
)
_VOID = frozenset(
    {
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img",
        "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
    }
)  # fmt: skip
# Elements a parser closes implicitly when the next sibling starts, so an unclosed run of
# them does not nest.
_SELF_ENDING = frozenset(
    {
        "a", "body", "caption", "colgroup", "dd", "dt", "head", "html", "li", "nobr", "optgroup",
        "option", "p", "rb", "rp", "rt", "rtc", "tbody", "td", "tfoot", "th", "thead", "tr",
    }
)  # fmt: skip
_FOREIGN = frozenset({"svg", "math"})


def within_depth(html: str) -> str:
    """`html` up to the first tag that would nest deeper than `MAX_DEPTH`.

    Tracks the open elements the way a parser would, approximately: an end tag closes
    the nearest open element of its name (and everything opened after it) and is
    ignored when none is open; `<x/>` only self-closes inside SVG or MathML, as in HTML.
    """
    stack: list[str] = []
    open_count: dict[str, int] = {}
    foreign = 0
    for match in _TOKEN.finditer(html):
        name = match.group(3)
        if name is None:
            continue
        name = name.lower()
        if match.group(2):
            if open_count.get(name):
                # Amortised O(1): every element popped here was pushed once.
                while stack:
                    popped = stack.pop()
                    open_count[popped] -= 1
                    foreign -= popped in _FOREIGN
                    if popped == name:
                        break
            continue
        if name in _VOID or name in _SELF_ENDING:
            continue
        if foreign and match.group(4).rstrip().endswith("/"):
            continue
        stack.append(name)
        open_count[name] = open_count.get(name, 0) + 1
        foreign += name in _FOREIGN
        if len(stack) > MAX_DEPTH:
            return html[: match.start()]
    return html
