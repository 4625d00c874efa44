"""Tonal one-shots: sci-fi lasers and power-ups, UI beeps and clicks, bells and chimes.

These are mostly pitched: sweeps, tones and inharmonic bell partials rather than noise,
so pitch words move them most. Sirens and alarms are continuous or repeating tones.
"""

from __future__ import annotations

import math

import numpy as np

from genfire_server.engines.local.sfx._canvas import Canvas, Params, decay, fade_tail, modes
from genfire_server.engines.local.sfx._layers import (
    burst,
    delayed,
    pad_sum,
    repeats,
)
from genfire_server.engines.local.synth.dsp import F64, RATE, band_noise, samples

# ---------------------------------------------------------------------------- sci-fi


def _pew(p: Params, rng: np.random.Generator) -> F64:
    length = (0.32 - 0.1 * p.speed) * p.vary(rng, 0.15)
    t, env = decay(length + 0.05, length / 2.5, attack=0.002)
    top = 2600.0 * 2.0 ** (0.8 * p.pitch - 0.6 * p.weight) * p.vary(rng, 0.2)
    bottom = 220.0 * 2.0 ** (0.5 * p.pitch - 0.5 * p.weight)
    tau = length / 4.0
    cycles = bottom * t + (top - bottom) * tau * (1.0 - np.exp(-t / tau))
    tone = np.sin(2 * np.pi * cycles) + 0.35 * np.tanh(4.0 * np.sin(2 * np.pi * cycles * 0.5))
    tone *= 1.0 + 0.3 * np.sin(2 * np.pi * 55.0 * t)
    return fade_tail(tone * env, 0.01)


def _zap(p: Params, rng: np.random.Generator) -> F64:
    length = 0.6 - 0.2 * p.speed
    t, env = decay(length, length / 2.0, attack=0.002)
    hum = np.sign(np.sin(2 * np.pi * (110.0 * 2.0 ** (0.5 * p.pitch)) * t))
    gate = np.repeat(rng.random(t.size // 220 + 1) < 0.6, 220)[: t.size]
    crackle = band_noise(rng, t.size, 1500.0, 9000.0) * gate
    zap = (0.5 * hum + crackle) * env
    pew = _pew(p, rng)
    return fade_tail(pad_sum(zap, 0.6 * pew), 0.01)


def _power_up(p: Params, rng: np.random.Generator, longest: float) -> F64:
    # The rise ends in a ping; on a short canvas the rise is shortened so the ping is heard.
    length = min((1.3 - 0.4 * p.speed) * p.vary(rng, 0.1), max(0.2, longest))
    n = samples(length + 0.4)
    t = np.arange(n) / RATE
    x = np.clip(t / length, 0.0, 1.0)
    start, end = 160.0 * 2.0 ** (0.5 * p.pitch), 1800.0 * 2.0 ** (0.6 * p.pitch)
    freq = start * (end / start) ** (x**1.5)
    cycles = np.cumsum(freq) / RATE
    trem_rate = 6.0 + 30.0 * x
    tremolo = 0.75 + 0.25 * np.sin(2 * np.pi * np.cumsum(trem_rate) / RATE)
    tone = (np.sin(2 * np.pi * cycles) + 0.3 * np.sin(4 * np.pi * cycles)) * tremolo
    env = np.clip(t / 0.05, 0, 1) * np.where(
        t <= length, 0.4 + 0.6 * x, np.exp(-(t - length) / 0.08)
    )
    ping = delayed(modes(0.4, [end * 2.0, end * 3.01], [0.12, 0.08], [0.4, 0.2]), length)
    return fade_tail(pad_sum(tone * env, ping), 0.01)


def laser(c: Canvas, p: Params) -> str:
    if p.variant == "powerup":
        longest = math.inf if c.loop else c.seconds - 0.3
        for time in repeats(c, 1.7):
            c.place(time, _power_up(p, c.rng, longest))
        return "sci-fi power-up"
    make = _zap if p.variant == "zap" else _pew
    several = p.has("lasers", "shots", "pew", "firing", "blasts")
    period = 0.42 - 0.12 * p.speed
    times = repeats(c, period)
    if several and not c.loop:
        times = [0.02 + k * period for k in range(3) if 0.02 + k * period < c.seconds]
    for time in times:
        c.place(time, make(p, c.rng), pan=0.3 * c.rng.uniform(-1, 1) * p.jitter)
    return "electric zap" if p.variant == "zap" else "laser blast"


# ---------------------------------------------------------------------------- UI


def _tone(freq: float, length: float, bright: float, tau: float | None = None) -> F64:
    n = samples(length)
    t = np.arange(n) / RATE
    x = np.sin(2 * np.pi * freq * t) + bright * np.sin(2 * np.pi * 3 * freq * t) / 3
    env = np.exp(-t / tau) if tau is not None else np.ones(n)
    edge = samples(0.004)
    env[:edge] *= np.linspace(0.0, 1.0, edge)
    env[n - edge :] *= np.linspace(1.0, 0.0, edge)
    out: F64 = x * env
    return out


def beep(c: Canvas, p: Params) -> str:
    shift = 2.0 ** (0.9 * p.pitch)
    if p.variant == "siren":
        t = c.times()
        period = 1.6 * (1.0 + 0.8 * -min(p.speed, 0.0)) / (1.0 + 0.6 * max(p.speed, 0.0))
        sweep_rate = c.hz(1.0 / period)
        freq = (650.0 + 750.0 * (0.5 - 0.5 * np.cos(2 * np.pi * sweep_rate * t))) * shift
        cycles = np.cumsum(freq) / RATE
        if c.loop:
            total = cycles[-1] + freq[-1] / RATE
            cycles *= max(1, round(total)) / total
        # A quarter cycle in: the seam lands on a crest, where the wave is flattest.
        cycles += 0.25
        c.add(np.sin(2 * np.pi * cycles) + 0.25 * np.sin(6 * np.pi * cycles))
        return "siren"
    if p.variant == "alarm":
        freq = 2800.0 * shift
        cycle = (0.9 - 0.3 * p.speed) * p.vary(c.rng, 0.05)
        count = max(1, round(c.seconds / cycle)) if c.loop else max(1, int(c.seconds / cycle))
        cycle = c.seconds / count if c.loop else cycle
        for k in range(count):
            for j in range(3):
                c.place(k * cycle + j * cycle * 0.22 + 0.01, _tone(freq, cycle * 0.13, 0.8))
        return "alarm"
    if p.variant == "notification":
        notes = [1318.5 * shift, 1975.5 * shift]
        sound = pad_sum(
            _tone(notes[0], 0.35, 0.2, 0.09), delayed(_tone(notes[1], 0.5, 0.2, 0.14), 0.1)
        )
        name = "notification chime"
    elif p.variant == "error":
        low = 330.0 * shift
        sound = pad_sum(_tone(low * 1.33, 0.13, 1.0), delayed(_tone(low, 0.2, 1.0), 0.15))
        name = "error buzz"
    else:
        length = (0.22 - 0.08 * p.speed) * p.vary(c.rng, 0.1)
        sound = _tone(1000.0 * shift, length, 0.15)
        name = "beep"
    for time in repeats(c, 0.9 - 0.3 * p.speed):
        c.place(time, sound)
    return name


def _click(p: Params, rng: np.random.Generator, pitch: float = 1.0) -> F64:
    base = 3200.0 * pitch * 2.0 ** (0.6 * p.pitch - 0.4 * p.weight)
    res = modes(
        0.03,
        [base, base * 1.9, 900.0 * pitch],
        [0.004, 0.002, 0.006],
        [1.0, 0.5, 0.4 + 0.3 * p.weight],
    )
    snap = burst(rng, 0.01, 2000.0, 10000.0, 0.0008)
    return fade_tail(pad_sum(res, 0.6 * snap), 0.003)


def click(c: Canvas, p: Params) -> str:
    if p.variant == "tick":
        interval = 1.0 / (1.0 + 0.8 * max(p.speed, 0.0)) * (1.0 + 0.5 * -min(p.speed, 0.0))
        count = max(1, round(c.seconds / interval)) if c.loop else max(1, int(c.seconds / interval))
        interval = c.seconds / count if c.loop else interval
        for k in range(count):
            c.place(0.02 + k * interval, _click(p, c.rng, 0.8 if k % 2 else 1.0))
        return "clock ticking"
    double = p.has("double")
    for time in repeats(c, 0.5 - 0.15 * p.speed):
        c.place(time, _click(p, c.rng))
        if double:
            c.place(time + 0.09, _click(p, c.rng) * 0.8)
    return "UI click"


# ---------------------------------------------------------------------------- bells


def _bell(rng: np.random.Generator, base: float, length: float) -> F64:
    ratios = [0.5, 1.0, 1.19, 1.5, 2.0, 2.51, 2.66, 3.01, 4.16]
    amps = [0.5, 1.0, 0.6, 0.4, 0.5, 0.25, 0.2, 0.15, 0.1]
    taus = [length * 0.9, length * 0.6, length * 0.5, length * 0.35, length * 0.3, length * 0.2,
            length * 0.18, length * 0.12, length * 0.08]  # fmt: skip
    strike = burst(rng, 0.03, 1000.0, 8000.0, 0.002)
    tone = modes(length * 1.2, [base * r for r in ratios], taus, amps)
    return fade_tail(pad_sum(tone, 0.2 * strike), 0.05)


def bell(c: Canvas, p: Params) -> str:
    rng = c.rng
    shift = 2.0 ** (0.9 * p.pitch - 1.0 * p.weight)
    if p.variant == "chime":
        tubes = np.array([1046.5, 1174.7, 1318.5, 1568.0, 1760.0]) * shift
        rate = 2.5 * (1.0 + 0.5 * p.speed)
        count = max(3, int(c.seconds * rate))
        times = np.sort(rng.uniform(0.0, c.seconds * (1.0 if c.loop else 0.7), size=count))
        if not c.loop:
            # The breeze sets the chimes going at once: on a short canvas random starts
            # could all fall near its end and leave it silent until then.
            times += 0.02 - times[0]
        for time in times:
            f = float(tubes[int(rng.integers(tubes.size))])
            tone = modes(2.5, [f, f * 2.76, f * 5.40], [1.4, 0.5, 0.2], [1.0, 0.3, 0.12])
            c.place(
                float(time),
                fade_tail(tone, 0.05) * rng.uniform(0.4, 1.0),
                pan=rng.uniform(-0.6, 0.6),
            )
        return "wind chimes"
    if p.variant == "gong":
        base = 110.0 * shift
        ratios = np.sort(rng.uniform(1.0, 8.0, size=24))
        ratios[0] = 1.0
        t, _ = decay(6.0, 1.0)
        sound = np.zeros(t.size)
        for r in ratios:
            swell = 1.0 - np.exp(-t / (0.05 + 0.05 * r))
            sound += np.sin(2 * np.pi * base * r * t) * swell * np.exp(-t / (4.0 / r**0.5)) / r**0.7
        for time in repeats(c, 6.0):
            c.place(time, fade_tail(sound, 0.1))
        return "gong"
    if p.variant == "sparkle":
        count = 28
        times = np.sort(rng.uniform(0.0, 1.2, size=count))
        for k, time in enumerate(times):
            f = 2000.0 * shift * 2.0 ** (1.5 * k / count + 0.2 * rng.uniform(-1, 1))
            tone = modes(0.6, [f, f * 2.76], [0.25, 0.08], [1.0, 0.2])
            for start in repeats(c, 2.0, first=0.0):
                c.place(
                    start + float(time),
                    fade_tail(tone, 0.02) * rng.uniform(0.3, 0.8),
                    pan=rng.uniform(-0.8, 0.8),
                )
        return "magical sparkle"
    if p.variant == "ding":
        sound = _bell(rng, 1046.5 * shift, 1.2)
        name = "ding"
    else:
        sound = _bell(rng, 440.0 * shift, 3.0 + 1.5 * p.weight)
        name = "bell"
    for time in repeats(c, 2.5 if p.variant != "ding" else 1.2):
        c.place(time, sound)
    return name
