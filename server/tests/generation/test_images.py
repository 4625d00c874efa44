"""POST /v1/images/generations: every field, default, limit and rule, with real PNGs."""

from __future__ import annotations

import httpx
import pytest

from genfire_server.engines.local.images import ASPECT_SIZES
from tests.conftest import Caller, MakeCaller, assert_problem
from tests.generation.helpers import png_bytes, png_size, post, upload
from tests.runs.helpers import balance

PATH = "/v1/images/generations"
REFERENCE_EXAMPLE = {
    "prompt": "Studio product photo of a matte black water bottle on dark stone",
    "model": "image.nano_banana_2",
    "aspect_ratio": "1:1",
    "count": 1,
}


async def test_the_reference_example_completes_with_a_real_png(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    response = await post(client, caller, PATH, REFERENCE_EXAMPLE)
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["status"] == "completed" and run["capability"] == "image_generation"
    assert run["endpoint"] == "images.generations.create" and run["model"] == "image.nano_banana_2"
    assert run["input_summary"] == {**REFERENCE_EXAMPLE, "prompt": REFERENCE_EXAMPLE["prompt"]}
    images = run["output"]["images"]
    assert len(images) == 1 and run["output"]["output_url"] == images[0]["url"]
    assert images[0]["url"].split("?")[0].endswith(".png")
    assert (images[0]["width"], images[0]["height"]) == (1024, 1024)
    assert await png_size(client, images[0]["url"]) == (1024, 1024)
    assert run["usage"] == {"credits": 3}
    assert await balance(client, caller) == 997


async def test_defaults_and_count(client: httpx.AsyncClient, caller: Caller) -> None:
    run = (await post(client, caller, PATH, {"prompt": "sunset over a city", "count": 3})).json()
    assert run["model"] == "image.nano_banana_2" and run["input_summary"]["aspect_ratio"] == "1:1"
    urls = [image["url"] for image in run["output"]["images"]]
    assert len(set(urls)) == 3
    bodies = {(await client.get(url)).content for url in urls}
    assert len(bodies) == 3  # three different images
    assert run["usage"] == {"credits": 9}


@pytest.mark.parametrize("aspect_ratio", sorted(ASPECT_SIZES))
async def test_every_aspect_ratio_has_its_real_size(
    client: httpx.AsyncClient, caller: Caller, aspect_ratio: str
) -> None:
    run = (
        await post(client, caller, PATH, {"prompt": "a gold ring", "aspect_ratio": aspect_ratio})
    ).json()
    assert run["status"] == "completed", run
    assert await png_size(client, run["output"]["output_url"]) == ASPECT_SIZES[aspect_ratio]


async def test_same_request_same_pixels(client: httpx.AsyncClient, caller: Caller) -> None:
    first = (await post(client, caller, PATH, REFERENCE_EXAMPLE)).json()
    second = (await post(client, caller, PATH, REFERENCE_EXAMPLE)).json()
    assert first["id"] != second["id"]
    one = (await client.get(first["output"]["output_url"])).content
    two = (await client.get(second["output"]["output_url"])).content
    assert one == two


async def test_quality_prices_gpt_image_2(client: httpx.AsyncClient, caller: Caller) -> None:
    default = (
        await post(client, caller, PATH, {"prompt": "a cat", "model": "image.gpt_image_2"})
    ).json()
    assert default["input_summary"]["quality"] == "high" and default["usage"] == {"credits": 22}
    medium = (
        await post(
            client,
            caller,
            PATH,
            {"prompt": "a cat", "model": "image.gpt_image_2", "quality": "medium", "count": 2},
        )
    ).json()
    assert medium["usage"] == {"credits": 12}


async def test_an_edit_at_2k_resolution(client: httpx.AsyncClient, caller: Caller) -> None:
    source = await upload(client, caller, png_bytes(), "source.png", "image/png")
    body = {
        "prompt": "make it golden hour",
        "image_url": source,
        "resolution": "2K",
        "aspect_ratio": "16:9",
    }
    run = (await post(client, caller, PATH, body)).json()
    assert run["status"] == "completed", run
    assert await png_size(client, run["output"]["output_url"]) == (2688, 1536)
    assert run["usage"] == {"credits": 4.5}  # 3 x 1.5
    assert run["input_summary"]["has_image"] is True


@pytest.mark.parametrize(
    ("body", "code", "mentions"),
    [
        ({"prompt": "   "}, "invalid_prompt", "prompt"),
        ({"prompt": "x", "model": "image.dall_e_9"}, "invalid_model", "image.nano_banana_2"),
        ({"prompt": "x", "model": "video.veo_3_1"}, "invalid_model", "image_generation"),
        (
            {"prompt": "x", "model": "image.seedream_v45", "aspect_ratio": "4:3"},
            "invalid_aspect_ratio",
            "1:1, 16:9, 9:16",
        ),
        ({"prompt": "x", "count": 5}, "invalid_count", "1 to 4"),
        ({"prompt": "x", "count": 0}, "invalid_count", "1 to 4"),
        ({"prompt": "x", "quality": "high"}, "validation_error", "quality"),
        ({"prompt": "x", "resolution": "2K"}, "validation_error", "image_url or mentions"),
        (
            {
                "prompt": "x",
                "model": "image.gpt_image_2",
                "resolution": "2K",
                "image_url": "https://example.com/a.png",
            },
            "validation_error",
            "resolution",
        ),
        (
            {"prompt": "x", "model": "image.recraft_v4", "image_url": "https://example.com/a.png"},
            "unsupported_input_combination",
            "image.recraft_v4",
        ),
        (
            {
                "prompt": "x",
                "model": "image.genfire_v1",
                "image_urls": ["https://example.com/a.png"],
            },
            "validation_error",
            "image_urls",
        ),
        (
            {"prompt": "x", "image_urls": ["https://example.com/a.png"] * 15},
            "validation_error",
            "14",
        ),
        (
            {"prompt": "x", "image_url": "http://169.254.169.254/a.png"},
            "unsafe_url",
            "169.254.169.254",
        ),
        ({"prompt": "x", "style": "noir"}, "validation_error", "style"),
        ({"prompt": "x", "image_url": ""}, "validation_error", "image_url"),
        (
            {
                "prompt": "x",
                "mentions": [
                    {"handle": "a", "influencer_id": "model_x"},
                    {"handle": "b", "influencer_id": "model_y"},
                ],
            },
            "validation_error",
            "one influencer",
        ),
    ],
)
async def test_documented_400s(
    client: httpx.AsyncClient, caller: Caller, body: dict[str, object], code: str, mentions: str
) -> None:
    problem = assert_problem(await post(client, caller, PATH, body), 400, code)
    assert mentions in str(problem["detail"])


async def test_grok_reads_only_its_first_three_images(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    sources = [
        await upload(client, caller, png_bytes(color=(i * 40, 90, 160)), f"s{i}.png", "image/png")
        for i in range(5)
    ]
    body = {"prompt": "a collage", "model": "image.grok_imagine", "image_urls": sources}
    run = (await post(client, caller, PATH, body)).json()
    assert run["status"] == "completed", run


async def test_scope_is_images_write(client: httpx.AsyncClient, make_caller: MakeCaller) -> None:
    reader = await make_caller(scopes=["runs:read"])
    assert_problem(await post(client, reader, PATH, REFERENCE_EXAMPLE), 403, "insufficient_scope")


async def test_a_lone_surrogate_is_refused_and_nothing_is_charged(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    headers = {**caller.headers, "Idempotency-Key": "surrogate", "content-type": "application/json"}
    response = await client.post(PATH, content=b'{"prompt": "\\ud800 hi"}', headers=headers)
    assert_problem(response, 400, "validation_error")
    emoji = await client.post(
        PATH,
        content=b'{"prompt": "a cat \\ud83d\\ude00"}',
        headers={**headers, "Idempotency-Key": "emoji"},
    )
    assert emoji.status_code == 200 and emoji.json()["status"] == "completed"
    assert (await client.get("/v1/runs", headers=caller.headers)).status_code == 200
    assert await balance(client, caller) == 997
