"""How a prompt and a model id become a look: colours, scene, style family, finishing.

Everything here is a pure function of its arguments (plus the caller's seeded generator), so
the local image engine renders the same bytes for the same request.
"""

from __future__ import annotations

import colorsys
import hashlib
import re
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops

RGB = tuple[float, float, float]  # 0..1 per channel


def hex_rgb(value: str) -> RGB:
    n = int(value.lstrip("#"), 16)
    return ((n >> 16) / 255.0, ((n >> 8) & 255) / 255.0, (n & 255) / 255.0)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


def to_u8(c: RGB) -> tuple[int, int, int]:
    return (
        round(min(max(c[0], 0.0), 1.0) * 255),
        round(min(max(c[1], 0.0), 1.0) * 255),
        round(min(max(c[2], 0.0), 1.0) * 255),
    )


def adjust(c: RGB, *, hue: float = 0.0, light: float | None = None, sat: float = 1.0) -> RGB:
    """Shift hue (degrees), set lightness, scale saturation: palette maths in HLS."""
    h, lum, s = colorsys.rgb_to_hls(*c)
    lum = lum if light is None else min(max(light, 0.0), 1.0)
    return colorsys.hls_to_rgb((h + hue / 360.0) % 1.0, lum, min(max(s * sat, 0.0), 1.0))


def lightness(c: RGB) -> float:
    return colorsys.rgb_to_hls(*c)[1]


def is_grey(c: RGB) -> bool:
    return max(c) - min(c) < 0.08


# Colours as a designer would pick them for each word, not the CSS values (CSS "green" is a
# muddy 0,128,0). Kept as a table so it reads as data; two-word names match first.
_COLOUR_TABLE = """
matte black 232326, jet black 0c0c0e, black 121214, charcoal 33363c, off white eeeae0,
white f6f5f1, ivory f4efe1, cream f2e4c8, beige e0cdb0, sand d8c29d, tan c8a27a, grey 8a8d93,
gray 8a8d93, silver c3c7cd, slate 5d6878, red d42a32, crimson b3122f, scarlet e0301e,
burgundy 6e1428, maroon 6a1a24, wine 722036, coral f7705c, salmon f49a80, peach ffbe96,
orange f57c18, amber ffb020, gold d4a83c, golden d9aa3f, rose gold e0a096, bronze b06e3c,
copper b8643a, yellow fad228, mustard d6aa28, lemon f7e35a, lime a0dc28, green 2ea05a,
emerald 14906a, forest green 1e5a32, olive 6e7832, sage 9aae8c, mint a6e6c8, teal 0a8282,
turquoise 2cc8c8, cyan 12c6e6, aqua 4fd8d8, blue 2a5ad8, sky blue 6eb4f0, ocean blue 1464a8,
royal blue 2846c8, cobalt 1e4ab4, navy 16204e, navy blue 16204e, indigo 3c2896,
purple 7a34b6, violet 8c50dc, lavender beaaf0, lilac c8a2d8, plum 6e2a5a, magenta dc28a0,
fuchsia e62896, pink f58cb4, hot pink ff3c96, blush f0bebe, rose e65a78, brown 785032,
chocolate 5a3722, coffee 6e4b32, caramel c08040
"""
COLOURS: dict[str, str] = {
    entry.strip().rsplit(" ", 1)[0]: entry.strip().rsplit(" ", 1)[1]
    for entry in _COLOUR_TABLE.replace("\n", " ").split(",")
}

# Words that shade the colour after them: (target lightness, how far to move, saturation x).
MODIFIERS: dict[str, tuple[float, float, float]] = {
    "deep": (0.0, 0.3, 1.1),
    "dark": (0.0, 0.45, 1.0),
    "rich": (0.0, 0.15, 1.15),
    "light": (1.0, 0.4, 0.9),
    "pale": (1.0, 0.6, 0.6),
    "pastel": (0.84, 0.8, 0.7),
    "bright": (0.55, 0.3, 1.3),
    "vivid": (0.55, 0.3, 1.4),
    "neon": (0.58, 0.5, 1.5),
    "muted": (0.5, 0.2, 0.55),
    "dusty": (0.6, 0.25, 0.5),
    "soft": (0.72, 0.3, 0.7),
}

# The first of these words in the prompt picks the scene layout.
SCENES: dict[str, tuple[str, ...]] = {
    name: tuple(words.split())
    for name, words in {
        "product": "bottle perfume fragrance serum cosmetic skincare jar soda drink beverage "
        "product packshot package packaging box candle lotion shampoo wine beer",
        "portrait": "portrait person face woman man girl boy headshot selfie influencer people "
        "character avatar founder",
        "city": "city skyline urban street downtown building skyscraper metropolis town",
        "ocean": "ocean sea beach wave water coast surf lake island",
        "sunset": "sunset sunrise dusk dawn twilight synthwave retro",
        "forest": "forest tree woods jungle pine nature park garden",
        "mountain": "mountain peak alps hill hiking landscape valley canyon",
    }.items()
}
# Scenes whose real-world colours should lead when the prompt names none.
SCENE_MOODS: dict[str, tuple[str, str, str]] = {
    "city": ("#24305a", "#121a33", "#f2a65a"),
    "ocean": ("#8ccbea", "#0d5c8c", "#ffd89a"),
    "sunset": ("#ff9a5a", "#4a2560", "#ffd36e"),
    "forest": ("#d2dcc6", "#1f4d36", "#f3d9a6"),
    "mountain": ("#afc6e0", "#2e3f5c", "#f6e7c8"),
}
# Nouns after which a colour describes the subject rather than the backdrop.
_BACKDROP_NOUNS = {"background", "backdrop", "wall", "sky", "studio", "room", "scene", "setting"}
_ACCENT_NOUNS = {"accent", "detail", "trim", "highlight", "lettering", "logo", "cap", "lid"}
_OBJECT_NOUNS = {w for words in SCENES.values() for w in words} | {
    "car",
    "shoe",
    "sneaker",
    "dress",
    "shirt",
    "jacket",
    "bag",
    "watch",
    "phone",
    "cup",
    "mug",
    "chair",
    "lamp",
    "hat",
    "glass",
    "logo",
    "label",
    "cap",
    "sofa",
    "headphones",
}


@dataclass(frozen=True)
class Family:
    """A per-model look, so two models answering one prompt read as two different styles."""

    name: str
    colours: tuple[str, str, str]  # default backdrop, subject, accent
    tone: float  # backdrop lightness when the prompt names no backdrop colour
    harmony: float  # hue step (degrees) to derive partner colours
    contrast: float  # S-curve strength of the final grade
    lift: float  # black lift: faded-film shadows
    warmth: float  # highlight tint, warm (+) or cool (-)
    grain: float  # grain amplitude in 8-bit levels
    vignette: float  # corner darkening, 0..1
    flat: bool  # poster look: flat fills, hard shadows
    ornament: str  # "spheres" | "rings" | "dots" | "grid" | "arcs"


FAMILIES: tuple[Family, ...] = (
    Family(
        "studio",
        ("#e9dfd3", "#c8553d", "#2d3047"),
        0.82,
        30,
        0.15,
        0.0,
        0.02,
        3,
        0.2,
        False,
        "spheres",
    ),
    Family(
        "noir", ("#1c1f26", "#d4a657", "#8a2d3b"), 0.16, 180, 0.3, 0.02, 0.0, 6, 0.4, False, "rings"
    ),
    Family(
        "pastel",
        ("#f4d6e0", "#8fb8e0", "#ffe39a"),
        0.86,
        60,
        0.05,
        0.04,
        0.0,
        2,
        0.08,
        False,
        "dots",
    ),
    Family(
        "neon", ("#140f33", "#ff3d8b", "#2de2e6"), 0.13, 150, 0.2, 0.0, -0.02, 4, 0.3, False, "grid"
    ),
    Family(
        "film",
        ("#d9b99b", "#2f5d62", "#c0603a"),
        0.6,
        150,
        0.12,
        0.07,
        0.05,
        9,
        0.32,
        False,
        "arcs",
    ),
    Family(
        "bauhaus", ("#f1e9da", "#e63946", "#1d3557"), 0.9, 120, 0.0, 0.0, 0.0, 3, 0.0, True, "arcs"
    ),
)


def model_family(model: str) -> tuple[Family, float]:
    """The style family and a hue offset (degrees) for a model id: stable across processes."""
    digest = hashlib.sha256(model.encode("utf-8")).digest()
    return FAMILIES[digest[0] % len(FAMILIES)], (digest[1] / 255.0 - 0.5) * 40.0


@dataclass(frozen=True)
class Palette:
    bg_light: RGB  # backdrop, lit side / horizon
    bg_dark: RGB  # backdrop, far side / sky top
    subject: RGB
    accent: RGB
    light: RGB  # highlights and glows
    shadow: RGB  # deepest shadows, tinted by the backdrop


@dataclass(frozen=True)
class PromptReading:
    scene: str
    words: tuple[str, ...]
    backdrop: tuple[RGB, ...]  # colours the prompt gives the backdrop, in order
    subject: tuple[RGB, ...]  # colours bound to a subject noun ("red bottle")
    accent: tuple[RGB, ...] = ()  # "gold accents", "silver cap"


def _keyword(token: str, words: tuple[str, ...] | set[str]) -> bool:
    """The word or its plural ("bottles", "boxes")."""
    return (
        token in words
        or (token.endswith("s") and token[:-1] in words)
        or (token.endswith("es") and token[:-2] in words)
    )


def read_prompt(prompt: str) -> PromptReading:
    tokens = re.findall(r"[a-z]+", prompt.lower())
    # A subject (product, person) outranks a setting: "a perfume bottle on a beach" is a
    # product shot; among settings the first one named wins.
    scene = "abstract"
    for name in ("product", "portrait"):
        if any(_keyword(t, SCENES[name]) for t in tokens):
            scene = name
            break
    else:
        for token in tokens:
            found = [name for name, words in SCENES.items() if _keyword(token, words)]
            if found:
                scene = found[0]
                break
    backdrop: list[RGB] = []
    subject: list[RGB] = []
    accent: list[RGB] = []
    i = 0
    while i < len(tokens):
        two = " ".join(tokens[i : i + 2])
        name = two if two in COLOURS else tokens[i]
        if name not in COLOURS:
            i += 1
            continue
        colour = hex_rgb(COLOURS[name])
        if i > 0 and tokens[i - 1] in MODIFIERS:
            target, amount, sat = MODIFIERS[tokens[i - 1]]
            lum = lightness(colour)
            colour = adjust(colour, light=lum + (target - lum) * amount, sat=sat)
        i += len(name.split())
        after = tokens[i : i + 3]
        if any(_keyword(t, _ACCENT_NOUNS) for t in after[:2]):
            accent.append(colour)
        elif any(_keyword(t, _BACKDROP_NOUNS) for t in after[:2]):
            backdrop.append(colour)
        elif any(_keyword(t, _OBJECT_NOUNS) for t in after):
            subject.append(colour)
        else:
            backdrop.append(colour)
    return PromptReading(scene, tuple(tokens), tuple(backdrop), tuple(subject), tuple(accent))


def build_palette(
    reading: PromptReading, family: Family, hue_offset: float, jitter: float
) -> Palette:
    """Colour roles: the prompt's colours first, then scene moods, then the model's family."""
    base = SCENE_MOODS.get(reading.scene, family.colours)
    defaults = [adjust(hex_rgb(c), hue=hue_offset + jitter) for c in base]
    if reading.scene in SCENE_MOODS:
        # The family sets the time of day: a noir ocean is a night sea, a pastel city is day.
        mood = lightness(defaults[0])
        defaults[0] = adjust(defaults[0], light=mood + (family.tone - mood) * 0.7)
    named = [*reading.backdrop, *reading.subject, *reading.accent]
    if reading.backdrop:
        backdrop = reading.backdrop[0]
    elif reading.subject and not is_grey(reading.subject[0]):
        # Tonal backdrop from the subject's own hue: the monochrome look of product ads.
        backdrop = adjust(reading.subject[0], light=family.tone, sat=0.8)
    elif reading.accent and not is_grey(reading.accent[0]):
        backdrop = adjust(reading.accent[0], light=family.tone, sat=0.45)
    else:
        backdrop = defaults[0]
    if reading.subject:
        subject = reading.subject[0]
        if not reading.backdrop and abs(lightness(backdrop) - lightness(subject)) < 0.3:
            # A derived backdrop must still separate from the subject (black bottle, black wall).
            lum = lightness(subject)
            backdrop = adjust(backdrop, light=lum + 0.5 if lum < 0.5 else lum - 0.5)
    elif len(reading.backdrop) > 1:
        subject = reading.backdrop[1]
    elif reading.scene in SCENE_MOODS and named:
        # A named sky colour should not turn the sea green: landscapes keep their own ground
        # (sea, trees, rock, buildings) with a tint of the prompt's colour.
        subject = mix(defaults[1], backdrop, 0.12)
    elif named and not is_grey(backdrop):
        subject = adjust(backdrop, hue=family.harmony * 0.35, light=1.0 - family.tone * 0.7)
    else:
        subject = defaults[1]
    extra = [*reading.accent, *reading.backdrop[2:], *reading.subject[1:]]
    if extra:
        accent = extra[0]
    elif named and not is_grey(backdrop):
        accent = adjust(backdrop, hue=family.harmony, light=0.6, sat=1.1)
    else:
        accent = defaults[2]
    lum = lightness(backdrop)
    if reading.backdrop or reading.scene in SCENE_MOODS:
        # Named backdrops keep their lightness ("black background" stays black).
        bg_light = adjust(backdrop, light=lum + (1 - lum) * 0.22)
        bg_dark = adjust(backdrop, light=lum * 0.62)
    else:
        bg_light, bg_dark = adjust(backdrop, light=lum + 0.06), adjust(backdrop, light=lum * 0.68)
    return Palette(
        bg_light=bg_light,
        bg_dark=bg_dark,
        subject=subject,
        accent=accent,
        light=mix((1.0, 0.99, 0.97), backdrop, 0.12),
        shadow=adjust(mix(backdrop, (0.0, 0.0, 0.0), 0.8), light=0.06),
    )


# ---- finishing passes: whole-image work stays in Pillow's C loops (LUTs, channel ops) so a
# 4K render never holds float copies of the full frame.


def grade(
    img: Image.Image, *, contrast: float, lift: float, warmth: float, tint: RGB, tint_amount: float
) -> Image.Image:
    """Per-channel tone curves (S-curve, black lift, warm/cool, colour tint) as one LUT."""
    x = np.arange(256, dtype=np.float32) / 255.0
    s_curve = x * x * (3 - 2 * x)
    base = x + contrast * (s_curve - x)
    base = lift + (1.0 - lift - lift * 0.3) * base
    luts = []
    for channel, sign in enumerate((1.0, 0.0, -1.0)):
        y = base + warmth * sign * 4 * base * (1 - base)
        # Tint the mid-tones toward a palette colour: the "colour grade" of a look.
        y = y + tint_amount * (tint[channel] - 0.5) * 4 * y * (1 - y)
        luts.append(np.clip(y * 255.0 + 0.5, 0, 255).astype(np.uint8))
    return img.point(np.concatenate(luts).tolist())


def vignette(img: Image.Image, strength: float, low_size: tuple[int, int]) -> Image.Image:
    if strength <= 0:
        return img
    lw, lh = low_size
    xs = np.linspace(-1.0, 1.0, lw, dtype=np.float32)[None, :]
    ys = np.linspace(-1.0, 1.0, lh, dtype=np.float32)[:, None]
    r = np.sqrt(xs * xs + ys * ys) / np.float32(np.sqrt(2.0))
    v = 1.0 - strength * np.clip((r - 0.35) / 0.65, 0, 1) ** 1.6
    mask = Image.fromarray((v * 255.0 + 0.5).astype(np.uint8)).resize(
        img.size, Image.Resampling.BICUBIC
    )
    return ImageChops.multiply(img, Image.merge("RGB", (mask, mask, mask)))


def grain(img: Image.Image, amplitude: float, rng: np.random.Generator) -> Image.Image:
    """Monochrome film grain from a tiled 512 px noise tile: cheap at 4K, no visible repeat."""
    if amplitude <= 0:
        return img
    tile = rng.random((2, 512, 512), dtype=np.float32)
    # Triangular noise (sum of two uniforms): grain-like, and only uses rng.random().
    noise = ((tile[0] + tile[1] - 1.0) * amplitude + 128.0).astype(np.uint8)
    w, h = img.size
    full = np.tile(noise, (-(-h // 512), -(-w // 512)))[:h, :w]
    layer = Image.fromarray(full)
    return ImageChops.add(img, Image.merge("RGB", (layer, layer, layer)), 1.0, -128)
