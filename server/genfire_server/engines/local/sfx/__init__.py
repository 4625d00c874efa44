"""Procedural sound effects from a text prompt, synthesised with NumPy.

No offline model turns "heavy metal door slam in a warehouse" into audio on a CPU, so
effects are synthesised the way Foley and sound designers build them (see `_render`):
the words pick a class, a synthesiser layers the sound, distance and a room are added.
The same request always renders bit-identically.
"""

from genfire_server.engines.local.sfx._render import (
    MAX_DURATION_SECONDS,
    MIN_DURATION_SECONDS,
    SAMPLE_RATE,
    Effect,
    classes,
    render_effect,
)

__all__ = [
    "MAX_DURATION_SECONDS",
    "MIN_DURATION_SECONDS",
    "SAMPLE_RATE",
    "Effect",
    "classes",
    "render_effect",
]
