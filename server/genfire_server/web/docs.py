"""`/v1/docs`: Swagger UI served from the package, so it works with no internet."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from genfire_server.auth.dependencies import Public

ASSETS_PATH = "/v1/docs/assets"
# fastapi-offline vendors Swagger UI 5 (which renders OpenAPI 3.1); we only use its files.
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"

router = APIRouter(include_in_schema=False, dependencies=[Public])


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
