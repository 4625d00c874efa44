"""Signal building blocks shared by the music and sound-effect synthesisers.

Everything is whole-array NumPy: recursive filters would need a Python loop per sample,
so filtering is done in the frequency domain (exact and fast for the few seconds of a
note or an effect) and reverb is a convolution with a synthetic impulse response, done
in FFT blocks so a five-minute mix never needs one giant transform.
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
) -> F64:
    """Butterworth-like high/low-pass magnitudes applied in the frequency domain.

    Zero padding keeps the circular wrap of the FFT from folding a tail onto the attack.
    """
    size = fast_size(x.shape[-1] + pad)
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
    return result


def filtered_noise(n: int, low: float, high: float, seed: int) -> F64:
    """n samples of band-limited noise cut from a shared, precomputed bank at a seeded place.

    A note's pick, thump or breath needs a few milliseconds of noise; filtering fresh noise
    for each note would cost an FFT per note, slicing a filtered bank costs nothing.
    """
    bank = _noise_bank(low, high)
    if n >= bank.size:
        reps = -(-n // bank.size)
        return np.tile(bank, reps)[:n]
    offset = seed % (bank.size - n)
    return bank[offset : offset + n]


def impulse_response(
    seconds: float, seed: int, *, damping: float = 5000.0, predelay: float = 0.012
) -> F64:
    """A stereo room: decaying decorrelated noise, darker as it decays, 60 dB at `seconds`.

    Real rooms absorb highs faster than lows, so the tail is a blend of a bright early part
    and a low-passed late part; the two ears get independent noise for width.
    """
    rng = np.random.default_rng(seed)
    n = samples(max(seconds, 0.05) + predelay)
    t = np.arange(n) / RATE
    start = samples(predelay)
    noise = rng.standard_normal((2, n))
    decay = np.exp(-6.9 * t / max(seconds, 0.05))
    early = shape_spectrum(noise, high=damping * 1.6) * np.exp(-6.9 * t / max(seconds * 0.3, 0.03))
    late = shape_spectrum(noise, high=damping * 0.5)
    ir = (0.55 * early + late) * decay
    ir[:, :start] = 0.0
    # Unit energy per ear, so the send level alone decides how wet the mix is.
    ir /= np.sqrt(np.sum(ir**2, axis=1, keepdims=True)) + 1e-12
    return ir


def add_convolved(
    dest: NDArray[np.floating[Any]], source: NDArray[np.floating[Any]], ir: F64, gain: float
) -> None:
    """dest[:, :] += gain * (source convolved with the stereo ir), in FFT blocks.

    `dest` is (2, n); anything past its end is dropped. Silent blocks are skipped, which
    keeps sparse pieces (a lone effect, a quiet intro) cheap.
    """
    n = dest.shape[1]
    taps = ir.shape[1]
    size = 1 << int(np.ceil(np.log2(max(2 * taps, 1 << 15))))
    block = size - taps + 1
    kernel = np.fft.rfft(ir, n=size, axis=1)
    for start in range(0, min(n, source.shape[-1]), block):
        chunk = source[start : start + block]
        if not np.any(chunk):
            continue
        wet = np.fft.irfft(np.fft.rfft(chunk, n=size)[None, :] * kernel, n=size, axis=1)
        stop = min(n, start + size)
        dest[:, start:stop] += (gain * wet[:, : stop - start]).astype(dest.dtype)


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
