"""`/v1/openapi.json` and `/v1/docs`: the contract document and an offline reference page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from genfire_server import openapi
from genfire_server.auth.dependencies import Public

ASSETS_PATH = "/v1/docs/assets"
# fastapi-offline vendors Swagger UI 5 (which renders OpenAPI 3.1); we only use its files.
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"

router = APIRouter(include_in_schema=False, dependencies=[Public])


@router.get("/v1/openapi.json")
async def openapi_document(request: Request) -> JSONResponse:
    """The OpenAPI 3.1 document, built once per process from the routes and schemas."""
    state = request.app.state
    document: dict[str, Any] | None = getattr(state, "openapi_document", None)
    if document is None:
        document = openapi.build(request.app, state.ctx.settings.public_url, state.declared_routes)
        state.openapi_document = document
    return JSONResponse(document)


@router.get("/v1/docs")
async def api_reference() -> HTMLResponse:
    """The interactive API reference."""
    return get_swagger_ui_html(
        openapi_url="/v1/openapi.json",
        title="GenFire API reference",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True},
    )


def assets() -> StaticFiles:
    return StaticFiles(directory=ASSETS_DIR)
