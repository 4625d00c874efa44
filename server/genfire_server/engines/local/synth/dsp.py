"""Signal building blocks shared by the music and sound-effect synthesisers.

Everything is whole-array NumPy: recursive filters would need a Python loop per sample,
so filtering is done in the frequency domain, exact and fast for the few seconds of a
note or an effect. Arrays handed out from a cache are read-only, so a caller's in-place
arithmetic fails loudly instead of corrupting every later request that shares them.
"""

from __future__ import annotations

import hashlib
import zlib
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]
RATE = 44_100
PEAK = 0.9  # the level every finished piece and effect is normalised to


def seed_of(*parts: object) -> int:
    """A stable 63-bit seed: Python's hash() is salted per process, SHA-256 is not."""
    digest = hashlib.sha256(repr(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def small_seed(text: str) -> int:
    """A cheap stable seed for cached sounds (a drum variant, a note's noise)."""
    return zlib.crc32(text.encode("utf-8"))


def samples(seconds: float) -> int:
    return max(1, round(seconds * RATE))


def fast_size(n: int) -> int:
    """The smallest 2^a * 3^b * 5^c >= n: FFTs of awkward (prime) sizes are many times slower."""
    best = 1 << max(0, (n - 1).bit_length())
    power5 = 1
    while power5 < best:
        power35 = power5
        while power35 < best:
            size = power35
            while size < n:
                size *= 2
            best = min(best, size)
            power35 *= 3
        power5 *= 5
    return best


def shape_spectrum(
    x: F64,
    *,
    low: float | None = None,
    high: float | None = None,
    order: float = 2.0,
    pad: int = 2048,
    circular: bool = False,
) -> F64:
    """Butterworth-like high/low-pass magnitudes applied in the frequency domain.

    Zero padding keeps the circular wrap of the FFT from folding a tail onto the attack.
    `circular` filters the array as one period of a loop instead: no padding, so the
    filter's ringing past the end wraps to the start, as it does when the loop repeats.
    """
    size = x.shape[-1] if circular else fast_size(x.shape[-1] + pad)
    spectrum = np.fft.rfft(x, n=size, axis=-1)
    freqs = np.fft.rfftfreq(size, 1.0 / RATE)
    gain = np.ones_like(freqs)
    if high is not None:
        gain /= np.sqrt(1.0 + (freqs / high) ** (2.0 * order))
    if low is not None:
        gain /= np.sqrt(1.0 + (low / np.maximum(freqs, 1.0)) ** (2.0 * order))
    out: F64 = np.fft.irfft(spectrum * gain, n=size, axis=-1)[..., : x.shape[-1]]
    return out


def band_noise(rng: np.random.Generator, n: int, low: float, high: float) -> F64:
    """White noise band-limited to [low, high] Hz, unit peak-ish level."""
    noise = shape_spectrum(rng.standard_normal(n), low=low, high=high, pad=0)
    peak = float(np.max(np.abs(noise))) or 1.0
    result: F64 = noise / peak
    return result


@lru_cache(maxsize=32)
def _noise_bank(low: float, high: float) -> F64:
    rng = np.random.default_rng(small_seed(f"bank:{low}:{high}"))
    bank = shape_spectrum(rng.standard_normal(1 << 18), low=low, high=high, pad=0)
    result: F64 = bank / (float(np.max(np.abs(bank))) or 1.0)
    result.setflags(write=False)
    return result


def filtered_noise(n: int, low: float, high: float, seed: int) -> F64:
    """n samples of band-limited noise cut from a shared, precomputed bank at a seeded place.

    A note's pick, thump or breath needs a few milliseconds of noise; filtering fresh noise
    for each note would cost an FFT per note, slicing a filtered bank costs nothing. The
    slice is a read-only view of the bank: compute with it, never in place on it.
    """
    bank = _noise_bank(low, high)
    if n >= bank.size:
        reps = -(-n // bank.size)
        return np.tile(bank, reps)[:n]
    offset = seed % (bank.size - n)
    return bank[offset : offset + n]


def fades(n: int, fade_in: int, fade_out: int) -> F64:
    """A raised-cosine fade in and out over the first/last samples (no clicks at the ends)."""
    env = np.ones(n)
    if fade_in > 0:
        k = min(fade_in, n)
        env[:k] *= np.sin(0.5 * np.pi * (np.arange(k) + 0.5) / k) ** 2
    if fade_out > 0:
        k = min(fade_out, n)
        env[n - k :] *= np.cos(0.5 * np.pi * (np.arange(k) + 0.5) / k) ** 2
    return env


def finish(mix: NDArray[np.floating[Any]], fade_in: int, fade_out: int) -> F32:
    """The last step of every piece and effect: fades at the ends, peak at PEAK, float32.

    Works in place on `mix` (a five-minute float32 mix is not copied); NaN or infinite
    samples become silence rather than poisoning the peak. A silent mix stays silent.
    """
    n = mix.shape[-1]
    np.nan_to_num(mix, copy=False, posinf=0.0, neginf=0.0)
    fade_in, fade_out = min(fade_in, n), min(fade_out, n)
    if fade_in > 0:
        mix[..., :fade_in] *= fades(fade_in, fade_in, 0).astype(mix.dtype)
    if fade_out > 0:
        mix[..., n - fade_out :] *= fades(fade_out, 0, fade_out).astype(mix.dtype)
    peak = float(np.max(np.abs(mix)))
    if peak > 0.0:
        mix *= np.asarray(PEAK / peak, dtype=mix.dtype)
    np.clip(mix, -1.0, 1.0, out=mix)
    return mix.astype(np.float32, copy=False)
