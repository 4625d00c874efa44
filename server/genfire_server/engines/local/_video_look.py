"""Colour decisions: a palette from the prompt's words or from images, and a colour grade.

Words steer, the seed fills in: "a blue ocean at sunset" gets blues and sunset oranges,
a prompt without colour words gets a seeded harmonious palette.
"""

from __future__ import annotations

import colorsys
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import numpy as np
from PIL import Image, ImageChops

RGB = tuple[float, float, float]  # 0..1 per channel

# Designer picks per word rather than CSS values (CSS "green" is a muddy 0,128,0).
_COLOURS: dict[str, str] = {
    "red": "d0303a", "crimson": "b3122f", "scarlet": "e0301e", "burgundy": "6e1428",
    "orange": "f07c20", "amber": "ffb020", "yellow": "f5d040", "gold": "d9aa3f",
    "golden": "e0b048", "green": "2ea05a", "emerald": "14906a", "lime": "a0dc28",
    "olive": "6e7832", "mint": "a6e6c8", "teal": "0a8282", "turquoise": "2cc8c8",
    "cyan": "12c6e6", "aqua": "4fd8d8", "blue": "2a5ad8", "azure": "3c8cf0",
    "navy": "16204e", "indigo": "3c2896", "purple": "7a34b6", "violet": "8c50dc",
    "lavender": "beaaf0", "magenta": "dc28a0", "fuchsia": "e62896", "pink": "f58cb4",
    "rose": "e65a78", "coral": "f7705c", "peach": "ffbe96", "white": "f2f2f0",
    "silver": "c3c7cd", "grey": "8a8d93", "gray": "8a8d93", "black": "121214",
    "brown": "785032", "beige": "e0cdb0", "sand": "d8c29d", "cream": "f2e4c8",
}  # fmt: skip

# Scenes that imply colours without naming them.
_THEMES: dict[str, tuple[str, ...]] = {
    "sunset": ("2a1b4a", "f07a3c", "ffc26a", "c8487a"),
    "sunrise": ("3a4a8a", "ff9a6a", "ffd89a", "f2a0b0"),
    "dawn": ("34406e", "f0a08a", "ffe0b0"),
    "dusk": ("1c1a40", "6a3a7a", "e07a5a"),
    "ocean": ("0a2a4a", "1a7aa8", "6ad0e0", "e8f4f0"),
    "sea": ("0a2a4a", "1a7aa8", "6ad0e0"),
    "beach": ("3a8ac8", "9ad8e8", "f2dcb0"),
    "forest": ("0e2a1a", "2a6a3a", "8ac070", "e8d890"),
    "jungle": ("0a2a12", "1e7a3a", "b0d860"),
    "night": ("070b1e", "1a2650", "4a5a9a", "e0e4f0"),
    "midnight": ("05071a", "16204e", "3a4a8a"),
    "space": ("05050f", "2a1a5a", "7a4ac8", "e0d0ff"),
    "galaxy": ("07051a", "4a1a7a", "d050b0", "80c0ff"),
    "fire": ("2a0a05", "c0300a", "ff8a1a", "ffd060"),
    "snow": ("8aa4c8", "d8e4f0", "ffffff"),
    "winter": ("2a3a5a", "9ab4d8", "eef4fa"),
    "ice": ("1a4a6a", "8ad0f0", "eefaff"),
    "desert": ("c87a3a", "e8b070", "f8e0b0", "6a8ac0"),
    "neon": ("0a0520", "ff2a9a", "20e0ff", "8a2aff"),
    "cyberpunk": ("0a0520", "ff2a9a", "20e0ff", "ffd020"),
    "autumn": ("3a1a0a", "c0501a", "e8a030", "8a3020"),
    "spring": ("6ac08a", "f8c0d0", "fff0a0"),
    "city": ("10142a", "3a4a6a", "ffb040", "e0e8f0"),
    "storm": ("1a1e28", "4a5260", "8a96a8"),
}  # fmt: skip

# Prompts without colour words: one of these, seeded, with a small hue shift.
_DEFAULTS: tuple[tuple[str, ...], ...] = (
    ("1b2340", "e0885a", "f6c98a", "8a5a9a"),  # golden hour
    ("0e2a3a", "2a8a9a", "f0a060", "e8d8b0"),  # teal and orange
    ("1a1c3a", "5a4a9a", "e890a0", "f8d0b0"),  # dusk rose
    ("14283c", "6a90b8", "c8dceb", "f0e6d0"),  # misty blue morning
    ("2a1a2a", "a04a5a", "f0a070", "ffe0a8"),  # ember sunset
    ("102a20", "3a7a5a", "c8d890", "f8f0c8"),  # forest light
    ("201838", "6a3aa0", "40c0d8", "f0d0f0"),  # violet haze
    ("2a2018", "9a6a3a", "e8c080", "f8ecd0"),  # desert warmth
)

# Scene families the words call for; without one the seed picks.
HILLS_WORDS = {"mountain", "mountains", "hill", "hills", "valley", "landscape", "field"}
HILLS_WORDS |= {"meadow", "forest", "desert", "nature", "countryside", "jungle", "dunes"}
SEA_WORDS = {"ocean", "sea", "beach", "wave", "waves", "lake", "water", "coast", "river"}
ABSTRACT_WORDS = {"abstract", "dream", "dreamy", "particles", "neon", "space", "galaxy"}
ABSTRACT_WORDS |= {"cosmic", "bokeh", "lights", "cyberpunk", "logo", "product"}


def words_of(prompt: str) -> list[str]:
    return re.findall(r"[a-z]+", prompt.lower())


def _hex(value: str) -> RGB:
    n = int(value, 16)
    return ((n >> 16) / 255.0, ((n >> 8) & 255) / 255.0, (n & 255) / 255.0)


def _hls(c: RGB) -> tuple[float, float, float]:
    return colorsys.rgb_to_hls(*c)


def _with(c: RGB, *, light: float | None = None, sat: float = 1.0, hue: float = 0.0) -> RGB:
    h, lum, s = _hls(c)
    lum = lum if light is None else min(max(light, 0.0), 1.0)
    return colorsys.hls_to_rgb((h + hue) % 1.0, lum, min(max(s * sat, 0.0), 1.0))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


@dataclass(frozen=True)
class Palette:
    top: RGB  # sky or backdrop, top of frame
    horizon: RGB  # backdrop where it is lightest
    glow: RGB  # the light source
    accents: tuple[RGB, ...]  # floating lights and ribbons
    ground: tuple[RGB, RGB, RGB]  # silhouettes, far to near


def prompt_colours(words: list[str]) -> list[RGB]:
    """Colours the prompt names or implies, in the order it mentions them."""
    found: list[RGB] = []
    for word in words:
        if word in _COLOURS:
            found.append(_hex(_COLOURS[word]))
        elif word in _THEMES:
            found.extend(_hex(v) for v in _THEMES[word])
    return found


def image_colours(image: Image.Image, count: int = 3) -> list[RGB]:
    """The most common colours of an image (median cut on a thumbnail)."""
    thumb = image.convert("RGB").resize((48, 48), Image.Resampling.BILINEAR)
    quantized = thumb.quantize(colors=count + 1, method=Image.Quantize.MEDIANCUT)
    table = quantized.getpalette() or []
    # A palette image's colours are (count, palette index) pairs.
    ranked = sorted(cast(list[tuple[int, int]], quantized.getcolors() or []), reverse=True)
    picked: list[RGB] = []
    for _, index in ranked[:count]:
        r, g, b = table[3 * index : 3 * index + 3]
        picked.append((r / 255.0, g / 255.0, b / 255.0))
    return picked


def build_palette(colours: list[RGB], rng: np.random.Generator, *, night: bool = False) -> Palette:
    """A full scene palette from whatever colours were found (none, one or many).

    `night` keeps the backdrop dark and the light cool, whatever colours were named.
    """
    if not colours:
        # Curated grades rather than random hues: a random hue pair is often ugly.
        picked = _DEFAULTS[int(rng.integers(len(_DEFAULTS)))]
        shift = float(rng.uniform(-0.03, 0.03))
        colours = [_with(_hex(v), hue=shift) for v in picked]
    if len(colours) == 1:
        # One colour named: its analogous neighbours fill the scene.
        c = colours[0]
        colours = [_with(c, hue=-0.05, sat=0.9, light=0.2), c, _with(c, hue=0.06, light=0.7)]
    unique = list(dict.fromkeys(colours))[:8]
    by_light = sorted(unique, key=lambda c: _hls(c)[1])
    dark = by_light[0]
    # The horizon takes the most luminous colour that still has some colour in it:
    # the plain lightest is often a near-white that washes the sky out grey.
    light = max(unique, key=lambda c: _hls(c)[1] * (0.25 + _hls(c)[2]))
    top = _with(dark, light=min(_hls(dark)[1], 0.1 if night else 0.2))
    ceiling = 0.42 if night else 0.8
    horizon = _with(light, light=min(max(_hls(light)[1], 0.5), ceiling))
    warmth = (0.86, 0.92, 1.0) if night else (1.0, 0.95, 0.86)
    glow = mix(_with(light, light=0.8), warmth, 0.6 if night else 0.45)
    accents = tuple(_with(c, light=min(max(_hls(c)[1], 0.5), 0.78), sat=1.1) for c in unique)
    middle = by_light[len(by_light) // 2]
    ground = (
        mix(_with(middle, light=0.28, sat=0.6), horizon, 0.35),
        _with(middle, light=0.16, sat=0.6),
        _with(dark, light=0.07, sat=0.5),
    )
    rotation = int(rng.integers(len(accents)))
    accents = accents[rotation:] + accents[:rotation]
    return Palette(top, horizon, glow, accents, ground)


@dataclass(frozen=True)
class Grade:
    """A colour grade: per-channel tone curves (a LUT), saturation, vignette depth."""

    lut: tuple[int, ...]  # 768 entries, Pillow's point() layout
    saturation: float
    vignette: float


def build_grade(words: list[str], rng: np.random.Generator, strength: float = 1.0) -> Grade:
    """A prompt-led grade: "warm", "cool", "noir", "vintage"... or a seeded gentle tint."""
    vocabulary = set(words)
    tint = rng.normal(0.0, 0.025, size=3)
    contrast, lift, saturation = 0.12, 0.0, 1.08
    if vocabulary & {"warm", "sunset", "golden", "summer", "cozy", "fire"}:
        tint = np.array([0.05, 0.015, -0.05])
    if vocabulary & {"cool", "cold", "winter", "night", "blue", "ice", "moody"}:
        tint = np.array([-0.04, 0.0, 0.05])
    if vocabulary & {"vintage", "retro", "film", "faded", "nostalgic"}:
        tint, lift, contrast, saturation = np.array([0.04, 0.02, -0.03]), 0.06, 0.04, 0.8
    if vocabulary & {"vivid", "vibrant", "punchy", "saturated", "colorful", "colourful"}:
        saturation, contrast = 1.35, 0.18
    if vocabulary & {"noir", "monochrome", "grayscale", "greyscale"} or (
        "black" in vocabulary and "white" in vocabulary
    ):
        tint, saturation, contrast = np.zeros(3), 0.0, 0.22
    x = np.linspace(0.0, 1.0, 256)
    # S-curve around mid grey for contrast; lift raises the blacks (a faded print).
    curve = x - contrast * strength * np.sin(2 * np.pi * x) / (2 * np.pi)
    curve = lift * strength + curve * (1.0 - lift * strength)
    table: list[int] = []
    for channel in range(3):
        shifted = curve + tint[channel] * strength * (1.0 - np.abs(2 * curve - 1.0) * 0.5)
        table.extend(np.clip(np.round(shifted * 255), 0, 255).astype(int).tolist())
    sat = 1.0 + (saturation - 1.0) * strength
    return Grade(tuple(table), sat, 0.22 * strength)


@lru_cache(maxsize=4)
def vignette_mask(width: int, height: int, depth: float) -> Image.Image:
    """An RGB multiply mask, white in the middle and `depth` darker in the corners."""
    small_w, small_h = max(2, width // 8), max(2, height // 8)
    y, x = np.mgrid[0:small_h, 0:small_w].astype(np.float32)
    nx = (x + 0.5) / small_w * 2 - 1
    ny = (y + 0.5) / small_h * 2 - 1
    r = np.sqrt(nx**2 * 0.75 + ny**2 * 0.75)
    shade = 1.0 - depth * np.clip((r - 0.45) / 0.75, 0.0, 1.0) ** 2
    mask = Image.fromarray(np.round(shade * 255).astype(np.uint8), mode="L")
    mask = mask.resize((width, height), Image.Resampling.BILINEAR)
    return Image.merge("RGB", (mask, mask, mask))


def apply_grade(image: Image.Image, grade: Grade) -> Image.Image:
    """Tone curves and vignette (saturation is applied on the chroma planes by the writer)."""
    graded = image.point(list(grade.lut))
    if grade.vignette > 0:
        graded = ImageChops.multiply(
            graded, vignette_mask(image.width, image.height, round(grade.vignette, 3))
        )
    return graded
