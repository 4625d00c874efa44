"""The studio product shot, plus the backdrops, shading and ornaments other scenes share."""

from __future__ import annotations

import math

import numpy as np

from genfire_server.engines.local._image_canvas import (
    F32,
    Canvas,
    FillFn,
    Point,
    cylinder,
    f32,
    solid,
    sphere,
    vertical,
)
from genfire_server.engines.local._image_style import RGB, Family, Palette, PromptReading, mix


def gauss(x: F32, y: F32, cx: float, cy: float, rx: float, ry: float) -> F32:
    """A soft elliptical falloff, 1 at the centre: the building block of glows and blobs."""
    return np.exp(-(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2))


def glows(lights: list[tuple[float, float, float, RGB, float]]) -> FillFn:
    """Screen-blend light: (x, y, radius, colour, strength) soft round glows."""

    def fn(x: F32, y: F32) -> F32:
        out = np.zeros((y.shape[0], x.shape[1], 3), dtype=np.float32)
        for lx, ly, r, c, k in lights:
            out += solid(c) * (k * gauss(x, y, lx, ly, r, r))[..., None]
        return out

    return fn


def studio_backdrop(cv: Canvas, p: Palette, cx: float, horizon: float) -> None:
    """A lit paper sweep: spotlight on the wall, a floor that darkens toward the viewer."""
    wall_hi, wall_lo = solid(p.bg_light), solid(p.bg_dark)
    floor_far = solid(mix(p.bg_light, p.bg_dark, 0.3))
    floor_near = solid(mix(p.bg_dark, p.shadow, 0.3))
    spot_y, depth = horizon - 0.3, max(cv.ah - horizon, 0.05)

    def fn(x: F32, y: F32) -> F32:
        r = np.clip(np.sqrt(((x - cx) / 0.95) ** 2 + ((y - spot_y) / 0.8) ** 2), 0, 1)
        wall = wall_hi + (wall_lo - wall_hi) * (r**1.4)[..., None]
        t = np.clip((y - horizon) / depth, 0, 1)
        floor = floor_far + (floor_near - floor_far) * (t**0.8)[..., None]
        floor = (
            floor
            + (wall_hi - floor_far) * (0.55 * gauss(x, y, cx, horizon + 0.06, 0.5, 0.12))[..., None]
        )
        # A soft crease where wall meets floor, as on a real paper sweep.
        blend = np.clip((y - horizon) / 0.03 + 0.5, 0, 1)[..., None]
        return f32(wall + (floor - wall) * blend)

    cv.fill_background(fn)


def mesh_backdrop(cv: Canvas, p: Palette, calm: bool = False) -> None:
    """A linear gradient warped by a few large colour blobs (the "mesh gradient" look)."""
    r = cv.rand
    damp = 0.4 if calm else 1.0  # the poster family wants quiet, flat grounds
    angle = r.u(0, 2 * math.pi)
    dx, dy, span = math.cos(angle), math.sin(angle), max(cv.aw, cv.ah)
    blobs = [
        (r.u(0, cv.aw), r.u(0, cv.ah), r.u(0.3, 0.55), c, k * damp)
        for c, k in ((p.subject, 0.45), (p.accent, 0.3), (p.bg_light, 0.6))
    ]
    lo, hi = solid(p.bg_dark), solid(p.bg_light)

    def fn(x: F32, y: F32) -> F32:
        t = np.clip(((x - cv.aw / 2) * dx + (y - cv.ah / 2) * dy) / span + 0.5, 0, 1)
        out = hi + (lo - hi) * t[..., None]
        for bx, by, rad, c, k in blobs:
            out = out + (solid(c) - out) * (k * gauss(x, y, bx, by, rad, rad))[..., None]
        return f32(out)

    cv.fill_background(fn)


def sky(top: RGB, mid: RGB, horizon_c: RGB, horizon: float, bands: int = 0) -> FillFn:
    """Three-stop sky, brightest at the horizon; flat below it (scenes paint the ground).
    `bands` posterises it into flat stripes, the screen-print look of the poster family."""
    a, b, c = solid(top), solid(mid), solid(horizon_c)

    def fn(x: F32, y: F32) -> F32:
        del x  # constant along x; `Canvas.field` broadcasts
        t = np.clip(y / horizon, 0, 1)[..., None]
        if bands:
            t = np.floor(t * bands) / bands
        upper = a + (b - a) * np.clip(t * 1.6, 0, 1)
        return f32(upper + (c - upper) * np.clip((t - 0.55) / 0.45, 0, 1) ** 1.5)

    return fn


def shade(fam: Family, c: RGB, x0: float, x1: float, light: float, sheen: float = 0.5) -> FillFn:
    """Cylinder shading, or the poster family's two-tone flat fill."""
    if not fam.flat:
        return cylinder(c, x0, x1, light, sheen)
    lit, dark = solid(c), solid(mix(c, (0.0, 0.0, 0.0), 0.18))
    split = (x0 + x1) / 2 + light * (x1 - x0) * 0.2

    def fn(x: F32, y: F32) -> F32:
        del y  # constant along y; `Canvas.field` broadcasts
        side = ((x - split) * light > 0).astype(np.float32)[..., None]
        return f32(dark + (lit - dark) * side)

    return fn


# ---- ornaments: small graphic accents that make a frame read as designed


def free_spots(cv: Canvas, n: int, avoid: tuple[float, float, float, float]) -> list[Point]:
    """Up to n random points clear of the hero's box and of each other (rejection sampling,
    bounded so a crowded frame just gets fewer ornaments)."""
    ax0, ay0, ax1, ay1 = avoid
    spots: list[Point] = []
    for _ in range(n * 8):
        x, y = cv.rand.u(0.06, cv.aw - 0.06), cv.rand.u(0.06, cv.ah - 0.06)
        clear = not (ax0 - 0.08 < x < ax1 + 0.08 and ay0 - 0.08 < y < ay1 + 0.08)
        if clear and all(abs(x - sx) + abs(y - sy) > 0.18 for sx, sy in spots):
            spots.append((x, y))
        if len(spots) == n:
            break
    return spots


def ornaments(
    cv: Canvas, p: Palette, fam: Family, light: float, avoid: tuple[float, float, float, float]
) -> None:
    r = cv.rand
    kind = fam.ornament
    if kind == "spheres":
        for i, (x, y) in enumerate(free_spots(cv, 3, avoid)):
            rad = r.u(0.025, 0.07)
            c = (p.accent, p.subject, p.bg_light)[i % 3]
            soft = cv.soft_pen()
            soft.ellipse(x + 0.25 * rad * -light, y + rad * 1.1, rad * 0.9, rad * 0.35)
            cv.paint(soft, p.shadow, 0.25, blur=0.02)
            pen = cv.pen()
            pen.ellipse(x, y, rad, rad)
            cv.paint(pen, sphere(c, x, y, rad, light))
    elif kind == "rings":
        cx, cy = (avoid[0] + avoid[2]) / 2, (avoid[1] + avoid[3]) / 2
        for i in range(2):
            pen = cv.pen()
            rad = (avoid[3] - avoid[1]) * (0.62 + 0.16 * i)
            pen.arc(cx, cy, rad, r.u(0, 360), r.u(0, 360) + 300, 0.004)
            cv.paint(pen, mix(p.accent, p.light, 0.3), 0.7 - 0.25 * i)
    elif kind == "dots":
        for x, y in free_spots(cv, 2, avoid):
            pen = cv.pen()
            for i in range(5):
                for j in range(4):
                    pen.ellipse(x + (i - 2) * 0.03, y + (j - 1.5) * 0.03, 0.006, 0.006)
            cv.paint(pen, p.accent, 0.8)
    elif kind == "grid":
        pen = cv.pen()
        horizon = avoid[3]
        for i in range(-12, 13):
            pen.line([(cv.aw / 2 + i * 0.02, horizon), (cv.aw / 2 + i * 0.35, cv.ah + 0.2)], 0.003)
        for j in range(1, 9):
            y = horizon + (cv.ah - horizon) * (j / 8) ** 2
            pen.line([(0, y), (cv.aw, y)], 0.003)
        cv.paint(pen, p.accent, 0.45)
        cv.screen(glows([(cv.aw / 2, horizon, 0.5, p.accent, 0.25)]))
    else:  # arcs
        corner = r.pick(((0.0, 0.0), (cv.aw, 0.0), (0.0, cv.ah), (cv.aw, cv.ah)))
        pen = cv.pen()
        pen.ellipse(corner[0], corner[1], 0.26, 0.26)
        cv.paint(pen, mix(p.accent, p.bg_light, 0.25), 0.9)
        pen = cv.pen()
        pen.arc(corner[0], corner[1], 0.36, 0, 360, 0.018)
        cv.paint(pen, p.subject, 0.8)


# ---- product shot


# A named container wins ("cream bottle" is a bottle); then what the product usually comes in.
# ("can" is left out: in prompts it is usually a verb.)
_CONTAINERS = {"bottle": "bottle", "jar": "jar", "box": "box", "package": "box", "tin": "can"}
_USUAL_CONTAINER = {
    "cream": "jar",
    "candle": "jar",
    "balm": "jar",
    "soda": "can",
    "beer": "can",
    "drink": "can",
    "beverage": "can",
    "packaging": "box",
}


def _product_kind(words: tuple[str, ...], pick: str) -> str:
    for table in (_CONTAINERS, _USUAL_CONTAINER):
        for word in words:  # prompt order, so the choice is stable
            kind = table.get(word) or table.get(word.rstrip("s"))
            if kind:
                return kind
    return pick


# Body width and height ranges (units) of each product kind.
_PRODUCT_SIZES = {
    "bottle": ((0.17, 0.23), (0.3, 0.37)),
    "jar": ((0.36, 0.44), (0.2, 0.25)),
    "box": ((0.22, 0.28), (0.3, 0.38)),
    "can": ((0.16, 0.19), (0.3, 0.34)),
}


def product(cv: Canvas, rd: PromptReading, p: Palette, fam: Family) -> None:
    r = cv.rand
    light = r.pick((-1.0, 1.0)) * r.u(0.6, 1.0)
    cx = cv.aw * (r.pick((0.34, 0.66)) if cv.aw > 1.2 else r.pick((0.5, 0.44, 0.56)))
    size = 1.15 if cv.ah > 1.2 else 1.0
    horizon = cv.ah - (1 - r.u(0.62, 0.7)) * min(cv.ah, 1.2)
    studio_backdrop(cv, p, cx, horizon)
    kind = _product_kind(rd.words, r.pick(("bottle", "jar", "box", "can")))
    (wlo, whi), (hlo, hhi) = _PRODUCT_SIZES[kind]
    bw, bh = size * r.u(wlo, whi), size * r.u(hlo, hhi)
    x0, x1 = cx - bw / 2, cx + bw / 2

    # Behind the product: an arch or a disk in a quiet tint of the accent.
    backing = r.pick(("arch", "disk", "none"))
    tint = mix(p.bg_light, p.accent, 0.35 if fam.flat else 0.22)
    top_of_product = horizon - bh - (0.2 if kind == "bottle" else 0.08)
    if backing == "arch":
        pen = cv.pen()
        arch_w = max(bw * 1.9, 0.34) * size
        pen.rect(cx - arch_w / 2, top_of_product - 0.1, cx + arch_w / 2, horizon, radius=arch_w / 2)
        cv.paint(pen, vertical(tint, mix(tint, p.bg_dark, 0.25), top_of_product, horizon))
    elif backing == "disk":
        pen = cv.pen()
        rad = max(bh, 0.22) * size
        pen.ellipse(cx + light * 0.06, top_of_product + rad * 0.55, rad, rad)
        cv.paint(pen, tint)

    ornaments(cv, p, fam, light, (x0 - 0.05, top_of_product, x1 + 0.05, horizon))
    # A podium (cylinder) or the bare floor.
    base_y = horizon + 0.05
    if r.chance(0.65):
        # Wider than the product, but never wider than about a third of the short side.
        rp, ph = max(bw * 0.62, min(bw * r.u(1.05, 1.5), 0.34)), r.u(0.06, 0.12)
        ry, top = rp * 0.16, horizon + r.u(-0.02, 0.04)
        pod = mix(p.bg_light, p.subject, 0.12) if r.chance(0.5) else mix(p.bg_light, p.light, 0.5)
        soft = cv.soft_pen()
        soft.ellipse(cx - light * 0.05, top + ph + ry * 0.6, rp * 1.25, ry * 1.4)
        cv.paint(soft, p.shadow, 0.35, blur=0.03)
        pen = cv.pen()
        pen.rect(cx - rp, top, cx + rp, top + ph)
        pen.ellipse(cx, top + ph, rp, ry)
        cv.paint(pen, shade(fam, mix(pod, p.bg_dark, 0.15), cx - rp, cx + rp, light, 0.25))
        pen = cv.pen()
        pen.ellipse(cx, top, rp, ry)
        cv.paint(pen, vertical(mix(pod, p.light, 0.3), pod, top - ry, top + ry))
        base_y = top
    soft = cv.soft_pen()
    soft.ellipse(cx - light * bw * 0.15, base_y, bw * 0.62, 0.018)
    cv.paint(soft, p.shadow, 0.6, blur=0.012)
    if base_y > horizon + 0.03:  # a cast shadow across the bare floor, away from the light
        soft = cv.soft_pen()
        dx = -light * bh * 0.7
        soft.polygon(
            [(x0, base_y), (x1, base_y), (x1 + dx, base_y - 0.05), (x0 + dx, base_y - 0.05)]
        )
        cv.paint(soft, p.shadow, 0.3, blur=0.025)

    _drarch_wproduct(cv, p, fam, kind, cx, base_y, bw, bh, light)
    cv.screen(glows([(cx - light * 0.2, top_of_product, 0.45, p.light, 0.12)]))


def _drarch_wproduct(
    cv: Canvas,
    p: Palette,
    fam: Family,
    kind: str,
    cx: float,
    base: float,
    bw: float,
    bh: float,
    light: float,
) -> None:
    r = cv.rand
    x0, x1, top = cx - bw / 2, cx + bw / 2, base - bh
    body = p.subject
    cap = r.pick((p.accent, mix(p.shadow, p.subject, 0.2), (0.83, 0.68, 0.36)))
    if kind == "box":
        depth = bw * 0.28
        dx = -light / abs(light) * depth
        edge = x1 if dx > 0 else x0  # the side face shows away from the light
        side = [
            (edge, top),
            (edge, base),
            (edge + dx, base - depth / 2),
            (edge + dx, top - depth / 2),
        ]
        pen = cv.pen()
        pen.polygon(side)
        cv.paint(pen, mix(body, p.shadow, 0.35))
        pen = cv.pen()
        pen.polygon(
            [(x0, top), (x1, top), (x1 + dx, top - depth * 0.5), (x0 + dx, top - depth * 0.5)]
        )
        cv.paint(pen, mix(body, p.light, 0.25))
        pen = cv.pen()
        pen.rect(x0, top, x1, base)
        cv.paint(pen, vertical(mix(body, p.light, 0.08), mix(body, p.shadow, 0.12), top, base))
    else:
        radius = {"bottle": bw * 0.14, "jar": bw * 0.1, "can": bw * 0.06}[kind]
        if kind == "bottle":  # the neck first, so the shoulders cover its foot
            nw, sh = bw * r.u(0.26, 0.4), bh * r.u(0.1, 0.2)
            neck_top = top - sh - bh * r.u(0.08, 0.14)
            pen = cv.pen()
            pen.rect(cx - nw / 2, neck_top, cx + nw / 2, top - sh + 0.01)
            cv.paint(pen, shade(fam, mix(body, p.shadow, 0.15), cx - nw / 2, cx + nw / 2, light))
        pen = cv.pen()
        pen.rect(x0, top, x1, base, radius=radius)
        pen.rect(x0, top, x1, (top + base) / 2)  # square shoulders: the curve below joins them
        if kind == "bottle":
            # Shoulders: a smooth curve from the body's width to the neck's.
            ts = np.linspace(0, 1, 24)
            ease = (1 - np.cos(ts * math.pi)) / 2
            curve = [
                (cx + bw / 2 + (nw - bw) / 2 * float(e), top + 0.002 - (sh + 0.002) * float(t))
                for t, e in zip(ts, ease, strict=True)
            ]
            pen.polygon(curve + [(2 * cx - x, y) for x, y in reversed(curve)])
        cv.paint(pen, shade(fam, body, x0, x1, light, 0.55))
        if kind == "bottle":
            cw, ch = nw * r.u(1.15, 1.6), bh * r.u(0.16, 0.28)
            pen = cv.pen()
            pen.rect(cx - cw / 2, neck_top - ch, cx + cw / 2, neck_top + 0.004, radius=cw * 0.12)
            cv.paint(pen, shade(fam, cap, cx - cw / 2, cx + cw / 2, light, 0.7))
        else:
            lid_h = bh * (0.28 if kind == "jar" else 0.06)
            pen = cv.pen()
            pen.rect(x0 - bw * 0.01, top, x1 + bw * 0.01, top + lid_h, radius=lid_h * 0.3)
            lid = cap if kind == "jar" else mix(p.light, body, 0.3)
            cv.paint(pen, shade(fam, lid, x0, x1, light, 0.7))
    # Label band with stand-in "copy" bars: reads as packaging at a glance.
    ly0 = top + bh * (0.38 if kind == "jar" else 0.32)
    ly1 = ly0 + bh * (0.42 if kind == "jar" else 0.36)
    label = mix(p.light, body, 0.12) if sum(body) < 1.8 else mix(p.shadow, body, 0.25)
    pen = cv.pen()
    pen.rect(
        x0 + (0.0 if kind != "box" else bw * 0.12),
        ly0,
        x1 - (0.0 if kind != "box" else bw * 0.12),
        ly1,
    )
    cv.paint(pen, shade(fam, label, x0, x1, light, 0.2))
    ink = mix(body, p.shadow, 0.4) if sum(label) > 1.5 else mix(label, p.light, 0.8)
    pen = cv.pen()
    for i, width in enumerate((0.55, 0.34, 0.24)):
        y = ly0 + (ly1 - ly0) * (0.3 + 0.22 * i)
        bar = bh * (0.045 if i == 0 else 0.022)  # a headline, then two lines of copy
        pen.rect(cx - bw * width / 2, y, cx + bw * width / 2, y + bar, radius=0.003)
    cv.paint(pen, ink, 0.85)
