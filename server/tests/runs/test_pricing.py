"""Prices from the table, multipliers included."""

from __future__ import annotations

import pytest

from genfire_server.catalog.service import Catalog
from genfire_server.runs.pricing import quote

CATALOG = Catalog.load()


@pytest.mark.parametrize(
    ("model", "quantity", "options", "milli"),
    [
        ("image.nano_banana_2", 1, {}, 3_000),
        ("image.nano_banana_2", 4, {}, 12_000),
        ("image.nano_banana_2", 2, {"resolution": "4K"}, 18_000),
        ("image.nano_banana_pro", 1, {"resolution": "2K"}, 21_000),
        ("image.gpt_image_2", 1, {"quality": "low"}, 1_000),
        ("image.gpt_image_2", 2, {"quality": "medium"}, 12_000),
        ("image.gpt_image_2", 1, {"quality": "high"}, 22_000),
        ("image.gpt_image_2", 1, {"quality": "auto"}, 22_000),
        ("video.veo_3_1", 8, {"generate_audio": False}, 128_000),
        ("video.veo_3_1", 8, {"generate_audio": True}, 192_000),
        ("video.seedance_2_0", 5, {"resolution": "480p"}, 67_507),  # 30.34 x 5 x 0.445, rounded up
        ("video.seedance_2_0", 5, {"resolution": "1080p"}, 341_325),
        ("speech.elevenlabs_turbo_v2_5", 1000, {}, 25_000),
        ("speech.elevenlabs_turbo_v2_5", 37, {}, 925),
        ("video_upscale.fal_video_upscaler", 4, {"scale_factor": 4}, 160_000),
        ("image.recraft_v4", 1, {"quality": "high"}, 4_000),  # not a multiplier of this model
    ],
)
def test_quotes(model: str, quantity: float, options: dict[str, object], milli: int) -> None:
    assert quote(CATALOG, model, quantity, options) == milli


def test_quantity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        quote(CATALOG, "image.nano_banana_2", 0)


def test_an_unlisted_option_value_is_refused_not_priced_at_1x() -> None:
    with pytest.raises(ValueError, match="quality=ultra"):
        quote(CATALOG, "image.gpt_image_2", 1, {"quality": "ultra"})
