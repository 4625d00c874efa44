"""The canvas effects are drawn on, and why loops come out seamless by construction.

An effect is a sum of events (a hit, a raindrop, a footstep) and beds (rain hiss, wind,
engine drone). On a looping canvas every one of those is made circular: events that run
past the end wrap round to the start, noise is shaped with FFTs the length of the loop
(a circular filter), spectral textures overlap-add modulo the length, and slow
modulations and tones are snapped to a whole number of cycles per loop. The last sample
then leads into the first exactly as any sample leads into the next, with no crossfade
smearing the sound. On a one-shot canvas the same calls simply truncate at the end.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from genfire_server.engines.local.synth.dsp import F64, RATE, fast_size, samples, shape_spectrum

Magnitude = Callable[[F64, F64], F64]  # (frame times s, freqs Hz) -> (frames, bins)


def stereo(wave: F64, pan: float = 0.0) -> F64:
    """Mono to stereo with an equal-power pan (-1 left .. +1 right); stereo passes through."""
    if wave.ndim == 2:
        return wave
    angle = (float(np.clip(pan, -1.0, 1.0)) + 1.0) * np.pi / 4.0
    out: F64 = np.stack([wave * np.cos(angle), wave * np.sin(angle)]) * np.sqrt(2.0)
    return out


def decay(seconds: float, tau: float, attack: float = 0.0005) -> tuple[F64, F64]:
    """(t, envelope): a fast attack then an exponential decay with time constant tau."""
    t = np.arange(samples(seconds)) / RATE
    env = np.clip(t / max(attack, 1e-5), 0.0, 1.0) * np.exp(-t / max(tau, 1e-4))
    return t, env


def modes(seconds: float, freqs: list[float], taus: list[float], amps: list[float]) -> F64:
    """Ringing resonances (modal synthesis): how metal, wood and glass sound when struck."""
    t = np.arange(samples(seconds)) / RATE
    out = np.zeros_like(t)
    for f, tau, amp in zip(freqs, taus, amps, strict=True):
        if 20.0 < f < 0.45 * RATE:
            # A struck resonator starts from rest: zero phase, so the attack has no step.
            out += amp * np.sin(2 * np.pi * f * t) * np.exp(-t / tau)
    out *= np.clip(t / 0.0003, 0.0, 1.0)
    return out


def fade_tail(x: F64, seconds: float = 0.005) -> F64:
    """Bring the last few ms to zero so a truncated event never ends on a step."""
    k = min(x.shape[-1], samples(seconds))
    x[..., x.shape[-1] - k :] *= np.linspace(1.0, 0.0, k)
    return x


class Canvas:
    """A stereo buffer of exactly `n` samples; `loop` makes every drawing call circular."""

    def __init__(self, n: int, loop: bool, rng: np.random.Generator) -> None:
        self.n, self.loop, self.rng = n, loop, rng
        self.buf = np.zeros((2, n))
        # Events on a loop's grid start a moment after the seam, so the seam falls in the
        # quiet end of the previous event's tail instead of on an attack.
        self.shift = samples(0.03) if loop else 0

    @property
    def seconds(self) -> float:
        return self.n / RATE

    def hz(self, rate: float) -> float:
        """A modulation or tone rate, snapped to whole cycles per loop when looping."""
        if not self.loop or rate <= 0.0:
            return rate
        cycles = max(1, round(rate * self.seconds))
        return cycles / self.seconds

    def times(self) -> F64:
        return np.arange(self.n) / RATE

    def add(self, x: F64, gain: float = 1.0) -> None:
        """Add a whole-length signal (mono or stereo) made by the caller."""
        self.buf += stereo(x) * gain

    def place(self, time: float, wave: F64, pan: float = 0.0, gain: float = 1.0) -> None:
        """Add one event starting at `time` seconds; a loop wraps its tail to the start."""
        x = stereo(wave, pan) * gain
        start = round(time * RATE) + self.shift
        if self.loop:
            start %= self.n
            offset = 0
            while offset < x.shape[1]:
                room = min(self.n - start, x.shape[1] - offset)
                self.buf[:, start : start + room] += x[:, offset : offset + room]
                offset += room
                start = 0
        elif 0 <= start < self.n:
            stop = min(self.n, start + x.shape[1])
            self.buf[:, start:stop] += x[:, : stop - start]

    def scatter(
        self,
        times: F64,
        amps: F64,
        kernels: list[F64],
        pans: F64 | None = None,
    ) -> None:
        """Many small events at once: impulse trains convolved with a few kernels.

        Event i uses kernel i % len(kernels). Thousands of raindrops or claps cost a
        handful of FFTs instead of thousands of slice additions.
        """
        if times.size == 0:
            return
        positions = np.round(times * RATE).astype(np.int64)
        if self.loop:
            positions %= self.n
        keep = (positions >= 0) & (positions < self.n)
        pan_values = np.zeros_like(amps) if pans is None else pans
        angle = (np.clip(pan_values, -1.0, 1.0) + 1.0) * np.pi / 4.0
        gains = np.stack([np.cos(angle), np.sin(angle)]) * np.sqrt(2.0) * amps
        which = np.arange(times.size) % len(kernels)
        longest = max(k.size for k in kernels)
        size = self.n if self.loop else fast_size(self.n + longest)
        total = np.zeros((2, size // 2 + 1), dtype=np.complex128)
        for index, kernel in enumerate(kernels):
            chosen = keep & (which == index)
            if not np.any(chosen):
                continue
            train = np.zeros((2, size))
            for channel in range(2):
                train[channel] = np.bincount(
                    positions[chosen], weights=gains[channel, chosen], minlength=size
                )[:size]
            if self.loop and kernel.size > size:
                # A kernel longer than the loop folds onto itself, as its sound would.
                folded = np.bincount(np.arange(kernel.size) % size, weights=kernel, minlength=size)
                kernel = folded.astype(np.float64)
            # Convolutions add in the frequency domain: one inverse FFT for all kernels.
            total += np.fft.rfft(train, axis=1) * np.fft.rfft(kernel, n=size)[None, :]
        self.buf += np.fft.irfft(total, n=size, axis=1)[:, : self.n]

    def noise(self, low: float, high: float, channels: int = 1, order: float = 2.0) -> F64:
        """Band-limited white noise of the canvas length (circular when looping), unit RMS."""
        size = self.n if self.loop else fast_size(self.n + 4096)
        white = self.rng.standard_normal((channels, size))
        # Filtered as one period of its own length: noise has no attack to protect.
        out = shape_spectrum(white, low=low, high=high, order=order, circular=True)[:, : self.n]
        out /= np.sqrt(np.mean(out**2, axis=1, keepdims=True)) + 1e-12
        result: F64 = out[0] if channels == 1 else out
        return result

    def wander(self, rate: float, voices: int = 3) -> F64:
        """A smooth random curve in about [-1, 1] (gusts, flicker), periodic when looping."""
        t = self.times()
        out = np.zeros(self.n)
        for k in range(voices):
            f = self.hz(rate * (1.0 + 0.73 * k))
            out += np.sin(2 * np.pi * f * t + self.rng.uniform(0, 2 * np.pi)) / (k + 1)
        peak = float(np.max(np.abs(out))) or 1.0
        result: F64 = out / peak
        return result

    def spectral(self, magnitude: Magnitude, width: float = 0.6, frame: int = 2048) -> F64:
        """Stereo noise whose spectrum follows `magnitude(times, freqs)` frame by frame.

        Random phases, inverse FFT per frame, windowed overlap-add; the sum is divided by
        the summed windows so the level is exact even where frames are unevenly spaced
        (a loop's frames are spread evenly round the circle). Returns unit-RMS (2, n).
        """
        hop = frame // 4
        if self.loop:
            count = max(4, round(self.n / hop))
            starts = np.round(np.arange(count) * self.n / count).astype(np.int64)
            index = (starts[:, None] + np.arange(frame)[None, :]) % self.n
            size, offset = self.n, 0
        else:
            # Frames from one frame before the start to past the end, written into a
            # buffer with a frame of margin on both sides, trimmed afterwards.
            count = self.n // hop + 5
            starts = np.arange(count, dtype=np.int64) * hop - frame
            index = starts[:, None] + np.arange(frame)[None, :] + frame
            size, offset = self.n + 3 * frame, frame
        flat = index.ravel()
        centres = ((starts + frame / 2) / RATE).astype(np.float64)
        freqs = np.fft.rfftfreq(frame, 1.0 / RATE).astype(np.float64)
        mag = np.maximum(magnitude(centres, freqs), 0.0)
        window = np.hanning(frame + 2)[1:-1]
        weights = np.bincount(flat, weights=np.tile(window, count), minlength=size)
        weights = np.maximum(weights, 1e-3)
        channels = []
        for _ in range(3):
            # Complex Gaussian bins: white noise's own spectrum, shaped by `mag`.
            shape = mag.shape
            spectrum = mag * (
                self.rng.standard_normal(shape) + 1j * self.rng.standard_normal(shape)
            )
            frames = np.fft.irfft(spectrum, n=frame, axis=1) * window
            summed = np.bincount(flat, weights=frames.ravel(), minlength=size) / weights
            channels.append(summed[offset : offset + self.n])
        common, left, right = channels
        side = np.sqrt(max(0.0, 1.0 - (1.0 - width) ** 2))
        out = np.stack(
            [(1.0 - width) * common + side * left, (1.0 - width) * common + side * right]
        )
        out /= np.sqrt(np.mean(out**2)) + 1e-12
        return out


class Params:
    """The modifiers after prompt_influence: how strictly the words apply, how loose the rest.

    `strength` scales every modifier the prompt named; `jitter` (1 - influence) scales the
    seeded random variation. At influence 1 a "fast, heavy" effect is exactly that and
    perfectly regular; at 0 it drifts towards the seed's own idea of the sound.
    """

    def __init__(
        self,
        *,
        variant: str,
        weight: float,
        pitch: float,
        speed: float,
        distance: float,
        material: str | None,
        words: frozenset[str],
        influence: float,
        rng: np.random.Generator,
    ) -> None:
        self.variant, self.material, self.words = variant, material, words
        self.strength = 0.6 + 0.4 * influence
        self.jitter = 1.0 - influence
        drift = rng.uniform(-1.0, 1.0, size=4)
        self.weight = self._blend(weight, drift[0])
        self.pitch = self._blend(pitch, drift[1])
        self.speed = self._blend(speed, drift[2])
        self.distance = self._blend(distance, 0.5 * drift[3])

    def _blend(self, named: float, drift: float) -> float:
        return float(np.clip(self.strength * named + 0.45 * self.jitter * drift, -1.0, 1.0))

    def vary(self, rng: np.random.Generator, amount: float = 0.2) -> float:
        """A multiplier near 1: event-to-event variation, wider when influence is low."""
        return float(1.0 + amount * (0.25 + 0.75 * self.jitter) * rng.uniform(-1.0, 1.0))

    def has(self, *words: str) -> bool:
        return any(w in self.words for w in words)
