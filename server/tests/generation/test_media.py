"""Transcription, background removal, video upscaling and lip-sync through the API."""

from __future__ import annotations

import base64
import io
import math
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw

from genfire_server.context import AppContext
from tests.conftest import Caller, MakeCaller, assert_problem
from tests.engines.local.test_speech import word_error_rate
from tests.generation.helpers import audio_facts, mp4_bytes, mp4_facts, post, upload
from tests.loopback import Origin, origin
from tests.runs.helpers import balance, wait_terminal
from tests.variants import client_with

SPOKEN = "Please remember to water the plants on Monday morning. The keys are under the mat."
RACHEL = "21m00Tcm4TlvDq8ikWAM"


async def _speech_url(client: httpx.AsyncClient, caller: Caller, **extra: Any) -> tuple[str, float]:
    """A speech run's output URL: runs chain, so this is the next run's input."""
    body = {"text": SPOKEN, "voice_id": RACHEL, **extra}
    run = (await post(client, caller, "/v1/audio/speech", body)).json()
    assert run["status"] == "completed", run
    return run["output"]["audio_url"], run["output"]["duration"]


# --- transcription --------------------------------------------------------------------


async def test_the_transcription_example_transcribes_a_previous_runs_speech(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    audio_url, seconds = await _speech_url(client, caller)
    spent = 1000 - await balance(client, caller)
    body = {"audio_url": audio_url, "model": "transcription.whisper_v1"}
    response = await post(client, caller, "/v1/audio/transcriptions", body)
    assert response.status_code == 200, response.text
    queued = response.json()
    assert queued["capability"] == "transcription"
    assert queued["endpoint"] == "audio.transcriptions.create"
    run = await wait_terminal(client, caller, queued["id"], within_seconds=60)
    assert run["status"] == "completed", run
    output = run["output"]
    assert output["transcript_id"].startswith("audio_txn_")
    assert output["language"] == "en" and output["audio_url"] == audio_url
    assert output["duration"] == pytest.approx(seconds, abs=0.1)
    assert word_error_rate(SPOKEN, output["text"]) < 0.10, output["text"]
    starts = [word["start"] for word in output["words"]]
    assert starts == sorted(starts) and len(starts) >= 14
    assert set(output["words"][0]) == {"word", "start", "end", "probability"}
    assert set(output["segments"][0]) == {"id", "start", "end", "text"}
    charged = math.ceil(output["duration"] * 10) / 1000  # 0.01 credits a second
    assert run["usage"]["credits"] == pytest.approx(charged, abs=0.002)
    assert await balance(client, caller) == pytest.approx(1000 - spent - charged, abs=0.002)


async def test_a_videos_audio_is_extracted_and_transcribed(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    video = await upload(client, caller, mp4_bytes(seconds=2), "clip.mp4", "video/mp4")
    run = (await post(client, caller, "/v1/audio/transcriptions", {"video_url": video})).json()
    done = await wait_terminal(client, caller, run["id"], within_seconds=60)
    assert done["status"] == "completed", done
    output = done["output"]
    assert output["duration"] == pytest.approx(2.0, abs=0.1)
    facts = await audio_facts(client, output["audio_url"])  # the extracted track, as MP3
    assert facts["extension"] == "mp3" and facts["duration"] == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"audio_url": "https://example.com/a.mp3", "video_url": "https://example.com/a.mp4"},
        {"youtube_url": "https://vimeo.com/12345"},
        {"youtube_url": "https://www.youtube.com/watch?v=short"},
    ],
)
async def test_exactly_one_real_source_is_required(
    client: httpx.AsyncClient, caller: Caller, body: dict[str, Any]
) -> None:
    assert_problem(
        await post(client, caller, "/v1/audio/transcriptions", body), 400, "validation_error"
    )


async def test_a_private_audio_url_is_refused_before_any_run(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    body = {"audio_url": "http://127.0.0.1:9/secret.mp3"}
    assert_problem(await post(client, caller, "/v1/audio/transcriptions", body), 400, "unsafe_url")


async def test_an_unreachable_youtube_video_fails_with_input_fetch_failed(
    ctx: AppContext, caller: Caller
) -> None:
    with socket.socket() as probe:  # a proxy port nothing listens on: refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with client_with(ctx, youtube_proxy=f"http://127.0.0.1:{port}") as client:
        body = {"youtube_url": "https://youtu.be/dQw4w9WgXcQ"}
        run = (await post(client, caller, "/v1/audio/transcriptions", body)).json()
        done = await wait_terminal(client, caller, run["id"], within_seconds=60)
        assert done["status"] == "failed"
        assert done["error"]["code"] == "input_fetch_failed"
        assert "YouTube video could not be fetched" in done["error"]["message"]
        assert await balance(client, caller) == 1000  # the hold was released


# --- background removal ---------------------------------------------------------------


def _product_photo(width: int = 400, height: int = 300) -> bytes:
    """A product shot: a dark bottle shape on a light studio gradient."""
    rows = np.linspace(235, 205, height)[:, np.newaxis, np.newaxis]
    background = np.broadcast_to(rows, (height, width, 3)).astype(np.uint8)
    image = Image.fromarray(np.ascontiguousarray(background), "RGB")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((150, 60, 250, 260), radius=30, fill=(30, 34, 40))
    draw.rectangle((185, 30, 215, 60), fill=(60, 64, 70))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


async def test_the_background_remove_example_makes_a_transparent_png(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    photo = await upload(client, caller, _product_photo(), "photo.jpg", "image/jpeg")
    response = await post(client, caller, "/v1/images/background-remove", {"image_url": photo})
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["status"] == "completed", run
    assert run["capability"] == "image_editing"
    assert run["endpoint"] == "images.background_remove.create"
    assert run["model"] == "image_edit.bria_background_remove"
    assert run["usage"] == {"credits": 2}
    image_url = run["output"]["output_url"]
    assert run["output"]["images"][0] == {"url": image_url, "width": 400, "height": 300}
    png = (await client.get(image_url)).content
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.mode == "RGBA" and image.size == (400, 300)
        alpha = np.asarray(image)[..., 3]
    assert alpha[10, 10] == 0 and alpha[290, 390] == 0  # studio background
    assert alpha[160, 200] == 255  # the bottle


async def test_background_remove_refuses_a_non_image_in_the_run(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    text = await upload(client, caller, b"not an image at all" * 50, "photo.jpg", "image/jpeg")
    run = (await post(client, caller, "/v1/images/background-remove", {"image_url": text})).json()
    done = await wait_terminal(client, caller, run["id"])
    assert done["status"] == "failed" and done["error"]["code"] == "input_fetch_failed"
    assert await balance(client, caller) == 1000


# --- upscale --------------------------------------------------------------------------


async def test_upscale_doubles_the_size_and_keeps_duration_and_audio(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    source = await upload(client, caller, mp4_bytes(seconds=1), "video.mp4", "video/mp4")
    body = {"source_video_url": source, "scale_factor": 2}
    queued = (await post(client, caller, "/v1/videos/upscale", body)).json()
    assert (
        queued["capability"] == "video_upscaling" and queued["endpoint"] == "videos.upscale.create"
    )
    assert queued["input_summary"] == {
        "model": "video_upscale.fal_video_upscaler",
        "scale_factor": 2,
    }
    run = await wait_terminal(client, caller, queued["id"], within_seconds=60)
    assert run["status"] == "completed", run
    facts = await mp4_facts(client, run["output"]["output_url"])
    assert (facts["width"], facts["height"], facts["frames"]) == (320, 180, 24)
    assert facts["audio"] is True
    assert run["output"]["video"]["duration"] == pytest.approx(1.0, abs=0.05)
    assert run["usage"]["credits"] == pytest.approx(20, abs=1)  # 10 a second, times 2


async def test_upscale_4x(client: httpx.AsyncClient, caller: Caller) -> None:
    source = await upload(client, caller, mp4_bytes(64, 36, 0.5, audio=False), "v.mp4", "video/mp4")
    run = (
        await post(
            client, caller, "/v1/videos/upscale", {"source_video_url": source, "scale_factor": 4}
        )
    ).json()
    done = await wait_terminal(client, caller, run["id"], within_seconds=60)
    facts = await mp4_facts(client, done["output"]["output_url"])
    assert (facts["width"], facts["height"], facts["audio"]) == (256, 144, False)


@pytest.mark.parametrize("factor", [1, 3, 8])
async def test_other_scale_factors_are_refused(
    client: httpx.AsyncClient, caller: Caller, factor: int
) -> None:
    body = {"source_video_url": "https://example.com/v.mp4", "scale_factor": factor}
    problem = assert_problem(
        await post(client, caller, "/v1/videos/upscale", body), 400, "validation_error"
    )
    assert "2, 4" in str(problem["detail"])


@pytest.fixture
async def remote_video(ctx: AppContext) -> AsyncIterator[tuple[httpx.AsyncClient, Origin]]:
    """A remote source of unknown length: a loopback origin the operator allow-listed."""
    async with origin() as served, client_with(ctx, fetch_allow_hosts="127.0.0.2/32") as client:
        yield client, served


async def test_a_remote_video_is_held_on_an_estimate_and_charged_its_real_length(
    remote_video: tuple[httpx.AsyncClient, Origin], caller: Caller
) -> None:
    client, served = remote_video
    url = served.serve("/v.mp4", mp4_bytes(32, 18, 2.0, audio=False), "video/mp4")
    body = {"source_video_url": url}
    run = (await post(client, caller, "/v1/videos/upscale", body)).json()
    done = await wait_terminal(client, caller, run["id"], within_seconds=60)
    assert done["status"] == "completed", done
    assert done["usage"]["credits"] == pytest.approx(40, abs=1)  # 2 s x 10 x 2
    assert await balance(client, caller) == pytest.approx(1000 - done["usage"]["credits"])


async def test_a_longer_remote_video_than_the_balance_covers_fails_cleanly(
    remote_video: tuple[httpx.AsyncClient, Origin], make_caller: MakeCaller
) -> None:
    client, served = remote_video
    poor = await make_caller(credits=250)  # covers the 10 s estimate (200), not 15 s (300)
    long = mp4_bytes(32, 18, 15.0, fps=8, audio=False)
    body = {"source_video_url": served.serve("/long.mp4", long, "video/mp4")}
    run = (await post(client, poor, "/v1/videos/upscale", body)).json()
    done = await wait_terminal(client, poor, run["id"], within_seconds=60)
    assert done["status"] == "failed" and done["error"]["code"] == "insufficient_credits"
    assert "300" in done["error"]["message"]
    assert await balance(client, poor) == 250


# --- lip-sync -------------------------------------------------------------------------


async def test_the_lipsync_example_cuts_to_the_shorter_input(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    video = await upload(client, caller, mp4_bytes(seconds=2), "source-video.mp4", "video/mp4")
    audio_url, audio_seconds = await _speech_url(client, caller)
    assert audio_seconds > 3
    body = {
        "video_url": video,
        "audio_url": audio_url,
        "sync_mode": "cut_off",
        "model": "lipsync.lipsync_2_pro",
    }
    queued = (await post(client, caller, "/v1/lipsync/generations", body)).json()
    assert queued["capability"] == "lipsync_generation"
    assert queued["endpoint"] == "lipsync.generations.create"
    run = await wait_terminal(client, caller, queued["id"], within_seconds=60)
    assert run["status"] == "completed", run
    assert run["resource_id"].startswith("video_")
    assert run["output"]["title"] == "AI Lip-sync Video"
    facts = await mp4_facts(client, run["output"]["output_url"])
    assert facts["height"] == 720 and facts["audio"] is True
    assert facts["duration"] == pytest.approx(2.0, abs=0.1)
    assert run["usage"]["credits"] == pytest.approx(2 * 8.333, abs=0.5)


async def test_inline_audio_loops_the_video_to_its_length_at_480p(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    video = await upload(client, caller, mp4_bytes(seconds=1), "v.mp4", "video/mp4")
    audio_url, audio_seconds = await _speech_url(client, caller, output_format="wav_22050")
    wav = (await client.get(audio_url)).content
    body = {
        "video_url": video,
        "audio_base64": base64.b64encode(wav).decode(),
        "audio_file_name": "voice.wav",
        "sync_mode": "loop",
        "resolution": "480p",
        "title": "Spring promo",
    }
    run = (await post(client, caller, "/v1/lipsync/generations", body)).json()
    done = await wait_terminal(client, caller, run["id"], within_seconds=60)
    assert done["status"] == "completed", done
    assert done["output"]["title"] == "Spring promo"
    facts = await mp4_facts(client, done["output"]["output_url"])
    assert facts["height"] == 480
    assert facts["duration"] == pytest.approx(audio_seconds, abs=0.1)


async def test_a_duration_hint_caps_the_output(client: httpx.AsyncClient, caller: Caller) -> None:
    video = await upload(client, caller, mp4_bytes(seconds=3), "v.mp4", "video/mp4")
    audio_url, _ = await _speech_url(client, caller)
    body = {"video_url": video, "audio_url": audio_url, "sync_mode": "remap", "duration": 1.5}
    run = (await post(client, caller, "/v1/lipsync/generations", body)).json()
    done = await wait_terminal(client, caller, run["id"], within_seconds=60)
    facts = await mp4_facts(client, done["output"]["output_url"])
    assert facts["duration"] == pytest.approx(1.5, abs=0.1)


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        ({}, "validation_error", "audio"),
        (
            {"audio_url": "https://example.com/a.mp3", "audio_base64": "AAAA"},
            "validation_error",
            "exactly one",
        ),
        (
            {"audio_url": "https://example.com/a.mp3", "sync_mode": "stretch"},
            "validation_error",
            "cut_off",
        ),
        (
            {"audio_url": "https://example.com/a.mp3", "resolution": "1080p"},
            "validation_error",
            "resolution",
        ),
        ({"audio_url": "https://example.com/a.mp3", "duration": 0.5}, "invalid_duration", "300"),
        ({"audio_url": "https://example.com/a.mp3", "duration": 301}, "invalid_duration", "300"),
        ({"audio_base64": "not base64!!"}, "validation_error", "base64"),
        ({"audio_url": "https://example.com/a.mp3", "model": "video.veo_3_1"}, "invalid_model", ""),
    ],
)
async def test_bad_lipsync_requests_get_their_error(
    client: httpx.AsyncClient, caller: Caller, body: dict[str, Any], code: str, fragment: str
) -> None:
    full = {"video_url": "https://example.com/v.mp4", **body}
    problem = assert_problem(await post(client, caller, "/v1/lipsync/generations", full), 400, code)
    assert fragment in str(problem["detail"])


@pytest.mark.parametrize(
    ("model", "per_second"),
    [
        ("lipsync.lipsync_2_pro", 8.333),
        ("lipsync.sync_lipsync_v2_pro", 8.333),
        ("lipsync.sync_lipsync_v3", 13.3),
    ],
)
async def test_every_lipsync_model_runs_at_its_price(
    client: httpx.AsyncClient, caller: Caller, model: str, per_second: float
) -> None:
    video = await upload(client, caller, mp4_bytes(seconds=1), "v.mp4", "video/mp4")
    audio = await upload(client, caller, mp4_bytes(seconds=1), "a.mp4", "video/mp4")
    body = {"video_url": video, "audio_url": audio, "model": model, "resolution": "480p"}
    run = (await post(client, caller, "/v1/lipsync/generations", body)).json()
    done = await wait_terminal(client, caller, run["id"], within_seconds=60)
    assert done["status"] == "completed" and done["model"] == model, done
    assert (await mp4_facts(client, done["output"]["output_url"]))["height"] == 480
    assert done["usage"]["credits"] == pytest.approx(per_second, abs=0.01)


async def test_a_replayed_inline_audio_request_stores_the_audio_once(
    client: httpx.AsyncClient, caller: Caller, db: Any
) -> None:
    from sqlalchemy import func, select

    from genfire_server.models import Asset

    video = await upload(client, caller, mp4_bytes(seconds=1), "v.mp4", "video/mp4")
    wav = mp4_bytes(seconds=1)  # a video file as audio: its audio track is used
    body = {"video_url": video, "audio_base64": base64.b64encode(wav).decode()}
    headers = {**caller.headers, "Idempotency-Key": "lipsync-once"}
    first = await client.post("/v1/lipsync/generations", json=body, headers=headers)
    again = await client.post("/v1/lipsync/generations", json=body, headers=headers)
    assert first.status_code == again.status_code == 200, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    async with db.read() as session:
        uploads = await session.scalar(
            select(func.count())
            .select_from(Asset)
            .where(Asset.account_id == caller.account_id, Asset.kind == "upload")
        )
    assert uploads == 2  # the video and the inline audio, once
    await wait_terminal(client, caller, first.json()["id"], within_seconds=60)


async def test_a_poor_inline_audio_request_stores_nothing(
    client: httpx.AsyncClient, make_caller: MakeCaller, db: Any
) -> None:
    from sqlalchemy import func, select

    from genfire_server.models import Asset

    poor = await make_caller(credits=1)
    video = await upload(client, poor, mp4_bytes(seconds=2), "v.mp4", "video/mp4")
    body = {"video_url": video, "audio_base64": base64.b64encode(mp4_bytes(seconds=2)).decode()}
    for _ in range(3):
        response = await post(client, poor, "/v1/lipsync/generations", body)
        assert_problem(response, 402, "insufficient_credits")
    async with db.read() as session:
        stored = await session.scalar(
            select(func.count()).select_from(Asset).where(Asset.account_id == poor.account_id)
        )
    assert stored == 1  # the video upload only


async def test_known_lengths_hold_the_real_price_not_the_duration_cap(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    video = await upload(client, caller, mp4_bytes(seconds=1), "v.mp4", "video/mp4")
    audio = await upload(client, caller, mp4_bytes(seconds=1), "a.mp4", "video/mp4")
    # 300 s would need 2,500 credits; the inputs make one second, which is what is held.
    body = {"video_url": video, "audio_url": audio, "duration": 300}
    response = await post(client, caller, "/v1/lipsync/generations", body)
    assert response.status_code == 200, response.text
    done = await wait_terminal(client, caller, response.json()["id"], within_seconds=60)
    assert done["usage"]["credits"] == pytest.approx(8.333, abs=0.01)


async def test_base64_wrapped_in_lines_is_accepted(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    video = await upload(client, caller, mp4_bytes(seconds=1), "v.mp4", "video/mp4")
    wrapped = base64.encodebytes(mp4_bytes(seconds=1)).decode()  # 76-character lines
    assert "\n" in wrapped
    body = {"video_url": video, "audio_base64": wrapped, "audio_file_name": "a.mp4"}
    run = (await post(client, caller, "/v1/lipsync/generations", body)).json()
    done = await wait_terminal(client, caller, run["id"], within_seconds=60)
    assert done["status"] == "completed", done
