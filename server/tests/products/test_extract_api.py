"""POST /v1/products/extract: saved product pages served on loopback, through the API."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from genfire_server.context import AppContext
from tests.conftest import Caller, MakeCaller, assert_problem
from tests.generation.helpers import post
from tests.loopback import Origin, origin
from tests.runs.helpers import balance, wait_terminal
from tests.variants import client_with

PAGES = Path(__file__).parent / "pages"
PATH = "/v1/products/extract"


class _Shop:
    """The saved pages at /products/<name> of a loopback origin."""

    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        for page in PAGES.glob("*.html"):
            self.add(page.stem, page.read_bytes(), "text/html; charset=utf-8")

    def add(self, name: str, body: bytes, content_type: str) -> None:
        self.origin.serve(f"/products/{name}", body, content_type)

    @property
    def requests(self) -> list[str]:
        return self.origin.requests

    def url(self, name: str) -> str:
        return self.origin.url(f"/products/{name}")


@pytest.fixture
async def shop() -> AsyncIterator[_Shop]:
    async with origin() as served:
        yield _Shop(served)


@pytest.fixture
async def shop_client(ctx: AppContext) -> AsyncIterator[httpx.AsyncClient]:
    """The app as an operator would run it to reach an internal shop: 127.0.0.2 allowed."""
    async with client_with(ctx, fetch_allow_hosts="127.0.0.2/32") as client:
        yield client


async def _extract(client: httpx.AsyncClient, caller: Caller, url: str) -> dict[str, object]:
    response = await post(client, caller, PATH, {"url": url})
    assert response.status_code == 200, response.text
    run = response.json()
    if run["status"] not in ("completed", "failed"):
        run = await wait_terminal(client, caller, run["id"])
    return dict(run)


async def test_a_json_ld_product_page_in_the_reference_shape(
    shop_client: httpx.AsyncClient, caller: Caller, shop: _Shop
) -> None:
    run = await _extract(shop_client, caller, shop.url("01-jsonld-product"))
    assert run["status"] == "completed", run
    assert run["capability"] == "product_extraction"
    assert run["endpoint"] == "products.extract.create" and run["model"] is None
    assert run["usage"] == {"credits": 0}
    output = run["output"]
    assert isinstance(output, dict) and output["cached"] is False
    product = output["product"]
    assert set(product) == {"success", "title", "description", "category", "price", "images"}
    assert product["success"] is True and product["title"] and product["price"]
    assert all(str(image).startswith("http") for image in product["images"])
    assert await balance(shop_client, caller) == 1000


@pytest.mark.parametrize(
    "page",
    [
        "01-jsonld-product",
        "02-shopify-product-group",
        "03-woocommerce-sale",
        "04-microdata",
        "05-opengraph-only",
        "06-broken-jsonld-relative",
    ],
)
async def test_every_product_page_shape_is_understood(
    shop_client: httpx.AsyncClient, caller: Caller, shop: _Shop, page: str
) -> None:
    run = await _extract(shop_client, caller, shop.url(page))
    product = run["output"]["product"]  # type: ignore[index]
    assert product["success"] is True, product
    assert product["title"] and product["price"] and product["images"]


@pytest.mark.parametrize("page", ["07-blog-article", "08-not-html"])
async def test_a_page_that_is_no_product_says_so(
    shop_client: httpx.AsyncClient, caller: Caller, shop: _Shop, page: str
) -> None:
    run = await _extract(shop_client, caller, shop.url(page))
    assert run["status"] == "completed"
    assert run["output"]["product"]["success"] is False  # type: ignore[index]


async def test_a_repeat_is_served_from_the_cache_for_any_account(
    shop_client: httpx.AsyncClient, caller: Caller, make_caller: MakeCaller, shop: _Shop
) -> None:
    url = shop.url("04-microdata")
    first = await _extract(shop_client, caller, url)
    second = await _extract(shop_client, await make_caller(), url)
    assert first["output"]["cached"] is False  # type: ignore[index]
    assert second["output"]["cached"] is True  # type: ignore[index]
    assert second["output"]["product"] == first["output"]["product"]  # type: ignore[index]
    assert shop.requests == ["/products/04-microdata"]


async def test_with_a_zero_ttl_nothing_is_cached(
    ctx: AppContext, caller: Caller, shop: _Shop
) -> None:
    async with client_with(
        ctx, fetch_allow_hosts="127.0.0.2/32", product_cache_ttl_seconds=0
    ) as client:
        url = shop.url("01-jsonld-product")
        for _ in range(2):
            run = await _extract(client, caller, url)
            assert run["output"]["cached"] is False  # type: ignore[index]
    assert len(shop.requests) == 2


async def test_an_unsafe_target_is_refused_before_any_connection(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    connections = 0
    sentinel = socket.socket()
    sentinel.bind(("127.0.0.1", 0))
    sentinel.listen()
    sentinel.setblocking(False)
    port = sentinel.getsockname()[1]
    try:
        for url in (
            f"http://127.0.0.1:{port}/products/x",
            f"http://localhost:{port}/products/x",
            "http://169.254.169.254/latest/meta-data",
            "file:///etc/passwd",
        ):
            assert_problem(await post(client, caller, PATH, {"url": url}), 400, "unsafe_url")
        try:
            while True:
                sentinel.accept()[0].close()
                connections += 1
        except BlockingIOError:
            pass
    finally:
        sentinel.close()
    assert connections == 0
    assert (await client.get("/v1/runs", headers=caller.headers)).json()["data"] == []


async def test_an_unreachable_page_fails_the_run_clearly(
    shop_client: httpx.AsyncClient, caller: Caller, shop: _Shop
) -> None:
    run = await _extract(shop_client, caller, shop.url("missing-page"))
    assert run["status"] == "failed"
    assert run["error"]["code"] == "input_fetch_failed"  # type: ignore[index]
    assert "404" in run["error"]["message"]  # type: ignore[index]


async def test_concurrent_extractions_of_one_page_all_complete(
    shop_client: httpx.AsyncClient, caller: Caller, shop: _Shop
) -> None:
    url = shop.url("02-shopify-product-group")
    runs = await asyncio.gather(*(_extract(shop_client, caller, url) for _ in range(4)))
    assert [run["status"] for run in runs] == ["completed"] * 4
    assert all(run["output"]["product"]["success"] for run in runs)  # type: ignore[index]


async def test_a_charset_declared_only_in_the_page_is_honoured(
    shop_client: httpx.AsyncClient, caller: Caller, shop: _Shop
) -> None:
    latin1 = (
        '<html><head><meta charset="iso-8859-1"><title>Café crème mug</title>'
        '<meta property="og:type" content="product">'
        '<meta property="og:title" content="Café crème mug">'
        '<meta property="og:image" content="https://cdn.example.com/mug.jpg">'
        '<meta property="product:price:amount" content="12.50">'
        '<meta property="product:price:currency" content="EUR">'
        "</head><body><h1>Café crème mug</h1></body></html>"
    ).encode("iso-8859-1")
    shop.add("latin1", latin1, "text/html")  # the charset is declared in the page only
    run = await _extract(shop_client, caller, shop.url("latin1"))
    assert run["output"]["product"]["title"] == "Café crème mug"  # type: ignore[index]


async def test_housekeeping_forgets_expired_pages(
    ctx: AppContext, shop_client: httpx.AsyncClient, caller: Caller, shop: _Shop
) -> None:
    from datetime import timedelta

    from sqlalchemy import func, select, update

    from genfire_server.kit.clock import utcnow
    from genfire_server.models import ProductPage

    await _extract(shop_client, caller, shop.url("01-jsonld-product"))
    await _extract(shop_client, caller, shop.url("04-microdata"))
    async with ctx.db.write() as session:
        await session.execute(
            update(ProductPage)
            .where(ProductPage.url == shop.url("01-jsonld-product"))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    await ctx.executor.housekeeping()
    async with ctx.db.read() as session:
        urls = (await session.scalars(select(ProductPage.url))).all()
        assert await session.scalar(select(func.count()).select_from(ProductPage)) == 1
    assert urls == [shop.url("04-microdata")]
