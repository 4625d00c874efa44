"""Every image and video alias: each input mode it declares is accepted, each one it does
not declare is refused, and each alias produces a valid file through the API."""

from __future__ import annotations

import asyncio
import json
from importlib import resources
from typing import Any

import httpx
import pytest

from genfire_server.catalog.service import Catalog
from genfire_server.engines.routing import RoutingTable
from genfire_server.generation import images, videos
from genfire_server.kit.errors import GenFireError
from tests.conftest import MakeCaller, is_postgres
from tests.generation.helpers import mp4_facts, png_bytes, png_size, post, upload
from tests.runs.helpers import wait_terminal

CATALOG = Catalog.load()
ROUTING = RoutingTable.load(CATALOG)
MODELS = json.loads(
    resources.files("genfire_server.catalog").joinpath("data", "models.json").read_text()
)["data"]
IMAGE_MODELS = [m for m in MODELS if m["capability"] == "image_generation"]
VIDEO_MODELS = [m for m in MODELS if m["capability"] == "video_generation"]
URL = "https://example.com/in.png"
VIDEO_URL = "https://example.com/in.mp4"
VIDEO_INPUTS: dict[str, dict[str, Any]] = {
    "text_to_output": {},
    "image_to_output": {"image_url": URL},
    "reference_images": {"reference_image_urls": [URL, URL]},
    "source_video": {"source_video_url": VIDEO_URL},
    "motion_control": {"image_url": URL, "source_video_url": VIDEO_URL},
    "first_last_frame": {"first_frame_url": URL, "last_frame_url": URL},
}


def test_the_matrix_covers_all_49_aliases() -> None:
    assert len(IMAGE_MODELS) + len(VIDEO_MODELS) == 49


@pytest.mark.parametrize("model", VIDEO_MODELS, ids=lambda m: m["id"])
def test_video_modes_accepted_exactly_as_declared(model: dict[str, Any]) -> None:
    for mode, inputs in VIDEO_INPUTS.items():
        body = videos.VideoGenerationCreate(
            prompt="p",
            model=model["id"],
            aspect_ratio=model["limits"]["aspect_ratios"][0],
            **inputs,
        )
        declared = model["capabilities"][mode]
        if declared:
            prepared = videos.prepare(body, CATALOG)
            assert prepared.input_mode == mode
        else:
            with pytest.raises(GenFireError) as refused:
                videos.prepare(body, CATALOG)
            assert refused.value.code == "unsupported_input_combination"
            assert model["id"] in refused.value.detail


@pytest.mark.parametrize("model", IMAGE_MODELS, ids=lambda m: m["id"])
def test_image_inputs_accepted_exactly_as_declared(model: dict[str, Any]) -> None:
    edit = model["capabilities"]["image_to_output"]
    multi = ROUTING.get(model["id"]).params.get("max_image_urls", 0)
    text = images.prepare(
        images.ImageGenerationCreate(prompt="p", model=model["id"]), CATALOG, ROUTING
    )
    assert text.source_urls == []
    single = images.ImageGenerationCreate(prompt="p", model=model["id"], image_url=URL)
    several = images.ImageGenerationCreate(prompt="p", model=model["id"], image_urls=[URL] * 5)
    for body, accepted in ((single, edit), (several, edit and multi > 0)):
        if accepted:
            prepared = images.prepare(body, CATALOG, ROUTING)
            assert 1 <= len(prepared.source_urls) <= 5
        else:
            with pytest.raises(GenFireError):
                images.prepare(body, CATALOG, ROUTING)


def _cheapest_video_body(model: dict[str, Any], inputs: dict[str, str]) -> dict[str, Any]:
    limits = model["limits"]
    body: dict[str, Any] = {
        "prompt": "a quiet harbour at dawn",
        "model": model["id"],
        "aspect_ratio": limits["aspect_ratios"][0],
        "duration": min(limits["duration_seconds"]),
    }
    if "480p" in limits.get("resolutions", []):
        body["resolution"] = "480p"
    mode = next(name for name, flag in model["capabilities"].items() if flag)
    if mode == "image_to_output":
        body["image_url"] = inputs["image"]
    elif mode == "reference_images":
        body["reference_image_urls"] = [inputs["image"]]
    elif mode == "source_video":
        body["source_video_url"] = inputs["video"]
    elif mode == "motion_control":
        body.update(image_url=inputs["image"], source_video_url=inputs["video"])
    elif mode == "first_last_frame":
        body.update(first_frame_url=inputs["image"], last_frame_url=inputs["image"])
    return body


@pytest.mark.skipif(is_postgres(), reason="engine output does not depend on the database")
async def test_every_alias_produces_a_valid_file_through_the_api(
    client: httpx.AsyncClient, make_caller: MakeCaller
) -> None:
    caller = await make_caller(credits=100_000)  # every alias once costs more than 1,000
    image_url = await upload(client, caller, png_bytes(), "in.png", "image/png")
    clip = (
        await post(
            client,
            caller,
            "/v1/videos/generations",
            {"prompt": "source clip", "model": "video.kling_v3", "duration": 5},
        )
    ).json()
    clip_done = await wait_terminal(client, caller, clip["id"], within_seconds=120)
    inputs = {"image": image_url, "video": clip_done["output"]["output_url"]}

    image_runs = []
    for model in IMAGE_MODELS:
        response = await post(
            client,
            caller,
            "/v1/images/generations",
            {"prompt": "a red apple", "model": model["id"]},
        )
        assert response.status_code == 200, (model["id"], response.text)
        image_runs.append((model, response.json()))
    for model, run in image_runs:
        done = await wait_terminal(client, caller, run["id"], within_seconds=120)
        assert done["status"] == "completed", (model["id"], done)
        assert await png_size(client, done["output"]["output_url"]) == (1024, 1024)

    video_runs = []
    for model in VIDEO_MODELS:
        body = _cheapest_video_body(model, inputs)
        response = await post(client, caller, "/v1/videos/generations", body)
        assert response.status_code == 200, (model["id"], response.text)
        video_runs.append((model, body, response.json()))
    for model, body, run in video_runs:
        done = await wait_terminal(client, caller, run["id"], within_seconds=300)
        assert done["status"] == "completed", (model["id"], done)
        facts = await mp4_facts(client, done["output"]["output_url"])
        video = done["output"]["video"]
        assert (facts["width"], facts["height"]) == (video["width"], video["height"]), model["id"]
        expected = body["duration"] + (
            5 if "source_video_url" in body and "extend" in model["id"] else 0
        )
        assert abs(facts["duration"] - expected) <= 1 / 24, (model["id"], facts)
        assert facts["audio"] is bool(model["limits"].get("supports_audio")), model["id"]
    await asyncio.sleep(0)
