"""`POST /products/extract`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.dependencies import Context
from genfire_server.kit import safe_http
from genfire_server.kit.responses import errors
from genfire_server.runs.schemas import RunOut
from genfire_server.runs.service import RunSpec
from genfire_server.runs.submission import respond_with_run

router = APIRouter(tags=["Generation"])
ProductsWrite = Annotated[Principal, Depends(require("products:write"))]
CAPABILITY = "product_extraction"


class ProductExtractCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1,
        max_length=2048,
        description="A public product page URL. Private, local and unsafe targets are refused.",
        examples=["https://example.com/products/matte-black-water-bottle"],
    )


@router.post(
    "/products/extract",
    summary="Extract product data from a URL",
    response_model=RunOut,
    responses=errors(400, 401, 403, 409, 422),
)
async def create_product_extraction(
    body: ProductExtractCreate, request: Request, ctx: Context, principal: ProductsWrite
) -> Response:
    """Title, description, category, price and images of a product page (JSON-LD,
    microdata, OpenGraph, Shopify and WooCommerce markup), in a run. An unsafe target is
    a 400 `unsafe_url` before any connection. Free; answers with the completed run."""
    url = body.url.strip()
    safe_http.check_url(url, ctx.settings.fetch_allow)
    spec = RunSpec(
        capability=CAPABILITY,
        endpoint="products.extract.create",
        model=None,
        engine=ctx.routing.for_capability(CAPABILITY).engine,
        input={"url": url},
        input_summary={"url": url[:500]},
        price_milli=0,
    )
    wait = ctx.settings.sync_wait_seconds
    return await respond_with_run(request, ctx, principal, spec, wait_seconds=wait)
