"""Figure scenes for the local image engine: a portrait silhouette and an abstract
composition of graphic shapes."""

from __future__ import annotations

import math

import numpy as np
from PIL import ImageChops

from genfire_server.engines.local._image_canvas import Canvas, FillFn, Point, sphere, vertical
from genfire_server.engines.local._image_scenes import (
    free_spots,
    glows,
    mesh_backdrop,
    ornaments,
    shade,
)
from genfire_server.engines.local._image_style import RGB, Family, Palette, PromptReading, mix

# ---- portrait: a stylised silhouette with rim light, no attempt at a face


def portrait(cv: Canvas, rd: PromptReading, p: Palette, fam: Family) -> None:
    del rd  # the portrait layout does not vary with the prompt's nouns
    r = cv.rand
    light = r.pick((-1.0, 1.0)) * r.u(0.6, 1.0)
    mesh_backdrop(cv, p, fam.flat)
    s = 1.3 if cv.ah > 1.2 else 1.2
    cx = cv.aw * (r.pick((0.36, 0.64)) if cv.aw > 1.2 else r.u(0.46, 0.54))
    sw, sh = 0.36 * s, 0.27 * s  # shoulder half-width and height
    hy, hrx, hry = cv.ah - sh - 0.17 * s, 0.105 * s, 0.14 * s
    rad = r.u(0.26, 0.32) * s
    pen = cv.pen()
    pen.ellipse(cx + r.u(-0.1, 0.1), hy + r.u(-0.04, 0.06), rad, rad)
    halo = mix(p.accent, p.bg_light, 0.2)
    cv.paint(
        pen, halo if fam.flat else vertical(mix(halo, p.light, 0.25), halo, hy - rad, hy + rad)
    )
    cv.screen(glows([(cx - light * 0.15, hy - 0.1, 0.35, p.light, 0.12)]))

    skin = mix(mix(p.bg_dark, p.shadow, 0.4), p.subject, 0.12)
    hair = mix(p.shadow, p.subject, 0.1)
    ornaments(cv, p, fam, light, (cx - sw, hy - 0.25, cx + sw, cv.ah))
    figure = cv.pen()  # the whole silhouette, for the rim light
    parts: list[tuple[list[Point], RGB | FillFn]] = []
    if r.chance(0.45):  # long hair falls behind the shoulders
        ts = np.linspace(0, math.pi, 24)
        back = [
            (cx + hrx * 1.3 * math.cos(t), hy - hry * 0.15 - hry * 1.05 * math.sin(t)) for t in ts
        ]
        back += [(cx - hrx * 1.45, hy + 0.2 * s), (cx + hrx * 1.45, hy + 0.2 * s)]
        parts.append((back, hair))
    # Shoulders: a superellipse mound, squarer than an ellipse, like a bust.
    ts = np.linspace(-1, 1, 49)
    mound = [(cx + sw * t, cv.ah - sh * (1 - abs(t) ** 2.4) ** (1 / 2.4)) for t in ts]
    shoulders = [*mound, (cx + sw, cv.ah + 0.02), (cx - sw, cv.ah + 0.02)]
    parts.append((shoulders, shade(fam, p.subject, cx - sw, cx + sw, light, 0.2)))
    foot = cv.ah - sh + 0.04
    neck = [
        (cx - 0.042 * s, hy),
        (cx + 0.042 * s, hy),
        (cx + 0.055 * s, foot),
        (cx - 0.055 * s, foot),
    ]
    parts.append((neck, mix(skin, p.shadow, 0.35)))
    ts = np.linspace(0, 2 * math.pi, 64)
    cap = [(cx + hrx * 1.08 * math.cos(t), hy - 0.02 * s + hry * math.sin(t)) for t in ts]
    parts.append((cap, hair))
    head = [(cx + hrx * math.cos(t), hy + 0.012 * s + hry * 0.97 * math.sin(t)) for t in ts]
    parts.append(
        (head, sphere(skin, cx - light * hrx * 0.3, hy - hry * 0.2, hry * 1.6, light, True))
    )
    for outline, fill in parts:
        pen = cv.pen()
        pen.polygon(outline)
        figure.polygon(outline)
        cv.paint(pen, fill)

    # Rim light: the part of the silhouette whose neighbour toward the light is background.
    mask = cv.mask_of(figure)
    shift = round(-0.006 * cv.u * (1 if light > 0 else -1))
    rim = ImageChops.subtract(mask, ImageChops.offset(mask, shift, 0))
    cv.paint(rim, p.light, 0.8, blur=0.0015)
    cv.paint(rim, mix(p.light, p.accent, 0.4), 0.3, blur=0.01)


# ---- abstract: a hero shape plus a few graphic elements on a mesh gradient


def _capsule(cx: float, cy: float, length: float, rad: float, angle: float) -> list[Point]:
    ca, sa = math.cos(angle), math.sin(angle)
    pts: list[Point] = []
    for end, start in ((1, -math.pi / 2), (-1, math.pi / 2)):
        ex, ey = cx + end * length / 2 * ca, cy + end * length / 2 * sa
        for i in range(17):
            a = angle + start + math.pi * i / 16
            pts.append((ex + rad * math.cos(a), ey + rad * math.sin(a)))
    return pts


def abstract(cv: Canvas, rd: PromptReading, p: Palette, fam: Family) -> None:
    del rd
    r = cv.rand
    light = r.pick((-1.0, 1.0)) * r.u(0.6, 1.0)
    mesh_backdrop(cv, p, fam.flat)
    hx, hy, hr = cv.aw * r.u(0.35, 0.65), cv.ah * r.u(0.38, 0.58), r.u(0.17, 0.26)
    soft = cv.soft_pen()
    soft.ellipse(hx - light * 0.05, hy + hr * 0.25, hr * 1.02, hr)
    cv.paint(soft, p.shadow, 0.18 if fam.flat else 0.3, blur=0.01 if fam.flat else 0.06)
    pen = cv.pen()
    pen.ellipse(hx, hy, hr, hr)
    cv.paint(pen, sphere(p.subject, hx, hy, hr, light, fam.flat))
    pen = cv.pen()
    pen.arc(hx, hy, hr * r.u(1.25, 1.45), r.u(0, 360), r.u(0, 360) + 250, 0.006)
    cv.paint(pen, p.light, 0.75)

    colours = (p.accent, mix(p.accent, p.light, 0.4), mix(p.subject, p.bg_dark, 0.4), p.light)
    spots = free_spots(cv, 4, (hx - hr, hy - hr, hx + hr, hy + hr))
    kinds = ["pill", "ring", "half", "dots", "wave", "triangle"]
    for i, (x, y) in enumerate(spots):
        kind = kinds.pop(min(int(r.u(0, len(kinds))), len(kinds) - 1))
        c = colours[i % len(colours)]
        pen = cv.pen()
        if kind == "pill":
            pts = _capsule(x, y, r.u(0.18, 0.3), r.u(0.03, 0.05), r.u(-1.2, 1.2))
            soft = cv.soft_pen()
            soft.polygon([(px - light * 0.015, py + 0.02) for px, py in pts])
            cv.paint(soft, p.shadow, 0.25, blur=0.02)
            pen.polygon(pts)
        elif kind == "ring":
            pen.arc(x, y, r.u(0.05, 0.09), 0, 360, r.u(0.012, 0.02))
        elif kind == "half":
            rad, a0 = r.u(0.06, 0.11), r.u(0, 2 * math.pi)
            step = math.pi / 24
            pen.polygon(
                [
                    (x + rad * math.cos(a0 + step * k), y + rad * math.sin(a0 + step * k))
                    for k in range(25)
                ]
            )
        elif kind == "dots":
            for i in range(4):
                for j in range(4):
                    pen.ellipse(x + (i - 1.5) * 0.028, y + (j - 1.5) * 0.028, 0.006, 0.006)
        elif kind == "wave":
            pts = [
                (x - 0.14 + 0.28 * t / 40, y + 0.02 * math.sin(t / 40 * 4 * math.pi))
                for t in range(41)
            ]
            pen.line(pts, 0.008)
        else:
            rad, a0 = r.u(0.05, 0.09), r.u(0, 2 * math.pi)
            pen.polygon(
                [
                    (x + rad * math.cos(a0 + k * 2.094), y + rad * math.sin(a0 + k * 2.094))
                    for k in range(3)
                ]
            )
        cv.paint(pen, c, 0.95)
    cv.screen(glows([(hx - light * hr * 0.6, hy - hr * 0.7, hr * 1.6, p.light, 0.1)]))
