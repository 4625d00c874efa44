"""Machines, people and animals: engines, crowds, typing, heartbeats, steps, birdsong.

Engines are firing pulses at a wandering rpm; crowds are scattered claps and a
babbling spectral bed; rhythmic sounds (steps, heartbeats, typing) are events on a
clock that `speed` sets. The fallback texture for unrecognised prompts lives here too.
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
    ring,
    sweep,
)
from genfire_server.engines.local.synth.dsp import F64, RATE, samples, shape_spectrum

# ---------------------------------------------------------------------------- engines


def engine(c: Canvas, p: Params) -> str:
    rng = c.rng
    t = c.times()
    rpm = 800.0
    cylinders = 4
    if p.has("truck", "diesel", "bus", "tractor", "generator"):
        rpm, cylinders = 650.0, 6
    if p.has("motorcycle", "motorbike"):
        rpm, cylinders = 1100.0, 2
    if p.has("chainsaw", "lawnmower"):
        rpm, cylinders = 2800.0, 1
    rpm *= 2.0 ** (0.6 * p.pitch - 0.5 * p.weight) * p.vary(rng, 0.1)
    curve = np.ones(c.n)
    level = np.ones(c.n)
    if p.variant == "rev":
        rate = c.hz(1.0 / (3.2 - 1.0 * p.speed))
        phi = (t * rate) % 1.0
        curve = 1.0 + 3.2 * np.where(
            phi < 0.35, np.sin(0.5 * np.pi * phi / 0.35), np.exp(-(phi - 0.35) / 0.18)
        )
    elif p.variant == "pass":
        x = np.linspace(-1.0, 1.0, c.n) * 3.0
        level = 0.15 + 1.0 / (1.0 + x**2)
        # Doppler: higher while approaching, lower once past.
        curve = 1.6 * (1.0 - 0.07 * np.tanh(2.0 * x))
    else:
        curve = 1.0 + 0.03 * c.wander(0.7) * (0.3 + p.jitter)
    firing = rpm / 60.0 * cylinders / 2.0 * curve
    cycles = np.cumsum(firing) / RATE
    if c.loop:
        # A whole (even: the imbalance term repeats every two firings) number of cycles
        # per loop keeps the waveform continuous at the seam.
        total = cycles[-1] + firing[-1] / RATE
        cycles *= max(2, 2 * round(total / 2)) / total
    # Half a cycle in, so a loop's seam falls between firing pulses, not on one.
    cycles += 0.5
    phase = cycles % 1.0
    pulses = np.exp(-phase / 0.09) + 0.35 * np.sin(np.pi * cycles) ** 2
    pulses -= np.mean(pulses)
    combustion = c.noise(80.0, 1800.0) * (0.4 + np.exp(-phase / 0.15))
    rumble = c.noise(20.0, 140.0)
    mix = pulses / (np.std(pulses) + 1e-9) + 0.35 * combustion + 0.5 * (1.0 + p.weight) * rumble
    cutoff = 900.0 * 2.0 ** (0.5 * p.pitch - 0.6 * p.weight) * (1.0 if p.variant != "rev" else 1.6)
    tone = shape_spectrum(mix, high=cutoff, circular=c.loop)
    c.add(tone * level)
    names = {"rev": "engine revving", "pass": "vehicle passing by"}
    return names.get(p.variant, "engine rumble")


# ---------------------------------------------------------------------------- people


def crowd(c: Canvas, p: Params) -> str:
    rng = c.rng
    if p.variant in ("applause", "cheer"):
        people = 30.0 * 2.0 ** (1.2 * p.weight)
        times = poisson_times(c, people * 4.0)
        kernels = []
        for _ in range(12):
            centre = float(rng.uniform(800.0, 2600.0))
            kernels.append(
                fade_tail(
                    burst(rng, 0.04, centre / 1.6, centre * 1.6, float(rng.uniform(0.003, 0.008))),
                    0.002,
                )
            )
        amps = rng.uniform(0.4, 1.0, size=times.size)
        if not c.loop and c.seconds > 3.0:
            # Applause swells in and dies away.
            amps *= np.clip(times / 0.6, 0.0, 1.0) * np.clip((c.seconds - times) / 1.5, 0.1, 1.0)
        c.scatter(times, amps, kernels, pans=rng.uniform(-1.0, 1.0, size=times.size))
    if p.variant in ("cheer", "chatter"):
        bands = 1025
        rates = np.array([c.hz(r) for r in rng.uniform(2.5, 6.0, size=bands)])
        phases = rng.uniform(0.0, 2 * np.pi, size=bands)
        excite = c.wander(0.15)
        loud = p.variant == "cheer"

        def voices(times: F64, freqs: F64) -> F64:
            syllables = 1.0 + 0.8 * np.sin(
                2 * np.pi * rates[None, :] * times[:, None] + phases[None, :]
            )
            f1 = 500.0 * 2.0 ** (0.3 * curve_at(excite, times)) * (1.4 if loud else 1.0)
            speech = band_gain(freqs, f1, 0.8) + 0.6 * band_gain(freqs, f1 * 2.6, 0.7)
            out: F64 = (
                syllables
                * speech
                * (1.0 + (0.5 * curve_at(excite, times)[:, None] if loud else 0.0))
            )
            return out

        c.add(c.spectral(voices, width=0.9), 0.8 if loud else 1.0)
    return {"applause": "applause", "cheer": "cheering crowd"}.get(p.variant, "crowd chatter")


def _keystroke(p: Params, rng: np.random.Generator, space: bool, typewriter: bool) -> F64:
    if typewriter:
        strike = ring("metal", rng, p, 0.12, 0.6)
        body = sweep(0.1, 240.0, 120.0, 0.01, 0.02)
        return fade_tail(
            pad_sum(strike, body, 0.5 * burst(rng, 0.02, 1500.0, 8000.0, 0.002)), 0.004
        )
    base = (700.0 if space else 1300.0) * 2.0 ** (0.3 * p.pitch - 0.3 * p.weight) * p.vary(rng, 0.1)
    thock = modes(0.06, [base, base * 1.8, base * 3.1], [0.012, 0.008, 0.005], [1.0, 0.5, 0.3])
    click_noise = burst(rng, 0.02, 2500.0, 10000.0, 0.0015)
    release = np.concatenate(
        [np.zeros(samples(0.07)), 0.3 * burst(rng, 0.02, 2000.0, 8000.0, 0.001)]
    )
    return fade_tail(pad_sum((1.3 if space else 1.0) * thock, 0.5 * click_noise, release), 0.004)


def typing(c: Canvas, p: Params) -> str:
    rng = c.rng
    typewriter = p.variant == "typewriter"
    mean = (0.14 - 0.05 * p.speed) * (1.6 if typewriter else 1.0)
    time = 0.05 if not c.loop else 0.0
    times: list[float] = []
    while time < c.seconds - (0.1 if not c.loop else 0.0):
        times.append(time)
        gap = rng.gamma(4.0, mean / 4.0) * (
            1.0 + (0.6 + 0.4 * p.jitter) * (rng.random() < 0.08) * 3.0
        )
        time += float(gap)
    keys = [_keystroke(p, rng, False, typewriter) for _ in range(6)]
    space = _keystroke(p, rng, True, typewriter)
    for k, at in enumerate(times):
        wave = space if k % 6 == 5 else keys[int(rng.integers(len(keys)))]
        c.place(at, wave * float(rng.uniform(0.6, 1.0)), pan=float(rng.uniform(-0.3, 0.3)))
    if typewriter and not c.loop and c.seconds > 2.5:
        c.place(c.seconds - 1.2, modes(1.0, [2637.0, 5274.0], [0.35, 0.15], [0.4, 0.1]))
    return "typewriter" if typewriter else "keyboard typing"


def heartbeat(c: Canvas, p: Params) -> str:
    bpm = 66.0 * 2.0 ** (0.9 * p.speed) * p.vary(c.rng, 0.05)
    if p.has("racing", "pounding", "panic", "running"):
        bpm = max(bpm, 115.0)
    period = 60.0 / bpm
    count = (
        max(1, round(c.seconds / period)) if c.loop else max(1, int((c.seconds - 0.1) / period) + 1)
    )
    period = c.seconds / count if c.loop else period
    split = 0.32 * np.sqrt(period)
    lub = sweep(0.25, 75.0, 48.0 - 8 * p.weight, 0.03, 0.05 + 0.02 * p.weight)
    dub = sweep(0.2, 95.0, 60.0, 0.02, 0.04)
    for k in range(count):
        start = k * period + (0.05 if not c.loop else 0.0)
        vary = p.vary(c.rng, 0.08)
        c.place(start, lub * vary)
        c.place(start + split, 0.65 * dub * vary)
    return "fast heartbeat" if bpm > 100 else "heartbeat"


def _step(p: Params, rng: np.random.Generator, surface: str) -> F64:
    heel = sweep(0.15, 120.0, 70.0 - 15 * p.weight, 0.01, 0.03 + 0.02 * p.weight)
    if surface in ("gravel", "snow"):
        n = samples(0.22)
        grains = np.zeros(n)
        count = 60 if surface == "gravel" else 90
        positions = np.round(rng.gamma(2.0, 0.03, size=count) * RATE).astype(np.int64)
        positions = positions[positions < n]
        np.add.at(grains, positions, rng.uniform(-1.0, 1.0, size=positions.size))
        low, high = (800.0, 7000.0) if surface == "gravel" else (300.0, 2500.0)
        texture = np.convolve(grains, burst(rng, 0.004, low, high, 0.001), "same")
        texture /= float(np.max(np.abs(texture))) or 1.0
        return fade_tail(pad_sum(0.7 * heel, 0.8 * texture), 0.005)
    if surface in ("wood", "metal", "glass"):
        resonance = ring(surface, rng, p, 0.6 if surface == "metal" else 0.25, 0.5)
    else:
        resonance = np.zeros(1)
    scuff = burst(rng, 0.08, 400.0, 5000.0, 0.015)
    toe = np.concatenate([np.zeros(samples(0.05)), 0.5 * burst(rng, 0.05, 600.0, 4000.0, 0.008)])
    return fade_tail(pad_sum(heel, 0.45 * scuff, toe, resonance), 0.005)


def footsteps(c: Canvas, p: Params) -> str:
    rng = c.rng
    surface = p.material or ("snow" if p.has("snow", "sand", "grass", "mud") else "stone")
    running = p.has("running", "run", "jogging", "sprinting", "sprint")
    rate = (3.0 if running else 1.9) * 2.0 ** (0.8 * p.speed)
    interval = 1.0 / rate
    count = max(1, round(c.seconds * rate)) if c.loop else max(1, int((c.seconds - 0.3) * rate))
    interval = c.seconds / count if c.loop else interval
    variants = [_step(p, rng, surface) for _ in range(4)]
    for k in range(count):
        jitter = 0.04 * interval * p.jitter * float(rng.uniform(-1, 1))
        start = k * interval + jitter + (0.1 if not c.loop else 0.0)
        level = (0.85 + 0.15 * (k % 2)) * p.vary(rng, 0.15)
        c.place(start, variants[k % len(variants)] * level, pan=0.15 if k % 2 else -0.15)
    pace = "running " if rate > 2.8 else ("slow " if rate < 1.4 else "")
    return f"{pace}footsteps on {surface}"


def birds(c: Canvas, p: Params) -> str:
    rng = c.rng
    species = [
        (
            float(rng.uniform(2500.0, 5500.0)) * 2.0 ** (0.4 * p.pitch),
            float(rng.uniform(0.04, 0.12)),
            int(rng.integers(0, 3)),
        )
        for _ in range(3)
    ]
    calls = poisson_times(c, 1.3 * 2.0 ** (0.5 * p.speed))
    if calls.size == 0 or (not c.loop and calls[0] > 0.3):
        # A Poisson clock often leaves a short canvas without a call, and birdsong without
        # a bird is only rustling leaves: the first call always comes early.
        first = float(rng.uniform(0.02, min(0.25, 0.4 * c.seconds)))
        calls = np.concatenate([[first], calls])
    for at in calls:
        base, length, kind = species[int(rng.integers(len(species)))]
        pan = float(rng.uniform(-0.8, 0.8))
        for s in range(int(rng.integers(2, 6))):
            t, env = decay(length, length / 2.5, attack=0.005)
            if kind == 0:
                freq = base * (1.0 + 0.5 * t / length)
            elif kind == 1:
                freq = base * (1.3 - 0.4 * t / length)
            else:
                freq = base * (1.0 + 0.08 * np.sin(2 * np.pi * 32.0 * t))
            tone = np.sin(2 * np.pi * np.cumsum(freq) / RATE) * env * np.sin(np.pi * t / length)
            c.place(
                float(at) + s * length * 1.3,
                fade_tail(tone, 0.003) * float(rng.uniform(0.5, 1.0)),
                pan=pan,
            )

    def leaves(times: F64, freqs: F64) -> F64:
        out: F64 = np.ones_like(times)[:, None] * band_gain(freqs, 3000.0, 1.5)
        return out

    c.add(c.spectral(leaves, width=0.9), 0.03)
    return "birdsong"


# ---------------------------------------------------------------------------- fallback


def texture(c: Canvas, p: Params) -> str:
    """Nothing matched: a seeded, prompt-unique texture, still shaped by the modifiers."""
    rng = c.rng
    centre = float(np.exp(rng.uniform(np.log(180.0), np.log(3000.0)))) * 2.0 ** (
        0.8 * p.pitch - 0.6 * p.weight
    )
    motion = c.wander(float(rng.uniform(0.05, 0.6)) * 2.0 ** (0.8 * p.speed))
    width = float(rng.uniform(0.4, 1.4))

    def layer(times: F64, freqs: F64) -> F64:
        m = curve_at(motion, times)
        out: F64 = (0.6 + 0.4 * m)[:, None] * band_gain(freqs, centre * 2.0 ** (0.6 * m), width)
        return out

    c.add(c.spectral(layer, width=0.7))
    t = c.times()
    for k in range(int(rng.integers(1, 4))):
        f = c.hz(centre * float(rng.uniform(0.25, 1.0)) * (k + 1) / 2.0)
        c.add(0.3 * np.sin(2 * np.pi * f * t) * (0.6 + 0.4 * c.wander(0.1)) / (k + 1))
    grains = poisson_times(c, float(rng.uniform(2.0, 20.0)))
    kernel = fade_tail(
        burst(rng, 0.05, centre / 2, centre * 4, float(rng.uniform(0.003, 0.02))), 0.003
    )
    c.scatter(
        grains,
        rng.uniform(0.2, 1.0, size=grains.size),
        [kernel],
        pans=rng.uniform(-0.8, 0.8, size=grains.size),
    )
    return "abstract texture"
