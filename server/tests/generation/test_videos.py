"""POST /v1/videos/generations: input modes, limits, audio, and real MP4s."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Caller, assert_problem
from tests.generation.helpers import mp4_facts, png_bytes, post, upload
from tests.runs.helpers import wait_terminal

PATH = "/v1/videos/generations"
REFERENCE_EXAMPLE = {
    "prompt": "Cinematic close-up of a luxury watch with soft lighting",
    "model": "video.veo_3_1",
    "aspect_ratio": "16:9",
    "duration": 8,
    "generate_audio": True,
}


async def test_the_reference_example_makes_an_8_second_720p_video_with_audio(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    created = await post(client, caller, PATH, REFERENCE_EXAMPLE)
    assert created.status_code == 200, created.text
    run = created.json()
    assert run["status"] in ("queued", "processing") and run["output"] is None
    assert run["input_summary"] == {
        "prompt": REFERENCE_EXAMPLE["prompt"],
        "model": "video.veo_3_1",
        "aspect_ratio": "16:9",
        "duration": 8,
        "has_image": False,
        "generate_audio": True,
    }
    done = await wait_terminal(client, caller, run["id"], within_seconds=120)
    assert done["status"] == "completed", done
    video = done["output"]["video"]
    assert done["output"]["output_url"] == video["url"] and video["url"].split("?")[0].endswith(
        ".mp4"
    )
    assert (video["width"], video["height"], video["duration"]) == (1280, 720, 8.0)
    facts = await mp4_facts(client, video["url"])
    assert (facts["width"], facts["height"], facts["fps"], facts["frames"]) == (
        1280,
        720,
        24.0,
        192,
    )
    assert facts["codec"] == "h264" and facts["audio"] is True
    assert done["usage"] == {"credits": 192}  # 16/s x 8 s x 1.5 for audio


async def test_defaults_follow_the_model(client: httpx.AsyncClient, caller: Caller) -> None:
    veo3 = (await post(client, caller, PATH, {"prompt": "waves", "model": "video.veo_3"})).json()
    assert veo3["input_summary"]["duration"] == 8  # its only duration, since 5 is not one
    kling = (
        await post(
            client,
            caller,
            PATH,
            {
                "prompt": "waves",
                "model": "video.kling_v3",
                "aspect_ratio": "9:16",
                "generate_audio": True,
            },
        )
    ).json()
    assert kling["input_summary"]["generate_audio"] is False
    done = await wait_terminal(client, caller, kling["id"], within_seconds=120)
    facts = await mp4_facts(client, done["output"]["output_url"])
    assert (facts["width"], facts["height"], facts["frames"], facts["audio"]) == (
        720,
        1280,
        120,
        False,
    )


async def test_image_to_video_and_interpolation(client: httpx.AsyncClient, caller: Caller) -> None:
    first = await upload(client, caller, png_bytes(color=(220, 30, 30)), "first.png", "image/png")
    last = await upload(client, caller, png_bytes(color=(30, 30, 220)), "last.png", "image/png")
    image_run = (
        await post(
            client,
            caller,
            PATH,
            {
                "prompt": "slow push",
                "model": "video.veo_3_1_fast",
                "image_url": first,
                "duration": 4,
                "generate_audio": False,
            },
        )
    ).json()
    frames_run = (
        await post(
            client,
            caller,
            PATH,
            {
                "prompt": "morph",
                "model": "video.veo_3_1_fast",
                "first_frame_url": first,
                "last_frame_url": last,
                "duration": 4,
            },
        )
    ).json()
    assert image_run["input_summary"]["has_image"] is True
    assert frames_run["input_summary"]["input_mode"] == "first_last_frame"
    for run in (image_run, frames_run):
        done = await wait_terminal(client, caller, run["id"], within_seconds=120)
        assert done["status"] == "completed", done
        facts = await mp4_facts(client, done["output"]["output_url"])
        assert facts["frames"] == 96 and (facts["width"], facts["height"]) == (1280, 720)


async def test_seedance_resolution_is_priced_and_sized(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    body = {"prompt": "dunes", "model": "video.seedance_2_0", "resolution": "480p", "duration": 4}
    run = (await post(client, caller, PATH, body)).json()
    done = await wait_terminal(client, caller, run["id"], within_seconds=120)
    facts = await mp4_facts(client, done["output"]["output_url"])
    assert (facts["width"], facts["height"], facts["frames"]) == (854, 480, 96)
    assert done["usage"]["credits"] == pytest.approx(30.34 * 4 * 0.445, abs=0.001)


@pytest.mark.parametrize(
    ("body", "code", "mentions"),
    [
        ({"prompt": ""}, "invalid_prompt", "prompt"),
        ({"prompt": "x", "model": "image.nano_banana_2"}, "invalid_model", "video_generation"),
        ({"prompt": "x", "duration": 7}, "invalid_duration", "4, 5, 8"),
        (
            {"prompt": "x", "model": "video.veo_3", "aspect_ratio": "1:1"},
            "invalid_aspect_ratio",
            "16:9, 9:16",
        ),
        ({"prompt": "x", "resolution": "1080p"}, "invalid_resolution", "720p"),
        (
            {"prompt": "x", "model": "video.seedance_2_0", "resolution": "4k"},
            "invalid_resolution",
            "480p, 720p, 1080p",
        ),
        (
            {"prompt": "x", "first_frame_url": "", "last_frame_url": ""},
            "validation_error",
            "first_frame_url",
        ),
        ({"prompt": "x", "image_url": "http://[::1"}, "unsafe_url", "valid URL"),
        (
            {"prompt": "x", "first_frame_url": "https://example.com/a.png"},
            "validation_error",
            "last_frame_url",
        ),
        (
            {
                "prompt": "x",
                "model": "video.kling_v3",
                "first_frame_url": "https://example.com/a.png",
                "last_frame_url": "https://example.com/b.png",
            },
            "unsupported_input_combination",
            "video.kling_v3",
        ),
        (
            {"prompt": "x", "model": "video.hailuo_02_fast"},
            "unsupported_input_combination",
            "text to output",
        ),
        (
            {"prompt": "x", "reference_image_urls": ["https://example.com/a.png"] * 10},
            "validation_error",
            "9",
        ),
        ({"prompt": "x", "image_url": "http://10.1.2.3/a.png"}, "unsafe_url", "10.1.2.3"),
    ],
)
async def test_documented_400s(
    client: httpx.AsyncClient, caller: Caller, body: dict[str, object], code: str, mentions: str
) -> None:
    problem = assert_problem(await post(client, caller, PATH, body), 400, code)
    assert mentions in str(problem["detail"])
