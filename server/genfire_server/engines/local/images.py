"""The local image engine's rendering core: deterministic procedural PNGs and edits.

No PyPI package ships image-diffusion weights, so offline output is generated art, not model
quality: a composition seeded by the request (prompt colours steer the palette, subject
words pick the layout, the model id picks a style family), or, for edits, the source image
with a prompt-seeded grade that leaves it plainly recognisable.

Everything is a pure function of (prompt, model, aspect_ratio, index, resolution, source
bytes): one sha256 seeds one PCG64 generator, nothing reads the clock or global random
state, and Pillow writes no timestamps into PNGs, so equal requests give equal bytes (on
one installation: other Pillow, NumPy or zlib builds may resample or compress differently).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from genfire_server.engines.local import _image_figures as figures
from genfire_server.engines.local import _image_landscapes as landscapes
from genfire_server.engines.local import _image_scenes as scenes
from genfire_server.engines.local._image_canvas import F32, Canvas, f32, solid
from genfire_server.engines.local._image_style import (
    Family,
    Palette,
    PromptReading,
    build_palette,
    grade,
    grain,
    mix,
    model_family,
    read_prompt,
    to_u8,
    vignette,
)

ASPECT_SIZES: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024),
    "16:9": (1344, 768),
    "9:16": (768, 1344),
    "4:3": (1184, 864),
    "3:4": (864, 1184),
    "21:9": (1536, 672),
    "9:21": (672, 1536),
}
RESOLUTION_SCALE: dict[str, int] = {"1K": 1, "2K": 2, "4K": 4}

# Decompression-bomb guard: a 64 MP RGB image is already ~190 MB decoded.
MAX_SOURCE_PIXELS = 64_000_000
# zlib level 3: most of level 9's size at a fraction of its time; grain defeats compression
# at any level, and `optimize` would re-run the encoder for a few percent.
PNG_COMPRESS_LEVEL = 3

# Every scene gets the whole reading of the prompt; most use only the palette derived from it.
Scene = Callable[[Canvas, PromptReading, Palette, Family], None]
SCENES: dict[str, Scene] = {
    "product": scenes.product,
    "portrait": figures.portrait,
    "abstract": figures.abstract,
    "city": landscapes.city,
    "ocean": landscapes.ocean,
    "sunset": landscapes.sunset,
    "forest": landscapes.forest,
    "mountain": landscapes.mountain,
}


def output_size(aspect_ratio: str, resolution: str | None = None) -> tuple[int, int]:
    """Pixel size for an aspect ratio and resolution tier (None means 1K).

    Raises ValueError naming the unsupported value.
    """
    base = ASPECT_SIZES.get(aspect_ratio)
    if base is None:
        expected = ", ".join(ASPECT_SIZES)
        raise ValueError(f"unsupported aspect_ratio {aspect_ratio!r} (expected one of {expected})")
    scale = 1 if resolution is None else RESOLUTION_SCALE.get(resolution)
    if scale is None:
        expected = ", ".join(RESOLUTION_SCALE)
        raise ValueError(f"unsupported resolution {resolution!r} (expected one of {expected})")
    return base[0] * scale, base[1] * scale


def render_image(
    *,
    prompt: str,
    model: str,
    aspect_ratio: str,
    index: int,
    resolution: str | None = None,
    sources: Sequence[Path] = (),
) -> bytes:
    """Render one output image as PNG bytes (RGB, exactly `output_size(...)` pixels).

    With `sources`, the first source is cover-fitted to the frame and graded; further sources
    become inset panels. Raises ValueError for a bad aspect ratio or resolution, and for a
    source that is not a decodable image or is over MAX_SOURCE_PIXELS.
    """
    size = output_size(aspect_ratio, resolution)
    blobs = [Path(source).read_bytes() for source in sources]
    key = json.dumps(
        [prompt, model, aspect_ratio, index, resolution]
        + [hashlib.sha256(blob).hexdigest() for blob in blobs]
    ).encode("utf-8")
    seed = int.from_bytes(hashlib.sha256(key).digest()[:16], "big")
    rng = np.random.Generator(np.random.PCG64(seed))
    reading = read_prompt(prompt)
    family, hue_offset = model_family(model)
    palette = build_palette(reading, family, hue_offset, jitter=float(rng.random()) * 16 - 8)
    canvas = Canvas(size, rng)
    if blobs:
        _edit(canvas, blobs, palette, family)
    else:
        SCENES[reading.scene](canvas, reading, palette, family)
        canvas.img = grade(
            canvas.img,
            contrast=family.contrast,
            lift=family.lift,
            warmth=family.warmth,
            tint=palette.accent,
            tint_amount=0.04,
        )
        canvas.img = vignette(canvas.img, family.vignette, canvas.low)
        canvas.img = grain(canvas.img, family.grain, rng)
    buffer = io.BytesIO()
    canvas.img.save(buffer, format="PNG", optimize=False, compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


# ---- edits


def _open_source(blob: bytes, number: int, need: tuple[int, int], matte: Palette) -> Image.Image:
    """Decode an untrusted upload to RGB, upright, refusing decompression bombs."""
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 MP and raises from 179 MP; we refuse from 64 MP anyway.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(blob))
    except Image.DecompressionBombError as error:
        raise ValueError(f"source image {number} is too large ({error})") from error
    except Exception as error:  # any decoder failure means "not a usable image"
        raise ValueError(f"source image {number} is not a readable image: {error}") from error
    width, height = image.size
    if width * height > MAX_SOURCE_PIXELS:
        raise ValueError(
            f"source image {number} is {width}x{height}, over the "
            f"{MAX_SOURCE_PIXELS // 1_000_000} megapixel limit"
        )
    try:
        # JPEG can decode at 1/2, 1/4 or 1/8 scale for free; ask for no less than the frame
        # needs in either orientation (EXIF rotation may swap the axes).
        side = max(need)
        image.draft(None, (side, side))
        image = ImageOps.exif_transpose(image) or image
        if image.mode in ("I", "F") or image.mode.startswith("I;16"):
            # 16-bit and float greyscale: convert("RGB") would clip, so rescale to 8 bits.
            values = np.asarray(image, dtype=np.float32)
            peak = 65535.0 if image.mode.startswith("I;16") else max(float(values.max()), 255.0)
            image = Image.fromarray((values * (255.0 / peak)).clip(0, 255).astype(np.uint8))
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            # Cut-outs (background removal output) sit on a light, palette-tinted matte, as on
            # a product page; converting straight to RGB would leave them on black.
            rgba = image.convert("RGBA")
            flat = Image.new("RGBA", rgba.size, (*to_u8(matte.light), 255))
            return Image.alpha_composite(flat, rgba).convert("RGB")
        return image.convert("RGB")
    except Exception as error:
        raise ValueError(f"source image {number} could not be decoded: {error}") from error


def _cover(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale to fill `size` and crop the overflow equally from both sides."""
    sw, sh = image.size
    scale = max(size[0] / sw, size[1] / sh)
    cw, ch = size[0] / scale, size[1] / scale
    left, top = (sw - cw) / 2, (sh - ch) / 2
    box = (left, top, left + cw, top + ch)
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def _insets(cv: Canvas, extras: list[bytes], palette: Palette) -> None:
    """Further sources as framed panels along the bottom edge, right-aligned."""
    count = min(len(extras), 4 if cv.aw > 1.2 else 3)  # more would read as a contact sheet
    for number, blob in enumerate(extras[count:], start=2 + count):
        _open_source(blob, number, (1, 1), palette)  # undrawn, but a bad input is still refused
    margin, gap, frame = 0.05, 0.03, 0.008
    pw = min((cv.aw - 2 * margin - (count - 1) * gap) / count, 0.3)
    ph = min(pw * 1.25, cv.ah * 0.42)
    boxes = [
        (cv.aw - margin - (count - i) * pw - (count - 1 - i) * gap, cv.ah - margin - ph)
        for i in range(count)
    ]
    soft = cv.soft_pen()
    for x, y in boxes:
        soft.rect(x + 0.004, y + 0.012, x + pw + 0.004, y + ph + 0.012, radius=0.02)
    cv.paint(soft, palette.shadow, 0.45, blur=0.018)
    pen = cv.pen()
    for x, y in boxes:
        pen.rect(x, y, x + pw, y + ph, radius=0.018)
    cv.paint(pen, palette.light)
    for number, (blob, (x, y)) in enumerate(zip(extras, boxes, strict=False), start=2):
        inner = (round((x + frame) * cv.u), round((y + frame) * cv.u))
        size = (
            round((x + pw - frame) * cv.u) - inner[0],
            round((y + ph - frame) * cv.u) - inner[1],
        )
        panel = _cover(_open_source(blob, number, size, palette), size)
        # Rounded corners, drawn 4x and reduced for a smooth edge.
        mask = Image.new("L", (size[0] * 4, size[1] * 4), 0)
        ImageDraw.Draw(mask).rounded_rectangle(
            (0, 0, size[0] * 4 - 1, size[1] * 4 - 1), radius=round(0.012 * cv.u * 4), fill=255
        )
        cv.img.paste(panel, inner, mask.reduce(4))


def _edit(cv: Canvas, blobs: list[bytes], palette: Palette, family: Family) -> None:
    """Keep the source recognisable: low-frequency light and colour changes only, so edges
    and shapes survive (the tests check grey-level correlation with the source)."""
    cv.img = _cover(_open_source(blobs[0], 1, (cv.w, cv.h), palette), (cv.w, cv.h))
    if len(blobs) > 1:
        _insets(cv, blobs[1:], palette)
    r = cv.rand
    # A light leak from one corner in the palette's accent, screen-blended at low strength.
    corner = r.pick(((0.0, 0.0), (cv.aw, 0.0), (0.0, cv.ah), (cv.aw, cv.ah)))
    leak, warm = solid(palette.accent), solid(mix(palette.accent, palette.light, 0.5))
    reach, strength, angle = r.u(0.5, 0.8), r.u(0.2, 0.3), r.u(0, math.pi)

    def light_leak(x: F32, y: F32) -> F32:
        d = np.sqrt((x - corner[0]) ** 2 + (y - corner[1]) ** 2) / reach
        streak = np.exp(
            -(((x - corner[0]) * math.cos(angle) + (y - corner[1]) * math.sin(angle)) ** 2) / 0.02
        )
        glow = strength * np.exp(-(d**2))
        return f32(leak * glow[..., None] + warm * (0.08 * streak * np.exp(-(d**2) / 2))[..., None])

    cv.screen(light_leak)
    cv.img = grade(
        cv.img,
        contrast=0.08,
        lift=min(family.lift, 0.04),
        warmth=family.warmth,
        tint=palette.accent,
        tint_amount=0.06,
    )
    cv.img = vignette(cv.img, min(family.vignette, 0.25) + 0.08, cv.low)
    cv.img = grain(cv.img, min(family.grain, 5.0), cv.rng)
