"""The product extraction engine: fetch a page safely, parse it, remember the answer.

The page is fetched through `kit/safe_http`, so every address and redirect is checked
the way input files are. Parsed results are kept in `product_pages` for
`GENFIRE_PRODUCT_CACHE_TTL_SECONDS`, shared by every worker, so a page asked about again
(by any account: product pages are public) is answered without fetching it and reports
`cached: true`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from genfire_server.engines.base import EngineError, EngineResult, Job, Progress, RunContext
from genfire_server.engines.local import pool
from genfire_server.kit import safe_http
from genfire_server.kit.clock import utcnow
from genfire_server.kit.db import Database
from genfire_server.models import ProductPage
from genfire_server.products.parsing import extract_product
from genfire_server.settings import Settings

log = logging.getLogger(__name__)

MAX_PAGE_BYTES = 5 * 1024 * 1024
_PAGE_TIMEOUT_SECONDS = 20.0


def url_digest(url: str) -> str:
    return hashlib.sha256(url.strip().encode("utf-8")).hexdigest()


# The HTML5 encoding pre-scan looks for the declaration in the first 1024 bytes.
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE
)


def _charset(content: bytes, content_type: str | None) -> str:
    """The page's encoding: the Content-Type header's, else a `<meta>` declaration's
    (`<meta charset>` or `http-equiv`), else UTF-8."""
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value.strip("\"' "):
            return value.strip("\"' ")
    declared = _META_CHARSET.search(content[:1024])
    return declared.group(1).decode("ascii") if declared else "utf-8"


def _decode(content: bytes, content_type: str | None) -> str:
    try:
        return content.decode(_charset(content, content_type), errors="replace")
    except LookupError:  # a charset Python does not know
        return content.decode("utf-8", errors="replace")


class ProductPages:
    """Product data for a page URL: from the cache, or fetched and parsed (and cached)."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self._settings = settings
        self._db = db

    async def _cached(self, digest: str) -> dict[str, object] | None:
        if self._settings.product_cache_ttl_seconds <= 0:
            return None
        async with self._db.read() as session:
            page = await session.get(ProductPage, digest)
            if page is None or page.expires_at <= utcnow():
                return None
            return dict(page.product)

    async def _remember(self, digest: str, url: str, product: dict[str, object]) -> None:
        """Cache the result: an upsert, because two runs for one URL may finish together.
        Best effort: a cache that cannot be written never fails the run."""
        ttl = self._settings.product_cache_ttl_seconds
        if ttl <= 0:
            return
        now = utcnow()
        values = {
            "url_digest": digest,
            "url": url,
            "product": product,
            "fetched_at": now,
            "expires_at": now + timedelta(seconds=ttl),
        }
        try:
            async with self._db.write() as session:
                postgres = session.get_bind().dialect.name == "postgresql"
                insert = postgresql_insert if postgres else sqlite_insert
                statement = insert(ProductPage).values(**values)
                await session.execute(
                    statement.on_conflict_do_update(
                        index_elements=[ProductPage.url_digest],
                        set_={
                            name: statement.excluded[name]
                            for name in values
                            if name != "url_digest"
                        },
                    )
                )
        except SQLAlchemyError:
            log.warning("could not cache a product page", exc_info=True)

    async def extract(self, url: str) -> tuple[dict[str, object], bool]:
        """(the public product document, whether it came from the cache). A page that
        cannot be fetched raises `EngineError("input_fetch_failed", ...)`."""
        digest = url_digest(url)
        cached = await self._cached(digest)
        if cached is not None:
            return cached, True
        limits = safe_http.FetchLimits(
            max_bytes=MAX_PAGE_BYTES,
            timeout_seconds=min(_PAGE_TIMEOUT_SECONDS, self._settings.fetch_timeout_seconds),
        )
        allow = self._settings.fetch_allow
        try:
            fetched = await safe_http.fetch_bytes(url, allow=allow, limits=limits)
        except safe_http.UnsafeUrl as error:
            raise EngineError("input_fetch_failed", error.detail) from error
        except safe_http.FetchFailed as error:
            raise EngineError(
                "input_fetch_failed", f"The product page could not be fetched: {error.message}"
            ) from error
        assert fetched.content is not None
        html = _decode(fetched.content, fetched.content_type)
        # Parsing is CPU work on untrusted markup: never on the event loop.
        parsed = await pool.run_cpu(extract_product, html, fetched.final_url)
        product = parsed.public()
        if product["success"]:
            # A page that did not parse may be a transient error page: ask again next time.
            await self._remember(digest, url, product)
        return product, False


class ProductExtractionEngine:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.pages = ProductPages(settings, db)

    async def run(self, job: Job, ctx: RunContext) -> EngineResult:
        await ctx.report_progress(Progress(10, "fetching", 0, 1, ["extract"]))
        product, cached = await self.pages.extract(job.input["url"])
        return EngineResult(output={"product": product, "cached": cached})
