"""The drum kit, synthesised: kicks are sine sweeps, snares and hats are shaped noise.

A drummer never hits twice the same, so each drum has a few seeded variants and the
pattern picks among them; each variant is rendered once per piece and reused. Kits
differ the way genres do: a long, deep electronic kick, a short punchy acoustic one, a
huge cinematic boom, a dull lo-fi thud.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from genfire_server.engines.local.synth.dsp import (
    F32,
    F64,
    RATE,
    band_noise,
    samples,
    shape_spectrum,
    small_seed,
)

VARIANTS = 3
DRUMS = ("kick", "snare", "clap", "hat", "ohat", "ride", "crash", "tom", "rim")


def _t(seconds: float) -> F64:
    return np.arange(samples(seconds)) / RATE


def _sweep(t: F64, low: float, high: float, tau: float) -> F64:
    """sin of a pitch falling from low+high to low with time constant tau (integrated)."""
    cycles = low * t + high * tau * (1.0 - np.exp(-t / tau))
    out: F64 = np.sin(2 * np.pi * cycles)
    return out


def _metal(t: F64, rng: np.random.Generator, scale: float) -> F64:
    """The classic drum-machine cymbal: six detuned square waves, high-passed later."""
    ratios = np.array([205.3, 304.4, 369.6, 522.7, 540.0, 800.0]) * scale
    ratios *= 1.0 + rng.uniform(-0.01, 0.01, size=6)
    x = np.sum(np.sign(np.sin(2 * np.pi * ratios[:, None] * t[None, :])), axis=0)
    out: F64 = x / 6.0
    return out


def _kick(kit: str, rng: np.random.Generator) -> F64:
    if kit == "cinematic":
        t = _t(1.6)
        x = _sweep(t, 38.0, 70.0, 0.08) * np.exp(-t / 0.7)
        x += 0.3 * band_noise(rng, t.size, 30.0, 200.0) * np.exp(-t / 0.4)
    elif kit == "trap":
        t = _t(1.2)
        x = np.tanh(1.6 * _sweep(t, 46.0, 90.0, 0.03)) * np.exp(-t / 0.6)
    elif kit in ("electronic", "chip"):
        t = _t(0.6)
        x = _sweep(t, 48.0, 110.0, 0.04) * np.exp(-t / 0.28)
    else:
        t = _t(0.45)
        x = _sweep(t, 56.0, 95.0, 0.025) * np.exp(-t / 0.16)
    click = band_noise(rng, t.size, 1000.0, 8000.0) * np.exp(-t / 0.002)
    out: F64 = x + 0.25 * click
    return out


def _snare(kit: str, rng: np.random.Generator) -> F64:
    big = kit == "cinematic"
    t = _t(1.2 if big else 0.4)
    tone = 0.6 * np.sin(2 * np.pi * 185.0 * t) + 0.3 * np.sin(2 * np.pi * 330.0 * t)
    x = tone * np.exp(-t / 0.05)
    tail = 0.5 if big else (0.16 if kit in ("electronic", "trap") else 0.12)
    x += band_noise(rng, t.size, 1200.0, 9000.0) * np.exp(-t / tail)
    out: F64 = x
    return out


def _clap(rng: np.random.Generator) -> F64:
    t = _t(0.4)
    noise = band_noise(rng, t.size, 800.0, 5000.0)
    env = np.zeros_like(t)
    # Several hands a few milliseconds apart, then the room.
    for delay in (0.0, 0.009, 0.019, 0.028):
        late = np.clip(t - delay, 0.0, None)
        env += np.where(t >= delay, np.exp(-late / 0.004), 0.0)
    env += 0.5 * np.where(t >= 0.028, np.exp(-(t - 0.028) / 0.11), 0.0)
    out: F64 = noise * env
    return out


def _cymbal(rng: np.random.Generator, seconds: float, tau: float, low: float, mix: float) -> F64:
    t = _t(seconds)
    x = mix * _metal(t, rng, 1.6) + (1.0 - mix) * rng.standard_normal(t.size)
    x = shape_spectrum(x, low=low, high=14000.0, order=3.0, pad=0)
    x /= float(np.max(np.abs(x))) or 1.0
    out: F64 = x * np.exp(-t / tau)
    return out


def _tom(kit: str, rng: np.random.Generator) -> F64:
    big = kit == "cinematic"
    t = _t(1.2 if big else 0.6)
    x = _sweep(t, 70.0 if big else 105.0, 45.0, 0.08) * np.exp(-t / (0.5 if big else 0.25))
    x += 0.15 * band_noise(rng, t.size, 200.0, 3000.0) * np.exp(-t / 0.03)
    out: F64 = x
    return out


def _rim(rng: np.random.Generator) -> F64:
    t = _t(0.12)
    x = (np.sin(2 * np.pi * 1700.0 * t) + 0.5 * np.sin(2 * np.pi * 480.0 * t)) * np.exp(-t / 0.012)
    out: F64 = x + 0.3 * band_noise(rng, t.size, 2000.0, 9000.0) * np.exp(-t / 0.004)
    return out


def _chip(drum: str, rng: np.random.Generator) -> F64:
    """Eight-bit percussion: noise channel bursts and a square-wave kick."""
    if drum in ("kick", "tom"):
        t = _t(0.25)
        cycles = 50.0 * t + 120.0 * 0.03 * (1.0 - np.exp(-t / 0.03))
        out: F64 = np.sign(np.sin(2 * np.pi * cycles)) * np.exp(-t / 0.07)
        return out
    length = {"hat": 0.05, "ohat": 0.2, "ride": 0.3, "crash": 0.8}.get(drum, 0.15)
    t = _t(length + 0.05)
    # A coarse sample-and-hold noise, like the NES noise channel.
    steps = rng.choice([-1.0, 1.0], size=t.size // 4 + 1)
    noise = np.repeat(steps, 4)[: t.size]
    result: F64 = noise * np.exp(-t / (length / 3))
    return result


@lru_cache(maxsize=256)
def _hit(drum: str, kit: str, variant: int) -> F32:
    rng = np.random.default_rng(small_seed(f"drum:{drum}:{kit}:{variant}"))
    if kit == "chip":
        x = _chip(drum, rng)
    elif drum == "kick":
        x = _kick(kit, rng)
    elif drum == "snare":
        x = _snare(kit, rng)
    elif drum == "clap":
        x = _clap(rng)
    elif drum == "hat":
        x = _cymbal(rng, 0.25, 0.035 if kit != "trap" else 0.025, 7000.0, 0.5)
    elif drum == "ohat":
        x = _cymbal(rng, 0.9, 0.28, 6500.0, 0.5)
    elif drum == "ride":
        x = _cymbal(rng, 2.0, 0.9, 3000.0, 0.7)
    elif drum == "crash":
        x = _cymbal(rng, 3.0, 1.3, 2500.0, 0.35)
    elif drum == "tom":
        x = _tom(kit, rng)
    else:
        x = _rim(rng)
    if kit == "lofi":
        # A sampled-from-vinyl kit: no air above 5 kHz, and a little grit.
        x = np.tanh(1.5 * shape_spectrum(x, high=5000.0))
    x /= float(np.max(np.abs(x))) or 1.0
    fall = np.clip((x.size - np.arange(x.size)) / samples(0.01), 0.0, 1.0)
    result: F32 = (x * fall).astype(np.float32)
    # Shared by every piece that plays this drum: an in-place edit would change them all.
    result.setflags(write=False)
    return result


def hit(drum: str, kit: str, variant: int) -> F32:
    """One drum hit at full velocity, peak 1; the same arguments give the same samples.

    The array is cached and read-only: scale it into a new array, never in place.
    """
    return _hit(drum, kit, variant % VARIANTS)
