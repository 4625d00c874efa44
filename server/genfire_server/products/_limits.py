"""Bounds on what the HTML parser is given.

Lexbor, like every HTML5 tree builder, walks its stack of open elements (and its list of
active formatting elements) for most tokens, so its time grows with nesting depth times
tag count: 80,000 nested `<div>`s take seconds and 5 MB of them would take minutes. A few
DOM steps grow the same way without any nesting: each `<option>` walks its `<select>`, each
attribute of a tag is looked up among the ones before it, a repeated `<html>` or `<body>`
tag merges into all the attributes gathered so far. The document is therefore cut before
the first token that would take the parser past a bound: nesting deeper than `MAX_DEPTH`,
more than `MAX_TOKENS` tokens, or more than `MAX_WORK` units of such work in all. Real
product pages stay far inside every bound, and what a product page's markup needs (head,
main product) comes before any such point.

The depth that counts is the one the parser builds, and a simple count of unclosed tags
misses how an HTML5 parser nests: `<td>` opens `<tbody>` and `<tr>` first, `<div>` inside
`<svg>` breaks back out to HTML, `</div>` is ignored when an `<object>` stands in between,
and `<span><b></span>x` nests one more re-opened `<b>` per repetition. So the bounds are
kept by replaying lexbor's own tree construction (the WHATWG algorithm, as lexbor 3
implements it) on the stack of open elements alone, tokenizing the way lexbor does (quoted
attribute values, raw-text elements, script escapes, bogus comments). The tests check the
replay against lexbor's real tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.entities import html5

from selectolax.lexbor import LexborHTMLParser

# Elements open at once; an empty element (<img>, the <p> a stray </p> makes) may sit one
# level below them.
MAX_DEPTH = 1024
# Tags, texts and comments: several times those of the largest real product pages. It
# bounds this module's own time as well.
MAX_TOKENS = 150_000
# In elements visited: the stack's height at every token plus every walk over the stack
# or the formatting list, and the DOM steps the module doc names. A 2 MB page 30 levels
# deep needs a few million.
MAX_WORK = 20_000_000
# Creating an element, or copying one of its attributes (as re-opening a formatting element
# does), costs lexbor about as much as visiting this many elements of its stack.
_CLONE_COST = 16

_HTML, _MATH, _SVG = 0, 1, 2
_WS = "\t\n\f\r "

# Tag categories, from lexbor's tag_res.h.
_SPECIAL, _SCOPE, _LIST, _BUTTON, _TABLE, _FORMATTING = 1, 2, 4, 8, 16, 32
_SPECIAL_NAMES = frozenset(
    {
        "address", "applet", "area", "article", "aside", "base", "basefont", "bgsound",
        "blockquote", "body", "br", "button", "caption", "center", "col", "colgroup", "dd",
        "details", "dir", "div", "dl", "dt", "embed", "fieldset", "figcaption", "figure",
        "footer", "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head",
        "header", "hgroup", "hr", "html", "iframe", "image", "img", "input", "keygen", "li",
        "link", "listing", "main", "marquee", "menu", "meta", "nav", "noembed", "noframes",
        "noscript", "object", "ol", "p", "param", "plaintext", "pre", "script", "search",
        "section", "select", "source", "style", "summary", "table", "tbody", "td",
        "template", "textarea", "tfoot", "th", "thead", "title", "tr", "track", "ul", "wbr",
        "xmp",
    }
)  # fmt: skip
_SCOPE_NAMES = frozenset(
    {"applet", "caption", "html", "marquee", "object", "select", "table", "td", "template", "th"}
)
_FORMATTING_NAMES = frozenset(
    {
        "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong",
        "tt", "u",
    }
)  # fmt: skip
_HTML_CATS: dict[str, int] = {}
for _name in _SPECIAL_NAMES:
    _HTML_CATS[_name] = _SPECIAL
for _name in _SCOPE_NAMES:
    _HTML_CATS[_name] |= _SCOPE | _LIST | _BUTTON
for _name in ("ol", "ul"):
    _HTML_CATS[_name] |= _LIST
_HTML_CATS["button"] |= _BUTTON
for _name in ("html", "table", "template"):
    _HTML_CATS[_name] |= _TABLE
for _name in _FORMATTING_NAMES:
    _HTML_CATS[_name] = _FORMATTING
_POINT_CATS = _SPECIAL | _SCOPE | _LIST | _BUTTON
_FOREIGN_CATS = {
    **{(_MATH, n): _POINT_CATS for n in ("mi", "mo", "mn", "ms", "mtext", "annotation-xml")},
    **{(_SVG, n): _POINT_CATS for n in ("foreignobject", "desc", "title")},
}
_MATH_TEXT_POINTS = frozenset({"mi", "mo", "mn", "ms", "mtext"})
_IMPLIED = frozenset({"dd", "dt", "li", "optgroup", "option", "p", "rb", "rp", "rt", "rtc"})
_THOROUGH = _IMPLIED | {"caption", "colgroup", "tbody", "td", "tfoot", "th", "thead", "tr"}
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Start tags that end foreign content (lexbor's list: the spec's, without "sup").
_BREAKOUT = frozenset(
    {
        "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt",
        "em", "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li",
        "listing", "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span",
        "strong", "strike", "sub", "table", "tt", "u", "ul", "var",
    }
)  # fmt: skip
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir",
        "div", "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup",
        "main", "menu", "nav", "ol", "p", "search", "section", "summary", "ul",
    }
)  # fmt: skip
_BLOCK_ENDS = (_BLOCKS - {"p"}) | {"button", "listing", "pre", "select"}
_HEAD_TAGS = frozenset(
    {
        "base", "basefont", "bgsound", "link", "meta", "noframes", "script", "style",
        "template", "title",
    }
)  # fmt: skip
_TABLE_PARTS = frozenset(
    {"caption", "col", "colgroup", "tbody", "td", "tfoot", "th", "thead", "tr"}
)
_TABLE_TEXT = frozenset({"table", "tbody", "tfoot", "thead", "tr"})
_TABLE_SECTIONS = frozenset({"tbody", "tfoot", "thead"})
_CELLS = frozenset({"td", "th"})

# Tokens, the way lexbor's tokenizer splits them. Attribute values may hold ">" in quotes;
# the last gap tells whether a tag ends in a self-closing "/".
_ATTRIBUTES = (
    r"(?:(?P<gap>[\t\n\f\r /]+)"
    r"|[^\t\n\f\r />][^\t\n\f\r /=>]*"
    r"(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:\"[^\"]*\"?|'[^']*'?|[^\t\n\f\r >]*))?)*"
)
_TOKEN = re.compile(
    r"<(?:(?P<end>/)?(?P<name>[a-zA-Z][^\t\n\f\r />]*)(?P<attrs>" + _ATTRIBUTES + r")(?P<close>>?)"
    r"|!--(?:>|->|.*?--!?>|.*)"
    r"|/>"
    r"|[!?/][^>]*>?)",
    re.DOTALL,
)
_ATTRIBUTE = re.compile(
    r"([^\t\n\f\r />][^\t\n\f\r /=>]*)"
    r"(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:\"([^\"]*)\"?|'([^']*)'?|([^\t\n\f\r >]*)))?"
)
_SCRIPT_DATA = re.compile(r"<!--|</script(?=[\t\n\f\r />])", re.IGNORECASE)
_SCRIPT_ESCAPED = re.compile(r"-->|</?script(?=[\t\n\f\r />])", re.IGNORECASE)
_SCRIPT_DOUBLE = re.compile(r"-->|</script(?=[\t\n\f\r />])", re.IGNORECASE)
_RAW_ENDS: dict[str, re.Pattern[str]] = {
    name: re.compile(f"</{name}(?=[\\t\\n\\f\\r />])", re.IGNORECASE)
    for name in ("title", "textarea", "style", "xmp", "iframe", "noembed", "noframes")
}
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[a-zA-Z0-9]{1,40};?)")
_NEWLINE = re.compile(r"\r\n?|\n|&(?:#0*10(?![0-9])|#[xX]0*[aA](?![0-9a-fA-F]));?|&NewLine;")
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

_START, _END, _TEXT, _COMMENT, _DOCTYPE = range(5)
_NO_KEY: frozenset[tuple[str, str | None]] = frozenset()


def _ascii_lower(name: str) -> str:
    return name.lower() if name.isascii() else name.translate(_LOWER)


def _charref(match: re.Match[str], attribute: bool) -> str:
    ref = match.group(1)
    if ref[0] == "#":
        number = int(ref[2:].rstrip(";"), 16) if ref[1] in "xX" else int(ref[1:].rstrip(";"))
        if number == 0 or 0xD800 <= number <= 0xDFFF or number > 0x10FFFF:
            return "\ufffd"
        if 0x80 <= number <= 0x9F:
            try:
                return bytes([number]).decode("cp1252")
            except UnicodeDecodeError:
                return chr(number)
        return chr(number)
    if ref in html5:
        return html5[ref]
    for size in range(len(ref.rstrip(";")), 1, -1):
        if ref[:size] in html5:
            after = ref[size : size + 1] or match.string[match.end() : match.end() + 1]
            if attribute and (after == "=" or after.isalnum()):
                break
            return html5[ref[:size]] + ref[size:]
    return match.group(0)


def _decode(text: str, *, attribute: bool) -> str:
    """Character references decoded as lexbor decodes them in text or attribute values."""
    if "&" not in text:
        return text
    return _CHARREF.sub(lambda m: _charref(m, attribute), text)


def _has_non_space(text: str, *, also: str = "") -> bool:
    return bool(_decode(text, attribute=False).strip(_WS + also))


def _attributes(raw: str) -> dict[str, str | None]:
    """A tag's attributes as the parser keeps them: lower-cased names, first one wins."""
    found: dict[str, str | None] = {}
    for match in _ATTRIBUTE.finditer(raw):
        name = _ascii_lower(match.group(1)).replace("\0", "\ufffd")
        if name in found:
            continue
        quoted = match.group(2) if match.group(2) is not None else match.group(3)
        value = quoted if quoted is not None else (match.group(4) or None)
        if value is not None:
            value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
            value = _decode(value, attribute=True)
        found[name] = value
    return found


def _count_attributes(raw: str) -> int:
    return len(_ATTRIBUTE.findall(raw)) if raw.strip(_WS + "/") else 0


def _quirks(doctype: str) -> bool:
    """Whether lexbor renders a page with this doctype in quirks mode (asked of lexbor itself)."""
    tree = LexborHTMLParser((doctype + "<p><table>").encode("utf-8", "replace"))
    return tree.css_first("p > table") is not None


class _El:
    """An open element: enough of it to replay scope checks and the formatting list."""

    __slots__ = ("cat", "ghosts", "key", "name", "ns", "open", "point")

    def __init__(self, name: str, ns: int, key: frozenset[tuple[str, str | None]] | None = None):
        self.name = name
        self.ns = ns
        self.key = key
        self.open = False
        # Elements taken off the stack below this one that are still its ancestors in the
        # document (a closed <form>), so the depth counted is the document's.
        self.ghosts = 0
        if ns == _HTML:
            self.cat = _HTML_CATS.get(name, 0)
            self.point = 0
        else:
            self.cat = _FOREIGN_CATS.get((ns, name), 0)
            # 1: MathML text integration point, 2: HTML integration point.
            self.point = 1 if ns == _MATH and name in _MATH_TEXT_POINTS else 0
            if ns == _SVG and self.cat:
                self.point = 2

    def clone(self) -> _El:
        copy = _El(self.name, self.ns, self.key)
        copy.point = self.point
        return copy


class _Tok:
    __slots__ = ("attrs", "closed", "kind", "name", "text")

    def __init__(self, kind: int, name: str = "", attrs: str = "", text: str = "") -> None:
        self.kind = kind
        self.name = name
        self.attrs = attrs
        self.closed = False
        self.text = text


_Mode = Callable[[_Tok], bool]


class _Tree:
    """Lexbor's tree construction, reduced to the stack of open elements.

    Each mode method mirrors the lexbor insertion mode of the same name and returns False
    when the token must be processed again, as lexbor's do.
    """

    def __init__(self) -> None:
        self.stack: list[_El] = []
        self.formatting: list[_El | None] = []  # None is a marker
        self.mode: _Mode = self.initial
        self.original: _Mode = self.in_body
        self.templates: list[_Mode] = []
        self.head = False
        self.form: _El | None = None
        self.frameset_ok = True
        self.quirks = False
        # Open <p> elements above the innermost button-scope boundary, one count per
        # boundary, so the check every block start tag makes is O(1).
        self.p_open = [0]
        self.open_templates = 0
        self.ghosts = 0
        # The most elements ever open at once, counting ghosts; what `MAX_DEPTH` bounds.
        self.peak = 0
        # Nodes added under each open <select>: lexbor walks a select's options whenever
        # an <option> enters it.
        self.select_nodes: list[int] = []
        # Attributes on <html> and <body>, which every later <html>/<body> tag is merged into.
        self.html_attrs = self.body_attrs = 0
        self.work = 0
        # Set by the tree when the tokenizer switches to raw text: the element whose end
        # tag ends it, or "plaintext".
        self.raw: str | None = None

    # The stack and the formatting list

    def push(self, el: _El) -> None:
        self.stack.append(el)
        el.open = True
        depth = len(self.stack) + self.ghosts
        if depth > self.peak:
            self.peak = depth
        if self.select_nodes:
            self.select_nodes[-1] += 1
        if el.cat & _BUTTON:
            self.p_open.append(0)
            if el.ns == _HTML:
                if el.name == "template":
                    self.open_templates += 1
                elif el.name == "select":
                    self.select_nodes.append(0)
        elif el.ns == _HTML:
            if el.name == "p":
                self.p_open[-1] += 1
            elif el.name == "option" and self.select_nodes:
                # Its insertion, and its removal from the stack when selected, each walk
                # the select.
                self.work += 2 * self.select_nodes[-1]

    def pop(self) -> _El:
        el = self.stack.pop()
        el.open = False
        self.ghosts -= el.ghosts
        if el.cat & _BUTTON:
            self.p_open.pop()
            if el.ns == _HTML:
                if el.name == "template":
                    self.open_templates -= 1
                elif el.name == "select":
                    self.select_nodes.pop()
        elif el.name == "p" and el.ns == _HTML:
            self.p_open[-1] -= 1
        return el

    def depth(self) -> int:
        return len(self.stack) + self.ghosts

    def remove(self, el: _El, *, stays_ancestor: bool = False) -> None:
        """Take `el` out of the stack wherever it is (never a <p> or a scope boundary).

        With `stays_ancestor`, the elements above it remain its descendants in the document.
        """
        stack = self.stack
        if stack and stack[-1] is el:
            self.pop()
            return
        self.work += len(stack)
        for index in range(len(stack) - 1, -1, -1):
            if stack[index] is el:
                del stack[index]
                el.open = False
                if stays_ancestor:
                    stack[index].ghosts += 1 + el.ghosts
                    self.ghosts += 1
                else:
                    self.ghosts -= el.ghosts
                return

    def html_element(self, tok: _Tok, name: str | None = None) -> _El:
        name = name or tok.name
        key = None
        if name in _FORMATTING_NAMES:
            attrs = tok.attrs
            key = frozenset(_attributes(attrs).items()) if attrs.strip(_WS + "/") else _NO_KEY
        return _El(name, _HTML, key)

    def foreign_element(self, tok: _Tok, ns: int) -> _El:
        el = _El(tok.name, ns)
        if ns == _MATH and tok.name == "annotation-xml":
            encoding = (_attributes(tok.attrs).get("encoding") or "").lower()
            el.point = 2 if encoding in ("text/html", "application/xhtml+xml") else 0
        return el

    def insert(self, tok: _Tok, name: str | None = None) -> _El:
        el = self.html_element(tok, name)
        self.push(el)
        return el

    def in_scope(self, name: str, cat: int = _SCOPE) -> _El | None:
        for el in reversed(self.stack):
            self.work += 1
            if el.name == name and el.ns == _HTML:
                return el
            if el.cat & cat:
                return None
        return None

    def any_in_scope(self, names: frozenset[str], cat: int) -> bool:
        for el in reversed(self.stack):
            self.work += 1
            if el.name in names and el.ns == _HTML:
                return True
            if el.cat & cat:
                return False
        return False

    def current_is(self, *names: str) -> bool:
        el = self.stack[-1]
        return el.ns == _HTML and el.name in names

    def pop_until(self, *names: str) -> None:
        while self.stack:
            el = self.pop()
            if el.ns == _HTML and el.name in names:
                return

    def pop_until_el(self, target: _El) -> None:
        while self.stack:
            if self.pop() is target:
                return

    def implied(self, exclude: str = "", names: frozenset[str] = _IMPLIED) -> None:
        while self.stack:
            el = self.stack[-1]
            if el.name not in names or (el.name == exclude and el.ns == _HTML):
                return
            self.pop()

    def close_p(self) -> None:
        self.implied("p")
        self.pop_until("p")

    def clear_to_marker(self) -> None:
        while self.formatting:
            if self.formatting.pop() is None:
                return

    def reconstruct(self) -> None:
        entries = self.formatting
        if not entries:
            return
        last = entries[-1]
        if last is None or last.open:
            return
        index = len(entries) - 1
        while index:
            index -= 1
            self.work += 1
            entry = entries[index]
            if entry is None or entry.open:
                index += 1
                break
        for position in range(index, len(entries)):
            entry = entries[position]
            if entry is None:  # pragma: no cover - the walk above stops after markers
                continue
            self.work += _CLONE_COST * (1 + len(entry.key or ()))
            copy = entry.clone()
            self.push(copy)
            entries[position] = copy

    def push_formatting(self, el: _El) -> None:
        """Add `el` to the list; a fourth identical element since the marker drops the first."""
        entries = self.formatting
        count = earliest = 0
        for index in range(len(entries) - 1, -1, -1):
            self.work += 1
            entry = entries[index]
            if entry is None:
                break
            if entry.name == el.name and entry.ns == el.ns and entry.key == el.key:
                count += 1
                earliest = index
        if count >= 3:
            del entries[earliest]
        entries.append(el)

    def formatting_index(self, el: _El) -> int:
        entries = self.formatting
        for index in range(len(entries) - 1, -1, -1):
            self.work += 1
            if entries[index] is el:
                return index
        return -1

    def stack_index(self, el: _El) -> int:
        stack = self.stack
        for index in range(len(stack) - 1, -1, -1):
            self.work += 1
            if stack[index] is el:
                return index
        return -1

    def adoption(self, subject: str) -> bool:
        """The adoption agency algorithm; True when the end tag is to be handled as any other."""
        stack, entries = self.stack, self.formatting
        node = stack[-1]
        if node.name == subject and node.ns == _HTML and self.formatting_index(node) < 0:
            self.pop()
            return False
        for _ in range(8):
            element: _El | None = None
            element_index = 0
            for index in range(len(entries) - 1, -1, -1):
                self.work += 1
                entry = entries[index]
                if entry is None:
                    return True
                if entry.name == subject:
                    element, element_index = entry, index
                    break
            if element is None:
                return True
            if not element.open:
                del entries[self.formatting_index(element)]
                return False
            for el in reversed(stack):
                self.work += 1
                if el is element:
                    break
                if el.cat & _SCOPE:
                    return False
            at = self.stack_index(element)
            furthest: _El | None = None
            furthest_at = 0
            for index in range(at, len(stack)):
                self.work += 1
                if stack[index].cat & _SPECIAL:
                    furthest, furthest_at = stack[index], index
                    break
            if furthest is None:
                self.pop_until_el(element)
                entry_at = self.formatting_index(element)
                if entry_at >= 0:
                    del entries[entry_at]
                return False
            bookmark = element_index
            last = furthest
            node_at = furthest_at
            inner = 0
            while True:
                inner += 1
                self.work += 1
                node_at -= 1
                node = stack[node_at]
                if node is element:
                    break
                entry_at = self.formatting_index(node)
                if inner > 3 and entry_at >= 0:
                    del entries[entry_at]
                    entry_at = -1
                if entry_at < 0:
                    del stack[node_at]
                    node.open = False
                    self.ghosts -= node.ghosts
                    continue
                self.work += _CLONE_COST * (1 + len(node.key or ()))
                copy = node.clone()
                copy.ghosts = node.ghosts
                copy.open = True
                node.open = False
                entries[entry_at] = copy
                stack[node_at] = copy
                if last is furthest:
                    bookmark = entry_at + 1
                last = copy
            self.work += _CLONE_COST * (1 + len(element.key or ()))
            copy = element.clone()
            # By its old position, as lexbor does, even if the inner loop shifted the list.
            if element_index < len(entries):
                del entries[element_index]
            entries.insert(min(bookmark, len(entries)), copy)
            self.remove(element)
            stack.insert(self.stack_index(furthest) + 1, copy)
            copy.open = True
        return False

    def reset_mode(self) -> None:
        stack = self.stack
        for index in range(len(stack) - 1, -1, -1):
            self.work += 1
            el = stack[index]
            last = index == 0
            if el.ns != _HTML:
                if last:
                    self.mode = self.in_body
                    return
                continue
            name = el.name
            if name in ("td", "th") and not last:
                self.mode = self.in_cell
            elif name == "tr":
                self.mode = self.in_row
            elif name in ("tbody", "tfoot", "thead"):
                self.mode = self.in_table_body
            elif name == "caption":
                self.mode = self.in_caption
            elif name == "colgroup":
                self.mode = self.in_column_group
            elif name == "table":
                self.mode = self.in_table
            elif name == "template":
                self.mode = self.templates[-1] if self.templates else self.in_body
            elif name == "head" and not last:
                self.mode = self.in_head
            elif name == "body":
                self.mode = self.in_body
            elif name == "frameset":
                self.mode = self.in_frameset
            elif name == "html":
                self.mode = self.after_head if self.head else self.before_head
            elif last:
                self.mode = self.in_body
            else:
                continue
            return

    def raw_text(self, tok: _Tok) -> None:
        self.insert(tok)
        self.raw = tok.name
        self.original = self.mode
        self.mode = self.text

    # Dispatch

    def process(self, tok: _Tok) -> None:
        while True:
            node = self.stack[-1] if self.stack else None
            if node is None or node.ns == _HTML:
                done = self.mode(tok)
            elif tok.kind == _START:
                if (
                    node.point == 2
                    or (node.point == 1 and tok.name not in ("mglyph", "malignmark"))
                    or (node.name == "annotation-xml" and node.ns == _MATH and tok.name == "svg")
                ):
                    done = self.mode(tok)
                else:
                    done = self.foreign(tok)
            elif tok.kind == _TEXT and node.point:
                done = self.mode(tok)
            else:
                done = self.foreign(tok)
            if done:
                if self.select_nodes and tok.kind in (_TEXT, _COMMENT):
                    self.select_nodes[-1] += 1
                return

    def foreign(self, tok: _Tok) -> bool:
        if tok.kind == _TEXT:
            if self.frameset_ok and _has_non_space(tok.text.replace("\0", ""), also="\ufffd"):
                self.frameset_ok = False
            return True
        if tok.kind != _START and tok.kind != _END:
            return True
        stack = self.stack
        if tok.kind == _START:
            if tok.name in _BREAKOUT or (
                tok.name == "font" and {"color", "face", "size"} & _attributes(tok.attrs).keys()
            ):
                self.breakout()
                return self.mode(tok)
            self.push(self.foreign_element(tok, stack[-1].ns))
            if tok.closed:
                self.pop()
            return True
        if tok.name == "script" and stack[-1].name == "script" and stack[-1].ns == _SVG:
            self.pop()
            return True
        if tok.name in ("p", "br"):
            self.breakout()
            return self.mode(tok)
        index = len(stack) - 1
        while index:
            self.work += 1
            if stack[index].name == tok.name:
                self.pop_until_el(stack[index])
                return True
            index -= 1
            if stack[index].ns == _HTML:
                break
        return self.mode(tok)

    def breakout(self) -> None:
        while self.stack:
            node = self.stack[-1]
            if node.ns == _HTML or node.point:
                return
            self.pop()

    # Insertion modes before <body>

    def initial(self, tok: _Tok) -> bool:
        if tok.kind == _COMMENT or (tok.kind == _TEXT and not _has_non_space(tok.text)):
            return True
        if tok.kind == _DOCTYPE:
            self.quirks = _quirks(tok.text)
        else:
            self.quirks = True
        self.mode = self.before_html
        return tok.kind == _DOCTYPE

    def before_html(self, tok: _Tok) -> bool:
        if tok.kind in (_COMMENT, _DOCTYPE) or (tok.kind == _TEXT and not _has_non_space(tok.text)):
            return True
        if tok.kind == _START and tok.name == "html":
            self.insert(tok)
            self.html_attrs = _count_attributes(tok.attrs)
            self.mode = self.before_head
            return True
        if tok.kind == _END and tok.name not in ("head", "body", "html", "br"):
            return True
        self.push(_El("html", _HTML))
        self.mode = self.before_head
        return False

    def before_head(self, tok: _Tok) -> bool:
        if tok.kind in (_COMMENT, _DOCTYPE) or (tok.kind == _TEXT and not _has_non_space(tok.text)):
            return True
        if tok.kind == _START and tok.name == "html":
            return self.in_body(tok)
        if tok.kind == _START and tok.name == "head":
            self.insert(tok)
            self.head = True
            self.mode = self.in_head
            return True
        if tok.kind == _END and tok.name not in ("head", "body", "html", "br"):
            return True
        self.push(_El("head", _HTML))
        self.head = True
        self.mode = self.in_head
        return False

    def in_head(self, tok: _Tok) -> bool:
        kind, name = tok.kind, tok.name
        if kind == _END:
            if name == "head":
                self.pop()
                self.mode = self.after_head
                return True
            if name == "template":
                return self.template_end()
            if name not in ("body", "html", "br"):
                return True
        elif kind == _START:
            if name == "html":
                return self.in_body(tok)
            if name in ("base", "basefont", "bgsound", "link", "meta"):
                return True
            if name in ("title", "noframes", "style"):
                self.raw_text(tok)
                return True
            if name == "noscript":
                self.insert(tok)
                self.mode = self.in_head_noscript
                return True
            if name == "script":
                self.raw_text(tok)
                return True
            if name == "template":
                self.insert(tok)
                self.formatting.append(None)
                self.frameset_ok = False
                self.mode = self.in_template
                self.templates.append(self.in_template)
                return True
            if name == "head":
                return True
        elif kind != _TEXT or not _has_non_space(tok.text):
            return True
        self.pop()
        self.mode = self.after_head
        return False

    def template_end(self) -> bool:
        if not self.open_templates:
            return True
        self.implied(names=_THOROUGH)
        self.pop_until("template")
        self.clear_to_marker()
        if self.templates:
            self.templates.pop()
        self.reset_mode()
        return True

    def in_head_noscript(self, tok: _Tok) -> bool:
        kind, name = tok.kind, tok.name
        if kind == _DOCTYPE:
            return True
        if kind == _END:
            if name == "noscript":
                self.pop()
                self.mode = self.in_head
                return True
            if name != "br":
                return True
        elif kind == _START:
            if name == "html":
                return self.in_body(tok)
            if name in ("basefont", "bgsound", "link", "meta", "noframes", "style"):
                return self.in_head(tok)
            if name in ("head", "noscript"):
                return True
        elif kind == _COMMENT or not _has_non_space(tok.text):
            return True
        self.pop()
        self.mode = self.in_head
        return False

    def after_head(self, tok: _Tok) -> bool:
        kind, name = tok.kind, tok.name
        if kind == _END:
            if name == "template":
                return self.in_head(tok)
            if name not in ("body", "html", "br"):
                return True
        elif kind == _START:
            if name == "html":
                return self.in_body(tok)
            if name == "body":
                self.insert(tok)
                self.body_attrs = _count_attributes(tok.attrs)
                self.frameset_ok = False
                self.mode = self.in_body
                return True
            if name == "frameset":
                self.insert(tok)
                self.mode = self.in_frameset
                return True
            if name in _HEAD_TAGS:
                head = _El("head", _HTML)
                self.push(head)
                self.in_head(tok)
                self.remove(head, stays_ancestor=True)
                return True
            if name == "head":
                return True
        elif kind != _TEXT or not _has_non_space(tok.text):
            return True
        self.push(_El("body", _HTML))
        # Observed of the lexbor selectolax ships (the spec differs): a <template> in the
        # head does not keep a <frameset> from replacing a body opened this way.
        self.frameset_ok = True
        self.mode = self.in_body
        return False

    # In body

    def body_text(self, text: str) -> None:
        text = text.replace("\0", "")
        if text:
            self.reconstruct()
            if self.frameset_ok and _has_non_space(text):
                self.frameset_ok = False

    def skip_newline(self, tok: _Tok) -> bool:
        self.mode = self.original
        if tok.kind != _TEXT:
            return False
        match = _NEWLINE.match(tok.text)
        if match is not None:
            tok.text = tok.text[match.end() :]
        return not tok.text

    def in_body(self, tok: _Tok) -> bool:
        kind = tok.kind
        if kind == _START:
            return self.body_start(tok)
        if kind == _END:
            return self.body_end(tok)
        if kind == _TEXT:
            self.body_text(tok.text)
        return True

    def body_start(self, tok: _Tok) -> bool:
        name = tok.name
        if name in _BLOCKS:
            if self.p_open[-1]:
                self.close_p()
            self.insert(tok)
        elif name in _FORMATTING_NAMES:
            if name == "a":
                found = None
                for entry in reversed(self.formatting):
                    self.work += 1
                    if entry is None:
                        break
                    if entry.name == "a" and entry.ns == _HTML:
                        found = entry
                        break
                if found is not None:
                    self.adoption("a")
                    index = self.formatting_index(found)
                    if index >= 0:
                        del self.formatting[index]
                    if found.open:
                        self.remove(found, stays_ancestor=True)
                self.reconstruct()
            elif name == "nobr":
                self.reconstruct()
                if self.in_scope("nobr"):
                    if self.adoption("nobr"):
                        self.other_end("nobr")
                    self.reconstruct()
            else:
                self.reconstruct()
            el = self.insert(tok)
            self.push_formatting(el)
        elif name in _HEAD_TAGS:
            return self.in_head(tok)
        elif name in _HEADINGS:
            if self.p_open[-1]:
                self.close_p()
            if self.stack[-1].name in _HEADINGS:
                self.pop()
            self.insert(tok)
        elif name in ("li", "dd", "dt"):
            self.frameset_ok = False
            names = ("li",) if name == "li" else ("dd", "dt")
            for el in reversed(self.stack):
                self.work += 1
                if el.ns == _HTML and el.name in names:
                    self.implied(el.name)
                    self.pop_until(el.name)
                    break
                if el.cat & _SPECIAL and not (
                    el.ns == _HTML and el.name in ("address", "div", "p")
                ):
                    break
            if self.p_open[-1]:
                self.close_p()
            self.insert(tok)
        elif name == "image":
            tok.name = "img"
            return False
        elif name in ("area", "br", "embed", "img", "keygen", "wbr"):
            self.reconstruct()
            self.frameset_ok = False
        elif name in ("param", "source", "track"):
            pass
        elif name == "html":
            if not self.open_templates:
                count = _count_attributes(tok.attrs)
                self.work += count * self.html_attrs
                self.html_attrs += count
        elif name == "body":
            if len(self.stack) > 1 and self.stack[1].name == "body" and not self.open_templates:
                self.frameset_ok = False
                count = _count_attributes(tok.attrs)
                self.work += count * self.body_attrs
                self.body_attrs += count
        elif name == "frameset":
            if len(self.stack) > 1 and self.stack[1].name == "body" and self.frameset_ok:
                while len(self.stack) > 1:
                    self.pop()
                self.insert(tok)
                self.mode = self.in_frameset
        elif name in ("pre", "listing"):
            if self.p_open[-1]:
                self.close_p()
            self.insert(tok)
            self.original = self.mode
            self.mode = self.skip_newline
            self.frameset_ok = False
        elif name == "form":
            if self.form is not None and not self.open_templates:
                return True
            if self.p_open[-1]:
                self.close_p()
            el = self.insert(tok)
            if not self.open_templates:
                self.form = el
        elif name == "plaintext":
            if self.p_open[-1]:
                self.close_p()
            self.insert(tok)
            self.raw = "plaintext"
        elif name == "button":
            if self.in_scope("button"):
                self.implied()
                self.pop_until("button")
            self.reconstruct()
            self.insert(tok)
            self.frameset_ok = False
        elif name in ("applet", "marquee", "object"):
            self.reconstruct()
            self.insert(tok)
            self.formatting.append(None)
            self.frameset_ok = False
        elif name == "table":
            if not self.quirks and self.p_open[-1]:
                self.close_p()
            self.insert(tok)
            self.frameset_ok = False
            self.mode = self.in_table
        elif name == "input":
            select = self.in_scope("select")
            if select is not None:
                self.pop_until_el(select)
            self.reconstruct()
            if _attributes(tok.attrs).get("type", "") != "hidden":
                self.frameset_ok = False
        elif name == "hr":
            if self.p_open[-1]:
                self.close_p()
            if self.in_scope("select"):
                self.implied()
            self.frameset_ok = False
        elif name == "textarea":
            self.insert(tok)
            self.raw = "textarea"
            self.frameset_ok = False
            self.original = self.mode
            self.mode = self.skip_newline
        elif name == "xmp":
            if self.p_open[-1]:
                self.close_p()
            self.reconstruct()
            self.frameset_ok = False
            self.raw_text(tok)
        elif name in ("iframe", "noembed"):
            if name == "iframe":
                self.frameset_ok = False
            self.raw_text(tok)
        elif name == "select":
            select = self.in_scope("select")
            if select is not None:
                self.pop_until_el(select)
                return True
            self.reconstruct()
            self.insert(tok)
            self.frameset_ok = False
        elif name in ("option", "optgroup"):
            if self.in_scope("select"):
                self.implied("optgroup" if name == "option" else "")
            elif self.current_is("option"):
                self.pop()
            self.reconstruct()
            self.insert(tok)
        elif name in ("rb", "rtc", "rp", "rt"):
            if self.in_scope("ruby"):
                self.implied("" if name in ("rb", "rtc") else "rtc")
            self.insert(tok)
        elif name in ("math", "svg"):
            self.reconstruct()
            self.push(self.foreign_element(tok, _MATH if name == "math" else _SVG))
            if tok.closed:
                self.pop()
        elif name in _TABLE_PARTS or name in ("frame", "head"):
            pass
        else:
            self.reconstruct()
            self.insert(tok)
        return True

    def body_end(self, tok: _Tok) -> bool:
        name = tok.name
        if name in _BLOCK_ENDS:
            if self.in_scope(name):
                self.implied()
                self.pop_until(name)
        elif name in _FORMATTING_NAMES:
            if self.adoption(name):
                self.other_end(name)
        elif name == "p":
            if not self.p_open[-1]:
                self.push(_El("p", _HTML))
            self.close_p()
        elif name == "li":
            if self.in_scope("li", _LIST):
                self.implied("li")
                self.pop_until("li")
        elif name in ("dd", "dt"):
            if self.in_scope(name):
                self.implied(name)
                self.pop_until(name)
        elif name in _HEADINGS:
            if self.any_in_scope(_HEADINGS, _SCOPE):
                self.implied()
                self.pop_until(*_HEADINGS)
        elif name == "form":
            if not self.open_templates:
                form, self.form = self.form, None
                if form is None or not form.open:
                    return True
                for el in reversed(self.stack):
                    self.work += 1
                    if el is form:
                        break
                    if el.cat & _SCOPE:
                        return True
                self.implied()
                self.remove(form, stays_ancestor=True)
            elif self.in_scope("form"):
                self.implied()
                self.pop_until("form")
        elif name in ("applet", "marquee", "object"):
            if self.in_scope(name):
                self.implied()
                self.pop_until(name)
                self.clear_to_marker()
        elif name == "template":
            return self.in_head(tok)
        elif name in ("body", "html"):
            if self.in_scope("body"):
                self.mode = self.after_body
                return name == "body"
        elif name == "br":
            self.reconstruct()
            self.frameset_ok = False
        else:
            self.other_end(name)
        return True

    def other_end(self, name: str) -> None:
        stack = self.stack
        for index in range(len(stack) - 1, -1, -1):
            self.work += 1
            el = stack[index]
            if el.name == name and el.ns == _HTML:
                self.implied(name)
                self.pop_until_el(el)
                return
            if el.cat & _SPECIAL:
                return

    def text(self, tok: _Tok) -> bool:
        if tok.kind == _END:
            self.pop()
            self.mode = self.original
        return True

    # Tables

    def clear_to(self, *names: str) -> None:
        while not self.current_is(*names):
            self.pop()

    def in_table(self, tok: _Tok) -> bool:
        kind, name = tok.kind, tok.name
        if kind == _TEXT:
            if self.current_is(*_TABLE_TEXT):
                text = tok.text.replace("\0", "")
                if text and _has_non_space(text):
                    self.body_text(text)
                return True
            return self.table_anything(tok)
        if kind == _END:
            if name == "table":
                table = self.in_scope("table", _TABLE)
                if table is not None:
                    self.pop_until_el(table)
                    self.reset_mode()
                return True
            if name in _TABLE_PARTS or name in ("body", "html"):
                return True
            if name == "template":
                return self.in_head(tok)
            return self.table_anything(tok)
        if kind != _START:
            return True
        if name == "caption":
            self.clear_to("table", "template", "html")
            self.formatting.append(None)
            self.insert(tok)
            self.mode = self.in_caption
        elif name in ("colgroup", "col"):
            self.clear_to("table", "template", "html")
            self.insert(tok, "colgroup")
            self.mode = self.in_column_group
            return name == "colgroup"
        elif name in ("tbody", "tfoot", "thead"):
            self.clear_to("table", "template", "html")
            self.insert(tok)
            self.mode = self.in_table_body
        elif name in ("td", "th", "tr"):
            self.clear_to("table", "template", "html")
            self.push(_El("tbody", _HTML))
            self.mode = self.in_table_body
            return False
        elif name == "table":
            table = self.in_scope("table", _TABLE)
            if table is None:
                return True
            self.pop_until_el(table)
            self.reset_mode()
            return False
        elif name in ("style", "script", "template"):
            return self.in_head(tok)
        elif name == "input" and (_attributes(tok.attrs).get("type") or "").lower() == "hidden":
            pass
        elif name == "form":
            if self.form is None and not self.open_templates:
                self.form = _El("form", _HTML)
        else:
            return self.table_anything(tok)
        return True

    def table_anything(self, tok: _Tok) -> bool:
        # Lexbor ignores what the body rules return here: a token they hand back for
        # reprocessing (`</html>`, `<image>`) is dropped.
        self.in_body(tok)
        return True

    def in_table_body(self, tok: _Tok) -> bool:
        kind, name = tok.kind, tok.name
        if kind == _START and name in ("tr", "td", "th"):
            self.clear_to("tbody", "tfoot", "thead", "template", "html")
            self.insert(tok, "tr")
            self.mode = self.in_row
            return name == "tr"
        if (
            kind == _START and name in ("caption", "col", "colgroup", "tbody", "tfoot", "thead")
        ) or (kind == _END and name == "table"):
            if not self.any_in_scope(_TABLE_SECTIONS, _TABLE):
                return True
            self.clear_to("tbody", "tfoot", "thead", "template", "html")
            self.pop()
            self.mode = self.in_table
            return False
        if kind == _END and name in ("tbody", "tfoot", "thead"):
            if self.in_scope(name, _TABLE) is None:
                return True
            self.clear_to("tbody", "tfoot", "thead", "template", "html")
            self.pop()
            self.mode = self.in_table
            return True
        if kind == _END and name in (
            "body",
            "caption",
            "col",
            "colgroup",
            "html",
            "td",
            "th",
            "tr",
        ):
            return True
        return self.in_table(tok)

    def in_row(self, tok: _Tok) -> bool:
        kind, name = tok.kind, tok.name
        if kind == _START and name in ("td", "th"):
            self.clear_to("tr", "template", "html")
            self.insert(tok)
            self.mode = self.in_cell
            self.formatting.append(None)
            return True
        leaves = (
            kind == _START
            and name in ("caption", "col", "colgroup", "tbody", "tfoot", "thead", "tr")
        ) or (kind == _END and name in ("tr", "table", "tbody", "tfoot", "thead"))
        if leaves:
            if (
                kind == _END
                and name in ("tbody", "tfoot", "thead")
                and not self.in_scope(name, _TABLE)
            ):
                return True
            if self.in_scope("tr", _TABLE) is None:
                return True
            self.clear_to("tr", "template", "html")
            self.pop()
            self.mode = self.in_table_body
            return kind == _END and name == "tr"
        if kind == _END and name in ("body", "caption", "col", "colgroup", "html", "td", "th"):
            return True
        return self.in_table(tok)

    def close_cell(self) -> None:
        self.implied()
        self.pop_until("td", "th")
        self.clear_to_marker()
        self.mode = self.in_row

    def in_cell(self, tok: _Tok) -> bool:
        kind, name = tok.kind, tok.name
        if kind == _START and name in _TABLE_PARTS:
            if not self.any_in_scope(_CELLS, _TABLE):
                return True
            self.close_cell()
            return False
        if kind == _END:
            if name in ("td", "th"):
                if self.in_scope(name, _TABLE) is None:
                    return True
                self.implied()
                self.pop_until(name)
                self.clear_to_marker()
                self.mode = self.in_row
                return True
            if name in ("body", "caption", "col", "colgroup", "html"):
                return True
            if name in ("table", "tbody", "tfoot", "thead", "tr"):
                if self.in_scope(name, _TABLE) is None:
                    return True
                self.close_cell()
                return False
        return self.in_body(tok)

    def in_caption(self, tok: _Tok) -> bool:
        kind, name = tok.kind, tok.name
        leaves = (kind == _START and name in _TABLE_PARTS) or (
            kind == _END and name in ("caption", "table")
        )
        if leaves:
            if self.in_scope("caption", _TABLE) is None:
                return True
            self.implied()
            self.pop_until("caption")
            self.clear_to_marker()
            self.mode = self.in_table
            return kind == _END and name == "caption"
        if kind == _END and (name in _TABLE_PARTS or name in ("body", "html")):
            return True
        return self.in_body(tok)

    def in_column_group(self, tok: _Tok) -> bool:
        kind, name = tok.kind, tok.name
        # Lexbor treats a doctype here as anything else.
        if kind == _COMMENT or (kind == _TEXT and not _has_non_space(tok.text)):
            return True
        if kind == _START and name == "html":
            return self.in_body(tok)
        if name == "col" and kind in (_START, _END):
            return True
        if name == "template" and kind in (_START, _END):
            return self.in_head(tok)
        if not self.current_is("colgroup"):
            return True
        self.pop()
        self.mode = self.in_table
        return kind == _END and name == "colgroup"

    def in_template(self, tok: _Tok) -> bool:
        kind, name = tok.kind, tok.name
        if kind == _END:
            return self.in_head(tok) if name == "template" else True
        if kind != _START:
            return self.in_body(tok)
        if name in _HEAD_TAGS:
            return self.in_head(tok)
        if name in ("caption", "colgroup", "tbody", "tfoot", "thead"):
            mode = self.in_table
        elif name == "col":
            mode = self.in_column_group
        elif name == "tr":
            mode = self.in_table_body
        elif name in ("td", "th"):
            mode = self.in_row
        else:
            mode = self.in_body
        if self.templates:
            self.templates[-1] = mode
        self.mode = mode
        return False

    # After the body, and framesets

    def after_body(self, tok: _Tok) -> bool:
        kind = tok.kind
        if kind in (_COMMENT, _DOCTYPE):
            return True
        if tok.name == "html" and kind in (_START, _END):
            if kind == _END:
                self.mode = self.after_after_body
                return True
            return self.in_body(tok)
        if kind == _TEXT and not _has_non_space(tok.text):
            return self.in_body(tok)
        self.mode = self.in_body
        return False

    def after_after_body(self, tok: _Tok) -> bool:
        kind = tok.kind
        if kind == _COMMENT:
            return True
        if kind == _DOCTYPE or (kind == _START and tok.name == "html"):
            return self.in_body(tok)
        if kind == _TEXT and not _has_non_space(tok.text):
            return self.in_body(tok)
        self.mode = self.in_body
        return False

    def in_frameset(self, tok: _Tok) -> bool:
        kind, name = tok.kind, tok.name
        if kind == _END and name == "frameset":
            if len(self.stack) > 1:
                self.pop()
                if not self.current_is("frameset"):
                    self.mode = self.after_frameset
        elif kind == _START:
            if name == "frameset":
                self.insert(tok)
            elif name in ("noframes", "html"):
                return self.in_head(tok)
        return True

    def after_frameset(self, tok: _Tok) -> bool:
        if tok.name == "html" and tok.kind == _END:
            self.mode = self.after_after_frameset
        elif tok.kind == _START and tok.name in ("noframes", "html"):
            return self.in_head(tok)
        return True

    def after_after_frameset(self, tok: _Tok) -> bool:
        if tok.kind == _START and tok.name in ("noframes", "html"):
            return self.in_head(tok)
        return True


def _script_end(html: str, pos: int) -> int:
    """Where a script's text ends: at its end tag, minding `<!--` and nested `<script>` escapes."""
    state = 0  # 0: script data, 1: escaped, 2: double escaped
    while True:
        pattern = (_SCRIPT_DATA, _SCRIPT_ESCAPED, _SCRIPT_DOUBLE)[state]
        match = pattern.search(html, pos)
        if match is None:
            return len(html)
        found = match.group()
        if state == 0:
            if found != "<!--":
                return match.start()
            # "<!-->" closes the escape at once: the dashes count towards "-->".
            state, pos = 1, match.end() - 2
        elif found == "-->":
            state, pos = 0, match.end()
        elif state == 1:
            if found[1] == "/":
                return match.start()
            state, pos = 2, match.end()
        else:
            state, pos = 1, match.end()


def within_depth(html: str) -> str:
    """`html` up to the first token that would take lexbor past a bound (see the module doc)."""
    tree = _Tree()
    size = len(html)
    pos = tokens = 0

    def exceeded() -> bool:
        return tree.peak > MAX_DEPTH or tree.work > MAX_WORK or tokens > MAX_TOKENS

    while pos < size:
        match = _TOKEN.search(html, pos)
        start = match.start() if match is not None else size
        if start > pos:
            tokens += 1
            tree.work += len(tree.stack)
            tree.process(_Tok(_TEXT, text=html[pos:start]))
            if exceeded():
                return html[:pos]
        if match is None:
            break
        pos = match.end()
        name = match.group("name")
        if name is not None:
            if not match.group("close"):
                break  # a tag cut off by the end of the input is dropped
            tok = _Tok(
                _END if match.group("end") else _START, _ascii_lower(name).replace("\0", "\ufffd")
            )
            tok.attrs = match.group("attrs")
            tok.closed = tok.attrs.endswith("/") and match.end("gap") == match.end("attrs")
            if len(tok.attrs) > 32:
                # Lexbor looks each attribute up among those already read.
                tree.work += _count_attributes(tok.attrs) ** 2
        else:
            raw = match.group()
            if raw == "</>":
                continue
            if raw.startswith("<![CDATA[") and tree.stack and tree.stack[-1].ns != _HTML:
                end = html.find("]]>", start + 9)
                end = size if end < 0 else end
                pos = min(size, end + 3)
                tok = _Tok(_TEXT, text=html[start + 9 : end])
            elif raw == "</" and pos == size:
                tok = _Tok(_TEXT, text=raw)
            elif raw[:9].lower() == "<!doctype":
                tok = _Tok(_DOCTYPE, text=raw)
            else:
                tok = _Tok(_COMMENT)
        tokens += 1
        tree.work += len(tree.stack)
        tree.process(tok)
        if exceeded():
            return html[:start]
        if tree.raw is not None:
            element, tree.raw = tree.raw, None
            if element == "plaintext":
                end = size
            elif element == "script":
                end = _script_end(html, pos)
            else:
                found = _RAW_ENDS[element].search(html, pos)
                end = found.start() if found is not None else size
            if end > pos:
                tokens += 1
                tree.process(_Tok(_TEXT, text=html[pos:end]))
                if exceeded():
                    return html[:pos]
            pos = end
    return html
