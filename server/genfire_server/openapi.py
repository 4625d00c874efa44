"""The OpenAPI 3.1 document, generated from the routes and schemas.

Paths are written relative to the `/v1` server, as the contract and its clients use them,
and every operation states the scope its route requires.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from genfire_server.auth.schemas import TokenRequest
from genfire_server.kit.responses import Problem
from genfire_server.routes import DeclaredRoute

API_PREFIX = "/v1"
BEARER = "bearer"


def build(app: FastAPI, public_url: str, declared: list[DeclaredRoute]) -> dict[str, Any]:
    document = get_openapi(
        title="GenFire Public API",
        version=app.version,
        summary="Images, video, speech, music, workflows and batches as asynchronous runs.",
        description=(
            "Send `Authorization: Bearer <API key or OAuth access token>` on every protected "
            "endpoint. Errors are `application/problem+json` with a stable `code`. "
            "Long-running operations return a run; poll `GET /runs/{runId}`."
        ),
        routes=app.routes,
        servers=[{"url": f"{public_url}{API_PREFIX}"}],
    )
    scopes = {
        (entry.path, method.lower()): entry.required_scope
        for entry in declared
        for method in entry.methods
    }
    paths: dict[str, Any] = {}
    for path, operations in document.get("paths", {}).items():
        if not path.startswith(API_PREFIX + "/"):
            continue
        for method, operation in operations.items():
            scope = scopes.get((path, method))
            responses = operation.get("responses", {})
            # FastAPI documents request validation as 422 HTTPValidationError; this server
            # answers it with a 400 `validation_error` problem, so say that instead.
            if responses.pop("422", None) is not None:
                responses.setdefault("400", _problem_response("The request is invalid."))
            if scope is None:
                operation["security"] = []
            else:
                operation["security"] = [{BEARER: []}]
                operation["x-required-scope"] = scope
                operation["description"] = (
                    f"{operation.get('description', '').strip()}\n\nRequired scope: `{scope}`."
                ).strip()
        paths[path[len(API_PREFIX) :]] = operations
    document["paths"] = paths
    components = document.setdefault("components", {})
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key (`gfa_live_...`) or an OAuth access token from "
            "`POST /oauth/token`.",
        }
    }
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema()
    schemas["TokenRequest"] = TokenRequest.model_json_schema()
    components["schemas"] = _referenced(document, schemas)
    return document


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def _referenced(document: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """Only the schemas the paths use, directly or through other schemas."""
    prefix = "#/components/schemas/"
    keep: set[str] = set()
    pending = [document["paths"]]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(prefix) and ref[len(prefix) :] not in keep:
                name = ref[len(prefix) :]
                keep.add(name)
                pending.append(schemas.get(name, {}))
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return {name: schema for name, schema in schemas.items() if name in keep}
