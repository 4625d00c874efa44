"""GET /v1/workflows and /v1/workflows/{key}: the contract's catalog, verbatim; and the
request rules derived from each workflow's input schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from genfire_server.kit.errors import ValidationFailed
from genfire_server.workflows import rules
from genfire_server.workflows.catalog import WorkflowCatalog
from tests.conftest import Caller, MakeCaller, assert_problem

SPEC = Path(__file__).resolve().parents[3] / ".." / "shared" / "spec" / "workflows.json"
PACKAGED = (
    Path(__file__).resolve().parents[2] / "genfire_server" / "workflows" / "data" / "workflows.json"
)
KEYS = ["storyboard", "hook_pack", "ugc_ad", "creative_pack", "product_ad_variants"]


def _reference() -> dict[str, Any]:
    # CI lays shared/ beside the clone; the packaged copy must equal it wherever it exists.
    data: dict[str, Any] = json.loads((SPEC if SPEC.exists() else PACKAGED).read_text("utf-8"))
    return data


def test_packaged_catalog_equals_the_contract() -> None:
    if not SPEC.exists():
        pytest.skip("shared/spec is not beside this checkout")
    assert json.loads(PACKAGED.read_text()) == json.loads(SPEC.read_text())


async def test_the_catalog_is_the_references_verbatim(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    response = await client.get("/v1/workflows", headers=caller.headers)
    assert response.status_code == 200
    assert response.json() == _reference()
    assert [workflow["id"] for workflow in response.json()["data"]] == KEYS


@pytest.mark.parametrize("key", KEYS)
async def test_each_workflow_by_key(client: httpx.AsyncClient, caller: Caller, key: str) -> None:
    body = (await client.get(f"/v1/workflows/{key}", headers=caller.headers)).json()
    expected = next(doc for doc in _reference()["data"] if doc["id"] == key)
    assert body == expected


async def test_an_unknown_workflow_is_404_listing_the_known_ones(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    problem = assert_problem(
        await client.get("/v1/workflows/podcast", headers=caller.headers), 404, "not_found"
    )
    assert "hook_pack" in str(problem["detail"])


async def test_reading_the_catalog_needs_workflows_read(
    client: httpx.AsyncClient, make_caller: MakeCaller
) -> None:
    other = await make_caller(scopes=["models:read"])
    assert_problem(
        await client.get("/v1/workflows", headers=other.headers), 403, "insufficient_scope"
    )


CATALOG = WorkflowCatalog.load()


@pytest.mark.parametrize(
    ("key", "body", "fragment"),
    [
        ("hook_pack", {}, "prompt is required"),
        ("hook_pack", {"prompt": "x", "tone": "angry"}, "tone must be one of: casual"),
        ("hook_pack", {"prompt": "x", "length": 3}, "length must be of type string"),
        ("hook_pack", {"prompt": "x", "keywords": ["a", 2]}, "keywords[1] must be of type"),
        ("hook_pack", {"prompt": "x", "audiance": "devs"}, "audiance"),
        ("hook_pack", {"prompt": "   "}, "prompt must not be empty"),
        ("hook_pack", {"prompt": "x", "target_duration": 0}, "target_duration"),
        ("hook_pack", {"prompt": "x", "target_duration": 9000}, "target_duration"),
        ("product_ad_variants", {"prompt": "x", "variant_count": 6}, "variant_count must be"),
        ("product_ad_variants", {"prompt": "x", "variant_count": 0}, "variant_count must be"),
        ("product_ad_variants", {"prompt": "x", "variant_count": 2.5}, "whole number"),
        ("product_ad_variants", {"audience": "devs"}, "product_name or prompt"),
        ("creative_pack", {"tone": "casual"}, "product_url, product_name or prompt"),
        ("creative_pack", {"product_url": "not a url"}, "product_url must be an absolute URL"),
        ("storyboard", {"prompt": "x", "aspect_ratio": "4:3"}, "aspect_ratio must be one of"),
        ("hook_pack", {"prompt": "x", "target_duration": 10**400}, "target_duration"),
        ("hook_pack", {"prompt": "x", "target_duration": 0.2}, "target_duration"),
        ("hook_pack", {"prompt": "x", "target_duration": True}, "target_duration"),
        ("hook_pack", {"prompt": "x", "keywords": ["k" * 61]}, "keywords[0] is 61 characters"),
        ("hook_pack", {"prompt": "x", "keywords": ["k"] * 21}, "at most 20 entries"),
        ("hook_pack", {"prompt": "\u200b\u200b"}, "prompt must not be empty"),
        ("product_ad_variants", {"prompt": "x", "variant_count": 10**400}, "variant_count"),
    ],
)
def test_schema_violations_name_the_failing_path(
    key: str, body: dict[str, Any], fragment: str
) -> None:
    workflow = CATALOG.get(key)
    assert workflow is not None
    with pytest.raises(ValidationFailed) as raised:
        rules.validate(workflow, body)
    assert fragment in raised.value.detail


def test_a_valid_body_passes_unchanged() -> None:
    workflow = CATALOG.get("hook_pack")
    assert workflow is not None
    body = {"prompt": "Portable blender", "tone": "persuasive", "keywords": ["commute"]}
    assert rules.validate(workflow, body) == body


def test_every_image_url_must_be_absolute() -> None:
    workflow = CATALOG.get("creative_pack")
    assert workflow is not None
    body = {"prompt": "x", "image_urls": ["https://example.com/a.png", "/relative.png"]}
    with pytest.raises(ValidationFailed, match=r"image_urls\[1\] must be an absolute URL"):
        rules.validate(workflow, body)
    assert rules.urls_of(
        workflow, {"product_url": "https://a.example/p", "image_urls": ["https://b.example/i.png"]}
    ) == [
        "https://a.example/p",
        "https://b.example/i.png",
    ]
