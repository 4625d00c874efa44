"""One-shot effects: impacts, explosions, whooshes, doors, glass and guns.

Each layers a body, a transient and a resonance (`_layers`). Weight lowers and
lengthens the body, material picks the resonances, speed tightens the timing. On a
loop the event repeats on an even grid, so the loop has a rhythm rather than one lonely
hit.
"""

from __future__ import annotations

import math

import numpy as np

from genfire_server.engines.local.sfx._canvas import Canvas, Params, decay, fade_tail, modes
from genfire_server.engines.local.sfx._layers import (
    burst,
    convolve,
    delayed,
    pad_sum,
    repeats,
    ring,
    sweep,
)
from genfire_server.engines.local.synth.dsp import F64, RATE, band_noise, samples

# ---------------------------------------------------------------------------- impacts


def _impact_event(p: Params, rng: np.random.Generator) -> F64:
    w = p.weight
    variant = p.variant
    material = p.material or ("metal" if variant == "metal" else None)
    if variant == "punch":
        body = sweep(0.35, 160.0, 70.0 - 15 * w, 0.02, 0.08 + 0.06 * w)
        slap = burst(rng, 0.12, 900.0, 8000.0, 0.012)
        # The fist's swish comes before the smack: a noise burst played backwards.
        swish = burst(rng, 0.08, 500.0, 3000.0, 0.03)[::-1]
        event = pad_sum(0.25 * swish, delayed(pad_sum(body, 0.7 * slap), 0.07))
    elif variant == "thud":
        body = sweep(0.8, 110.0, 45.0 - 12 * w, 0.03, 0.18 + 0.15 * w)
        dull = burst(rng, 0.3, 40.0, 900.0 - 300 * w, 0.05)
        event = pad_sum(body, 0.5 * dull)
    else:
        body = sweep(0.9, 140.0 + 40 * p.pitch, 55.0 - 18 * w, 0.025, 0.14 + 0.16 * w)
        crack = burst(rng, 0.2, 200.0, 6000.0 + 3000 * p.pitch, 0.012 - 0.004 * w)
        event = pad_sum(body, 0.6 * crack)
    if variant == "crash":
        # A collision: a deep body hit, crumpling metal and a spray of broken glass.
        event = pad_sum(
            sweep(1.2, 120.0, 40.0 - 10 * w, 0.04, 0.3 + 0.15 * w),
            0.7 * burst(rng, 1.0, 150.0, 5000.0, 0.15),
            ring("metal", rng, p, 1.5, 0.7),
            delayed(0.5 * _shatter(p, rng), 0.04),
        )
        return fade_tail(event, 0.05)
    if material is not None:
        length = 2.5 if material in ("metal", "glass") else 0.6
        event = pad_sum(event, ring(material, rng, p, length, 0.9 if material == "metal" else 0.6))
    elif variant == "hit":
        event = pad_sum(event, ring("wood", rng, p, 0.4, 0.25))
    return fade_tail(event)


def impact(c: Canvas, p: Params) -> str:
    for time in repeats(c, 0.9 - 0.35 * p.speed):
        c.place(time, _impact_event(p, c.rng), pan=0.1 * c.rng.uniform(-1, 1) * p.jitter)
    names = {"punch": "punch", "thud": "thud", "metal": "metal clang", "crash": "crash"}
    return names.get(p.variant, "impact")


def _explosion_event(c: Canvas, p: Params) -> F64:
    rng = c.rng
    w = p.weight
    length = 4.0 + 2.0 * w
    crack = burst(rng, 0.3, 800.0, 11000.0, 0.025)
    boom = sweep(length, 75.0, 28.0 - 6 * w, 0.12, 0.9 + 0.6 * w)
    t, env = decay(length, 1.4 + 0.8 * w, attack=0.03)
    rumble = band_noise(rng, t.size, 20.0, 260.0) * env
    mid = band_noise(rng, t.size, 200.0, 2200.0) * np.exp(-t / (0.35 + 0.2 * w))
    # Debris: small clicks whose density thins out after the blast.
    count = int(40 + 40 * (w + 1))
    times = 0.15 + rng.exponential(0.6 + 0.3 * w, size=count)
    debris = np.zeros(t.size)
    keep = times < length - 0.1
    positions = np.round(times[keep] * RATE).astype(np.int64)
    np.add.at(
        debris,
        positions,
        rng.uniform(0.1, 0.5, size=positions.size) * rng.choice([-1, 1], positions.size),
    )
    click = burst(rng, 0.02, 1500.0, 7000.0, 0.003)
    debris = convolve(debris, click)[: t.size]
    event = pad_sum(0.8 * crack, 1.1 * boom, 0.9 * rumble, 0.5 * mid, 0.35 * debris)
    return fade_tail(event, 0.05)


def explosion(c: Canvas, p: Params) -> str:
    for time in repeats(c, 4.0 + 2.0 * p.weight):
        c.place(time, _explosion_event(c, p))
    return "explosion"


# ---------------------------------------------------------------------------- whoosh


def _whoosh_event(p: Params, rng: np.random.Generator, longest: float) -> F64:
    length = max(0.25, (0.9 - 0.35 * p.speed + 0.25 * p.weight) * p.vary(rng, 0.15))
    # A whoosh peaks past its middle: cut short by the canvas it would be only a swell.
    length = min(length, max(0.25, longest))
    low = 250.0 * 2.0 ** (-0.8 * p.weight)
    high = 2600.0 * 2.0 ** (0.7 * p.pitch - 0.5 * p.weight)
    peak_at = 0.55 + 0.1 * rng.uniform(-1, 1) * p.jitter

    def shape(times: F64, freqs: F64) -> F64:
        x = np.clip(times / length, 0.0, 1.0)
        rise = np.clip(x / peak_at, 0.0, 1.0)
        fall = np.clip((1.0 - x) / (1.0 - peak_at), 0.0, 1.0)
        env = np.where(x < peak_at, rise**2.5, fall**1.5) * (times >= 0) * (times <= length)
        centre = low * (high / low) ** env
        octaves = np.log2(np.maximum(freqs[None, :], 20.0) / centre[:, None])
        out: F64 = env[:, None] * np.exp(-0.5 * (octaves / 1.1) ** 2)
        return out

    local = Canvas(samples(length + 0.05), False, rng)
    sound = local.spectral(shape, width=0.3)
    # The air moves past you: left to right across the whoosh.
    travel = np.linspace(-0.8, 0.8, sound.shape[1]) * (1.0 if rng.random() < 0.5 else -1.0)
    angle = (travel + 1.0) * np.pi / 4.0
    sound[0] *= np.cos(angle) * np.sqrt(2.0)
    sound[1] *= np.sin(angle) * np.sqrt(2.0)
    return fade_tail(sound, 0.02)


def whoosh(c: Canvas, p: Params) -> str:
    period = 1.2 - 0.4 * p.speed
    longest = math.inf if c.loop else c.seconds - 0.05
    for time in repeats(c, period, first=0.0):
        c.place(time, _whoosh_event(p, c.rng, longest))
    return "whoosh"


# ---------------------------------------------------------------------------- doors


def _slam(p: Params, rng: np.random.Generator) -> F64:
    material = p.material if p.material in ("metal", "wood", "glass") else "wood"
    body = sweep(1.0, 110.0, 48.0 - 10 * p.weight, 0.03, 0.12 + 0.12 * p.weight)
    crack = burst(rng, 0.25, 120.0, 4000.0, 0.02)
    panel = ring(material, rng, p, 1.5 if material == "metal" else 0.5, 0.8)
    latch = delayed(
        modes(0.15, [2300.0, 3500.0, 5200.0], [0.02, 0.015, 0.01], [1.0, 0.6, 0.3]), 0.035
    )
    rattle = delayed(burst(rng, 0.3, 300.0, 3000.0, 0.06), 0.05)
    return fade_tail(pad_sum(body, 0.6 * crack, panel, 0.35 * latch, 0.15 * rattle), 0.02)


def _creak(p: Params, rng: np.random.Generator) -> F64:
    length = max(0.6, (2.2 - 0.8 * p.speed) * p.vary(rng, 0.2))
    n = samples(length)
    t = np.arange(n) / RATE
    # Stick-slip friction: the hinge releases in tiny jerks whose rate wanders.
    wobble = np.cumsum(rng.standard_normal(n // 512 + 2))
    wobble = np.interp(np.arange(n), np.arange(wobble.size) * 512, wobble)
    wobble /= float(np.max(np.abs(wobble))) or 1.0
    rate = (55.0 + 35.0 * p.pitch) * 2.0 ** (0.8 * wobble + 0.5 * np.sin(np.pi * t / length))
    cycles = np.cumsum(rate) / RATE
    clicks = np.flatnonzero(np.diff(np.floor(cycles)) > 0)
    train = np.zeros(n)
    train[clicks] = rng.uniform(0.6, 1.0, size=clicks.size)
    base = 600.0 * 2.0 ** (0.6 * p.pitch - 0.4 * p.weight)
    kernel = modes(0.04, [base, base * 2.1, base * 3.3, base * 4.6], [0.012, 0.008, 0.006, 0.004],
                   [1.0, 0.7, 0.5, 0.3])  # fmt: skip
    creak = convolve(train, kernel)[:n] * np.sin(np.pi * np.clip(t / length, 0, 1)) ** 0.5
    if p.material == "metal":
        creak += (
            0.3
            * np.sin(2 * np.pi * np.cumsum(rate * 18.0) / RATE)
            * np.sin(np.pi * t / length) ** 2
        )
    return fade_tail(creak, 0.02)


def _knock(p: Params, rng: np.random.Generator) -> F64:
    count = 3 if p.jitter < 0.5 or rng.random() < 0.6 else int(rng.integers(2, 5))
    gap = (0.19 - 0.06 * p.speed) * p.vary(rng, 0.1)
    material = p.material if p.material in ("metal", "wood", "glass") else "wood"
    parts = []
    for k in range(count):
        hit = pad_sum(
            ring(material, rng, p, 0.5 if material != "metal" else 1.2, 1.0),
            0.4 * burst(rng, 0.05, 1000.0, 5000.0, 0.003),
            0.6 * sweep(0.2, 150.0, 90.0 - 20 * p.weight, 0.02, 0.04 + 0.03 * p.weight),
        )
        parts.append(
            delayed(hit * (1.0 - 0.08 * k) * p.vary(rng, 0.1), k * gap * p.vary(rng, 0.05))
        )
    return fade_tail(pad_sum(*parts), 0.02)


def door(c: Canvas, p: Params) -> str:
    if p.variant == "creak":
        make, period, name = _creak, 2.6 - 0.8 * p.speed, "door creak"
    elif p.variant == "knock":
        make, period, name = _knock, 1.6 - 0.3 * p.speed, "door knock"
    else:
        make, period, name = _slam, 1.8 - 0.4 * p.speed, "door slam"
    for time in repeats(c, period):
        c.place(time, make(p, c.rng))
    return name


# ---------------------------------------------------------------------------- glass


def _shatter(p: Params, rng: np.random.Generator) -> F64:
    length = 2.2 + 0.6 * p.weight
    n = samples(length)
    crack = burst(rng, 0.3, 2000.0, 14000.0, 0.008)
    thump = sweep(0.3, 180.0, 90.0, 0.02, 0.05)
    count = int(120 * 2.0**p.weight)
    times = np.concatenate([
        rng.exponential(0.12, size=count // 2),
        0.25 + rng.exponential(0.35 + 0.15 * p.weight, size=count - count // 2),
    ])  # fmt: skip
    times = times[times < length - 0.2]
    amps = rng.uniform(0.2, 1.0, size=times.size) * np.exp(-times / (0.6 + 0.2 * p.weight))
    shards = np.zeros(n)
    for k in range(8):
        chosen = np.arange(times.size) % 8 == k
        train = np.zeros(n)
        np.add.at(train, np.round(times[chosen] * RATE).astype(np.int64), amps[chosen])
        base = rng.uniform(2200.0, 7500.0) * 2.0 ** (0.4 * p.pitch - 0.3 * p.weight)
        kernel = modes(0.15, [base, base * 1.63, base * 2.31], [0.05, 0.03, 0.02], [1.0, 0.6, 0.4])
        shards += convolve(train, kernel)[:n]
    return fade_tail(pad_sum(crack, 0.4 * thump, 0.5 * shards), 0.03)


def glass(c: Canvas, p: Params) -> str:
    for time in repeats(c, 2.4):
        c.place(time, _shatter(p, c.rng))
    return "glass shatter"


# ---------------------------------------------------------------------------- guns


def _shot(p: Params, rng: np.random.Generator, echo: bool) -> F64:
    w = p.weight + (0.5 if p.has("shotgun", "rifle", "cannon") else 0.0)
    crack = burst(rng, 0.15, 1200.0, 12000.0, 0.004)
    crack[: samples(0.0008)] *= 3.0
    boom = sweep(0.7, 120.0, 45.0 - 10 * w, 0.01, 0.07 + 0.06 * w)
    body = burst(rng, 0.6, 60.0, 1200.0, 0.09 + 0.06 * w)
    shot = pad_sum(crack, 1.2 * boom, 0.9 * body)
    if echo:
        # Outdoors a shot comes back off distant walls, later and duller.
        for delay, level in ((0.32, 0.22), (0.75, 0.12), (1.3, 0.06)):
            shot = pad_sum(
                shot, level * delayed(np.convolve(body, np.ones(24) / 24, "same"), delay)
            )
    return fade_tail(shot, 0.02)


def gunshot(c: Canvas, p: Params) -> str:
    echo = not c.loop
    if p.variant == "burst":
        interval = (0.095 - 0.025 * p.speed) if p.has("machine", "automatic", "rapid") else 0.45
        span = min(c.seconds, 1.4 if interval < 0.2 else 1.6)
        count = max(1, int(span / interval))
        if c.loop:
            count = max(1, round(c.seconds / interval))
            interval = c.seconds / count
        for k in range(count):
            jitter = 0.006 * p.jitter * c.rng.uniform(-1, 1) if not c.loop else 0.0
            c.place(
                0.02 + k * interval + jitter,
                _shot(p, c.rng, echo and k == count - 1) * p.vary(c.rng, 0.1),
            )
        return "burst of gunfire"
    for time in repeats(c, 1.2):
        c.place(time, _shot(p, c.rng, echo))
    return "gunshot"
