"""The soundtrack of a local video: a quiet ambience (shaped noise plus a slow chord).

It is a stream: the video writer asks for exactly the samples of each frame, so a ten
minute render never holds its whole soundtrack. Every sample is a function of its index
and the seed, so the result does not depend on how the stream is chunked.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]

# The limiter's ceiling: -1.9 dBFS, leaving AAC's overshoot room under -1 dBFS.
CEILING = 0.8

_DARK = {"dark", "night", "midnight", "horror", "noir", "storm", "sad", "rain", "space"}
_BRIGHT = {"bright", "happy", "sunny", "summer", "joy", "spring", "morning", "gold", "golden"}
_AIRY = {"ocean", "sea", "wave", "waves", "beach", "rain", "wind", "storm", "water", "river"}

# Chord shapes in semitones over the root: open voicings that sit as a pad.
_MINOR = ((0, 7, 10, 15, 19), (0, 3, 7, 14, 19), (0, 7, 12, 15, 22))
_MAJOR = ((0, 7, 11, 16, 19), (0, 4, 7, 14, 19), (0, 5, 7, 14, 19))


class _ShapedNoise:
    """Band-limited stereo noise, made in FFT blocks joined by power-complementary windows.

    Blocks of `size` samples overlap by half; a sine window squared sums to one across
    the overlap, so the noise power stays constant with no seams.
    """

    def __init__(self, seed: int, rate: int, centre: float, size: int = 8192) -> None:
        self.seed, self.size, self.hop = seed, size, size // 2
        freqs = np.fft.rfftfreq(size, 1 / rate)
        # A soft band around `centre` with a pink-ish slope: wind and surf, not hiss.
        octaves = np.log2(np.maximum(freqs, 1.0) / centre)
        shape = np.exp(-0.5 * (octaves / 1.3) ** 2) / np.sqrt(np.maximum(freqs, 20.0) / centre)
        shape[0] = 0.0
        power = (shape[0] ** 2 + 2 * np.sum(shape[1:-1] ** 2) + shape[-1] ** 2) / size
        self.shape = shape / np.sqrt(power)  # unit variance for unit white noise
        self.window = np.sin(np.pi * (np.arange(size) + 0.5) / size)
        self.pending: F64 = np.zeros((2, 0))  # finished samples not yet handed out
        self.tail: F64 = np.zeros((2, self.hop))  # the next block's overlap partner
        self.block = 0

    def _next_block(self) -> F64:
        rng = np.random.default_rng([self.seed, self.block])
        self.block += 1
        white = rng.standard_normal((3, self.size))
        shaped = np.fft.irfft(np.fft.rfft(white, axis=1) * self.shape, n=self.size, axis=1)
        # Mostly shared between the channels with some of each side's own: wide, not split.
        common = shaped[0]
        stereo = np.stack([0.8 * common + 0.6 * shaped[1], 0.8 * common + 0.6 * shaped[2]])
        return stereo * self.window

    def read(self, count: int) -> F64:
        while self.pending.shape[1] < count:
            block = self._next_block()
            done = self.tail + block[:, : self.hop]
            self.tail = block[:, self.hop :]
            self.pending = np.concatenate([self.pending, done], axis=1)
        out, self.pending = self.pending[:, :count], self.pending[:, count:]
        return out


class Ambience:
    """A seeded, prompt-shaded pad: call it with a sample count, get (2, count) float32."""

    def __init__(self, seed: int, words: set[str], total_samples: int, rate: int) -> None:
        rng = np.random.default_rng(seed)
        self.rate = rate
        self.total = total_samples
        self.position = 0
        dark = bool(words & _DARK)
        bright = bool(words & _BRIGHT)
        minor = dark or (not bright and rng.random() < 0.5)
        shapes = _MINOR if minor else _MAJOR
        shape = shapes[int(rng.integers(len(shapes)))]
        root = 43 + int(rng.integers(0, 8)) + (4 if bright else 0) - (3 if dark else 0)
        midi = np.array([root + step for step in shape], dtype=np.float64)
        base = 440.0 * 2.0 ** ((midi - 69.0) / 12.0)
        # A slight detune between the ears makes the pad breathe instead of buzz.
        detune = 1.0 + rng.uniform(0.0008, 0.002, size=base.size)
        self.freqs = np.stack([base * detune, base / detune])  # (2, voices)
        self.amps = 0.1 * (1.0 / (1.0 + 0.35 * np.arange(base.size)))
        self.phases = rng.uniform(0.0, 2 * np.pi, size=(2, base.size))
        self.lfo_rates = rng.uniform(0.04, 0.13, size=base.size)
        self.lfo_phases = rng.uniform(0.0, 2 * np.pi, size=base.size)
        airy = bool(words & _AIRY)
        self.noise_level = 0.16 if airy else 0.08
        self.swell_rate = 0.07 if airy else 0.03
        self.noise = _ShapedNoise(
            int(rng.integers(2**31)), rate, centre=600.0 if airy else 350.0 + 200 * bright
        )
        self.fade = max(1, min(int(0.6 * rate), total_samples // 4))

    def __call__(self, count: int) -> F32:
        index = np.arange(self.position, self.position + count, dtype=np.float64)
        seconds = index / self.rate
        self.position += count

        lfo = 0.6 + 0.4 * np.sin(
            2 * np.pi * self.lfo_rates[:, None] * seconds + self.lfo_phases[:, None]
        )
        chord = np.zeros((2, count))
        for channel in range(2):
            angle = (
                2 * np.pi * self.freqs[channel][:, None] * seconds + self.phases[channel][:, None]
            )
            # A little second harmonic: warmer than bare sines, still soft.
            voices = np.sin(angle) + 0.18 * np.sin(2 * angle)
            chord[channel] = np.sum(self.amps[:, None] * lfo * voices, axis=0)

        swell = 0.65 + 0.35 * np.sin(2 * np.pi * self.swell_rate * seconds)
        mix = chord + self.noise_level * swell * self.noise.read(count)

        fade_in = np.clip(index / self.fade, 0.0, 1.0)
        fade_out = np.clip((self.total - index) / self.fade, 0.0, 1.0)
        envelope = np.sin(0.5 * np.pi * fade_in) ** 2 * np.sin(0.5 * np.pi * fade_out) ** 2
        limited: F32 = (CEILING * np.tanh(mix * envelope / CEILING)).astype(np.float32)
        return limited
