"""Drawing kit for the local image engine: an RGB frame, shape masks and smooth fields.

Hard-edged shapes are drawn by Pillow (C) on 2x supersampled masks, which is what gives them
anti-aliased edges. Smooth things (gradients, glows, soft shadows, shading inside a shape)
are computed with NumPy on a grid about 320 px across and upscaled bicubically: they have no
detail finer than that, and it keeps full-resolution float arrays out of 4K renders.
Coordinates are in units of the frame's short side, so a layout reads the same at any size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from genfire_server.engines.local._image_style import RGB, to_u8

F32 = npt.NDArray[np.float32]
# (x with shape (1, n), y with shape (m, 1)) in units -> colours (m, n, 3) in 0..1.
FillFn = Callable[[F32, F32], F32]
Point = tuple[float, float]
T = TypeVar("T")

_FIELD_SIDE = 320  # long side of the low-resolution grid for smooth fields
_SUPERSAMPLE_MAX_PIXELS = 4_500_000  # above this (4K) a pixel is too small for jaggies to show


class Rand:
    """Scalar draws from the request's seeded generator (only `random()`, whose stream NumPy
    keeps stable, so a given request renders the same across NumPy upgrades)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.gen = rng

    def u(self, a: float = 0.0, b: float = 1.0) -> float:
        return a + (b - a) * float(self.gen.random())

    def pick(self, items: Sequence[T]) -> T:
        return items[min(int(self.gen.random() * len(items)), len(items) - 1)]

    def chance(self, p: float) -> bool:
        return float(self.gen.random()) < p


class Pen:
    """Draws in units onto an L mask (255 = covered)."""

    def __init__(self, size: tuple[int, int], scale: float, *, soft: bool) -> None:
        self.mask = Image.new("L", size, 0)
        self.draw = ImageDraw.Draw(self.mask)
        self.scale = scale
        self.soft = soft

    def _box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        s = self.scale
        return (x0 * s, y0 * s, max(x0, x1) * s, max(y0, y1) * s)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, value: int = 255) -> None:
        self.draw.ellipse(self._box(cx - rx, cy - ry, cx + rx, cy + ry), fill=value)

    def rect(
        self, x0: float, y0: float, x1: float, y1: float, radius: float = 0.0, value: int = 255
    ) -> None:
        box = self._box(x0, y0, x1, y1)
        if radius > 0:
            self.draw.rounded_rectangle(box, radius=radius * self.scale, fill=value)
        else:
            self.draw.rectangle(box, fill=value)

    def polygon(self, points: Iterable[Point], value: int = 255) -> None:
        s = self.scale
        self.draw.polygon([(x * s, y * s) for x, y in points], fill=value)

    def line(self, points: Iterable[Point], width: float, value: int = 255) -> None:
        s = self.scale
        pts = [(x * s, y * s) for x, y in points]
        self.draw.line(pts, fill=value, width=max(1, round(width * s)), joint="curve")

    def arc(self, cx: float, cy: float, r: float, start: float, end: float, width: float) -> None:
        box = self._box(cx - r, cy - r, cx + r, cy + r)
        self.draw.arc(box, start, end, fill=255, width=max(1, round(width * self.scale)))


class Canvas:
    def __init__(self, size: tuple[int, int], rng: np.random.Generator) -> None:
        self.w, self.h = size
        self.u = min(size)
        self.aw, self.ah = self.w / self.u, self.h / self.u  # frame extent in units
        self.ss = 2 if self.w * self.h <= _SUPERSAMPLE_MAX_PIXELS else 1
        self.k = max(1.0, max(size) / _FIELD_SIDE)  # full-res pixels per field pixel
        self.low = (max(2, round(self.w / self.k)), max(2, round(self.h / self.k)))
        self.rand = Rand(rng)
        self.rng = rng
        self.img = Image.new("RGB", size)

    # ---- smooth fields

    def grid(self, box: tuple[float, float, float, float], n: int, m: int) -> tuple[F32, F32]:
        """Unit coordinates of the centres of an n x m grid over `box`."""
        x0, y0, x1, y1 = box
        xs = x0 + (np.arange(n, dtype=np.float32) + 0.5) * np.float32((x1 - x0) / n)
        ys = y0 + (np.arange(m, dtype=np.float32) + 0.5) * np.float32((y1 - y0) / m)
        return xs[None, :], ys[:, None]

    def field(
        self,
        fn: FillFn,
        box: tuple[float, float, float, float] | None = None,
        size: tuple[int, int] | None = None,
    ) -> Image.Image:
        """Evaluate `fn` on a coarse grid over `box` and upscale it to `size` pixels."""
        box = box or (0.0, 0.0, self.aw, self.ah)
        size = size or (self.w, self.h)
        n, m = max(2, round(size[0] / self.k)), max(2, round(size[1] / self.k))
        x, y = self.grid(box, n, m)
        rgb = np.broadcast_to(fn(x, y), (m, n, 3))
        small = Image.fromarray(np.clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8))
        return small if (n, m) == size else small.resize(size, Image.Resampling.BICUBIC)

    def fill_background(self, fn: FillFn) -> None:
        self.img = self.field(fn)

    def screen(self, fn: FillFn) -> None:
        """Add light (glows, haze, beams) with a screen blend: brightens, never clips hard."""
        self.img = ImageChops.screen(self.img, self.field(fn))

    # ---- shapes

    def pen(self) -> Pen:
        return Pen((self.w * self.ss, self.h * self.ss), self.u * self.ss, soft=False)

    def soft_pen(self) -> Pen:
        """A pen for blurred shapes (shadows, glows): drawn on the coarse grid."""
        return Pen(self.low, self.low[0] / self.aw, soft=True)

    def mask_of(self, pen: Pen, blur: float = 0.0) -> Image.Image:
        mask = pen.mask
        if pen.soft:
            if blur > 0:
                mask = mask.filter(ImageFilter.GaussianBlur(blur * pen.scale))
            full = Image.new("L", (self.w, self.h), 0)
            box = mask.getbbox()
            if box is None:
                return full
            # Upscale only the covered part: soft shapes are mostly small, and full-frame
            # resizes are the costliest step of a 4K render.
            sx, sy = self.w / mask.width, self.h / mask.height
            x0, y0 = math.floor(box[0] * sx), math.floor(box[1] * sy)
            x1, y1 = min(math.ceil(box[2] * sx), self.w), min(math.ceil(box[3] * sy), self.h)
            part = mask.resize(
                (x1 - x0, y1 - y0),
                Image.Resampling.BILINEAR,
                box=(x0 / sx, y0 / sy, x1 / sx, y1 / sy),
            )
            full.paste(part, (x0, y0))
            return full
        if self.ss > 1:
            mask = mask.reduce(self.ss)
        if blur > 0:
            mask = mask.filter(ImageFilter.GaussianBlur(blur * self.u))
        return mask

    def paint(
        self, pen: Pen | Image.Image, fill: RGB | FillFn, opacity: float = 1.0, blur: float = 0.0
    ) -> None:
        mask = pen if isinstance(pen, Image.Image) else self.mask_of(pen, blur)
        if opacity < 1.0:
            mask = mask.point([round(v * opacity) for v in range(256)])
        box = mask.getbbox()
        if box is None:
            return
        cropped = mask.crop(box)
        if callable(fill):
            # Shade only the shape's bounding box: most shapes cover a small part of the frame.
            x0, y0, x1, y1 = box
            ubox = (x0 / self.u, y0 / self.u, x1 / self.u, y1 / self.u)
            self.img.paste(self.field(fill, ubox, (x1 - x0, y1 - y0)), box[:2], cropped)
        else:
            self.img.paste(to_u8(fill), box, cropped)


# ---- fills: shading models for shapes, all vectorised over the grid


def f32(values: npt.ArrayLike) -> F32:
    """Pin a NumPy expression to float32 (free when it already is)."""
    return np.asarray(values, dtype=np.float32)


def solid(c: RGB) -> F32:
    return np.array(c, dtype=np.float32)


def vertical(top: RGB, bottom: RGB, y0: float, y1: float, power: float = 1.0) -> FillFn:
    a, b = solid(top), solid(bottom)

    def fn(x: F32, y: F32) -> F32:
        del x  # constant along x; `Canvas.field` broadcasts
        t = np.clip((y - y0) / max(y1 - y0, 1e-6), 0, 1) ** power
        return f32(a + (b - a) * t[..., None])

    return fn


def cylinder(c: RGB, x0: float, x1: float, light: float, sheen: float = 0.5) -> FillFn:
    """Side-lit cylinder: diffuse falloff, a specular band on the lit side, a faint rim of
    bounced light on the dark side. `light` is -1 (from the left) to 1 (from the right)."""
    base = solid(c)

    def fn(x: F32, y: F32) -> F32:
        t = np.clip((x - x0) / max(x1 - x0, 1e-6) * 2 - 1, -1, 1)
        nz = np.sqrt(1 - t * t)
        diffuse = 0.42 + 0.58 * np.clip(nz * 0.75 + t * light * 0.55, 0, 1)
        spec = sheen * np.exp(-(((t - light * 0.5) / 0.13) ** 2))
        rim = 0.18 * np.exp(-(((t + light * 0.9) / 0.06) ** 2))
        del y  # constant along y; `Canvas.field` broadcasts
        return f32(base * diffuse[..., None] + (spec + rim)[..., None] * (1 - base * 0.4))

    return fn


def sphere(c: RGB, cx: float, cy: float, r: float, light: float, flat: bool = False) -> FillFn:
    """Lit ball: Lambert shading, a soft specular spot, a little bounce light at the bottom."""
    base = solid(c)
    lx, ly = light * 0.55, -0.55

    def fn(x: F32, y: F32) -> F32:
        dx, dy = (x - cx) / r, (y - cy) / r
        nz = np.sqrt(np.clip(1 - dx * dx - dy * dy, 0, 1))
        if flat:
            return f32(base * (0.9 + 0.1 * nz)[..., None])
        lam = np.clip(nz * 0.7 + dx * lx + dy * ly, 0, 1)
        spec = 0.55 * np.exp(-((dx - lx * 0.8) ** 2 + (dy - ly * 0.8) ** 2) / 0.05)
        bounce = 0.12 * np.clip(dy, 0, 1) ** 3
        return f32(base * (0.35 + 0.65 * lam)[..., None] + (spec + bounce)[..., None])

    return fn
