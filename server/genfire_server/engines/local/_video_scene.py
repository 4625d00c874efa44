"""The procedural scene behind text and reference videos: a calm, slowly moving backdrop.

A sky gradient, a glowing light with faint rays, drifting bokeh lights, and one of three
foregrounds (layered hills, a sea with a glittering path, or flowing ribbons), under a
slow camera push and pan. It is drawn at a working resolution of at most 432 px on the
short side and scaled to the output by swscale: everything in it is soft, so the
upscale costs no visible detail and 4k frames cost what 432p frames cost.

Coordinates are separable (the camera pans and zooms but never rotates), so most of
the maths runs on 1-D rows and columns and only the final blends touch every pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageFilter

from genfire_server.engines.local._video_frames import cover_resize, ease, progress
from genfire_server.engines.local._video_look import Palette

F32 = NDArray[np.float32]
U8 = NDArray[np.uint8]
WORK_SHORT_SIDE = 432


def _smoothstep(edge0: float, edge1: float, x: F32) -> F32:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    out: F32 = (t * t * (3.0 - 2.0 * t)).astype(np.float32, copy=False)
    return out


def _screen(base: F32, colour: F32, amount: NDArray[np.floating[Any]]) -> None:
    """Screen-blend `colour` into `base` in place, weighted by `amount` (light adds up).

    1 - (1 - b)(1 - c a) is b + (1 - b) c a: three passes over the pixels, not seven.
    """
    light = colour * amount[..., None]
    light *= 1.0 - base
    base += light


@dataclass
class _Orb:
    x: float
    y: float
    radius: float
    colour: F32
    alpha: float
    vx: float
    vy: float
    depth: float
    pulse: float


class Scene:
    """Renders frame i of n as a uint8 RGB array at the working resolution."""

    def __init__(
        self,
        palette: Palette,
        rng: np.random.Generator,
        size: tuple[int, int],
        frames: int,
        fps: int,
        style: str,
        stars: bool = False,
    ) -> None:
        width, height = size
        short = min(width, height)
        scale = min(1.0, WORK_SHORT_SIDE / short)
        self.work = (max(2, round(width * scale)), max(2, round(height * scale)))
        self.frames, self.fps, self.style = frames, fps, style
        w, h = self.work
        unit = min(w, h)  # world units: the short side spans 1.0
        self.xs: F32 = (((np.arange(w) + 0.5) - w / 2) / unit).astype(np.float32)
        self.ys: F32 = (((np.arange(h) + 0.5) - h / 2) / unit).astype(np.float32)
        self.pixel = 1.0 / unit
        self.half = (w / unit / 2, h / unit / 2)

        def c(rgb: tuple[float, float, float]) -> F32:
            return np.array(rgb, dtype=np.float32)

        self.top, self.horizon, self.glow = c(palette.top), c(palette.horizon), c(palette.glow)
        self.accents = [c(a) for a in palette.accents]
        self.ground = [c(g) for g in palette.ground]

        # The camera: a slow push in (or pull out) with a pan, eased over the clip.
        self.zoom = (1.0, 1.0 + float(rng.uniform(0.04, 0.1)))
        if rng.random() < 0.3:
            self.zoom = (self.zoom[1], self.zoom[0])
        direction = 1.0 if rng.random() < 0.5 else -1.0
        self.pan = (-direction * float(rng.uniform(0.03, 0.08)), direction * 0.08)
        self.tilt = (float(rng.uniform(-0.02, 0.0)), float(rng.uniform(0.0, 0.02)))
        self.sun = (
            float(rng.uniform(-0.35, 0.35)) * self.half[0] * 2,
            float(rng.uniform(-0.15, 0.02)),
        )
        self.sun_rise = float(rng.uniform(-0.04, 0.0))
        self.horizon_y = float(rng.uniform(0.04, 0.14))
        self.ray_count = int(rng.integers(7, 13))
        self.ray_phase = float(rng.uniform(0, 2 * math.pi))
        self.ray_strength = 0.015 if stars else 0.06  # a moon has no rays

        count = {"hills": 6, "sea": 5, "abstract": 12}[style]
        self.orbs = [self._orb(rng) for _ in range(count)]
        self.hills = [
            (
                self.horizon_y + 0.03 + 0.09 * k,  # base height, far layer highest
                0.05 + 0.035 * k,  # amplitude
                rng.uniform(1.0, 3.0, size=3) * (1.0 + 0.3 * k),  # frequencies
                rng.uniform(0, 2 * math.pi, size=3),  # phases
                0.25 + 0.35 * k,  # parallax: near layers slide further
            )
            for k in range(3)
        ]
        self.ribbons = [
            (
                float(rng.uniform(-0.25, 0.3)),
                float(rng.uniform(0.05, 0.14)),
                float(rng.uniform(1.2, 3.2)),
                float(rng.uniform(0.05, 0.2)) * (1 if rng.random() < 0.5 else -1),
                float(rng.uniform(0, 2 * math.pi)),
                float(rng.uniform(0.04, 0.09)),
                self.accents[k % len(self.accents)],
            )
            for k in range(3)
        ]
        star_count = 140 if stars else 0
        self.stars = (
            rng.integers(0, w, star_count),
            rng.integers(0, max(1, int(h * 0.55)), star_count),
            rng.uniform(0.3, 1.0, star_count).astype(np.float32),
            rng.uniform(0, 2 * math.pi, star_count).astype(np.float32),
        )
        ny = self.ys[:, None] / self.half[1]
        nx = self.xs[None, :] / self.half[0]
        radius = np.sqrt(nx**2 * 0.8 + ny**2 * 0.8)
        self.vignette = (1.0 - 0.35 * np.clip((radius - 0.5) / 0.8, 0, 1) ** 2)[..., None]
        # Fixed sub-level noise: breaks the 8-bit steps of slow gradients into a fine grain
        # the upscale then smooths, instead of visible bands.
        self.dither = rng.uniform(-0.5, 0.5, size=(h, w, 1)).astype(np.float32)

    def _orb(self, rng: np.random.Generator) -> _Orb:
        return _Orb(
            x=float(rng.uniform(-1.1, 1.1)) * self.half[0],
            y=float(rng.uniform(-0.9, 0.5)) * self.half[1],
            radius=float(rng.uniform(0.025, 0.1)),
            colour=self.accents[int(rng.integers(len(self.accents)))],
            alpha=float(rng.uniform(0.12, 0.32)),
            vx=float(rng.uniform(-0.012, 0.012)),
            vy=float(rng.uniform(-0.01, 0.004)),
            depth=float(rng.uniform(0.5, 1.6)),
            pulse=float(rng.uniform(0, 2 * math.pi)),
        )

    def render(self, index: int) -> U8:
        t = ease(progress(index, self.frames))
        seconds = index / self.fps
        zoom = self.zoom[0] + (self.zoom[1] - self.zoom[0]) * t
        pan_x = self.pan[0] + (self.pan[1] - self.pan[0]) * t
        pan_y = self.tilt[0] + (self.tilt[1] - self.tilt[0]) * t
        x: F32 = (self.xs / zoom + pan_x).astype(np.float32)
        y: F32 = (self.ys / zoom + pan_y).astype(np.float32)

        # Sky: a vertical gradient whose top colour breathes towards the first accent.
        drift = 0.12 * (0.5 + 0.5 * math.sin(2 * math.pi * seconds / 17.0))
        top = self.top + (self.accents[0] * 0.45 - self.top) * drift
        g = _smoothstep(-self.half[1] - 0.15, self.horizon_y + 0.05, y)[:, None, None]
        image = np.broadcast_to(top + (self.horizon - top) * g, (*self.work[::-1], 3)).copy()

        # The light: a core, a halo and slowly turning rays.
        sx = self.sun[0] - pan_x * 0.3
        sy = self.sun[1] + self.sun_rise * t
        dx2 = ((x - sx) ** 2)[None, :]
        dy2 = ((y - sy) ** 2)[:, None]
        d2 = dx2 + dy2
        glow = 0.85 * np.exp(-d2 / 0.004) + 0.38 * np.exp(-d2 / 0.05) + 0.16 * np.exp(-d2 / 0.4)
        angle = np.arctan2((y - sy)[:, None], (x - sx)[None, :])
        rays = 0.5 + 0.5 * np.sin(angle * self.ray_count + self.ray_phase + seconds * 0.07)
        glow += self.ray_strength * rays**3 * np.exp(-d2 / 0.15)
        _screen(image, self.glow, glow * (0.93 + 0.07 * math.sin(seconds * 0.9)))

        if self.stars[0].size:
            twinkle = self.stars[2] * (0.6 + 0.4 * np.sin(seconds * 1.7 + self.stars[3]))
            fade = float(1.0 - np.clip(glow.mean() * 2, 0, 0.8))
            image[self.stars[1], self.stars[0]] += (twinkle * fade)[:, None] * 0.7

        if self.style == "abstract":
            self._ribbons(image, x, y, seconds)
        self._orbs(image, zoom, pan_x, pan_y, seconds)
        if self.style == "hills":
            self._hills(image, zoom, pan_x, pan_y, seconds)
        elif self.style == "sea":
            self._sea(image, x, y, sx, seconds)

        image *= self.vignette
        image *= 255.0
        image += self.dither
        np.clip(image, 0.0, 255.0, out=image)
        return image.astype(np.uint8)

    def _ribbons(self, image: F32, x: F32, y: F32, seconds: float) -> None:
        for base, amp, freq, speed, phase, width, colour in self.ribbons:
            centre = base + amp * np.sin(x * freq + seconds * speed * 6 + phase)
            centre += 0.3 * amp * np.sin(x * freq * 2.3 - seconds * speed * 4 + phase * 1.7)
            # Only the rows the band reaches (it is below 1/1000 past 2.6 widths).
            r0 = int(np.searchsorted(y, float(centre.min()) - 2.6 * width))
            r1 = int(np.searchsorted(y, float(centre.max()) + 2.6 * width))
            if r0 >= r1:
                continue
            band = np.exp(-(((y[r0:r1, None] - centre[None, :]) / width) ** 2)) * 0.45
            _screen(image[r0:r1], colour, band.astype(np.float32))

    def _orbs(self, image: F32, zoom: float, pan_x: float, pan_y: float, seconds: float) -> None:
        h, w = image.shape[:2]
        unit = min(w, h)
        for orb in self.orbs:
            # Screen position: world position, drift, and parallax against the camera.
            ox = (orb.x + orb.vx * seconds - pan_x * orb.depth) * zoom
            oy = (orb.y + orb.vy * seconds - pan_y * orb.depth) * zoom
            radius = orb.radius * zoom * (0.75 + 0.25 * orb.depth)
            cx, cy = ox * unit + w / 2, oy * unit + h / 2
            r_px = radius * unit
            x0, x1 = max(0, int(cx - r_px - 2)), min(w, int(cx + r_px + 3))
            y0, y1 = max(0, int(cy - r_px - 2)), min(h, int(cy + r_px + 3))
            if x0 >= x1 or y0 >= y1:
                continue
            px = (np.arange(x0, x1, dtype=np.float32) + 0.5 - cx)[None, :]
            py = (np.arange(y0, y1, dtype=np.float32) + 0.5 - cy)[:, None]
            d = np.sqrt(px**2 + py**2) / r_px
            disc = _smoothstep(1.0, 0.9, d) * 0.75 + np.exp(-(((d - 0.93) / 0.06) ** 2)) * 0.35
            pulse = 0.8 + 0.2 * math.sin(seconds * 0.6 + orb.pulse)
            amount = (disc * orb.alpha * pulse).astype(np.float32)
            _screen(image[y0:y1, x0:x1], orb.colour, amount)

    def _hills(self, image: F32, zoom: float, pan_x: float, pan_y: float, seconds: float) -> None:
        edge = 1.5 * self.pixel
        for k, (base, amp, freqs, phases, parallax) in enumerate(self.hills):
            x = self.xs / zoom + pan_x * parallax + seconds * 0.0015 * parallax
            y = self.ys / zoom + pan_y * parallax
            ridge = base - amp * (
                0.55 * np.sin(x * freqs[0] + phases[0])
                + 0.3 * np.sin(x * freqs[1] * 2.1 + phases[1])
                + 0.15 * np.sin(x * freqs[2] * 4.7 + phases[2])
            )
            rows = np.nonzero(y >= float(ridge.min()) - edge)[0]
            if rows.size == 0:
                continue
            r0 = int(rows[0])
            yy = y[r0:, None]
            mask = _smoothstep(-edge, edge, yy - ridge[None, :].astype(np.float32))
            depth = np.clip((yy - ridge[None, :]) / 0.5, 0.0, 1.0)[..., None]
            colour = self.ground[k] * (1.0 - 0.45 * depth)
            region = image[r0:]
            region += (colour - region) * mask[..., None]

    def _sea(self, image: F32, x: F32, y: F32, sun_x: float, seconds: float) -> None:
        h0 = self.horizon_y
        rows = np.nonzero(y >= h0 - self.pixel)[0]
        if rows.size == 0:
            return
        r0 = int(rows[0])
        yy = y[r0:]
        below = np.clip(yy - h0, 0.0, None)
        mask = _smoothstep(-self.pixel, self.pixel, yy - h0)[:, None, None]
        deep = self.ground[1] * 0.8 + self.top * 0.2
        near = np.clip((below / 0.5), 0.0, 1.0)[:, None, None]
        water = self.horizon * 0.55 + deep * 0.45
        water = water + (deep - water) * near
        # Waves: bands whose spacing shrinks towards the horizon, as perspective does.
        distance = 1.0 / (below + 0.02)
        waves = np.sin(
            distance[:, None] * 0.9 + seconds * 1.1 + np.sin(x[None, :] * 3.0 + seconds * 0.3)
        )
        water = water * (1.0 + 0.05 * waves[..., None])
        # The glittering path under the light, widening towards the viewer.
        spread = 0.08 + 0.9 * below[:, None]
        path = np.exp(-(((x[None, :] - sun_x) / spread) ** 2))
        glint = np.clip(waves * 1.4 - 0.3, 0.0, 1.0) * path * 0.8
        region = image[r0:]
        region += (water - region) * mask
        _screen(region, self.glow, (glint * mask[..., 0]).astype(np.float32))


class Panels:
    """Reference images as cards on a strip that drifts slowly across the frame.

    Cards are composited at the output size so the references keep their detail; their
    positions are whole pixels (a few pixels per frame of travel hides the rounding).
    """

    def __init__(
        self, images: list[Image.Image], size: tuple[int, int], rng: np.random.Generator
    ) -> None:
        width, height = size
        card_h = round(min(height * 0.5, width * 0.62))
        card_w = round(card_h * 0.8)
        self.gap = round(card_h * 0.08)
        cards = list(images)
        while len(cards) < 3:  # too few references: repeat them so the strip can travel
            cards.extend(images)
        # Each card is stored padded by a margin holding its soft drop shadow, as
        # (premultiplied colour, how much of the background stays): one multiply-add per
        # pixel composites card and shadow together.
        self.pad = max(2, card_h // 14)
        alpha = self._rounded_alpha(card_w, card_h, max(2, card_h // 28))
        padded = np.zeros((card_h + 2 * self.pad, card_w + 2 * self.pad, 1), np.float32)
        padded[self.pad : self.pad + card_h, self.pad : self.pad + card_w] = alpha
        drop = self.pad // 3
        shadow_image = Image.fromarray(np.round(padded[..., 0] * 255).astype(np.uint8))
        shadow_image = shadow_image.filter(ImageFilter.GaussianBlur(self.pad / 2.5))
        shadow = np.zeros_like(padded)
        shadow[drop:, drop:, 0] = np.asarray(shadow_image, np.float32)[
            : -drop or None, : -drop or None
        ]
        shadow *= 0.5 / 255.0
        keep = (1.0 - shadow) * (1.0 - padded)
        self.cards: list[tuple[F32, F32]] = []
        for card in cards[:6]:
            fitted = np.zeros((*padded.shape[:2], 3), np.float32)
            fitted[self.pad : self.pad + card_h, self.pad : self.pad + card_w] = np.asarray(
                cover_resize(card, (card_w, card_h)), dtype=np.float32
            )
            self.cards.append((fitted * padded, keep))
        self.card = (card_w, card_h)
        strip = len(self.cards) * card_w + (len(self.cards) - 1) * self.gap
        margin = 0.08 * width
        if strip <= width - 2 * margin:
            left = (width - strip) / 2
            self.travel = (left - 0.04 * width, left + 0.04 * width)
        else:
            self.travel = (margin, width - margin - strip)
        if rng.random() < 0.5:
            self.travel = (self.travel[1], self.travel[0])
        self.top = round(height * 0.5 - card_h * 0.5 + height * float(rng.uniform(-0.05, 0.05)))
        self.size = size

    @staticmethod
    def _rounded_alpha(width: int, height: int, radius: int) -> F32:
        y = np.arange(height, dtype=np.float32)[:, None] + 0.5
        x = np.arange(width, dtype=np.float32)[None, :] + 0.5
        cx = np.clip(x, radius, width - radius)
        cy = np.clip(y, radius, height - radius)
        d = np.sqrt((x - cx) ** 2 + (y - cy) ** 2)
        alpha: F32 = np.clip(radius - d + 0.5, 0.0, 1.0)[..., None].astype(np.float32)
        return alpha

    def composite(self, frame: U8, t: float) -> U8:
        """Draw the strip at clip progress `t` onto a writable output-size frame."""
        left = self.travel[0] + (self.travel[1] - self.travel[0]) * ease(t)
        width, height = self.size
        card_w = self.card[0]
        y0 = self.top - self.pad
        for k, (premultiplied, keep) in enumerate(self.cards):
            x0 = round(left + k * (card_w + self.gap)) - self.pad
            a0, a1 = max(0, x0), min(width, x0 + keep.shape[1])
            b0, b1 = max(0, y0), min(height, y0 + keep.shape[0])
            if a0 >= a1 or b0 >= b1:
                continue
            region = frame[b0:b1, a0:a1].astype(np.float32)
            region *= keep[b0 - y0 : b1 - y0, a0 - x0 : a1 - x0]
            region += premultiplied[b0 - y0 : b1 - y0, a0 - x0 : a1 - x0]
            frame[b0:b1, a0:a1] = np.clip(region, 0, 255).astype(np.uint8)
        return frame
