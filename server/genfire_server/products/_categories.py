"""Category names from category paths and breadcrumb trails."""

from __future__ import annotations

import re

from genfire_server.products._text import LABEL_LIMIT, clean_text, same_page, same_text, truncate

# Separators of a category path ("Kitchen > Coffee > Pour-Over"); "/" is left alone
# because it appears inside names ("Tops/Tees").
_PATH_SEPARATORS = re.compile(r"\s+(?:>|›|»)\s+")


def category_name(raw: str | None) -> str | None:
    """The most specific part of a category path; a bare taxonomy id is no name."""
    text = clean_text(raw, LABEL_LIMIT * 4)
    if text is None:
        return None
    leaf = _PATH_SEPARATORS.split(text)[-1].strip()
    if not leaf or leaf.isdigit() or leaf.startswith(("http://", "https://")):
        return None
    return truncate(leaf, LABEL_LIMIT)


Crumb = tuple[str, str | None]  # name, absolute link (None for the unlinked current page)


def breadcrumb_category(crumbs: list[Crumb], title: str | None, page_url: str) -> str | None:
    """The crumb just above the product, never the root ("Home").

    Trails usually end with the product itself, so the category is the second-to-last
    crumb; some trails stop at the category, which the last crumb then is.
    """
    crumbs = [(name, url) for name, url in crumbs if name]
    if len(crumbs) < 2:
        return None
    last_name, last_url = crumbs[-1]
    ends_with_product = (
        (title is not None and same_text(last_name, title))
        or (last_url is not None and same_page(last_url, page_url))
        or (last_url is None and any(url for _, url in crumbs[:-1]))
    )
    if ends_with_product:
        crumbs = crumbs[:-1]
    if len(crumbs) < 2:
        return None
    return category_name(crumbs[-1][0])
