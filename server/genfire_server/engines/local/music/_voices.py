"""The instruments: one function per timbre, each turning (pitch, length) into a note.

Notes are read from the wavetables of `_wavetable`. Timbre moves over a note by
crossfading a bright table into a dark one, the way a plucked string or a struck piano
loses its top end. Every noise inside a note is seeded from the note itself, so a note
rendered twice is bit-identical and the mixer can cache it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from genfire_server.engines.local.music._wavetable import (
    LOFI_TOP,
    TOP,
    envelope,
    hz,
    note_time,
    osc,
    table_for,
    vibrato_cycles,
    vowel_table,
)
from genfire_server.engines.local.synth.dsp import (
    F32,
    F64,
    filtered_noise,
    samples,
    shape_spectrum,
    small_seed,
)

# ---------------------------------------------------------------------------- keys


def piano(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    f = hz(midi)
    top = LOFI_TOP if lofi else TOP
    dur = min(dur, 6.0)
    release = 0.3
    n, t = note_time(dur, release)
    tau = float(np.clip(3.2 * (130.0 / f) ** 0.55, 0.5, 6.0))
    dark = table_for("piano_dark", f, top=top)
    bright = table_for("piano_bright", f, most=40, top=top)
    # Two slightly detuned strings per key beat slowly, the piano's shimmer.
    body = 0.55 * osc(dark, f * t) + 0.45 * osc(dark, f * 1.0009 * t + 0.31)
    x = body * np.exp(-t / tau) + 0.7 * osc(bright, f * t) * np.exp(-t / (0.12 * tau + 0.04))
    thump = filtered_noise(n, 20.0, 1200.0, seed) * np.exp(-t / 0.006)
    x += 0.15 * thump
    # Letting go damps the string faster than the natural decay.
    damp = np.where(t > dur, np.exp(-(t - dur) / 0.08), 1.0)
    out: F64 = x * damp * envelope(n, 0.002, release)
    return out


def electric_piano(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed
    f = hz(midi)
    dur = min(dur, 6.0)
    release = 0.25
    n, t = note_time(dur, release)
    index = (0.15 if lofi else 0.25) + (1.2 if lofi else 2.0) * np.exp(-t / 0.22)
    x = np.sin(2 * np.pi * f * t + index * np.sin(2 * np.pi * f * t))
    if f * 7 < 12_000 and not lofi:
        x += 0.12 * np.sin(2 * np.pi * 7 * f * t) * np.exp(-t / 0.04)  # the tine's ping
    tremolo = 1.0 - 0.12 * (0.5 + 0.5 * np.sin(2 * np.pi * 4.5 * t))
    damp = np.where(t > dur, np.exp(-(t - dur) / 0.07), 1.0)
    out: F64 = x * np.exp(-t / 1.8) * tremolo * damp * envelope(n, 0.003, release)
    return out


def organ(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed
    f = hz(midi)
    release = 0.08
    n, t = note_time(dur, release)
    table = table_for("organ", f, most=8, top=LOFI_TOP if lofi else TOP)
    # A rotating speaker: a slow pitch and level wobble.
    x = osc(table, vibrato_cycles(f, t, 6.2, 0.002, 0.0))
    x *= 1.0 - 0.1 * (0.5 + 0.5 * np.sin(2 * np.pi * 6.2 * t + 1.0))
    out: F64 = 0.8 * x * envelope(n, 0.012, release)
    return out


# ---------------------------------------------------------------------------- strings


def guitar(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    f = hz(midi)
    top = LOFI_TOP if lofi else TOP
    dur = min(dur, 4.0)
    release = 0.12
    n, t = note_time(dur, release)
    tau = float(np.clip(1.6 * (196.0 / f) ** 0.45, 0.35, 3.0))
    x = osc(table_for("pluck_dark", f, top=top), f * t) * np.exp(-t / tau)
    x += (
        0.8 * osc(table_for("pluck_bright", f, most=48, top=top), f * t) * np.exp(-t / (0.12 * tau))
    )
    pick = filtered_noise(n, 1500.0, 7000.0, seed)
    x += 0.15 * pick * np.exp(-t / 0.003)
    damp = np.where(t > dur, np.exp(-(t - dur) / 0.03), 1.0)
    out: F64 = x * damp * envelope(n, 0.0015, release)
    return out


def _cabinet(x: F64) -> F64:
    """A guitar speaker: no deep lows, no fizzy highs, a presence bump."""
    return shape_spectrum(x, low=90.0, high=4200.0, order=2.0)


def power_chord(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed, lofi
    f = hz(midi)
    release = 0.06
    n, t = note_time(dur, release)
    raw = np.zeros(n)
    for ratio, detune in ((1.0, 1.0), (1.4983, 1.0012), (2.0, 0.9993)):
        g = f * ratio * detune
        raw += osc(table_for("saw", g, most=40), g * t)
    # Distortion after summing, so root and fifth intermodulate like a real amp.
    chug = np.exp(-t / 0.09) if dur < 0.35 else np.exp(-t / 2.5)
    x = np.tanh(4.0 * raw * (0.35 + 0.65 * chug))
    out: F64 = 0.6 * _cabinet(x) * envelope(n, 0.002, release)
    return out


def guitar_lead(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed, lofi
    f = hz(midi)
    release = 0.1
    n, t = note_time(dur, release)
    x = osc(table_for("saw", f, most=40), vibrato_cycles(f, t, 5.5, 0.006, 0.25))
    out: F64 = 0.6 * _cabinet(np.tanh(3.0 * x)) * envelope(n, 0.004, release)
    return out


def _ensemble(
    f: float, t: F64, kind: str, detunes: tuple[float, ...], vibrato: float, most: int, top: float
) -> F64:
    x = np.zeros_like(t)
    for i, cents in enumerate(detunes):
        g = f * 2.0 ** (cents / 1200.0)
        cycles = vibrato_cycles(g, t, 5.0 + 0.37 * i, vibrato, 0.3) + 0.21 * i
        x += osc(table_for(kind, g, most=most, top=top), cycles)
    out: F64 = x / len(detunes)
    return out


def strings(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed
    f = hz(midi)
    release = 0.4
    n, t = note_time(dur, release)
    x = _ensemble(f, t, "soft_saw", (-7.0, 0.0, 6.0), 0.004, 40, LOFI_TOP if lofi else 9000.0)
    out: F64 = x * envelope(n, min(0.25, 0.5 * dur + 0.02), release)
    return out


def strings_lead(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed
    f = hz(midi)
    release = 0.25
    n, t = note_time(dur, release)
    x = _ensemble(f, t, "soft_saw", (-5.0, 4.0), 0.006, 40, LOFI_TOP if lofi else 10_000.0)
    out: F64 = x * envelope(n, 0.06, release)
    return out


def bowed_bass(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed, lofi
    f = hz(midi)
    release = 0.3
    n, t = note_time(dur, release)
    x = _ensemble(f, t, "soft_saw", (-4.0, 5.0), 0.002, 30, 5000.0)
    out: F64 = x * envelope(n, 0.08, release)
    return out


def pad(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed
    f = hz(midi)
    release = 1.0
    n, t = note_time(dur, release)
    x = _ensemble(f, t, "soft_saw", (-12.0, -4.0, 5.0, 11.0), 0.0, 24, 4000.0 if lofi else 7000.0)
    swell = 0.85 + 0.15 * np.sin(2 * np.pi * 0.23 * t)
    out: F64 = x * swell * envelope(n, min(0.6, 0.6 * dur + 0.02), release)
    return out


# ---------------------------------------------------------------------------- synths


def synth_lead(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed
    f = hz(midi)
    top = LOFI_TOP if lofi else TOP
    release = 0.12
    n, t = note_time(dur, release)
    cycles = vibrato_cycles(f, t, 5.8, 0.005, 0.3)
    bright = osc(table_for("saw", f, top=top), cycles) + osc(
        table_for("saw", f, top=top), cycles * 1.004 + 0.4
    )
    dark = osc(table_for("soft_square", f, most=10), cycles)
    sweep = np.exp(-t / 0.25)
    x = 0.5 * bright * (0.35 + 0.65 * sweep) + 0.6 * dark
    out: F64 = 0.7 * x * envelope(n, 0.005, release)
    return out


def synth_pluck(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed
    f = hz(midi)
    top = LOFI_TOP if lofi else TOP
    release = 0.15
    n, t = note_time(min(dur, 1.5), release)
    bright = osc(table_for("saw", f, top=top), f * t) + osc(
        table_for("saw", f, top=top), f * 1.006 * t
    )
    dark = osc(table_for("soft_saw", f, most=6), f * t)
    x = 0.5 * bright * np.exp(-t / 0.06) + dark * np.exp(-t / 0.4)
    out: F64 = 0.8 * x * envelope(n, 0.002, release)
    return out


def chip_lead(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed, lofi
    f = hz(midi)
    release = 0.04
    n, t = note_time(dur, release)
    x = osc(table_for("square", f, most=30), vibrato_cycles(f, t, 6.0, 0.008, 0.2))
    out: F64 = 0.5 * x * envelope(n, 0.002, release)
    return out


def chip_pluck(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed, lofi
    f = hz(midi)
    release = 0.04
    n, t = note_time(min(dur, 0.8), release)
    x = osc(table_for("square", f, most=30), f * t) * np.exp(-t / 0.15)
    out: F64 = 0.5 * x * envelope(n, 0.002, release)
    return out


# ---------------------------------------------------------------------------- basses


def bass_synth(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed
    f = hz(midi)
    release = 0.06
    n, t = note_time(dur, release)
    saw = osc(table_for("saw", f, most=40, top=LOFI_TOP if lofi else 8000.0), f * t)
    dark = osc(table_for("soft_saw", f, most=6), f * t)
    sub = np.sin(2 * np.pi * f * t)
    x = 0.35 * saw * np.exp(-t / 0.08) + 0.35 * dark + 0.7 * sub
    out: F64 = np.tanh(1.5 * x) * envelope(n, 0.003, release)
    return out


def bass_electric(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed
    f = hz(midi)
    release = 0.07
    n, t = note_time(dur, release)
    x = osc(table_for("bass_electric", f, most=30, top=LOFI_TOP if lofi else 6000.0), f * t)
    x = x * (0.55 + 0.45 * np.exp(-t / 0.9)) + 0.4 * np.sin(2 * np.pi * f * t)
    out: F64 = x * envelope(n, 0.004, release)
    return out


def bass_upright(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del lofi
    f = hz(midi)
    release = 0.08
    n, t = note_time(dur, release)
    x = osc(table_for("bass_upright", f, most=20, top=3000.0), f * t) * np.exp(-t / 0.7)
    thump = filtered_noise(n, 20.0, 400.0, seed) * np.exp(-t / 0.015)
    out: F64 = (x + 0.35 * thump) * envelope(n, 0.003, release)
    return out


def bass_sub(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed, lofi
    f = hz(midi)
    release = 0.12
    n, t = note_time(dur, release)
    # An 808: a short downward pitch drop at the attack, then a pure, slightly driven sine.
    cycles = f * t + f * 0.5 * 0.025 * (1.0 - np.exp(-t / 0.025))
    x = np.tanh(1.8 * np.sin(2 * np.pi * cycles)) * (0.6 + 0.4 * np.exp(-t / 1.5))
    out: F64 = x * envelope(n, 0.003, release)
    return out


def bass_square(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed, lofi
    f = hz(midi)
    release = 0.03
    n, t = note_time(dur, release)
    tri = osc(table_for("soft_square", f, most=20), f * t)
    out: F64 = tri * envelope(n, 0.002, release)
    return out


# ---------------------------------------------------------------------------- others


def bells(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed
    f = hz(midi)
    ring = 2.5 if not lofi else 1.5
    n, t = note_time(min(dur, 1.0) + ring, 0.0)
    x = np.zeros(n)
    # A struck bar: inharmonic partials, each dying faster the higher it is.
    for ratio, amp, tau in (
        (1.0, 1.0, 1.6),
        (2.76, 0.35, 0.55),
        (5.40, 0.16, 0.25),
        (8.93, 0.08, 0.12),
    ):
        if f * ratio < 15_000:
            x += amp * np.sin(2 * np.pi * f * ratio * t) * np.exp(-t / tau)
    out: F64 = x * envelope(n, 0.001, 0.2)
    return out


def brass(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del seed
    f = hz(midi)
    top = LOFI_TOP if lofi else 9000.0
    release = 0.14
    n, t = note_time(dur, release)
    x = np.zeros(n)
    # Brass brightens as the player blows into the note, then settles.
    blare = 0.35 + 0.45 * np.clip(t / 0.06, 0, 1) * np.exp(-np.maximum(t - 0.06, 0) / 0.4)
    for cents, shift in ((-4.0, 0.0), (4.0, 0.37)):
        g = f * 2.0 ** (cents / 1200.0)
        cycles = vibrato_cycles(g, t, 5.2, 0.004, 0.35) + shift
        x += blare * osc(table_for("brass_bright", g, most=40, top=top), cycles)
        x += (1.0 - blare) * osc(table_for("brass_dark", g, most=20, top=top), cycles)
    out: F64 = 0.5 * x * envelope(n, 0.035, release)
    return out


def flute(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del lofi
    f = hz(midi)
    release = 0.1
    n, t = note_time(dur, release)
    x = osc(table_for("flute", f, most=6), vibrato_cycles(f, t, 4.8, 0.004, 0.2))
    breath = filtered_noise(n, 1500.0, 6000.0, seed)
    out: F64 = (x + 0.12 * breath) * envelope(n, 0.07, release)
    return out


def _sing(midi: int, dur: float, seed: int, start: str, end: str, cents: float) -> F64:
    f = hz(midi + cents / 100.0)
    release = 0.22
    n, t = note_time(dur, release)
    cycles = vibrato_cycles(f, t, 5.3, 0.012, 0.25)
    morph = np.clip(t / max(0.35, 0.6 * dur), 0.0, 1.0)
    x = (1.0 - morph) * osc(vowel_table(start, midi), cycles) + morph * osc(
        vowel_table(end, midi), cycles
    )
    breath = filtered_noise(n, 1800.0, 6000.0, seed)
    out: F64 = (x + 0.06 * breath) * envelope(n, 0.07, release)
    return out


def vocal_ooh(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del lofi
    return _sing(int(midi), dur, seed, "oo", "oh", 0.0)


def vocal_aah(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del lofi
    return _sing(int(midi), dur, seed, "oh", "ah", 0.0)


def choir(midi: float, dur: float, seed: int, lofi: bool) -> F64:
    del lofi
    m = int(midi)
    voices = [
        _sing(m, dur, seed + i, "oo", "ah", cents) for i, cents in enumerate((-9.0, 0.0, 8.0))
    ]
    # Singers never start together; a few milliseconds apart is what makes a section.
    size = max(v.size for v in voices) + samples(0.03)
    out = np.zeros(size)
    for i, v in enumerate(voices):
        offset = samples(0.011 * i)
        out[offset : offset + v.size] += v / 2.2
    return out


Voice = Callable[[float, float, int, bool], F64]
VOICES: dict[str, Voice] = {
    "piano": piano, "epiano": electric_piano, "organ": organ, "guitar": guitar,
    "power": power_chord, "guitar_lead": guitar_lead, "strings": strings,
    "strings_lead": strings_lead, "pad": pad, "lead": synth_lead, "pluck": synth_pluck,
    "chip_lead": chip_lead, "chip_pluck": chip_pluck, "bass_synth": bass_synth,
    "bass_electric": bass_electric, "bass_upright": bass_upright, "bass_sub": bass_sub,
    "bass_bowed": bowed_bass, "bass_square": bass_square, "bells": bells, "brass": brass,
    "flute": flute, "vocal_ooh": vocal_ooh, "vocal_aah": vocal_aah, "choir": choir,
}  # fmt: skip


def render_note(voice: str, midi: int, dur: float, lofi: bool) -> F32:
    """One note of `voice`, including its release tail; identical for identical arguments."""
    seed = small_seed(f"{voice}:{midi}:{dur:.4f}")
    wave = VOICES[voice](float(midi), max(dur, 0.03), seed, lofi)
    return wave.astype(np.float32)
