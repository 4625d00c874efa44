"""The catalog refuses inconsistent data at start-up rather than mispricing a run later."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest

from genfire_server.catalog.service import Catalog, CatalogError


def _data(name: str) -> Any:
    return json.loads(resources.files("genfire_server.catalog").joinpath("data", name).read_text())


def test_loads_and_finds_defaults() -> None:
    catalog = Catalog.load()
    assert len(catalog.models) == 62
    image_default = catalog.default_for("image_generation")
    video_default = catalog.default_for("video_generation")
    assert image_default is not None and image_default.id == "image.nano_banana_2"
    assert video_default is not None and video_default.id == "video.veo_3_1"
    assert catalog.price_of("image.gpt_image_2").multipliers["quality"]["high"] == 22


def test_unpriced_model_is_refused() -> None:
    pricing = _data("pricing.json")
    pricing["entries"] = pricing["entries"][:-1]
    with pytest.raises(CatalogError, match="missing"):
        Catalog(_data("models.json")["data"], pricing)


def test_price_for_unknown_model_or_unit_is_refused() -> None:
    pricing = _data("pricing.json")
    bad_model = copy.deepcopy(pricing)
    bad_model["entries"][0]["model"] = "image.nope"
    with pytest.raises(CatalogError, match="unknown model"):
        Catalog(_data("models.json")["data"], bad_model)
    bad_unit = copy.deepcopy(pricing)
    bad_unit["entries"][0]["unit"] = "per_vibe"
    with pytest.raises(CatalogError, match="unknown unit"):
        Catalog(_data("models.json")["data"], bad_unit)
