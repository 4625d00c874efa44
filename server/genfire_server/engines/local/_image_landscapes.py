"""Landscape scenes for the local image engine: city, ocean, sunset, forest, mountain.

Depth is drawn the way illustrators fake it: each layer further away is smaller, paler and
closer to the sky colour (atmospheric perspective), with a band of haze at its foot.
"""

from __future__ import annotations

import math

import numpy as np

from genfire_server.engines.local._image_canvas import F32, Canvas, FillFn, Point, Rand, f32, solid
from genfire_server.engines.local._image_canvas import vertical as vgrad
from genfire_server.engines.local._image_scenes import gauss, glows, sky
from genfire_server.engines.local._image_style import (
    RGB,
    Family,
    Palette,
    PromptReading,
    lightness,
    mix,
)


def _ridge(r: Rand, x1: float, base: float, amp: float, bottom: float) -> list[Point]:
    """A mountain skyline: octaves of ridged sines (1 - |sin|) give sharp peaks, round valleys."""
    xs = np.linspace(-0.02, x1 + 0.02, 160)
    ys = np.zeros_like(xs)
    for k in range(5):
        freq, phase = r.u(1.2, 2.2) * 2**k, r.u(0, 2 * math.pi)
        ys += amp * 0.5**k * (1 - np.abs(np.sin(math.pi * freq * xs + phase)))
    ys = base - (ys - ys.min()) / max(float(np.ptp(ys)), 1e-6) * amp
    return [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)] + [
        (x1 + 0.02, bottom),
        (-0.02, bottom),
    ]


def _haze(cv: Canvas, y: float, colour: RGB, opacity: float) -> None:
    soft = cv.soft_pen()
    soft.rect(-0.1, y - 0.05, cv.aw + 0.1, y + 0.03)
    cv.paint(soft, colour, opacity, blur=0.035)


def _sun(cv: Canvas, x: float, y: float, rad: float, top: RGB, bottom: RGB) -> None:
    pen = cv.pen()
    pen.ellipse(x, y, rad, rad)
    cv.paint(pen, vgrad(top, bottom, y - rad, y + rad))


def _snow(r: Rand, line: float, snow: RGB, rock: RGB) -> FillFn:
    white, grey = solid(snow), solid(rock)
    f1, f2, ph = r.u(18, 30), r.u(50, 80), r.u(0, 2 * math.pi)

    def fn(x: F32, y: F32) -> F32:
        edge = line + 0.018 * np.sin(x * f1 + ph) + 0.01 * np.sin(x * f2 + 2 * ph)
        t = np.clip((y - edge) / 0.012, 0, 1)[..., None]
        return f32(white + (grey - white) * t)

    return fn


def city(cv: Canvas, rd: PromptReading, p: Palette, fam: Family) -> None:
    del rd
    r = cv.rand
    bands = 7 if fam.flat else 0
    night = lightness(p.bg_light) < 0.55
    horizon_c = mix(p.bg_light, p.accent, 0.25)
    cv.fill_background(
        sky(p.bg_dark, mix(p.bg_dark, p.bg_light, 0.6), horizon_c, cv.ah * 0.9, bands)
    )
    mx, my, mr = cv.aw * r.u(0.15, 0.85), cv.ah * r.u(0.1, 0.26), r.u(0.035, 0.06)
    _sun(cv, mx, my, mr, p.light, mix(p.light, p.accent, 0.3))
    cv.screen(glows([(mx, my, mr * 4, p.light, 0.25), (cv.aw / 2, cv.ah, 0.7, p.accent, 0.3)]))
    mass = mix(p.subject, p.shadow, 0.55)
    for depth, (tall, wide, haze) in enumerate(
        ((0.62, (0.04, 0.09), 0.55), (0.46, (0.06, 0.12), 0.3), (0.3, (0.1, 0.17), 0.06))
    ):
        colour = mix(mass, horizon_c, haze)
        pen, windows = cv.pen(), cv.pen()
        x = r.u(-0.08, 0.0)
        while x < cv.aw:
            w = r.u(*wide)
            h = cv.ah * tall * r.u(0.45, 1.0) * (1.35 if r.chance(0.12) else 1.0)
            top = cv.ah - h
            pen.rect(x, top, x + w, cv.ah + 0.01)
            roof = r.pick(("flat", "flat", "step", "spire", "slant"))
            if roof == "step":
                pen.rect(x + w * 0.2, top - h * 0.08, x + w * 0.8, top + 0.01)
            elif roof == "spire":
                pen.rect(x + w * 0.47, top - h * 0.22, x + w * 0.53, top + 0.01)
            elif roof == "slant":
                pen.polygon([(x, top), (x + w, top - w * 0.5), (x + w, top + 0.01)])
            if depth > 0:
                lit = 0.32 if night else 0.12
                for cx_ in np.arange(x + 0.012, x + w - 0.012, 0.02 + 0.004 * depth):
                    for cy_ in np.arange(top + 0.02, cv.ah, 0.028 + 0.004 * depth):
                        if r.chance(lit):
                            sz = 0.004 + 0.002 * depth
                            windows.rect(cx_, cy_, cx_ + sz, cy_ + sz * 1.5)
            x += w + r.u(0.0, 0.012)
        cv.paint(pen, vgrad(colour, mix(colour, horizon_c, 0.25), cv.ah * (1 - tall), cv.ah))
        window_c = mix(p.accent, p.light, 0.35) if night else mix(p.light, horizon_c, 0.3)
        cv.paint(windows, window_c, 0.9 if night else 0.45)
        if depth < 2:
            _haze(cv, cv.ah * 0.97, horizon_c, 0.35)


def ocean(cv: Canvas, rd: PromptReading, p: Palette, fam: Family) -> None:
    del rd
    r = cv.rand
    bands = 7 if fam.flat else 0
    hz = cv.ah * r.u(0.45, 0.58)
    sx, sy, sr = cv.aw * r.u(0.25, 0.75), hz - r.u(0.08, 0.24), r.u(0.045, 0.08)
    cv.fill_background(sky(p.bg_dark, p.bg_light, mix(p.bg_light, p.light, 0.55), hz, bands))
    _sun(cv, sx, sy, sr, p.light, mix(p.light, p.accent, 0.6))
    cv.screen(glows([(sx, sy, sr * 5, p.accent, 0.35), (sx, hz, 0.5, p.light, 0.2)]))
    sea_top, sea_bottom = mix(p.subject, p.bg_light, 0.3), mix(p.subject, p.shadow, 0.45)
    pen = cv.pen()
    pen.rect(-0.1, hz, cv.aw + 0.1, cv.ah + 0.1)
    cv.paint(pen, vgrad(sea_top, sea_bottom, hz, cv.ah))
    xs = np.linspace(-0.02, cv.aw + 0.02, 90)
    for i in range(1, 9):
        t = i / 9
        y0, amp = hz + (cv.ah - hz) * t**1.6, 0.003 + 0.022 * t
        f, ph = r.u(2.5, 4.0) / (0.25 + t), r.u(0, 2 * math.pi)
        ys = y0 + amp * np.sin(2 * math.pi * f * xs + ph) + amp * 0.4 * np.sin(5.3 * f * xs + ph)
        edge = [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]
        pen = cv.pen()
        pen.polygon([*edge, (cv.aw + 0.02, cv.ah + 0.1), (-0.02, cv.ah + 0.1)])
        band = mix(sea_top, sea_bottom, t)
        band = mix(band, p.light if i % 2 else p.shadow, 0.07)
        cv.paint(pen, band, 0.92)
        crest = cv.pen()
        crest.line(edge, 0.0015 + 0.004 * t)
        cv.paint(crest, p.light, 0.22)
    glitter = cv.pen()
    for _ in range(46):
        t = r.u(0, 1) ** 1.4
        y, half = hz + (cv.ah - hz) * t, (0.006 + 0.06 * t) * r.u(0.3, 1.0)
        x = sx + r.u(-1, 1) * (0.015 + 0.12 * t)
        glitter.rect(x - half, y, x + half, y + 0.002 + 0.006 * t, radius=0.002)
    cv.paint(glitter, mix(p.light, p.accent, 0.3), 0.7, blur=0.0008)


def sunset(cv: Canvas, rd: PromptReading, p: Palette, fam: Family) -> None:
    del rd
    r = cv.rand
    bands = 7 if fam.flat else 0
    hz = cv.ah * r.u(0.6, 0.7)
    sr = r.u(0.17, 0.25)
    sx, sy = cv.aw * r.u(0.35, 0.65), hz - sr * r.u(0.15, 0.6)
    top = mix(p.subject, p.bg_dark, 0.35)
    cv.fill_background(sky(top, p.bg_dark, mix(p.bg_light, p.accent, 0.5), hz, bands))
    cv.screen(glows([(sx, sy, sr * 2.6, p.accent, 0.45)]))
    pen = cv.pen()
    pen.ellipse(sx, sy, sr, sr)
    if not fam.flat or r.chance(0.5):  # retro stripes cut through the lower half of the sun
        for k in range(6):
            y = sy + sr * (0.08 + 0.16 * k)
            pen.rect(sx - sr - 0.01, y, sx + sr + 0.01, y + 0.004 + 0.005 * k, value=0)
    cv.paint(pen, vgrad(mix(p.accent, p.light, 0.45), mix(p.bg_light, p.accent, 0.3), sy - sr, sy))
    ground = mix(p.subject, p.shadow, 0.45)
    if r.chance(0.5):
        pen = cv.pen()
        pen.rect(-0.1, hz, cv.aw + 0.1, cv.ah + 0.1)
        cv.paint(pen, vgrad(mix(ground, p.bg_dark, 0.35), p.shadow, hz, cv.ah))
        bars = cv.pen()
        for k in range(14):
            t = (k + 0.5) / 14
            y, half = hz + (cv.ah - hz) * t**1.3, sr * (1.0 - 0.5 * t) * r.u(0.5, 1.0)
            bars.rect(sx - half, y, sx + half, y + 0.004 + 0.01 * t, radius=0.003)
        cv.paint(bars, mix(p.accent, p.bg_light, 0.3), 0.75, blur=0.001)
    else:
        for d, amp in enumerate((0.1, 0.07, 0.05)):
            pen = cv.pen()
            base = hz + (cv.ah - hz) * (0.05 + 0.35 * d)
            pen.polygon(_ridge(r, cv.aw, base, amp, cv.ah + 0.1))
            cv.paint(pen, mix(ground, p.bg_dark, 0.45 - 0.2 * d))


def _pine(x: float, base: float, h: float) -> list[Point]:
    """A pine silhouette as one polygon: drooping tiers that widen downward, then a trunk."""
    w, tiers = h * 0.4, 4
    right: list[Point] = []
    for k in range(tiers):
        y, outer = base - h + h * 0.88 * (k + 1) / tiers, w * (0.3 + 0.7 * (k + 1) / tiers)
        right.append((x + outer, y))
        if k < tiers - 1:
            right.append((x + outer * 0.42, y - h * 0.045))
    right += [(x + w * 0.07, base - h * 0.12), (x + w * 0.07, base + 0.02)]
    return [(x, base - h), *right, *((2 * x - px, py) for px, py in reversed(right))]


def forest(cv: Canvas, rd: PromptReading, p: Palette, fam: Family) -> None:
    del rd
    r = cv.rand
    bands = 7 if fam.flat else 0
    hz = cv.ah * r.u(0.48, 0.58)
    sx, sy = cv.aw * r.u(0.2, 0.8), cv.ah * r.u(0.1, 0.26)
    mist = mix(p.bg_light, p.light, 0.45)
    cv.fill_background(sky(p.bg_dark, p.bg_light, mist, hz, bands))
    cv.screen(glows([(sx, sy, 0.35, p.accent, 0.4)]))
    # Nearer rows sit lower and taller; the nearest is cropped by the frame's bottom edge.
    for d, (depth, h) in enumerate(((0.08, 0.1), (0.33, 0.16), (0.64, 0.25), (1.06, 0.42))):
        base = hz + (cv.ah - hz) * depth
        colour = mix(mix(p.subject, p.shadow, 0.3 + 0.18 * d), mist, (0.62, 0.42, 0.22, 0.05)[d])
        pen = cv.pen()
        x = r.u(-0.06, 0.0)
        while x < cv.aw + 0.06:
            th = h * r.u(0.65, 1.25)
            pen.polygon(_pine(x, base + r.u(-0.015, 0.015), th))
            x += th * r.u(0.2, 0.45)
        pen.polygon(_ridge(r, cv.aw, base - h * 0.16, 0.03, cv.ah + 0.1))  # undergrowth
        cv.paint(pen, colour)
        if d < 3:
            _haze(cv, base + 0.02, mist, 0.45)
    # Light shafts from the sun: a fan of soft beams.
    phases = [r.u(0, 2 * math.pi) for _ in range(2)]
    glow = solid(mix(p.light, p.accent, 0.3))

    def beams(x: F32, y: F32) -> F32:
        ang = np.arctan2(y - sy, x - sx)
        fan = (0.5 + 0.5 * np.sin(ang * 9 + phases[0])) * (0.5 + 0.5 * np.sin(ang * 5 + phases[1]))
        fade = np.clip((y - sy) / (cv.ah - sy), 0, 1) * (1 - np.clip((y - sy) / cv.ah, 0, 1))
        return f32(glow * (0.35 * fan**3 * fade + 0.12 * gauss(x, y, sx, sy, 0.5, 0.5))[..., None])

    cv.screen(beams)


def mountain(cv: Canvas, rd: PromptReading, p: Palette, fam: Family) -> None:
    del rd
    r = cv.rand
    bands = 7 if fam.flat else 0
    hz = cv.ah * r.u(0.4, 0.52)
    mist = mix(p.bg_light, p.light, 0.4)
    cv.fill_background(sky(p.bg_dark, p.bg_light, mist, hz + 0.1, bands))
    sx, sy = cv.aw * r.u(0.2, 0.8), hz - r.u(0.1, 0.25)
    _sun(cv, sx, sy, r.u(0.04, 0.07), p.light, mix(p.light, p.accent, 0.5))
    cv.screen(glows([(sx, sy, 0.3, p.accent, 0.35)]))
    for d, amp in enumerate((0.3, 0.2, 0.13, 0.09)):
        base = hz + (cv.ah - hz) * (0.05 + 0.26 * d) + amp * 0.5
        colour = mix(mix(p.subject, p.shadow, 0.15 + 0.22 * d), mist, (0.5, 0.32, 0.16, 0.03)[d])
        pts = _ridge(r, cv.aw, base, amp, cv.ah + 0.1)
        pen = cv.pen()
        pen.polygon(pts)
        fill: RGB | FillFn = colour
        if d < 2:  # snow on the far peaks, above a ragged snow line
            fill = _snow(r, min(y for _, y in pts) + amp * 0.35, mix(p.light, mist, 0.2), colour)
        cv.paint(pen, fill)
        _haze(cv, base + 0.02, mist, 0.4 - 0.08 * d)
