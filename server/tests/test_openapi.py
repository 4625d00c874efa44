"""The contract document and the offline reference page."""

from __future__ import annotations

import re

import httpx


async def test_openapi_31_paths_relative_to_v1(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.1")
    assert doc["servers"] == [{"url": "http://testserver/v1"}]
    paths = doc["paths"]
    for path in (
        "/oauth/token",
        "/account",
        "/account/credits",
        "/models",
        "/models/pricing",
        "/models/{modelId}",
        "/audio/voices",
    ):
        assert path in paths, path
    assert not any(path.startswith("/v1") for path in paths)
    assert "/healthz" not in paths


async def test_operations_state_scope_security_and_problem_errors(
    client: httpx.AsyncClient,
) -> None:
    doc = (await client.get("/v1/openapi.json")).json()
    account = doc["paths"]["/account"]["get"]
    assert account["x-required-scope"] == "account:read"
    assert account["security"] == [{"bearer": []}]
    assert "application/problem+json" in account["responses"]["401"]["content"]
    token = doc["paths"]["/oauth/token"]["post"]
    assert token["security"] == []
    assert set(token["requestBody"]["content"]) == {
        "application/json",
        "application/x-www-form-urlencoded",
    }
    schemas = doc["components"]["schemas"]
    assert {"Problem", "TokenRequest", "TokenResponse", "Model", "ModelPrice", "AccountOut"} <= set(
        schemas
    )


async def test_docs_page_uses_only_local_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/v1/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert urls, page.text
    assert all(url.startswith("/v1/") for url in urls), urls
    assert "cdn" not in page.text.lower()
    for url in urls:
        asset = await client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 1000, url
    assert "/v1/openapi.json" in page.text


async def test_document_advertises_what_the_server_does(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/v1/openapi.json")).json()
    operations = [op for path in doc["paths"].values() for op in path.values()]
    # Validation failures are 400 problems here, never FastAPI's 422.
    assert all("422" not in op["responses"] for op in operations)
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    models = doc["paths"]["/models"]["get"]
    assert models["responses"]["400"]["content"]["application/problem+json"]
    # Readable, unique operation ids and the contract's summaries.
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    assert {"issue_token", "get_account", "get_credit_balance", "list_models", "get_model"} <= set(
        ids
    )
    assert models["summary"] == "List public model aliases"
    # Every schema in the document is used by some path.
    text = str(doc["paths"]) + str(doc["components"]["schemas"])
    for name in doc["components"]["schemas"]:
        assert f"#/components/schemas/{name}" in text, name
