"""Frame maths for image- and video-driven modes: cover-fit crops, Ken Burns moves,
cross-fades, the character inset and its global motion tracker.

Crops are fractional boxes handed to Pillow's resampler, so slow moves glide instead of
stepping a whole pixel at a time, and a box never leaves its source image, so no edge
is ever exposed.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter

Box = tuple[float, float, float, float]
F32 = NDArray[np.float32]


def ease(t: float) -> float:
    """Smootherstep: starts and ends at rest, no jerk at either end."""
    t = min(max(t, 0.0), 1.0)
    return t * t * t * (t * (6 * t - 15) + 10)


def progress(index: int, count: int) -> float:
    return index / (count - 1) if count > 1 else 0.0


def cover_box(
    source: tuple[int, int],
    target: tuple[int, int],
    zoom: float = 1.0,
    fx: float = 0.5,
    fy: float = 0.5,
) -> Box:
    """The crop of `source` with `target`'s aspect ratio that covers the frame.

    `zoom` >= 1 narrows it; `fx`, `fy` in 0..1 place it along the slack left over, so any
    combination stays inside the image.
    """
    sw, sh = source
    aspect = target[0] / target[1]
    width = min(float(sw), sh * aspect) / max(zoom, 1.0)
    height = width / aspect
    x0 = (sw - width) * min(max(fx, 0.0), 1.0)
    y0 = (sh - height) * min(max(fy, 0.0), 1.0)
    return (x0, y0, x0 + width, y0 + height)


def resample_filter(size: tuple[int, int]) -> Image.Resampling:
    # Bicubic is sharper; above 1080p bilinear halves the per-frame cost and the
    # difference is invisible at that pixel density.
    if size[0] * size[1] > 1920 * 1080:
        return Image.Resampling.BILINEAR
    return Image.Resampling.BICUBIC


def cover_resize(image: Image.Image, size: tuple[int, int], zoom: float = 1.0) -> Image.Image:
    box = cover_box(image.size, size, zoom)
    return image.resize(size, resample_filter(size), box=box)


def working_copy(image: Image.Image, size: tuple[int, int], margin: float) -> Image.Image:
    """`image` shrunk (never enlarged) so its cover crop is about `margin` x the frame.

    Per-frame crops then resample from a modest image, and zooming in by up to `margin`
    still reads real source pixels.
    """
    scale = max(size[0] / image.width, size[1] / image.height) * margin
    if scale >= 1.0:
        return image
    smaller = (max(size[0], round(image.width * scale)), max(size[1], round(image.height * scale)))
    return image.resize(smaller, Image.Resampling.LANCZOS, reducing_gap=3.0)


class KenBurns:
    """A slow eased pan and zoom across a still image."""

    def __init__(
        self,
        image: Image.Image,
        size: tuple[int, int],
        zoom: tuple[float, float],
        start: tuple[float, float],
        end: tuple[float, float],
        *,
        shrink: bool = True,
    ) -> None:
        self.size = size
        self.image = working_copy(image, size, max(zoom)) if shrink else image
        self.zoom, self.start, self.end = zoom, start, end
        self.filter = resample_filter(size)

    def frame(self, t: float) -> Image.Image:
        e = ease(t)
        zoom = self.zoom[0] + (self.zoom[1] - self.zoom[0]) * e
        fx = self.start[0] + (self.end[0] - self.start[0]) * e
        fy = self.start[1] + (self.end[1] - self.start[1]) * e
        box = cover_box(self.image.size, self.size, zoom, fx, fy)
        return self.image.resize(self.size, self.filter, box=box)


def seeded_ken_burns(
    image: Image.Image, size: tuple[int, int], rng: np.random.Generator
) -> KenBurns:
    """Zoom in or out by 12-18% while drifting towards a seeded side."""
    amount = 1.0 + float(rng.uniform(0.12, 0.18))
    zoom = (1.0, amount) if rng.random() < 0.6 else (amount, 1.0)
    angle = float(rng.uniform(0, 2 * math.pi))
    reach = float(rng.uniform(0.25, 0.45))
    start = (0.5 - reach * math.cos(angle), 0.5 - reach * math.sin(angle))
    end = (0.5 + reach * math.cos(angle), 0.5 + reach * math.sin(angle))
    return KenBurns(image, size, zoom, start, end)


class CrossZoom:
    """First image to last image: it pushes in while fading out, the last settles in."""

    def __init__(
        self, first: Image.Image, last: Image.Image, size: tuple[int, int], push: float = 0.08
    ) -> None:
        centre = (0.5, 0.5)
        self.first = KenBurns(first, size, (1.0, 1.0 + push), centre, centre)
        self.last = KenBurns(last, size, (1.0 + push, 1.0), centre, centre)

    def frame(self, t: float) -> Image.Image:
        alpha = ease(t)
        if alpha <= 0.0:
            return self.first.frame(t)
        if alpha >= 1.0:
            return self.last.frame(t)
        return Image.blend(self.first.frame(t), self.last.frame(t), alpha)


def character_sprite(image: Image.Image, height: int) -> tuple[Image.Image, Image.Image, int]:
    """The character cover-fit into a 3:4 card with rounded corners and a soft shadow.

    Returns the card (RGB), its paste mask (L, card plus shadow) and the shadow margin.
    """
    width = max(2, round(height * 0.75))
    card = cover_resize(image, (width, height))
    radius = max(2, height // 24)
    margin = max(4, height // 16)
    full = (width + 2 * margin, height + 2 * margin)
    shape = Image.new("L", full, 0)
    ImageDraw.Draw(shape).rounded_rectangle(
        (margin, margin, margin + width - 1, margin + height - 1), radius=radius, fill=255
    )
    # The shadow is the card's shape, blurred and dropped a little: it lifts the
    # character off the background it moves over.
    shadow = Image.new("L", full, 0)
    drop = margin // 3
    shadow.paste(shape.crop((0, 0, full[0] - drop, full[1] - drop)), (drop, drop))
    shadow = shadow.filter(ImageFilter.GaussianBlur(margin / 2.5)).point(lambda v: v * 0.55)
    canvas = Image.new("RGB", full, (0, 0, 0))
    border = Image.new("RGB", full, (245, 245, 245))
    inner = Image.new("L", full, 0)
    inset = max(1, height // 160)
    ImageDraw.Draw(inner).rounded_rectangle(
        (margin + inset, margin + inset, margin + width - 1 - inset, margin + height - 1 - inset),
        radius=max(1, radius - inset),
        fill=255,
    )
    canvas.paste(border, (0, 0), shape)
    padded = Image.new("RGB", full)
    padded.paste(card, (margin, margin))
    canvas.paste(padded, (0, 0), inner)
    mask = Image.fromarray(np.maximum(np.asarray(shape), np.asarray(shadow)))
    return canvas, mask, margin


class MotionTracker:
    """Global frame-to-frame motion by phase correlation of small grayscale frames.

    One FFT pair per frame on a ~160 px thumbnail: a few hundred microseconds, and it
    follows pans and camera moves (not limbs, which would need a pose model).
    """

    def __init__(self, size: tuple[int, int], thumb_width: int = 160) -> None:
        self.scale = max(1.0, size[0] / thumb_width)
        self.thumb = (
            max(16, round(size[0] / self.scale)),
            max(16, round(size[1] / self.scale)),
        )
        wy = np.hanning(self.thumb[1]).astype(np.float32)
        wx = np.hanning(self.thumb[0]).astype(np.float32)
        self.window: F32 = np.outer(wy, wx)
        self.previous: NDArray[np.complex128] | None = None

    def shift(self, frame: Image.Image) -> tuple[float, float]:
        """How far the content moved since the last call, in output pixels (x right, y down)."""
        small = frame.resize(self.thumb, Image.Resampling.BOX).convert("L")
        gray = np.asarray(small, dtype=np.float32)
        gray = (gray - gray.mean()) * self.window
        spectrum = np.fft.rfft2(gray)
        previous, self.previous = self.previous, spectrum
        if previous is None:
            return (0.0, 0.0)
        cross = spectrum * np.conj(previous)
        cross /= np.abs(cross) + 1e-6
        surface = np.fft.irfft2(cross, s=gray.shape)
        peak = int(np.argmax(surface))
        py, px = divmod(peak, surface.shape[1])
        # A flat surface means nothing trackable (a blank or cut frame): no motion.
        if surface[py, px] < 0.08:
            return (0.0, 0.0)
        dy = py + _subpixel(surface[(py - 1) % surface.shape[0], px], surface[py, px],
                            surface[(py + 1) % surface.shape[0], px])  # fmt: skip
        dx = px + _subpixel(surface[py, (px - 1) % surface.shape[1]], surface[py, px],
                            surface[py, (px + 1) % surface.shape[1]])  # fmt: skip
        # Wrap to signed shifts: a peak past the middle is a negative move.
        if dy > surface.shape[0] / 2:
            dy -= surface.shape[0]
        if dx > surface.shape[1] / 2:
            dx -= surface.shape[1]
        return (float(dx) * self.scale, float(dy) * self.scale)


def _subpixel(left: float, centre: float, right: float) -> float:
    """Vertex of the parabola through three samples around a peak, as an offset."""
    denominator = left - 2 * centre + right
    if abs(denominator) < 1e-9:
        return 0.0
    return float(min(max(0.5 * (left - right) / denominator, -0.5), 0.5))


class Follower:
    """The character's position: it moves with the source's motion, held in frame.

    A weak spring pulls it back towards its home spot so a long pan one way does not
    pin it against the edge for good.
    """

    def __init__(
        self, frame: tuple[int, int], sprite: tuple[int, int], home_x: float, pull: float = 0.015
    ) -> None:
        self.frame, self.sprite, self.pull = frame, sprite, pull
        self.home = (home_x, frame[1] - 0.06 * frame[1] - sprite[1] / 2)
        self.x, self.y = self.home

    def step(self, dx: float, dy: float) -> tuple[float, float]:
        self.x += dx + (self.home[0] - self.x) * self.pull
        self.y += dy + (self.home[1] - self.y) * self.pull
        half_w, half_h = self.sprite[0] / 2, self.sprite[1] / 2
        self.x = min(max(self.x, half_w), self.frame[0] - half_w)
        self.y = min(max(self.y, half_h), self.frame[1] - half_h)
        return self.x, self.y
