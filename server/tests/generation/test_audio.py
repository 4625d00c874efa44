"""POST /v1/audio/speech, /audio/music and /audio/sfx through the API, with real audio."""

from __future__ import annotations

import io
import itertools
import math
from typing import Any

import av
import httpx
import numpy as np
import pytest

from tests.conftest import Caller, assert_problem
from tests.generation.helpers import audio_facts, png_bytes, post, upload
from tests.runs.helpers import balance, wait_terminal
from tests.voices.helpers import add_cloned_voice

SPEECH_EXAMPLE = {
    "text": "Introducing the new GenFire creative workflow.",
    "voice_id": "voice_abc123",
    "model": "speech.elevenlabs_turbo_v2_5",
}
MUSIC_EXAMPLE = {
    "prompt": "Confident electronic music bed for a product launch video",
    "model": "music.elevenlabs_music_v1",
    "duration_seconds": 30,
    "include_details": False,
}
SFX_EXAMPLE = {
    "prompt": "Heavy metal door slam in a large warehouse",
    "model": "sfx.elevenlabs_v1",
    "duration_seconds": 4,
}
RACHEL = "21m00Tcm4TlvDq8ikWAM"  # an ElevenLabs stock voice id existing clients send


def _audio_output(run: dict[str, Any]) -> dict[str, Any]:
    assert run["status"] == "completed", run
    output = run["output"]
    assert output["audio_id"].startswith("audio_")
    return dict(output)


# --- speech ---------------------------------------------------------------------------


async def test_the_speech_example_speaks_with_a_cloned_voice(
    client: httpx.AsyncClient, caller: Caller, db: Any
) -> None:
    await add_cloned_voice(db, caller.account_id, "voice_abc123")
    response = await post(client, caller, "/v1/audio/speech", SPEECH_EXAMPLE)
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["capability"] == "speech_generation" and run["endpoint"] == "audio.speech.create"
    output = _audio_output(run)
    facts = await audio_facts(client, output["audio_url"])
    assert facts["extension"] == "mp3" and facts["content_type"] == "audio/mpeg"
    assert (facts["codec"], facts["rate"]) == ("mp3float", 44_100)
    assert facts["duration"] == pytest.approx(output["duration"], abs=0.06)
    assert 1.5 < output["duration"] < 6
    characters = len(SPEECH_EXAMPLE["text"])
    credits = math.ceil(characters * 25) / 1000  # 0.025 credits per character
    assert run["usage"] == {"credits": credits}
    assert await balance(client, caller) == pytest.approx(1000 - credits)
    assert run["input_summary"]["characters"] == characters


async def test_an_elevenlabs_stock_voice_id_is_accepted_and_pcm_is_wav(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    body = {"text": "Hello there, and welcome.", "voice_id": RACHEL, "output_format": "pcm_16000"}
    output = _audio_output((await post(client, caller, "/v1/audio/speech", body)).json())
    facts = await audio_facts(client, output["audio_url"])
    assert (facts["extension"], facts["codec"], facts["rate"]) == ("wav", "pcm_s16le", 16_000)
    assert facts["duration"] == pytest.approx(output["duration"], abs=0.01)


async def test_the_multilingual_model_speaks_french(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    body = {
        "text": "Bonjour à tous, voici notre nouvelle bouteille isotherme pour l'été.",
        "voice_id": "local_joe",
        "model": "speech.elevenlabs_multilingual_v2",
    }
    output = _audio_output((await post(client, caller, "/v1/audio/speech", body)).json())
    assert output["duration"] > 2


async def test_stock_voices_list_the_elevenlabs_ids(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    voices = (await client.get("/v1/audio/voices?include=stock", headers=caller.headers)).json()
    ids = {voice["id"] for voice in voices["data"] if voice["type"] == "stock"}
    assert {RACHEL, "local_joe", "pNInz6obpgDQGcFmaJgB"} <= ids


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        ({"text": "hi", "voice_id": "nobody"}, "invalid_voice", "/v1/audio/voices"),
        ({"text": "   ", "voice_id": RACHEL}, "validation_error", "text"),
        ({"text": "... --- !!", "voice_id": RACHEL}, "validation_error", "text"),
        ({"text": "x" * 40_001, "voice_id": RACHEL}, "validation_error", "40000"),
        ({"text": "hi", "voice_id": RACHEL, "output_format": "mp3_1"}, "validation_error", "mp3_"),
        ({"text": "hi", "voice_id": RACHEL, "model": "music.lyria3_pro"}, "invalid_model", ""),
        ({"voice_id": RACHEL}, "validation_error", "text"),
    ],
)
async def test_bad_speech_requests_get_their_error(
    client: httpx.AsyncClient, caller: Caller, body: dict[str, Any], code: str, fragment: str
) -> None:
    problem = assert_problem(await post(client, caller, "/v1/audio/speech", body), 400, code)
    assert fragment in str(problem["detail"])
    assert await balance(client, caller) == 1000


async def test_another_accounts_cloned_voice_is_not_yours(
    client: httpx.AsyncClient, caller: Caller, make_caller: Any, db: Any
) -> None:
    other = await make_caller()
    await add_cloned_voice(db, other.account_id, "fal_cloned_theirs")
    body = {"text": "hi", "voice_id": "fal_cloned_theirs"}
    assert_problem(await post(client, caller, "/v1/audio/speech", body), 400, "invalid_voice")


# --- music ----------------------------------------------------------------------------


async def test_the_music_example_makes_30_seconds(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    run = (await post(client, caller, "/v1/audio/music", MUSIC_EXAMPLE)).json()
    assert run["capability"] == "music_generation" and run["endpoint"] == "audio.music.create"
    output = _audio_output(run)
    assert output["duration"] == 30 and "details" not in output
    facts = await audio_facts(client, output["audio_url"])
    assert facts["duration"] == pytest.approx(30, abs=0.06) and facts["channels"] == 2
    assert run["usage"] == {"credits": 39.99}  # 1.333 credits a second


async def test_music_details_carry_sections_with_timestamps(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    body = {
        "prompt": "Sad piano ballad in D minor, 70 bpm",
        "duration_seconds": 40,
        "include_details": True,
        "with_timestamps": True,
        "output_format": "wav_44100",
    }
    output = _audio_output((await post(client, caller, "/v1/audio/music", body)).json())
    details = output["details"]
    assert details["bpm"] == 70 and details["key"] == "D minor"
    assert "piano" in details["instruments"]
    sections = details["sections"]
    assert sections[0]["start"] == 0 and sections[-1]["end"] == pytest.approx(40, abs=0.01)
    for before, after in itertools.pairwise(sections):
        assert before["end"] == pytest.approx(after["start"], abs=0.001)
    facts = await audio_facts(client, output["audio_url"])
    assert facts["extension"] == "wav" and facts["duration"] == pytest.approx(40, abs=0.001)


async def test_timestamps_without_details_are_ignored(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    body = {"prompt": "Calm piano", "duration_seconds": 10, "with_timestamps": True}
    output = _audio_output((await post(client, caller, "/v1/audio/music", body)).json())
    assert "details" not in output


async def test_details_without_timestamps_have_no_times(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    body = {"prompt": "Upbeat pop", "duration_seconds": 12, "include_details": True}
    output = _audio_output((await post(client, caller, "/v1/audio/music", body)).json())
    assert all("start" not in section for section in output["details"]["sections"])
    assert sum(section["duration"] for section in output["details"]["sections"]) == (
        pytest.approx(12, abs=0.01)
    )


async def test_lyria_makes_its_fixed_length_and_follows_an_image(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    image = await upload(client, caller, png_bytes(64, 64, (250, 240, 200)), "sun.png", "image/png")
    body = {
        "prompt": "Warm acoustic folk song",
        "model": "music.lyria3_pro",
        "duration_seconds": 20,  # ignored: Lyria songs have one length
        "image_url": image,
        "negative_prompt": "drums",
    }
    run = (await post(client, caller, "/v1/audio/music", body)).json()
    output = _audio_output(run)
    assert output["duration"] == 120
    assert run["usage"] == {"credits": 8.04}  # 0.067 credits a second, 120 s


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        ({"prompt": ""}, "invalid_prompt", "prompt"),
        ({"prompt": "x", "duration_seconds": 301}, "invalid_duration", "300"),
        ({"prompt": "x", "duration_seconds": 5}, "invalid_duration", "10"),
        ({"prompt": "x", "image_url": "https://example.com/a.png"}, "validation_error", "lyria"),
        ({"prompt": "x", "negative_prompt": "drums"}, "validation_error", "lyria"),
        ({"prompt": "x", "output_format": "flac"}, "validation_error", "output_format"),
    ],
)
async def test_bad_music_requests_get_their_error(
    client: httpx.AsyncClient, caller: Caller, body: dict[str, Any], code: str, fragment: str
) -> None:
    problem = assert_problem(await post(client, caller, "/v1/audio/music", body), 400, code)
    assert fragment in str(problem["detail"])


# --- sound effects --------------------------------------------------------------------


async def test_the_sfx_example_makes_4_seconds(client: httpx.AsyncClient, caller: Caller) -> None:
    run = (await post(client, caller, "/v1/audio/sfx", SFX_EXAMPLE)).json()
    assert run["capability"] == "sound_effect_generation" and run["endpoint"] == "audio.sfx.create"
    output = _audio_output(run)
    assert output["duration"] == 4
    facts = await audio_facts(client, output["audio_url"])
    assert facts["duration"] == pytest.approx(4, abs=0.06)
    assert run["usage"] == {"credits": 0.8}  # 0.2 a second
    assert await balance(client, caller) == pytest.approx(999.2)


async def test_without_a_duration_the_real_length_is_charged(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    body = {"prompt": "A single glass shatter", "output_format": "pcm_44100"}
    run = (await post(client, caller, "/v1/audio/sfx", body)).json()
    output = _audio_output(run)
    assert 0.5 <= output["duration"] < 30
    charged = math.ceil(output["duration"] * 200) / 1000
    assert run["usage"]["credits"] == pytest.approx(charged, abs=0.001)
    assert await balance(client, caller) == pytest.approx(1000 - charged, abs=0.001)


async def test_a_loop_wraps_without_a_click(client: httpx.AsyncClient, caller: Caller) -> None:
    body = {"prompt": "Steady rain on a window", "duration_seconds": 3, "loop": True}
    body["output_format"] = "pcm_44100"
    output = _audio_output((await post(client, caller, "/v1/audio/sfx", body)).json())
    facts = await audio_facts(client, output["audio_url"])
    assert facts["duration"] == pytest.approx(3, abs=0.001)
    with av.open(io.BytesIO(facts["bytes"]), mode="r") as container:
        samples = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
    left = samples.reshape(-1, 2)[:, 0].astype(np.float64) / 32768
    steps = np.abs(np.diff(left))
    # Played in a loop, the jump from the last sample back to the first is no bigger than
    # the signal's own steps: no click at the seam.
    assert abs(left[-1] - left[0]) <= 3 * float(np.mean(steps)) + 1e-4


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"prompt": "boom", "duration_seconds": 31}, "invalid_duration"),
        ({"prompt": "boom", "duration_seconds": 0.2}, "invalid_duration"),
        ({"prompt": "boom", "prompt_influence": 1.5}, "validation_error"),
        ({"prompt": ""}, "invalid_prompt"),
        ({"prompt": "boom", "model": "speech.elevenlabs_v3"}, "invalid_model"),
    ],
)
async def test_bad_sfx_requests_get_their_error(
    client: httpx.AsyncClient, caller: Caller, body: dict[str, Any], code: str
) -> None:
    assert_problem(await post(client, caller, "/v1/audio/sfx", body), 400, code)


async def test_a_poor_account_is_refused_before_anything_runs(
    client: httpx.AsyncClient, make_caller: Any
) -> None:
    poor = await make_caller(credits=1)
    assert_problem(
        await post(client, poor, "/v1/audio/music", MUSIC_EXAMPLE), 402, "insufficient_credits"
    )
    runs = (await client.get("/v1/runs", headers=poor.headers)).json()
    assert runs["data"] == []


async def test_audio_runs_are_listed_and_polled(client: httpx.AsyncClient, caller: Caller) -> None:
    run = (await post(client, caller, "/v1/audio/sfx", SFX_EXAMPLE)).json()
    polled = await wait_terminal(client, caller, run["id"])
    assert polled["output"] == run["output"]


@pytest.mark.parametrize(
    ("model", "per_character_milli"),
    [
        ("speech.elevenlabs_turbo_v2_5", 25),
        ("speech.elevenlabs_flash_v2_5", 20),
        ("speech.elevenlabs_v3", 50),
        ("speech.elevenlabs_multilingual_v2", 50),
    ],
)
async def test_every_speech_model_speaks_at_its_price(
    client: httpx.AsyncClient, caller: Caller, model: str, per_character_milli: int
) -> None:
    text = "Thanks for watching, see you next week."
    body = {"text": text, "voice_id": "local_joe", "model": model}
    run = (await post(client, caller, "/v1/audio/speech", body)).json()
    assert run["model"] == model
    output = _audio_output(run)
    assert (await audio_facts(client, output["audio_url"]))["duration"] > 1
    assert run["usage"] == {"credits": len(text) * per_character_milli / 1000}
