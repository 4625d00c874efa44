"""The catalog serves the contract's 62 aliases verbatim, and prices every one."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.conftest import Caller, assert_problem

SPEC_MODELS = Path(__file__).resolve().parents[3] / ".." / "shared" / "spec" / "models.json"
PACKAGED_MODELS = (
    Path(__file__).resolve().parents[2] / "genfire_server" / "catalog" / "data" / "models.json"
)


def _reference() -> dict[str, object]:
    # CI lays shared/ beside the clone; the packaged copy must equal it wherever it exists.
    path = SPEC_MODELS if SPEC_MODELS.exists() else PACKAGED_MODELS
    loaded: dict[str, object] = json.loads(path.read_text())
    return loaded


def _reference_models() -> list[dict[str, object]]:
    data = _reference()["data"]
    assert isinstance(data, list)
    return data


def test_packaged_catalog_equals_the_contract() -> None:
    if not SPEC_MODELS.exists():
        pytest.skip("shared/spec is not beside this checkout")
    assert json.loads(PACKAGED_MODELS.read_text()) == json.loads(SPEC_MODELS.read_text())


async def test_list_models_equals_the_reference(client: httpx.AsyncClient, caller: Caller) -> None:
    response = await client.get("/v1/models", headers=caller.headers)
    assert response.status_code == 200
    body = response.json()
    assert body == _reference()
    assert len(body["data"]) == 62


async def test_capability_filter(client: httpx.AsyncClient, caller: Caller) -> None:
    reference = _reference()["data"]
    assert isinstance(reference, list)
    for capability in ("video_generation", "speech_generation", "lipsync_generation"):
        response = await client.get(
            "/v1/models", params={"capability": capability}, headers=caller.headers
        )
        expected = [m for m in reference if m["capability"] == capability]
        assert response.json()["data"] == expected and expected


async def test_unknown_capability_is_a_validation_error(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    response = await client.get(
        "/v1/models", params={"capability": "telepathy"}, headers=caller.headers
    )
    body = assert_problem(response, 400, "validation_error")
    assert "video_generation" in str(body["detail"])


async def test_get_model_by_id(client: httpx.AsyncClient, caller: Caller) -> None:
    reference = {m["id"]: m for m in _reference_models()}
    for model_id in ("video.kling_o3_4k", "speech.elevenlabs_v3", "music.lyria3_pro"):
        response = await client.get(f"/v1/models/{model_id}", headers=caller.headers)
        assert response.status_code == 200 and response.json() == reference[model_id]
    # Models without input combinations have no `capabilities` member at all, as in the contract.
    speech = (await client.get("/v1/models/speech.elevenlabs_v3", headers=caller.headers)).json()
    assert "capabilities" not in speech


async def test_unknown_model_is_404_invalid_model(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    body = assert_problem(
        await client.get("/v1/models/image.dall_e_9", headers=caller.headers), 404, "invalid_model"
    )
    assert "image.dall_e_9" in str(body["detail"])


async def test_pricing_covers_every_alias(client: httpx.AsyncClient, caller: Caller) -> None:
    response = await client.get("/v1/models/pricing", headers=caller.headers)
    assert response.status_code == 200
    data = response.json()["data"]
    models = {m["id"]: m for m in _reference_models()}
    assert [entry["model"] for entry in data] == list(models)
    units = {
        "image_generation": "per_image",
        "image_editing": "per_image",
        "speech_generation": "per_character",
    }
    for entry in data:
        assert set(entry) <= {"model", "capability", "unit", "credits", "operation_key", "notes"}
        assert entry["capability"] == models[entry["model"]]["capability"]
        assert entry["unit"] == units.get(entry["capability"], "per_second")
        assert entry["credits"] > 0
    assert len({entry["operation_key"] for entry in data}) == 62


async def test_contract_fixed_prices(client: httpx.AsyncClient, caller: Caller) -> None:
    data = {
        e["model"]: e
        for e in (await client.get("/v1/models/pricing", headers=caller.headers)).json()["data"]
    }
    assert data["image.nano_banana_2"]["unit"] == "per_image"
    assert data["image.nano_banana_2"]["credits"] == 3
    assert data["image.nano_banana_2"]["operation_key"] == "nano_banana_2"
    assert data["video.veo_3_1"] == {
        "model": "video.veo_3_1",
        "capability": "video_generation",
        "unit": "per_second",
        "credits": 16,
        "operation_key": "veo31_fast",
        "notes": "Audio adds a multiplier when generate_audio=true.",
    }
    assert data["speech.elevenlabs_turbo_v2_5"] == {
        "model": "speech.elevenlabs_turbo_v2_5",
        "capability": "speech_generation",
        "unit": "per_character",
        "credits": 0.025,
        "operation_key": "elevenLabsTts",
    }


async def test_notes_appear_exactly_where_a_multiplier_applies(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    data = {
        e["model"]: e
        for e in (await client.get("/v1/models/pricing", headers=caller.headers)).json()["data"]
    }
    with_notes = {model for model, entry in data.items() if "notes" in entry}
    expected = {
        "image.gpt_image_2",
        "image.nano_banana",
        "image.nano_banana_2",
        "image.nano_banana_pro",
        "video.seedance_2_0",
        "video.seedance_2_0_fast",
        "video_upscale.fal_video_upscaler",
    } | {m for m in data if m.startswith("video.veo_3")}
    assert with_notes == expected
