"""Wavetables and envelopes: what every pitched voice is built from.

A harmonic spectrum is baked into a one-cycle table and read at the note's pitch, so a
note costs a few array operations per sample however many harmonics it has. Tables are
band-limited per pitch (no harmonic above 16 kHz), which keeps high notes free of
aliasing. Tables are cached and shared by every note and request, so they are read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from genfire_server.engines.local.synth.dsp import F64, RATE, samples

_SIZE = 2048
TOP = 16_000.0  # highest harmonic kept: above this the ear gains little and aliasing looms
LOFI_TOP = 6_000.0


def hz(midi: float) -> float:
    return float(440.0 * 2.0 ** ((midi - 69.0) / 12.0))


def _organ(k: F64) -> F64:
    drawbars = {1: 1.0, 2: 0.75, 3: 0.55, 4: 0.45, 6: 0.25, 8: 0.3}
    return np.array([drawbars.get(int(v), 0.0) for v in k])


_SPECTRA: dict[str, Callable[[F64], F64]] = {
    "saw": lambda k: 1.0 / k,
    "soft_saw": lambda k: 1.0 / k**1.4,
    "square": lambda k: (k % 2 == 1) / k,
    "soft_square": lambda k: (k % 2 == 1) / k**1.5 + 0.08 / k**2,
    "piano_bright": lambda k: (0.35 + 0.65 * np.abs(np.sin(np.pi * k * 0.12))) / k**0.9,
    "piano_dark": lambda k: 1.0 / k**2.3,
    "pluck_bright": lambda k: (0.2 + np.abs(np.sin(np.pi * k * 0.18))) / k**0.9,
    "pluck_dark": lambda k: 1.0 / k**2.6,
    "organ": _organ,
    "brass_bright": lambda k: 1.0 / k**0.75,
    "brass_dark": lambda k: 1.0 / k**2.0,
    "flute": lambda k: np.where(k == 1, 1.0, 0.3 / k**2.2),
    "bass_electric": lambda k: 1.0 / k**1.8,
    "bass_upright": lambda k: 1.0 / k**2.8,
}


@lru_cache(maxsize=1024)
def _table(kind: str, harmonics: int) -> F64:
    k = np.arange(1, harmonics + 1, dtype=np.float64)
    return _bake(k, _SPECTRA[kind](k))


def _bake(k: F64, amps: F64) -> F64:
    """One cycle of harmonics `k` at levels `amps`, peak 1, plus the first sample again.

    The extra sample lets `osc` interpolate past the end without a modulo. Tables are
    cached and shared by every note of every request, so they are made read-only.
    """
    phase = np.arange(_SIZE) / _SIZE
    wave = np.sum(amps[:, None] * np.sin(2 * np.pi * k[:, None] * phase[None, :]), axis=0)
    wave /= float(np.max(np.abs(wave))) or 1.0
    table = np.append(wave, wave[0])
    table.setflags(write=False)
    return table


def table_for(kind: str, freq: float, *, most: int = 64, top: float = TOP) -> F64:
    """The (read-only) table of `kind` with as many harmonics as fit below `top` Hz."""
    return _table(kind, max(1, min(most, int(top / max(freq, 1.0)))))


def osc(table: F64, cycles: F64) -> F64:
    """Read a wavetable at a phase given in cycles (linear interpolation)."""
    position = (cycles % 1.0) * _SIZE
    index = position.astype(np.intp)
    frac = position - index
    out: F64 = table[index] + frac * (table[index + 1] - table[index])
    return out


def vibrato_cycles(f: float, t: F64, rate: float, depth: float, delay: float) -> F64:
    """Phase (in cycles) of a tone whose pitch wobbles after `delay`, integrated exactly."""
    ramp = np.clip((t - delay) / 0.4, 0.0, 1.0)
    wobble = depth * ramp * (1.0 - np.cos(2 * np.pi * rate * t)) / (2 * np.pi * rate)
    out: F64 = f * (t + wobble)
    return out


def envelope(n: int, attack: float, release: float) -> F64:
    """Attack ramp, then a release that reaches zero exactly at the end of the array."""
    t = np.arange(n) / RATE
    rise = np.clip(t / max(attack, 1e-4), 0.0, 1.0)
    fall = np.clip((n / RATE - t) / max(release, 1e-4), 0.0, 1.0)
    out: F64 = np.sin(0.5 * np.pi * rise) ** 2 * fall**2
    return out


def note_time(dur: float, release: float) -> tuple[int, F64]:
    n = samples(dur + release)
    return n, np.arange(n) / RATE


# Formants (Hz, relative level, bandwidth Hz) of the sung vowels the voice moves between.
_VOWELS: dict[str, tuple[tuple[float, float, float], ...]] = {
    "oo": ((320.0, 1.0, 80.0), (800.0, 0.35, 100.0), (2300.0, 0.08, 150.0)),
    "ah": ((750.0, 1.0, 90.0), (1150.0, 0.7, 110.0), (2600.0, 0.25, 160.0), (3300.0, 0.1, 200.0)),
    "oh": ((480.0, 1.0, 80.0), (850.0, 0.6, 100.0), (2500.0, 0.12, 150.0)),
}


@lru_cache(maxsize=512)
def vowel_table(vowel: str, midi: int) -> F64:
    """A glottal buzz shaped by a vowel's formant resonances, baked for one pitch."""
    f0 = hz(midi)
    k = np.arange(1, max(2, int(5500.0 / f0)) + 1, dtype=np.float64)
    source = 1.0 / k**1.2
    gain = np.zeros_like(k)
    for centre, level, width in _VOWELS[vowel]:
        gain += level / np.sqrt(1.0 + ((k * f0 - centre) / (0.5 * width)) ** 2)
    return _bake(k, source * gain)
