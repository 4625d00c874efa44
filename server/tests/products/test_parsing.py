"""The product page parser against saved pages of each shape it meets, and hostile input."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from selectolax.lexbor import LexborHTMLParser

from genfire_server.products import _categories, _limits, _meta, _microdata, _shops, _text
from genfire_server.products._found import PRODUCT_TYPES
from genfire_server.products._limits import MAX_DEPTH, MAX_TOKENS, within_depth
from genfire_server.products._meta import Metas, extract_html
from genfire_server.products._microdata import extract_microdata
from genfire_server.products._shops import extract_woocommerce
from genfire_server.products.parsing import MAX_HTML_BYTES, ProductData, extract_product

PAGES = Path(__file__).parent / "pages"


@dataclass(frozen=True)
class Expected:
    page: str
    url: str
    success: bool
    title: str | None
    price: str | None
    currency: str | None
    category: str | None
    description: str | None  # a prefix
    images: list[str]
    brand: str | None
    sources: list[str]


NORTHWIND = "https://static.northwind-home.example/products/pour-over"
SHOP_CDN = "https://cdn.shop.example/s/files/1/0612/4471/products"
KILN = "https://kettleandkiln.example/wp-content/uploads/2024/10"
SALTMARSH = "https://images.harbourandloom.example/throws/saltmarsh"

EXPECTED = [
    Expected(
        page="01-jsonld-product.html",
        url="https://www.northwind-home.example/products/ceramic-pour-over-set",
        success=True,
        title="Northwind Ceramic Pour-Over Set",
        price="$64.50",
        currency="USD",
        category="Coffee Brewers",
        description="A hand-glazed stoneware dripper, matching 600 ml carafe and two cups. "
        "The dripper's three-hole base",
        images=[
            f"{NORTHWIND}/front-1600.jpg",
            f"{NORTHWIND}/side-1600.jpg",
            f"{NORTHWIND}/in-use-1600.jpg",
        ],
        brand="Northwind Home",
        sources=["json-ld"],
    ),
    Expected(
        page="02-shopify-product-group.html",
        url="https://ridgeline-outfitters.example/products/trailhead-merino-crew-sock",
        success=True,
        title="Trailhead Merino Crew Sock",
        # JSON-LD only knows the variants' span ($18.00 - $48.00); the <meta> names the
        # shown variant's price, and a stated price beats a span.
        price="$18.00",
        currency="USD",
        # Shopify's product type is an explicit category; the breadcrumb's is a guess.
        category="Socks",
        description="Cushioned merino crew socks for long days on the trail. Seamless toe,",
        images=[
            f"{SHOP_CDN}/trailhead-charcoal.jpg?v=1699991234&width=1920",
            f"{SHOP_CDN}/trailhead-moss.jpg?v=1699991234&width=1920",
        ],
        brand="Ridgeline",
        sources=["json-ld", "shopify", "opengraph"],
    ),
    Expected(
        page="03-woocommerce-sale.html",
        url="https://kettleandkiln.example/product/speckled-stoneware-mug/",
        success=True,
        title="Speckled Stoneware Mug",
        price="£24.00",
        currency="GBP",
        category="Mugs",
        description="A chunky, hand-thrown mug in our speckled oatmeal glaze. Holds 350 ml & is "
        "dishwasher safe. Each one is slightly different – that’s the point.",
        images=[
            f"{KILN}/speckled-mug-front.jpg",
            f"{KILN}/speckled-mug-handle.jpg",
            f"{KILN}/speckled-mug-stack.jpg",
        ],
        brand=None,
        sources=["woocommerce"],
    ),
    Expected(
        page="04-microdata.html",
        url="https://lumenandgrain.example/lighting/desk-lamps/halden-oak-desk-lamp",
        success=True,
        title="Halden Oak Desk Lamp",
        price="CA$129.00",
        currency="CAD",
        category="Lamps",
        description="Turned from a single block of FSC-certified white oak, the Halden lamp casts "
        "a warm, even light through its natural linen shade. Height: 46 cm E26 bulb, max 40 W",
        images=[
            "https://lumenandgrain.example/media/products/halden/halden-front-1200.jpg",
            "https://lumenandgrain.example/media/products/halden/halden-side-1200.jpg",
            "https://img.lumenandgrain.example/halden/halden-detail-1200.jpg",
        ],
        brand="Halden Studio",
        sources=["microdata"],
    ),
    Expected(
        page="05-opengraph-only.html",
        url="https://harbourandloom.example/shop/saltmarsh-linen-throw",
        success=True,
        title="Saltmarsh Linen Throw",
        price="£89",
        currency="GBP",
        category="Throws & Blankets",
        description="A stonewashed linen throw in soft saltmarsh green, woven in Lancashire. "
        "130 x 180 cm with a knotted fringe.",
        images=[
            f"{SALTMARSH}/main.jpg",
            f"{SALTMARSH}/draped.jpg",
            f"{SALTMARSH}/fringe-detail.jpg",
        ],
        brand="Harbour & Loom",
        sources=["opengraph"],
    ),
    Expected(
        page="06-broken-jsonld-relative.html",
        url="https://fernandfig.example/shop/teas/winter-sampler?ref=home",
        success=True,
        title="Fern & Fig Winter Tea Sampler",
        price="€24.50",
        currency="EUR",
        category="Tea Samplers",
        description="Five loose-leaf teas for the dark months: Smoky Lapsang, Spiced Chai & more. "
        "Gran's favourite is the rooibos – caffeine-free.",
        images=[
            "https://fernandfig.example/images/winter-sampler/front.jpg",
            "https://fernandfig.example/shop/teas/winter-sampler/tins.jpg",
            "https://fernandfig.example/shop/teas/winter-sampler/cup.jpg",
            "https://fernandfig.example/images/winter-sampler/open-box.jpg?w=1200&q=80",
        ],
        brand="Fern & Fig",
        sources=["json-ld"],
    ),
    Expected(
        page="07-blog-article.html",
        url="https://fernandfig.example/journal/how-we-source-winter-teas",
        success=False,
        title="How We Source Our Winter Teas",
        price=None,
        currency=None,
        category=None,
        description="A visit to the growers behind our winter blends, from Darjeeling to the Cape.",
        images=["https://fernandfig.example/journal/images/winter-teas-hero.jpg"],
        brand=None,
        sources=["opengraph"],
    ),
    Expected(
        page="08-not-html.html",
        url="https://fernandfig.example/products/missing",
        success=False,
        title=None,
        price=None,
        currency=None,
        category=None,
        description=None,
        images=[],
        brand=None,
        sources=[],
    ),
]


def _page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def _strings(product: ProductData) -> list[str]:
    values = [product.title, product.description, product.category, product.price]
    values += [product.currency, product.brand, *product.images, *product.sources]
    return [value for value in values if value is not None]


@pytest.mark.parametrize("expected", EXPECTED, ids=[e.page for e in EXPECTED])
def test_each_saved_page_yields_what_a_shopper_sees(expected: Expected) -> None:
    product = extract_product(_page(expected.page), expected.url)
    assert product.success is expected.success
    assert product.title == expected.title
    assert product.price == expected.price
    assert product.currency == expected.currency
    assert product.category == expected.category
    if expected.description is None:
        assert product.description is None
    else:
        assert product.description is not None
        assert product.description.startswith(expected.description)
    assert product.images == expected.images
    assert product.brand == expected.brand
    assert product.sources == expected.sources


def test_every_saved_page_has_an_expectation() -> None:
    assert sorted(p.name for p in PAGES.glob("*.html")) == sorted(e.page for e in EXPECTED)


def test_public_has_exactly_the_six_api_fields() -> None:
    product = extract_product(_page("05-opengraph-only.html"), EXPECTED[4].url)
    public = product.public()
    assert list(public) == ["success", "title", "description", "category", "price", "images"]
    assert public["price"] == "£89" and public["success"] is True
    assert json.loads(json.dumps(public)) == public
    assert list(extract_product("", "https://shop.example/").public()) == list(public)


@pytest.mark.parametrize("body", ["", "   \n\t ", "Not Found", "\x00\x01\x02", "%PDF-1.7\n%âãÏÓ"])
def test_an_empty_or_non_html_body_is_no_product(body: str) -> None:
    product = extract_product(body, "https://shop.example/p/1")
    assert product == ProductData(
        success=False, title=None, description=None, category=None, price=None, images=[]
    )


# Precedence and merging


def _html(head: str = "", body: str = "") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def _jsonld(data: object) -> str:
    # As sites do, "</" is escaped so a string can't end the script element early.
    text = json.dumps(data).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def _og(**properties: str) -> str:
    return "".join(
        f'<meta property="{key.replace("__", ":")}" content="{value}">'
        for key, value in properties.items()
    )


def test_json_ld_beats_opengraph_when_they_disagree() -> None:
    page = _page("01-jsonld-product.html")
    assert 'og:title" content="Brew Better Mornings: the Pour-Over Set"' in page
    product = extract_product(page, EXPECTED[0].url)
    assert product.title == "Northwind Ceramic Pour-Over Set"
    assert product.description is not None and not product.description.startswith("Our bestselling")


def test_microdata_beats_shop_markup_and_opengraph() -> None:
    html = _html(
        _og(og__type="product", og__title="OG Title", product__price__amount="5.00"),
        '<div itemscope itemtype="http://schema.org/Product">'
        '<h2 itemprop="name">Microdata Title</h2>'
        '<div itemprop="offers" itemscope itemtype="http://schema.org/Offer">'
        '<meta itemprop="priceCurrency" content="EUR">'
        '<span itemprop="price" content="7.5">7,50 €</span>'
        "</div></div>"
        '<div class="product"><div class="summary"><h1 class="product_title">Woo Title</h1>'
        '<p class="price"><span class="woocommerce-Price-amount amount">€6.00</span></p>'
        "</div></div>",
    )
    product = extract_product(html, "https://shop.example/p")
    assert (product.title, product.price) == ("Microdata Title", "€7.5")
    assert product.sources == ["microdata"]


def test_weaker_sources_fill_fields_the_stronger_one_lacks() -> None:
    html = _html(
        _jsonld({"@context": "https://schema.org", "@type": "Product", "name": "Kiln Glove"})
        + _og(
            og__title="Ignored Title",
            og__image="https://shop.example/glove.jpg",
            product__price__amount="19.99",
            product__price__currency="USD",
        )
        + '<meta name="description" content="Heat-proof to 500 &deg;C.">'
    )
    product = extract_product(html, "https://shop.example/p/glove")
    assert product.success
    assert (product.title, product.price, product.currency) == ("Kiln Glove", "$19.99", "USD")
    assert product.description == "Heat-proof to 500 °C."
    assert product.images == ["https://shop.example/glove.jpg"]
    assert product.sources == ["json-ld", "opengraph"]


def test_title_tag_is_the_last_resort_and_loses_its_site_name() -> None:
    html = _html(
        "<title>Copper Pour Spout | Forge &amp; Field</title>"
        '<meta property="og:type" content="product">',
        "<h1>Copper Spout</h1><p>Hand-beaten copper.</p>",
    )
    product = extract_product(html + _og(og__image="/spout.jpg"), "https://forge.example/spout")
    assert product.title == "Copper Pour Spout"
    assert product.images == ["https://forge.example/spout.jpg"]
    assert product.success and product.sources == ["opengraph", "html"]
    h1_only = extract_product(_html(body="<h1> Copper\n Spout </h1>"), "https://forge.example/")
    assert h1_only.title == "Copper Spout" and not h1_only.success


def test_og_site_name_suffix_is_stripped_from_og_title() -> None:
    html = _html(_og(og__site_name="Forge", og__title="Copper Spout – Forge", og__type="product"))
    assert extract_product(html, "https://forge.example/").title == "Copper Spout"


def test_a_list_of_related_products_is_not_the_pages_product() -> None:
    product = extract_product(_page("07-blog-article.html"), EXPECTED[6].url)
    assert not product.success and product.price is None


def test_related_json_ld_products_are_skipped_for_the_main_one() -> None:
    product_json = {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "mainEntity": {
            "@type": "Product",
            "name": "Main Thing",
            "isRelatedTo": [{"@type": "Product", "name": "Other Thing", "image": "/other.jpg"}],
            "image": {"@type": "ImageObject", "contentUrl": "/main.jpg"},
            "offers": {"@id": "#offer"},
        },
    }
    offer = {"@id": "#offer", "@type": "Offer", "price": 12, "priceCurrency": "usd"}
    html = _html(_jsonld([product_json, offer]))
    product = extract_product(html, "https://shop.example/things/main")
    assert (product.title, product.price) == ("Main Thing", "$12")
    assert product.images == ["https://shop.example/main.jpg"]


# Prices


def _priced(offers: object) -> ProductData:
    data = {"@context": "https://schema.org", "@type": "Product", "name": "Thing", "offers": offers}
    return extract_product(_html(_jsonld(data)), "https://shop.example/thing")


@pytest.mark.parametrize(
    ("offers", "price", "currency"),
    [
        ({"price": 39, "priceCurrency": "USD"}, "$39", "USD"),
        ({"price": "39", "priceCurrency": "USD"}, "$39", "USD"),
        ({"price": 39.90, "priceCurrency": "USD"}, "$39.9", "USD"),
        ({"price": "39.90", "priceCurrency": "USD"}, "$39.90", "USD"),
        ({"price": "1.299,00", "priceCurrency": "EUR"}, "€1299.00", "EUR"),
        ({"price": "1,299.99", "priceCurrency": "GBP"}, "£1299.99", "GBP"),
        ({"price": "2500", "priceCurrency": "JPY"}, "¥2500", "JPY"),
        ({"price": "45.00", "priceCurrency": "AUD"}, "A$45.00", "AUD"),
        ({"price": "999", "priceCurrency": "INR"}, "₹999", "INR"),
        ({"price": "123.00", "priceCurrency": "XYZ"}, "123.00 XYZ", "XYZ"),
        ({"price": "49.00", "priceCurrency": "CHF"}, "49.00 CHF", "CHF"),
        ({"price": "$15.00"}, "$15.00", None),
        ({"price": "€15"}, "€15", "EUR"),
        ({"price": "15.00"}, "15.00", None),
        ({"price": "0.00", "priceCurrency": "USD"}, None, None),
        ({"price": "call us", "priceCurrency": "USD"}, None, None),
        (
            {
                "@type": "AggregateOffer",
                "lowPrice": "12.00",
                "highPrice": "18.00",
                "priceCurrency": "USD",
            },
            "$12.00 - $18.00",
            "USD",
        ),
        (
            {
                "@type": "AggregateOffer",
                "lowPrice": "12.00",
                "highPrice": "12.00",
                "priceCurrency": "USD",
            },
            "$12.00",
            "USD",
        ),
        (
            [
                {"price": "18.00", "priceCurrency": "USD"},
                {"price": "12.00", "priceCurrency": "USD"},
            ],
            "$12.00 - $18.00",
            "USD",
        ),
        (
            [
                {"price": "18.00", "priceCurrency": "USD"},
                {"price": "16.00", "priceCurrency": "EUR"},
            ],
            "$18.00",
            "USD",
        ),
        (
            {
                "priceSpecification": [
                    {
                        "priceType": "https://schema.org/StrikethroughPrice",
                        "price": "30.00",
                        "priceCurrency": "USD",
                    },
                    {"price": "24.00", "priceCurrency": "USD"},
                ]
            },
            "$24.00",
            "USD",
        ),
    ],
)
def test_json_ld_prices_display_as_the_page_states_them(
    offers: object, price: str | None, currency: str | None
) -> None:
    product = _priced(offers)
    assert (product.price, product.currency) == (price, currency)


def test_a_json_number_keeps_the_decimals_written_on_the_page() -> None:
    script = (
        '{"@type": "Product", "name": "Mug", "offers": {"price": 39.90, "priceCurrency": "USD"}}'
    )
    html = _html(f'<script type="application/ld+json">{script}</script>')
    assert extract_product(html, "https://shop.example/mug").price == "$39.90"


def test_a_stated_price_beats_a_span_from_a_stronger_source() -> None:
    data = {
        "@type": "Product",
        "name": "Sock",
        "offers": {
            "@type": "AggregateOffer",
            "lowPrice": 12,
            "highPrice": 18,
            "priceCurrency": "USD",
        },
    }
    html = _html(
        _jsonld(data) + _og(product__price__amount="14.00", product__price__currency="USD")
    )
    assert extract_product(html, "https://shop.example/sock").price == "$14.00"


def test_a_symbol_shared_by_currencies_takes_the_code_named_elsewhere() -> None:
    html = _html(
        _og(og__type="product", og__price__currency="CAD"),
        '<div class="product"><div class="summary"><h1 class="product_title">Toque</h1>'
        '<p class="price"><span class="woocommerce-Price-amount amount"><bdi>'
        '<span class="woocommerce-Price-currencySymbol">&#36;</span>25.00</bdi></span></p>'
        "</div></div>",
    )
    product = extract_product(html, "https://shop.example/toque")
    assert (product.price, product.currency) == ("CA$25.00", "CAD")
    alone = extract_product(html.replace("CAD", "EUR"), "https://shop.example/toque")
    assert (alone.price, alone.currency) == ("$25.00", None)


def test_woocommerce_variable_product_shows_its_span() -> None:
    amount = (
        '<span class="woocommerce-Price-amount amount"><bdi>'
        '<span class="woocommerce-Price-currencySymbol">&pound;</span>{}</bdi></span>'
    )
    html = _html(
        body='<div id="product-7" class="product"><div class="summary entry-summary">'
        '<h1 class="product_title entry-title">Bowl Set</h1>'
        f'<p class="price">{amount.format("12.00")} &ndash; {amount.format("1,018.00")}</p>'
        "</div></div>"
    )
    product = extract_product(html, "https://kiln.example/product/bowl-set/")
    assert (product.price, product.currency, product.success) == ("£12.00 - £1018.00", "GBP", True)


def test_shopify_script_data_fills_in_without_other_markup() -> None:
    script = (
        'var Shopify = Shopify || {}; Shopify.currency = {"active":"EUR","rate":"1.0"};'
        "window.ShopifyAnalytics = window.ShopifyAnalytics || {};"
        'var meta = {"product":{"id":1,"vendor":"Bergwerk","type":"Rucks\\u00e4cke","variants":'
        '[{"id":2,"price":8900,"name":"Gipfel 22 - Grau"},{"id":3,"price":9900}]},'
        '"page":{"pageType":"product"}};'
    )
    html = _html(f"<title>Gipfel 22 Daypack</title><script>{script}</script>")
    product = extract_product(html, "https://bergwerk.example/products/gipfel-22")
    assert (product.price, product.currency) == ("€89.00 - €99.00", "EUR")
    assert (product.brand, product.category) == ("Bergwerk", "Rucksäcke")
    assert product.title == "Gipfel 22 Daypack" and product.success
    assert product.sources == ["shopify", "html"]


def test_shopify_product_json_supplies_images_and_description() -> None:
    product_json = {
        "title": "Gipfel 22 Daypack",
        "description": "<p>Light &amp; tough.</p><p>22 litres.</p>",
        "vendor": "Bergwerk",
        "type": "Backpacks",
        "images": [
            "//cdn.shop.example/files/gipfel.jpg?v=1",
            "//cdn.shop.example/files/gipfel-back.jpg",
        ],
        "variants": [{"id": 2, "price": 8900}],
    }
    html = _html(
        body='<script type="application/json" id="ProductJson-main">'
        f"{json.dumps(product_json)}</script>"
    )
    product = extract_product(html, "http://bergwerk.example/products/gipfel-22")
    assert product.success and product.title == "Gipfel 22 Daypack"
    assert product.description == "Light & tough. 22 litres."
    assert product.price == "89.00"
    assert product.images == [
        "http://cdn.shop.example/files/gipfel.jpg?v=1",
        "http://cdn.shop.example/files/gipfel-back.jpg",
    ]


# Text and URLs


def test_entities_are_decoded_once_in_every_markup() -> None:
    product = extract_product(_page("06-broken-jsonld-relative.html"), EXPECTED[5].url)
    assert product.title == "Fern & Fig Winter Tea Sampler"
    assert product.description is not None and "Gran's favourite" in product.description
    html = _html(
        _og(og__type="product", og__title="Tom&amp;#39;s &quot;Big&quot; Mug", og__image="/m.jpg")
    )
    assert extract_product(html, "https://shop.example/").title == 'Tom\'s "Big" Mug'


def test_html_in_descriptions_is_reduced_to_text() -> None:
    data = {
        "@type": "Product",
        "name": "Mug",
        "description": "&lt;p&gt;Glazed &lt;b&gt;inside&lt;/b&gt;.&lt;/p&gt;"
        "&lt;ul&gt;&lt;li&gt;350 ml&lt;/li&gt;&lt;/ul&gt;"
        "<script>alert(1)</script><p>Size <5 cm</p>",
    }
    product = extract_product(_html(_jsonld(data)), "https://shop.example/mug")
    assert product.description == "Glazed inside. 350 ml Size <5 cm"


def test_long_text_is_capped_at_a_word_boundary() -> None:
    data = {"@type": "Product", "name": "word " * 100, "description": "lorem ipsum " * 400}
    product = extract_product(_html(_jsonld(data)), "https://shop.example/long")
    assert product.title is not None and product.description is not None
    assert len(product.title) <= 300 and product.title.endswith("word…")
    assert len(product.description) <= 2000 and product.description.endswith("…")
    assert product.description[-2] != " " and product.description.startswith("lorem ipsum lorem")


def test_relative_and_protocol_relative_images_are_resolved() -> None:
    html = _html(
        _og(og__type="product", og__title="Lamp")
        + _og(og__image="//cdn.example/a.jpg")
        + _og(og__image="b.jpg")
        + _og(og__image="/c d.jpg")
        + _og(og__image="data:image/png;base64,AAAA")
        + _og(og__image="javascript:alert(1)")
        + _og(og__image="ftp://files.example/e.jpg")
    )
    product = extract_product(html, "https://shop.example/lamps/desk?colour=red#top")
    assert product.images == [
        "https://cdn.example/a.jpg",
        "https://shop.example/lamps/b.jpg",
        "https://shop.example/c%20d.jpg",
    ]


def test_base_href_changes_what_relative_urls_resolve_against() -> None:
    html = _html(
        '<base href="https://static.example/shop/">'
        + _og(og__type="product", og__title="Lamp", og__image="img/lamp.jpg")
    )
    assert extract_product(html, "https://shop.example/lamp").images == [
        "https://static.example/shop/img/lamp.jpg"
    ]


def test_og_image_secure_url_replaces_its_http_image() -> None:
    product = extract_product(
        _page("02-shopify-product-group.html").replace("hasVariant", "x"), EXPECTED[1].url
    )
    assert product.images == [
        f"{SHOP_CDN}/trailhead-charcoal.jpg?v=1699991234",
        f"{SHOP_CDN}/trailhead-moss.jpg?v=1699991234",
    ]


def test_images_are_deduplicated_and_capped_at_twenty() -> None:
    urls = [f"/img/{n}.jpg" for n in range(30)]
    data = {"@type": "Product", "name": "Many", "image": ["/img/0.jpg", *urls]}
    product = extract_product(_html(_jsonld(data)), "https://shop.example/many")
    assert product.images == [f"https://shop.example/img/{n}.jpg" for n in range(20)]


def test_breadcrumbs_give_a_category_only_when_nothing_names_one() -> None:
    crumbs = (
        '<nav class="woocommerce-breadcrumb"><a href="/">Home</a> / '
        '<a href="/c/lamps/">Lamps</a> / Halden Lamp</nav>'
    )
    head = _og(og__type="product", og__title="Halden Lamp", og__image="/l.jpg")
    assert extract_product(_html(head, crumbs), "https://s.example/p").category == "Lamps"
    with_category = _html(head + _og(product__category="Lighting"), crumbs)
    assert extract_product(with_category, "https://s.example/p").category == "Lighting"
    root_only = '<ol class="breadcrumb"><li><a href="/">Home</a></li><li>Halden Lamp</li></ol>'
    assert extract_product(_html(head, root_only), "https://s.example/p").category is None


_CRUMB_PAGE = """<html><head><title>Blue Mug | Shop</title>
<meta property="og:type" content="product"><meta property="og:title" content="Blue Mug">
<meta property="og:image" content="/mug.jpg"></head>
<body class="single-product show-breadcrumbs">
<header><ul class="menu"><li><a href="/">Home</a></li><li><a href="/shop">Shop</a></li>
<li><a href="/about">About us</a></li></ul></header>
TRAIL
<h1>Blue Mug</h1>
<footer><ul><li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms</a></li></ul>
</footer></body></html>"""
_FLAT_TRAIL = (
    '<a href="/">Home</a> / <a href="/kitchen">Kitchen</a> / <a href="/mugs">Mugs</a> / Blue Mug'
)


@pytest.mark.parametrize(
    "trail",
    [
        f'<nav class="breadcrumb">{_FLAT_TRAIL}</nav>',
        # Only the loose class match finds this one; <body> matches it too, and first.
        f'<div class="c-page-breadcrumbs"><div class="c-crumbs">{_FLAT_TRAIL}</div></div>',
    ],
)
def test_a_breadcrumb_class_on_body_does_not_make_the_page_the_trail(trail: str) -> None:
    product = extract_product(
        _CRUMB_PAGE.replace("TRAIL", trail), "https://shop.example/p/blue-mug"
    )
    assert product.category == "Mugs"


def test_a_page_without_a_trail_has_no_trail_category() -> None:
    # <body class="show-breadcrumbs"> is no trail, so the footer's last link is no category.
    product = extract_product(_CRUMB_PAGE.replace("TRAIL", ""), "https://shop.example/p/blue-mug")
    assert product.success and product.category is None


@pytest.mark.parametrize("kind", PRODUCT_TYPES)
def test_json_ld_and_microdata_know_the_same_product_types(kind: str) -> None:
    page = "https://shop.example/p"
    data = {"@context": "https://schema.org", "@type": kind, "name": "Thing", "image": "/t.jpg"}
    assert extract_product(_html(_jsonld(data)), page).sources == ["json-ld"]
    microdata = (
        f'<div itemscope itemtype="https://schema.org/{kind}"><h1 itemprop="name">Thing</h1>'
        '<img itemprop="image" src="/t.jpg"></div>'
    )
    product = extract_product(_html(body=microdata), page)
    assert (product.success, product.sources) == (True, ["microdata"])


def test_json_ld_breadcrumb_category_is_the_crumb_above_the_product() -> None:
    trail = {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 3, "name": "Lamp", "item": "https://s.example/p"},
            {"@type": "ListItem", "position": 1, "name": "Home", "item": "https://s.example/"},
            {
                "@type": "ListItem",
                "position": 2,
                "item": {"@id": "https://s.example/c/", "name": "Lighting"},
            },
        ],
    }
    html = _html(_jsonld([trail, {"@type": "Product", "name": "Desk Lamp", "image": "/l.jpg"}]))
    assert extract_product(html, "https://s.example/p").category == "Lighting"


# Hostile input


@pytest.fixture
def no_parser_failures(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.ERROR, logger="genfire_server.products.parsing")
    return caplog


def _assert_clean(product: ProductData, caplog: pytest.LogCaptureFixture) -> None:
    # The safety net in extract_product logs; reaching it would be a parser bug.
    assert not caplog.records
    for value in _strings(product):
        value.encode("utf-8")
    assert all(url.startswith(("http://", "https://")) for url in product.images)
    assert len(product.images) <= 20


_FRAGMENTS = [
    "<", ">", "</", "/>", "<!--", "-->", "<![CDATA[", "]]>", "<html>", "<head>", "<body>",
    "<script type=\"application/ld+json\">", "</script>", "<script>", "{", "}", "[", "]", ",",
    ":", '"', "'", '"@type"', '"Product"', '"ProductGroup"', '"offers"', '"price"', '"@id"',
    '"hasVariant"', '"image"', '"@graph"', "1e999", "-0", "NaN", "\\ud800", "\\u0000",
    "<meta property=og:type content=product>", "<meta property=product:price:amount content=",
    "<meta property=og:image content=", "//", "http://[::1", "&amp;", "&#", "&#x110000;", "&",
    "<div itemscope itemtype=https://schema.org/Product>", "itemprop=price",
    "<h1 class=product_title>",
    "<p class=price>", "<ins>", "<del>", "<svg>", "<path/>", "<table>", "<td>", "<base href=",
    "var meta = ", "Shopify", "\x00", "\ud800", "\U0001f600", "€", "£", "1.299,00", " ", "\n",
]  # fmt: skip


def _rng(seed: int) -> random.Random:
    # Seeded so a failure reproduces; nothing here needs unpredictability.
    return random.Random(seed)  # noqa: S311


def _garbage(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return "".join(chr(rng.randrange(0, 0x110000)) for _ in range(rng.randrange(0, 400)))
    return "".join(rng.choice(_FRAGMENTS) for _ in range(rng.randrange(0, 300)))


def test_garbage_never_raises(no_parser_failures: pytest.LogCaptureFixture) -> None:
    rng = _rng(20240611)
    urls = ["https://shop.example/a/b", "", "not a url", "http://[::1", "https://x.example/\ud800"]
    for _ in range(1000):
        product = extract_product(_garbage(rng), rng.choice(urls))
        assert isinstance(product, ProductData)
        _assert_clean(product, no_parser_failures)


@pytest.mark.parametrize("expected", EXPECTED, ids=[e.page for e in EXPECTED])
def test_truncated_pages_never_raise(
    expected: Expected, no_parser_failures: pytest.LogCaptureFixture
) -> None:
    page = _page(expected.page)
    cuts = sorted({*range(0, len(page), max(1, len(page) // 60)), len(page) - 1})
    for cut in cuts:
        _assert_clean(extract_product(page[:cut], expected.url), no_parser_failures)


def _json_value(rng: random.Random, depth: int = 0) -> object:
    scalars: list[object] = [
        None, True, 0, -1, 39, 10**30, 10**400, 0.5, 1e308, float("nan"), "", "39.90", "1.299,00",
        "//cdn.example/i.jpg", "/a.jpg", "javascript:x", "\ud800", "&amp;&#39;", "<p>x</p>",
        "https://schema.org/Product", "Product", "USD", "€", "#ref",
    ]  # fmt: skip
    if depth > 3 or rng.random() < 0.5:
        return rng.choice(scalars)
    if rng.random() < 0.5:
        return [_json_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    keys = [
        "@type", "@id", "name", "price", "lowPrice", "highPrice", "priceCurrency", "url",
        "offers", "image", "itemListElement", "item", "position", "priceSpecification",
        "priceType", "brand", "category", "@value", "contentUrl", "hasVariant", "@graph",
    ]  # fmt: skip
    return {rng.choice(keys): _json_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))}


def test_json_ld_of_any_shape_never_raises(no_parser_failures: pytest.LogCaptureFixture) -> None:
    rng = _rng(7)
    fields = ["name", "description", "image", "offers", "brand", "category", "hasVariant"]
    for _ in range(1500):
        product: dict[str, object] = {"@type": rng.choice(["Product", "ProductGroup"])}
        product.update({f: _json_value(rng) for f in rng.sample(fields, rng.randrange(1, 6))})
        blocks = [product, {"@type": "BreadcrumbList", "itemListElement": _json_value(rng)}]
        html = _html(_jsonld({"@graph": blocks, "@id": _json_value(rng)}))
        _assert_clean(extract_product(html, "https://shop.example/p"), no_parser_failures)


@pytest.mark.parametrize("expected", EXPECTED, ids=[e.page for e in EXPECTED])
def test_mangled_pages_never_raise(
    expected: Expected, no_parser_failures: pytest.LogCaptureFixture
) -> None:
    rng = _rng(len(expected.page))
    page = _page(expected.page)
    for _ in range(60):
        mangled = page
        for _ in range(rng.randrange(1, 8)):
            start = rng.randrange(0, len(mangled) + 1)
            end = min(len(mangled), start + rng.randrange(0, 40))
            mangled = mangled[:start] + _garbage(rng)[:30] + mangled[end:]
        _assert_clean(extract_product(mangled, expected.url), no_parser_failures)


def test_lone_surrogates_and_controls_never_reach_the_output(
    no_parser_failures: pytest.LogCaptureFixture,
) -> None:
    html = _html(
        '<script type="application/ld+json">'
        '{"@type":"Product","name":"Mug \\ud800\\u0007 One","image":"/m\\ud800.jpg",'
        '"offers":{"price":1e999,"priceCurrency":"\\ud800"}}</script>'
    )
    product = extract_product(html, "https://shop.example/\ud800")
    _assert_clean(product, no_parser_failures)
    assert product.title == "Mug ? One" and product.price is None


def test_only_the_first_5_mb_are_read() -> None:
    head = _og(og__type="product", og__title="Early Title", og__image="/early.jpg")
    late = _jsonld({"@type": "Product", "name": "Late Title"})
    html = _html(head, "<p>" + "x" * MAX_HTML_BYTES + "</p>" + late)
    product = extract_product(html, "https://shop.example/big")
    assert product.title == "Early Title" and product.sources == ["opengraph"]


def test_pathologically_deep_markup_is_cut_not_parsed_for_minutes() -> None:
    head = _og(og__type="product", og__title="Deep", og__image="/deep.jpg")
    html = _html(head, "<div>" * 500_000 + "<span></span>" * 100_000)
    started = time.monotonic()
    product = extract_product(html, "https://shop.example/deep")
    assert time.monotonic() - started < 10
    assert product.success and product.title == "Deep"


def test_a_reader_bug_costs_only_that_page(
    monkeypatch: pytest.MonkeyPatch, no_parser_failures: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("reader bug")

    monkeypatch.setattr("genfire_server.products.parsing.extract_microdata", broken)
    product = extract_product(_page("04-microdata.html"), EXPECTED[3].url)
    assert not product.success and product.public()["images"] == []
    assert [r.getMessage() for r in no_parser_failures.records] == ["product page parsing failed"]


def test_deep_markup_inside_json_ld_strings_is_cut_too() -> None:
    data = {"@type": "Product", "name": "Deep", "description": "<div>" * 300_000 + "text"}
    started = time.monotonic()
    product = extract_product(_html(_jsonld(data)), "https://shop.example/deep")
    assert time.monotonic() - started < 10
    assert product.title == "Deep" and product.description is None


# Nesting and parser work: the guard keeps the bounds of the tree lexbor really builds.


def _dom_depth(html: str) -> int:
    """How deep lexbor nests the deepest element of `html` (<html> is 1)."""
    tree = LexborHTMLParser(html.encode("utf-8", "replace"))
    deepest = 0
    pending = [(tree.root, 1)] if tree.root is not None else []
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        child = node.child
        while child is not None:
            if child.is_element_node:
                pending.append((child, depth + 1))
            child = child.next
    return deepest


_PAGE_HEAD = (
    "<!doctype html><html><head>" + _og(og__type="product", og__title="Mug") + "</head><body>"
)

# (What comes once, what repeats): each repetition nests lexbor's tree one level or more
# deeper, though a count of unclosed start tags sees little or no nesting.
_NESTING_TRICKS = {
    "self-closing <svg/>, then <div/>": ("<svg/>", "<div/>"),
    "self-closing <math/>, then <div/>": ("<math/>", "<div/>"),
    "<div/> breaking out of svg": ("<svg><g>", "<div/>"),
    "<div/> in svg's foreignObject": ("<svg><foreignObject>", "<div/>"),
    "<div> in svg's <title>": ("<svg><title>", "<div>"),
    "<g/ > is no self-closing tag": ("<svg>", "<g/ >"),
    "<g a=b/> is no self-closing tag": ("<svg>", "<g a=b/>"),
    '"/>" in a quoted value': ("<svg>", '<g a="/>">'),
    "</div> ignored past an <object>": ("", "<div><object></div>"),
    "list items": ("", "<ul><li>"),
    "<td> opening <tbody> and <tr>": ("", "<table><td>"),
    "re-opened formatting elements": ("", "<span><b></span>x"),
    "adoption agency": ("", "<a><div>"),
    "closed forms staying ancestors": ("", "<form><div></form>"),
    "abrupt comment <!-->": ("<!-->", "<div>"),
    "</script/> ending a script": ("<script></script/>", "<div>"),
    "<script> inside an attribute value": ('<x a="><script>">', "<div>"),
}


@pytest.mark.parametrize(("once", "unit"), _NESTING_TRICKS.values(), ids=list(_NESTING_TRICKS))
def test_the_depth_bound_holds_for_the_tree_lexbor_builds(once: str, unit: str) -> None:
    html = _PAGE_HEAD + once + unit * (2 * MAX_DEPTH + 100)
    assert _dom_depth(html) > 2 * MAX_DEPTH
    kept = within_depth(html)
    # An empty element may sit one level below the open elements the bound counts.
    assert _dom_depth(kept) <= MAX_DEPTH + 1
    assert extract_product(html, "https://shop.example/p").title == "Mug"


_SOUP = [
    *(f"<{tag}>" for tag in (
        "a", "b", "i", "nobr", "font color=red", "div", "p", "span", "ul", "li", "dd", "table",
        "tr", "td", "caption", "select", "option", "form", "button", "object", "h1", "pre",
        "svg", "math", "g", "foreignObject", "mi", "annotation-xml encoding=text/html",
        "template", "frameset", "body", "head", "textarea", "title", "style", "noscript",
    )),
    *(f"</{tag}>" for tag in (
        "a", "b", "div", "p", "span", "li", "table", "td", "select", "form", "object", "h2",
        "svg", "template", "body", "html", "br", "textarea", "title", "style",
    )),
    "<div/>", "<g/>", '<b class="x">', '<a href="/">', "<b>", "x", " ", "\0", "&#32;", "<!--c-->",
    "<!-->", "<![CDATA[<div>]]>", "<!doctype html>",
]  # fmt: skip


def test_random_markup_never_nests_past_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # A low bound makes every step of the replay count: it must never fall behind lexbor.
    monkeypatch.setattr(_limits, "MAX_DEPTH", 12)
    rng = _rng(31)
    for _ in range(400):
        prefix = "".join(rng.choice(_SOUP) for _ in range(rng.randrange(0, 6)))
        unit = "".join(rng.choice(_SOUP) for _ in range(rng.randrange(1, 8)))
        html = prefix + unit * 40
        assert _dom_depth(within_depth(html)) <= 12 + 1, (prefix, unit)


def test_saved_pages_are_kept_whole() -> None:
    for page in PAGES.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert within_depth(html) == html


def _distinct_attributes(count: int) -> str:
    return " ".join(f"a{n}" for n in range(count))


@pytest.mark.parametrize(
    ("once", "unit"),
    [
        # Shallow, but every </p> and </x> walks all the open elements.
        ("<div>" * 900, "</p>"),
        ("<span>" * 900, "</x>"),
        # Every <option> walks its <select>.
        ("<select>", "<option>"),
        ("<select>", "<option selected>"),
        # Every "x" re-opens the <b>, copying its attributes.
        (f"<div><b {_distinct_attributes(1000)}></div>", "<div>x</div>"),
        ("", f"<div {_distinct_attributes(5000)}>"),
    ],
    ids=["</p> walks", "</x> walks", "options", "selected options", "copies", "attributes"],
)
def test_parser_work_is_bounded_without_deep_nesting(once: str, unit: str) -> None:
    html = _PAGE_HEAD + once + unit * ((MAX_HTML_BYTES - len(once)) // len(unit))
    kept = within_depth(html)
    assert len(kept) < len(html) // 4
    assert extract_product(html, "https://shop.example/p").title == "Mug"


def test_repeated_html_tags_merging_attributes_are_cut() -> None:
    html = _PAGE_HEAD + "".join(f'<html lang{n}="x">' for n in range(200_000))
    assert within_depth(html).count("<html lang") < 10_000


def test_only_so_many_tokens_are_read() -> None:
    html = _PAGE_HEAD + "<i></i>" * MAX_TOKENS
    kept = within_depth(html)
    assert MAX_TOKENS // 2 < kept.count("<") <= MAX_TOKENS
    assert extract_product(html, "https://shop.example/p").title == "Mug"


# Reader budgets: an element enclosing most of the page is read only in part.


class _Calls:
    def __init__(self) -> None:
        self.count = 0


def _count_calls(monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> _Calls:
    calls = _Calls()
    original: Callable[..., object] = getattr(module, name)

    def counted(*args: object, **kwargs: object) -> object:
        calls.count += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


_SHOP = "https://shop.example/"
_FILLER = "<i></i>" * 20_000


def _tree(body: str) -> LexborHTMLParser:
    # Parsed without the guard's cut, so the readers' own bounds are what is tested.
    return LexborHTMLParser(_html("<title>Mug</title>", body).encode())


def test_a_nested_breadcrumb_list_is_read_within_a_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = _count_calls(monkeypatch, _meta, "node_text")
    tree = _tree('<nav aria-label="breadcrumb">' + "<ul><li>Crumb" * 400 + _FILLER)
    found = extract_html(tree, Metas(tree), _SHOP, _SHOP + "p", "Mug")
    assert texts.count <= _meta._MAX_CRUMBS + 2
    assert found.trail_category == "Crumb"


def test_a_flat_breadcrumb_is_read_in_one_bounded_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[tuple[str, str | None]]] = []
    category = _categories.breadcrumb_category

    def record(crumbs: list[tuple[str, str | None]], title: str | None, page: str) -> str | None:
        seen.append(crumbs)
        return category(crumbs, title, page)

    monkeypatch.setattr(_meta, "breadcrumb_category", record)
    links = "".join(f'<a href="/c/{n}">Shelf {n}</a> / ' for n in range(2000))
    tree = _tree(f'<nav class="breadcrumb">{links}' + "<span>" * 400 + "x" + _FILLER)
    found = extract_html(tree, Metas(tree), _SHOP, _SHOP + "p", "Mug")
    assert len(seen[0]) == _meta._MAX_CRUMBS
    assert seen[0][:2] == [("Shelf 0", _SHOP + "c/0"), ("Shelf 1", _SHOP + "c/1")]
    assert found.trail_category == "Shelf 49"


def test_text_is_read_only_as_far_as_it_is_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    visited = _Calls()
    walk = _text.descendants

    def counted(root: object, budget: _text.Budget) -> object:
        for item in walk(root, budget):  # type: ignore[arg-type]
            visited.count += 1
            yield item

    monkeypatch.setattr(_text, "descendants", counted)
    body = _tree("<div>" + "<span>word</span> " * 50_000 + "</div>").body
    assert body is not None
    text = _text.node_text(body, 100)
    assert text.startswith("word word") and len(text) <= 4 * 100 + 100
    assert visited.count <= 2 * 100 + 200


def test_microdata_values_are_read_within_a_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _count_calls(monkeypatch, _microdata, "node_text")
    tree = _tree(
        '<div itemscope itemtype="https://schema.org/Product">'
        + '<span itemprop="name">' * 400
        + _FILLER
    )
    found = extract_microdata(tree, _SHOP)
    assert found.is_product and found.title is None
    assert texts.count <= _microdata._MAX_VALUES


def test_only_so_many_microdata_offers_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    walks = _count_calls(monkeypatch, _microdata, "_properties")
    offer = '<div itemprop="offers" itemscope><meta itemprop="price" content="{}"></div>'
    tree = _tree(
        '<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Mug</h1>'
        + "".join(offer.format(10 + n) for n in range(5000))
        + "</div>"
    )
    found = extract_microdata(tree, _SHOP)
    assert walks.count <= _microdata._MAX_ITEMS + 1
    assert found.title == "Mug" and found.price is not None and found.price.low == "10"


def test_woocommerce_prices_are_read_within_a_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    climbs = _count_calls(monkeypatch, _shops, "_inside")
    texts = _count_calls(monkeypatch, _shops, "node_text")
    tree = _tree(
        '<div class="product"><div class="summary"><h1 class="product_title">Mug</h1>'
        '<p class="price">' + '<span class="amount">£5' * 1000 + _FILLER
    )
    found = extract_woocommerce(tree, _SHOP)
    assert found.title == "Mug" and found.price is not None
    assert climbs.count <= _shops._MAX_AMOUNTS
    assert texts.count <= _shops._MAX_AMOUNTS + 2
