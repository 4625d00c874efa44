"""The layers effects are assembled from, and the helpers the texture makers share.

A Foley artist builds a sound from a few ingredients: a low body (a falling sine sweep,
the "thump"), a transient (a burst of band-limited noise, the "crack"), and the ringing
of whatever was struck (modal resonances of metal, wood or glass). Textures add random
event times and soft spectral bands that move frame by frame.
"""

from __future__ import annotations

import numpy as np

from genfire_server.engines.local.sfx._canvas import Canvas, Params, decay, modes
from genfire_server.engines.local.synth.dsp import F64, RATE, band_noise, fast_size, samples

# material -> (partial ratios, relative levels, base frequency Hz, decay seconds)
_MATERIALS: dict[str, tuple[list[float], list[float], float, float]] = {
    "metal": ([1.0, 1.59, 2.76, 3.9, 5.40, 8.93], [1.0, 0.5, 0.6, 0.3, 0.35, 0.2], 420.0, 0.9),
    "wood": ([1.0, 2.57, 4.2, 6.1], [1.0, 0.5, 0.25, 0.1], 190.0, 0.08),
    "glass": ([1.0, 2.32, 4.25, 6.63], [1.0, 0.5, 0.3, 0.15], 1800.0, 0.5),
    "stone": ([1.0, 1.83, 3.1], [1.0, 0.4, 0.2], 120.0, 0.03),
    "plastic": ([1.0, 2.1, 3.7], [1.0, 0.4, 0.2], 600.0, 0.04),
}


def sweep(seconds: float, start: float, end: float, tau_pitch: float, tau_amp: float) -> F64:
    """A sine whose pitch falls from `start` to `end` Hz: every kick, thud and boom."""
    t, env = decay(seconds, tau_amp, attack=0.001)
    cycles = end * t + (start - end) * tau_pitch * (1.0 - np.exp(-t / tau_pitch))
    out: F64 = np.sin(2 * np.pi * cycles) * env
    return out


def burst(rng: np.random.Generator, seconds: float, low: float, high: float, tau: float) -> F64:
    """A burst of band-limited noise with a sharp attack: cracks, slaps, scrapes."""
    _, env = decay(seconds, tau)
    out: F64 = band_noise(rng, env.size, low, high) * env
    return out


def ring(
    material: str, rng: np.random.Generator, p: Params, seconds: float, level: float = 1.0
) -> F64:
    """The struck object's own resonances, lower and longer when heavy."""
    ratios, amps, base, tau = _MATERIALS.get(material, _MATERIALS["stone"])
    base *= 2.0 ** (0.7 * p.pitch - 0.8 * p.weight) * p.vary(rng, 0.08)
    freqs = [base * r * p.vary(rng, 0.01) for r in ratios]
    taus = [tau * (1.0 + 0.5 * p.weight) / (1.0 + 0.4 * i) for i in range(len(ratios))]
    out: F64 = (
        level * modes(seconds, freqs, taus, [a * level for a in amps]) / max(1.0, float(sum(amps)))
    )
    return out


def convolve(a: F64, b: F64) -> F64:
    size = fast_size(a.size + b.size - 1)
    out: F64 = np.fft.irfft(np.fft.rfft(a, size) * np.fft.rfft(b, size), size)[
        : a.size + b.size - 1
    ]
    return out


def pad_sum(*parts: F64) -> F64:
    """Sum arrays of different lengths, aligned at the start."""
    out = np.zeros(max(p.size for p in parts))
    for part in parts:
        out[: part.size] += part
    return out


def delayed(x: F64, seconds: float) -> F64:
    return np.concatenate([np.zeros(samples(seconds)), x])


def repeats(c: Canvas, period: float, first: float = 0.02) -> list[float]:
    """When the event happens: once near the start, or on an even grid round a loop."""
    if not c.loop:
        return [first]
    count = max(1, round(c.seconds / max(period, 0.05)))
    return [k * c.seconds / count for k in range(count)]


def poisson_times(c: Canvas, rate: float) -> F64:
    """Sorted times of random events at `rate` per second; a short canvas may get none."""
    count = int(c.rng.poisson(max(rate, 0.0) * c.seconds))
    times: F64 = np.sort(c.rng.uniform(0.0, c.seconds, size=count))
    return times


def band_gain(freqs: F64, centre: F64 | float, octaves: float) -> F64:
    """A soft band-pass magnitude, `octaves` wide, centred per frame if `centre` is (F,)."""
    centre_arr = np.atleast_1d(np.asarray(centre, dtype=np.float64))
    ratio = np.maximum(freqs[None, :], 20.0) / centre_arr[:, None]
    out: F64 = np.exp(-0.5 * (np.log2(ratio) / octaves) ** 2)
    return out


def curve_at(curve: F64, times: F64) -> F64:
    """Sample a per-sample curve at frame times (clamped to the canvas)."""
    index = np.clip(np.round(times * RATE).astype(np.int64), 0, curve.size - 1)
    out: F64 = curve[index]
    return out
