"""Stock voices: the built-in voices the configured speech engines offer to every account."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class StockVoice:
    id: str
    name: str
    provider: str
    language: str
    description: str
    # How the local speech engine speaks this voice (engines/local/speech.VoiceStyle).
    length_scale: float = 1.0
    espeak_variant: str = "m3"


def load_stock_voices() -> list[StockVoice]:
    text = resources.files("genfire_server.voices").joinpath("data", "stock_voices.json")
    return [StockVoice(**voice) for voice in json.loads(text.read_text("utf-8"))["voices"]]
