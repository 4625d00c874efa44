"""Synthetic rooms: an impulse response made of shaped noise, applied by FFT convolution.

The convolution runs in blocks, so a five-minute mix never needs one giant transform,
and silent blocks are skipped, so a lone effect in a long canvas costs little.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from genfire_server.engines.local.synth.dsp import F64, RATE, samples, shape_spectrum


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
