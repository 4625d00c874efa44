"""Procedural music from a text prompt: a real arrangement, synthesised with NumPy.

No PyPI package ships music-generation weights that run offline on a CPU in seconds, so
local music is composed rather than sampled from a model: words become a style, a score
is written, notes are synthesised and mixed (see `_compose`). Everything is seeded from
a SHA-256 of the arguments, so the same request always gives bit-identical audio.
"""

from genfire_server.engines.local.music._compose import (
    MAX_DURATION_SECONDS,
    MIN_DURATION_SECONDS,
    SAMPLE_RATE,
    MusicPiece,
    MusicPlan,
    Section,
    compose,
)

__all__ = [
    "MAX_DURATION_SECONDS",
    "MIN_DURATION_SECONDS",
    "SAMPLE_RATE",
    "MusicPiece",
    "MusicPlan",
    "Section",
    "compose",
]
