"""Nature's continuous sounds: rain, wind, thunder, water and fire.

These are textures, so they are made statistically: thousands of raindrops or fire
crackles are scattered as impulse trains and convolved with a few seeded kernels; wind,
surf and rumble are noise whose spectrum moves frame by frame. All of it is drawn
through the canvas, so on a loop it comes out periodic with no seam.
"""

from __future__ import annotations

import numpy as np

from genfire_server.engines.local.sfx._canvas import Canvas, Params, decay, fade_tail, modes
from genfire_server.engines.local.sfx._layers import (
    band_gain,
    burst,
    curve_at,
    pad_sum,
    poisson_times,
    sweep,
)
from genfire_server.engines.local.synth.dsp import F64, samples

# ---------------------------------------------------------------------------- weather


def rain(c: Canvas, p: Params) -> str:
    w = p.weight
    swell = c.wander(0.07)
    brightness = 3000.0 * 2.0 ** (0.4 * p.pitch - 0.3 * w)

    def hiss(times: F64, freqs: F64) -> F64:
        level = 1.0 + 0.15 * curve_at(swell, times)
        shape = (
            band_gain(freqs, brightness, 1.6)[0]
            + 0.35 * (1.0 + w) * band_gain(freqs, 250.0, 1.2)[0]
        )
        out: F64 = level[:, None] * shape[None, :]
        return out

    c.add(c.spectral(hiss, width=0.8), 0.5 + 0.15 * w)
    rate = 160.0 * 4.0**w
    times = poisson_times(c, rate)
    amps = np.minimum(c.rng.pareto(2.5, size=times.size) * 0.3 + 0.1, 1.5)
    kernels = []
    metal = p.material == "metal" or p.has("roof", "tin", "umbrella", "car")
    for _ in range(8):
        f = float(c.rng.uniform(2000.0, 6000.0)) * 2.0 ** (0.3 * p.pitch)
        if metal:
            kernel = modes(0.12, [f * 0.5, f * 0.83], [0.03, 0.02], [1.0, 0.5])
        else:
            t, env = decay(0.03, float(c.rng.uniform(0.003, 0.009)))
            kernel = np.sin(2 * np.pi * f * t * (1.0 + 6.0 * t)) * env
        kernels.append(fade_tail(kernel, 0.002))
    c.scatter(times, amps * 0.35, kernels, pans=c.rng.uniform(-0.9, 0.9, size=times.size))
    if p.has("thunder", "thunderstorm", "storm"):
        _thunder_rolls(c, p, distant=True, level=0.9)
    name = "heavy rain" if w > 0.5 else ("light rain" if w < -0.4 else "rain")
    if metal:
        name += " on a metal roof"
    if p.has("thunder", "thunderstorm", "storm"):
        name += " with distant thunder"
    return name


def wind(c: Canvas, p: Params) -> str:
    gust = c.wander(0.06 + 0.08 * max(p.speed, 0.0) + 0.03 * p.jitter)
    base = 420.0 * 2.0 ** (0.7 * p.pitch - 0.5 * p.weight)
    howl = p.has("howling", "howl", "whistling", "blizzard", "storm") or p.weight > 0.6

    def air(times: F64, freqs: F64) -> F64:
        g = curve_at(gust, times)
        centre = base * 2.0 ** (0.9 * g)
        level = 0.45 + 0.55 * (0.5 + 0.5 * g) ** 1.5
        out = level[:, None] * (
            band_gain(freqs, centre, 1.3) + 0.4 * (1.0 + p.weight) * band_gain(freqs, 90.0, 1.0)
        )
        if howl:
            out += (
                0.9
                * level[:, None] ** 2
                * (
                    band_gain(freqs, centre * 1.7, 0.05)
                    + 0.5 * band_gain(freqs, centre * 2.6, 0.04)
                )
            )
        result: F64 = out
        return result

    c.add(c.spectral(air, width=0.7))
    return "howling wind" if howl else ("gentle breeze" if p.weight < -0.4 else "wind")


def _thunder_event(c: Canvas, p: Params, distant: bool) -> F64:
    rng = c.rng
    length = (6.0 + 2.0 * p.weight) * p.vary(rng, 0.15)
    rolls = rng.uniform(0.0, 0.6 * length, size=int(rng.integers(3, 7)))
    # The event opens with its first roll. Distant thunder has no crack, so if every roll
    # began later, a canvas shorter than the gap would end before any sound and be silent.
    rolls -= rolls.min()
    heights = rng.uniform(0.4, 1.0, size=rolls.size)

    def rumble(times: F64, freqs: F64) -> F64:
        env = np.zeros_like(times)
        for start, height in zip(rolls, heights, strict=True):
            x = times - start
            env += height * np.where(
                x > 0, (1.0 - np.exp(-x / 0.25)) * np.exp(-x / (1.2 + 0.4 * p.weight)), 0.0
            )
        env *= (times >= 0) & (times <= length)
        cutoff = (350.0 if distant else 1800.0) * np.exp(-np.maximum(times, 0.0) / 1.8) + 90.0
        lowpass = 1.0 / np.sqrt(1.0 + (freqs[None, :] / cutoff[:, None]) ** 4)
        out: F64 = env[:, None] * lowpass * (np.maximum(freqs[None, :], 25.0) / 100.0) ** -0.3
        return out

    local = Canvas(samples(length), False, rng)
    sound = local.spectral(rumble, width=0.5)
    if not distant:
        crack = burst(rng, 0.6, 400.0, 9000.0, 0.08)
        sound[:, : crack.size] += 2.2 * crack
    return fade_tail(sound, 0.1)


def _thunder_rolls(c: Canvas, p: Params, distant: bool, level: float) -> None:
    period = 7.0
    count = max(1, round(c.seconds / period)) if c.loop else max(1, int(c.seconds / period))
    for k in range(count):
        start = k * c.seconds / count + (0.0 if c.loop else float(c.rng.uniform(0.0, 1.5)))
        event = _thunder_event(c, p, distant)
        c.place(start, event * level / (np.sqrt(np.mean(event**2)) + 1e-9) * 0.15)


def thunder(c: Canvas, p: Params) -> str:
    distant = p.variant == "distant" or p.distance > 0.4
    period = 6.5 + 2.0 * p.weight
    count = max(1, round(c.seconds / period)) if c.loop else 1
    for k in range(count):
        c.place(k * c.seconds / count + (0.0 if c.loop else 0.05), _thunder_event(c, p, distant))
    return "distant rolling thunder" if distant else "thunder clap"


# ---------------------------------------------------------------------------- water


def _bubbles(c: Canvas, p: Params, rate: float, level: float) -> None:
    times = poisson_times(c, rate)
    kernels = []
    for _ in range(10):
        f0 = float(np.exp(c.rng.uniform(np.log(350.0), np.log(1800.0)))) * 2.0 ** (
            0.5 * p.pitch - 0.4 * p.weight
        )
        t, env = decay(0.06, float(c.rng.uniform(0.006, 0.02)), attack=0.001)
        # A bubble's pitch rises as it nears the surface (Minnaert resonance).
        kernels.append(fade_tail(np.sin(2 * np.pi * f0 * t * (1.0 + 4.0 * t)) * env, 0.003))
    amps = c.rng.uniform(0.2, 1.0, size=times.size) * level
    c.scatter(times, amps, kernels, pans=c.rng.uniform(-0.8, 0.8, size=times.size))


def water(c: Canvas, p: Params) -> str:
    rng = c.rng
    if p.variant == "waves":
        period = (8.0 - 2.0 * p.speed) * p.vary(rng, 0.1)
        rate = c.hz(1.0 / period)
        phase0 = rng.uniform(0.0, 1.0)

        def surf(times: F64, freqs: F64) -> F64:
            phi = (times * rate + phase0) % 1.0
            crest = np.exp(-(((phi - 0.35) / 0.12) ** 2)) + 0.7 * np.where(
                phi > 0.35, np.exp(-(phi - 0.35) / 0.25), 0.0
            )
            env = 0.25 + crest
            tilt = (np.maximum(freqs[None, :], 40.0) / 500.0) ** (-0.9 + 0.5 * crest[:, None])
            out: F64 = env[:, None] * tilt * (freqs[None, :] > 30.0)
            return out

        c.add(c.spectral(surf, width=0.8))
        return "ocean waves"
    if p.variant == "drip":
        interval = (0.8 - 0.3 * p.speed) * p.vary(rng, 0.1)
        count = max(1, round(c.seconds / interval))
        for k in range(count):
            time = k * c.seconds / count if c.loop else 0.05 + k * interval * p.vary(rng, 0.3)
            f = 900.0 * 2.0 ** (0.6 * p.pitch + 0.3 * rng.uniform(-1, 1) * p.jitter)
            t, env = decay(0.12, 0.03, attack=0.001)
            drop = np.sin(2 * np.pi * f * t * (1.0 + 9.0 * t)) * env
            c.place(time, fade_tail(drop, 0.005) * p.vary(rng, 0.3))
        return "water dripping"
    if p.variant == "splash":
        for time in (
            (0.02,)
            if not c.loop
            else [
                k * c.seconds / max(1, round(c.seconds / 2.0))
                for k in range(max(1, round(c.seconds / 2.0)))
            ]
        ):
            sound = pad_sum(
                burst(rng, 0.8, 300.0, 7000.0, 0.18 + 0.1 * p.weight),
                0.6 * sweep(0.3, 140.0, 60.0, 0.02, 0.06),
            )
            c.place(time, fade_tail(sound, 0.02))
        _bubbles(c, p, 25.0, 0.3)
        return "splash"
    # A stream: babbling water is many bubbles over a fluttering broadband wash.
    bands = 1025
    rates = np.array([c.hz(r) for r in rng.uniform(1.5, 7.0, size=bands)])
    phases = rng.uniform(0.0, 2 * np.pi, size=bands)

    def wash(times: F64, freqs: F64) -> F64:
        flutter = 1.0 + 0.7 * np.sin(2 * np.pi * rates[None, :] * times[:, None] + phases[None, :])
        shape = (
            band_gain(freqs, 1200.0 * 2.0 ** (0.4 * p.pitch), 1.7)[0]
            + 0.3 * band_gain(freqs, 200.0, 1.0)[0]
        )
        out: F64 = flutter * shape[None, :]
        return out

    c.add(c.spectral(wash, width=0.7), 0.6 + 0.2 * p.weight)
    _bubbles(c, p, 90.0 * 2.0**p.weight, 0.45)
    return "babbling stream"


def fire(c: Canvas, p: Params) -> str:
    flicker = c.wander(0.8, voices=4)
    w = p.weight

    def roar(times: F64, freqs: F64) -> F64:
        level = 0.7 + 0.3 * curve_at(flicker, times)
        shape = (
            band_gain(freqs, 160.0 * 2.0 ** (-0.4 * w), 1.4)[0]
            + 0.15 * band_gain(freqs, 1500.0, 1.0)[0]
        )
        out: F64 = level[:, None] * shape[None, :]
        return out

    c.add(c.spectral(roar, width=0.6), 0.35 + 0.25 * (w + 1.0))
    times = poisson_times(c, 18.0 * 2.0**w)
    amps = np.minimum(c.rng.pareto(1.8, size=times.size) * 0.25 + 0.15, 2.5)
    kernels = [
        fade_tail(burst(c.rng, 0.01, 1200.0, 9000.0, float(c.rng.uniform(0.0004, 0.002))), 0.001)
        for _ in range(6)
    ]
    c.scatter(times, amps, kernels, pans=c.rng.uniform(-0.7, 0.7, size=times.size))
    pops = poisson_times(c, 1.2 + 0.8 * w)
    pop_kernels = [fade_tail(burst(c.rng, 0.05, 300.0, 2500.0, 0.008), 0.002) for _ in range(3)]
    c.scatter(
        pops,
        c.rng.uniform(0.5, 1.2, size=pops.size),
        pop_kernels,
        pans=c.rng.uniform(-0.5, 0.5, size=pops.size),
    )
    return "roaring fire" if w > 0.5 else "crackling fire"
