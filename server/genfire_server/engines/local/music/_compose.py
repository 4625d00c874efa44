"""Composing and mixing a piece: the prompt read, the score written, the notes rendered.

The prompt's words choose the genre, mood, tempo, key and band (`_prompt`, `_styles`); a
score is written with sections, chord progressions, a bass line, a drum groove and a
motif-based melody (`_score`, `_patterns`); each note is synthesised additively
(`_voices`, `_drums`) and mixed here with panning and a synthetic room (`synth.reverb`).

Everything is seeded from a SHA-256 of the arguments, so the same request always gives
bit-identical audio, and a different prompt gives a different tempo, key and tune.
Notes are cached per piece and placed with array slices, which keeps 30 seconds of
stereo well under a second of CPU and five minutes within a few hundred MB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from genfire_server.engines.local.music._drums import hit
from genfire_server.engines.local.music._prompt import read_prompt
from genfire_server.engines.local.music._score import Score, write_score
from genfire_server.engines.local.music._styles import Style
from genfire_server.engines.local.music._voices import render_note
from genfire_server.engines.local.synth.dsp import F32, RATE, finish, seed_of, shape_spectrum
from genfire_server.engines.local.synth.reverb import add_convolved, impulse_response

SAMPLE_RATE = RATE
MIN_DURATION_SECONDS = 0.5
MAX_DURATION_SECONDS = 300.0


@dataclass(frozen=True)
class Section:
    """A stretch of the piece with its own arrangement."""

    name: str  # "intro", "verse", "chorus", "bridge", "outro", "theme"
    start: float  # seconds
    end: float  # seconds
    styles: list[str]  # how it sounds and who plays, e.g. ["sparse", "piano"]


@dataclass(frozen=True)
class MusicPlan:
    """What was composed: the decisions the prompt led to."""

    title: str
    bpm: int
    key: str  # e.g. "D minor"
    genres: list[str]
    moods: list[str]
    instruments: list[str]
    vocals: bool  # a wordless synthesised "ooh/aah" lead line
    sections: list[Section]


@dataclass(frozen=True)
class MusicPiece:
    samples: NDArray[np.float32]  # (2, n) stereo within [-1, 1]
    sample_rate: int
    plan: MusicPlan


# voice -> (gain, pan -1 left .. +1 right, reverb send)
_MIX: dict[str, tuple[float, float, float]] = {
    "piano": (0.34, -0.12, 0.25), "epiano": (0.42, -0.2, 0.2), "organ": (0.24, 0.2, 0.2),
    "guitar": (0.26, -0.3, 0.18), "power": (0.36, -0.35, 0.1), "guitar_lead": (0.34, 0.25, 0.25),
    "strings": (0.22, 0.0, 0.4), "strings_lead": (0.34, 0.2, 0.35), "pad": (0.18, 0.0, 0.45),
    "lead": (0.3, 0.15, 0.28), "pluck": (0.26, -0.25, 0.3), "chip_lead": (0.26, 0.1, 0.08),
    "chip_pluck": (0.22, -0.2, 0.08), "bells": (0.22, 0.4, 0.45), "brass": (0.3, -0.25, 0.3),
    "flute": (0.36, 0.2, 0.35), "vocal_ooh": (0.45, 0.0, 0.35), "vocal_aah": (0.45, 0.0, 0.35),
    "choir": (0.45, 0.0, 0.45), "bass_synth": (0.38, 0.0, 0.02), "bass_electric": (0.36, 0.0, 0.03),
    "bass_upright": (0.45, 0.0, 0.05), "bass_sub": (0.4, 0.0, 0.0), "bass_bowed": (0.4, 0.0, 0.2),
    "bass_square": (0.3, 0.0, 0.02),
    "drum:kick": (0.85, 0.0, 0.03), "drum:snare": (0.55, 0.05, 0.15), "drum:clap": (0.42, 0.0, 0.2),
    "drum:hat": (0.15, 0.25, 0.04), "drum:ohat": (0.14, 0.25, 0.08), "drum:ride": (0.14, -0.3, 0.1),
    "drum:crash": (0.2, -0.2, 0.15), "drum:tom": (0.5, -0.1, 0.2), "drum:rim": (0.25, 0.1, 0.1),
}  # fmt: skip
_WIDE = frozenset({"pad", "strings", "choir", "organ"})  # chord notes spread across the field


def compose(
    prompt: str,
    duration_seconds: float,
    *,
    instrumental: bool = False,
    negative_prompt: str | None = None,
) -> MusicPiece:
    """Compose and render a stereo piece of exactly round(duration_seconds * 44100) samples.

    The prompt steers genre, mood, tempo ("90 bpm" wins), key ("in F# minor" wins) and
    instrumentation; `negative_prompt` removes what it names ("drums", "vocals").
    Vocals (a wordless formant voice) are added only when the prompt asks for them and
    `instrumental` is false. Raises ValueError for a duration outside 0.5..300 seconds.
    """
    if not math.isfinite(duration_seconds) or not (
        MIN_DURATION_SECONDS <= duration_seconds <= MAX_DURATION_SECONDS
    ):
        raise ValueError(
            f"duration_seconds must be between {MIN_DURATION_SECONDS} and "
            f"{MAX_DURATION_SECONDS}, got {duration_seconds}"
        )
    seed = seed_of("music", prompt, float(duration_seconds), bool(instrumental), negative_prompt)
    brief = read_prompt(
        prompt,
        instrumental=instrumental,
        negative_prompt=negative_prompt,
        rng=np.random.default_rng([seed, 1]),
    )
    score = write_score(brief, float(duration_seconds), np.random.default_rng([seed, 2]))
    n = round(duration_seconds * SAMPLE_RATE)
    audio = _render(score, n, brief.style, seed)
    sections = [Section(name, start, end, styles) for name, start, end, styles in score.sections]
    plan = MusicPlan(
        title=brief.title,
        bpm=brief.bpm,
        key=brief.key,
        genres=list(brief.genres),
        moods=list(brief.moods),
        instruments=list(score.instruments),
        vocals=brief.vocals,
        sections=sections,
    )
    return MusicPiece(samples=audio, sample_rate=SAMPLE_RATE, plan=plan)


def _pan(voice: str, midi: int) -> tuple[float, float, float]:
    gain, pan, send = _MIX[voice]
    if voice in _WIDE:
        # Spread a chord's notes left and right by pitch, so a pad sounds wide, not mono.
        pan += 0.55 * (((midi * 7) % 12) / 5.5 - 1.0)
    angle = (float(np.clip(pan, -1.0, 1.0)) + 1.0) * np.pi / 4.0
    return gain * math.sqrt(2.0) * math.cos(angle), gain * math.sqrt(2.0) * math.sin(angle), send


def _render(score: Score, n: int, style: Style, seed: int) -> F32:
    dry = np.zeros((2, n), dtype=np.float32)
    send = np.zeros(n, dtype=np.float32)
    notes: dict[tuple[str, int, float], F32] = {}
    for event in score.events:
        start = round(event.time * SAMPLE_RATE)
        if start >= n:
            continue
        if event.voice.startswith("drum:"):
            wave = hit(event.voice[5:], style.kit, event.midi)
        else:
            key = (event.voice, event.midi, event.dur)
            cached = notes.get(key)
            if cached is None:
                cached = notes[key] = render_note(event.voice, event.midi, event.dur, style.lofi)
            wave = cached
        left, right, wet = _pan(event.voice, event.midi)
        stop = min(n, start + wave.size)
        part = wave[: stop - start] * np.float32(event.vel)
        dry[0, start:stop] += part * np.float32(left)
        dry[1, start:stop] += part * np.float32(right)
        if wet > 0.0:
            send[start:stop] += part * np.float32(wet)
    if style.lofi:
        _add_vinyl(dry, np.random.default_rng([seed, 3]))
    add_convolved(dry, send, impulse_response(style.reverb, seed % (2**32)), 0.55)
    del send
    _fade_outro(dry, score)
    return _master(dry)


def _add_vinyl(dry: F32, rng: np.random.Generator) -> None:
    """Lo-fi's record: sparse crackle and a low hiss under everything."""
    n = dry.shape[1]
    crackle = np.zeros(n, dtype=np.float32)
    count = int(n / SAMPLE_RATE * 9)
    where = rng.integers(0, n, size=count)
    crackle[where] = (rng.pareto(3.0, size=count) * 0.02 * rng.choice([-1, 1], size=count)).astype(
        np.float32
    )
    click = shape_spectrum(np.exp(-np.arange(64) / 6.0), low=1500.0, high=7000.0, pad=0)
    crackle = np.convolve(crackle, click.astype(np.float32), mode="same").astype(np.float32)
    dry += crackle[None, :]
    hiss = shape_spectrum(rng.standard_normal(min(n, SAMPLE_RATE * 4)), low=3000.0, high=9000.0)
    hiss32 = (0.003 * hiss / (np.std(hiss) + 1e-9)).astype(np.float32)
    reps = -(-n // hiss32.size)
    dry += np.tile(hiss32, reps)[:n][None, :]


def _fade_outro(dry: F32, score: Score) -> None:
    """The outro thins out: the whole mix eases down across it before the final fade."""
    for name, start, end, _ in score.sections:
        if name != "outro" or end - start <= 0:
            continue
        a, b = round(start * SAMPLE_RATE), min(dry.shape[1], round(end * SAMPLE_RATE))
        ramp = np.linspace(1.0, 0.35, max(b - a, 1), dtype=np.float32)
        dry[:, a:b] *= ramp[None, : b - a]


def _master(mix: F32) -> F32:
    """Glue the mix with a soft saturator, fade the ends, normalise the peak."""
    n = mix.shape[1]
    np.nan_to_num(mix, copy=False, posinf=0.0, neginf=0.0)
    rms = math.sqrt(float(np.mean(np.square(mix), dtype=np.float64)))
    if rms > 0.0:
        # Drive relative to loudness: transients are rounded off, sustained parts untouched.
        mix *= np.float32(0.24 / rms)
        np.tanh(mix, out=mix)
    fade_in = min(round(0.01 * SAMPLE_RATE), n // 4)
    fade_out = min(round(min(1.0, 0.1 * n / SAMPLE_RATE) * SAMPLE_RATE), n // 2)
    return finish(mix, fade_in, fade_out)
