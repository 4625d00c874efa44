"""Words for an image's mood, so music "inspired by" an image follows its look.

Lyria 3 Pro takes an `image_url` and matches the music to it. Locally the image's
light, colourfulness and colour temperature become prompt words the music composer
already understands (dark/bright, calm/energetic, warm/cold).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from genfire_server.engines.local._video_io import load_image

_SAMPLE_SIDE = 128  # mood is a property of the whole picture; a thumbnail is plenty


def mood_words(path: Path) -> list[str]:
    """Three to four words describing the image's mood; ValueError if it is no image."""
    image = load_image(path, role="image_url")
    image.thumbnail((_SAMPLE_SIDE, _SAMPLE_SIDE))
    rgb = np.asarray(image, dtype=np.float32) / 255.0
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    brightness = float((0.2126 * red + 0.7152 * green + 0.0722 * blue).mean())
    saturation = float((rgb.max(axis=-1) - rgb.min(axis=-1)).mean())
    warmth = float((red - blue).mean())
    words = []
    if brightness < 0.3:
        words += ["dark", "moody"]
    elif brightness > 0.65:
        words += ["bright", "uplifting"]
    else:
        words += ["warm" if warmth > 0 else "calm", "cinematic"]
    words.append("energetic" if saturation > 0.35 else "gentle")
    if abs(warmth) > 0.08:
        words.append("warm" if warmth > 0 else "cold")
    return list(dict.fromkeys(words))
