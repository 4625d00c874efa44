"""Rendering an effect: the prompt read, its class synthesised, distance and room added.

The words pick a sound class and variant (`_words`), a synthesiser for that class layers
thumps, noise bursts, resonances and textures (`_hits`, `_tones`, `_weather`, `_beds`),
and the place words add distance (a duller, more reverberant sound) and a room (a
synthetic impulse response). Loops are drawn on a circular canvas (`_canvas`), so the
end flows into the start with no click. The seed is a SHA-256 of the prompt, duration
and loop flag, so a request always renders bit-identically; `prompt_influence` then
decides how strictly the modifiers apply and how much seeded variation is let in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from genfire_server.engines.local.sfx import _beds as beds
from genfire_server.engines.local.sfx import _hits as hits
from genfire_server.engines.local.sfx import _tones as tones
from genfire_server.engines.local.sfx import _weather as weather
from genfire_server.engines.local.sfx._canvas import Canvas, Params
from genfire_server.engines.local.sfx._words import NATURAL_SECONDS, Reading, natural_seconds, read
from genfire_server.engines.local.synth.dsp import F64, RATE, finish, seed_of, shape_spectrum
from genfire_server.engines.local.synth.reverb import add_convolved, impulse_response

SAMPLE_RATE = RATE
MIN_DURATION_SECONDS = 0.5
MAX_DURATION_SECONDS = 30.0


@dataclass(frozen=True)
class Effect:
    samples: NDArray[np.float32]  # (2, n) stereo within [-1, 1]
    sample_rate: int
    sound_class: str  # the recognised class, e.g. "impact", "rain", "engine"
    description: str  # one short sentence of what was synthesised


_SOURCES: dict[str, Callable[[Canvas, Params], str]] = {
    "impact": hits.impact, "explosion": hits.explosion, "whoosh": hits.whoosh,
    "door": hits.door, "glass": hits.glass, "gunshot": hits.gunshot, "laser": tones.laser,
    "beep": tones.beep, "click": tones.click, "bell": tones.bell, "footsteps": beds.footsteps,
    "rain": weather.rain, "wind": weather.wind, "thunder": weather.thunder,
    "water": weather.water, "fire": weather.fire, "engine": beds.engine, "crowd": beds.crowd,
    "typing": beds.typing, "heartbeat": beds.heartbeat, "birds": beds.birds,
    "texture": beds.texture,
}  # fmt: skip
# Continuous sounds fade in and out gently; one-shots keep their attack.
_BEDS = frozenset({"rain", "wind", "water", "fire", "engine", "crowd", "birds", "texture"})
_MATERIAL_WORDS = {"metal": "metal", "wood": "wooden", "glass": "glass", "stone": "stone",
                   "plastic": "plastic"}  # fmt: skip


def classes() -> list[str]:
    """Every sound class the synthesiser knows; "texture" is the fallback for the rest."""
    return list(NATURAL_SECONDS)


def render_effect(
    prompt: str,
    duration_seconds: float | None = None,
    *,
    loop: bool = False,
    prompt_influence: float = 0.3,
) -> Effect:
    """Synthesise the effect a prompt describes.

    `duration_seconds` None picks the class's natural length (a door slam about 2 s,
    rain 8 s); otherwise the output is exactly round(duration * 44100) samples, and
    0.5..30 s is accepted. `loop` makes the end flow seamlessly into the start (one-shot
    classes repeat rhythmically). `prompt_influence` in [0, 1]: higher follows the
    prompt's modifiers more strictly with less random variation. Raises ValueError for
    an out-of-range duration or influence.
    """
    if not math.isfinite(prompt_influence) or not 0.0 <= prompt_influence <= 1.0:
        raise ValueError(f"prompt_influence must be between 0 and 1, got {prompt_influence}")
    if duration_seconds is not None and (
        not math.isfinite(duration_seconds)
        or not MIN_DURATION_SECONDS <= duration_seconds <= MAX_DURATION_SECONDS
    ):
        raise ValueError(
            f"duration_seconds must be between {MIN_DURATION_SECONDS} and "
            f"{MAX_DURATION_SECONDS}, got {duration_seconds}"
        )
    reading = read(prompt)
    # Normalised, so 2 and 2.0 (or numpy's 2.0, or loop=1) are the same request.
    seconds_asked = None if duration_seconds is None else float(duration_seconds)
    seed = seed_of("sfx", prompt, seconds_asked, bool(loop))
    params = Params(
        variant=reading.variant,
        weight=reading.weight,
        pitch=reading.pitch,
        speed=reading.speed,
        distance=reading.distance,
        material=reading.material,
        words=reading.words,
        influence=float(prompt_influence),
        rng=np.random.default_rng([seed, 1]),
    )
    seconds = natural_seconds(reading) if seconds_asked is None else seconds_asked
    n = round(seconds * SAMPLE_RATE)
    canvas = Canvas(n, loop, np.random.default_rng([seed, 2]))
    phrase = _SOURCES[reading.sound_class](canvas, params)
    mixed = _space(canvas.buf, reading, params, loop, seed)
    audio = _finish(mixed, bed=reading.sound_class in _BEDS, loop=loop)
    return Effect(
        samples=audio,
        sample_rate=SAMPLE_RATE,
        sound_class=reading.sound_class,
        description=_describe(reading, params, phrase, loop),
    )


def _space(buf: F64, reading: Reading, p: Params, loop: bool, seed: int) -> F64:
    """Distance dulls and distances the direct sound; a room adds its reverb tail."""
    n = buf.shape[1]
    distance = p.distance
    if distance > 0.05:
        # Air absorbs highs over distance; a loop is filtered round its seam.
        buf = shape_spectrum(buf, high=9000.0 * 2.0 ** (-2.6 * distance), pad=4096, circular=loop)
    room = reading.room * (0.6 + 0.4 * p.strength)
    if room > 0.0:
        wet = 0.45 + 0.15 * min(room, 4.0)
    elif distance > 0.3 and not reading.outdoors:
        room, wet = 1.3, 0.3
    elif distance > 0.3:
        room, wet = 0.8, 0.2
    elif not reading.outdoors:
        # A dry effect sounds pasted on; a small room gives it a place.
        room, wet = 0.35, 0.15
    else:
        return buf
    wet += 0.45 * max(distance, 0.0)
    wet *= 1.0 + 0.6 * min(distance, 0.0)
    direct = 1.0 - 0.45 * max(distance, 0.0)
    ir = impulse_response(room, seed % (2**32), damping=6500.0 * 2.0 ** (-distance))
    send = buf.mean(axis=0)
    tail = np.zeros((2, n + (ir.shape[1] if loop else 0)))
    add_convolved(tail, send, ir, wet)
    if loop:
        # The reverb of the loop's end rings on into its start: fold the tail round.
        folded = tail[:, :n].copy()
        for start in range(n, tail.shape[1], n):
            piece = tail[:, start : start + n]
            folded[:, : piece.shape[1]] += piece
        tail = folded
    out: F64 = direct * buf + tail
    return out


def _finish(x: F64, *, bed: bool, loop: bool) -> NDArray[np.float32]:
    n = x.shape[1]
    if loop:
        # A loop has no ends to fade: its last sample leads straight into its first.
        return finish(x, 0, 0)
    fade_in = min(round((0.03 if bed else 0.002) * SAMPLE_RATE), n // 4)
    fade_out = min(round((0.2 if bed else 0.02) * SAMPLE_RATE), n // 4)
    return finish(x, fade_in, fade_out)


def _describe(reading: Reading, p: Params, phrase: str, loop: bool) -> str:
    words: list[str] = []
    if p.weight > 0.45 and not any(w in phrase for w in ("heavy", "roaring", "howling")):
        words.append("heavy")
    elif p.weight < -0.45 and not any(w in phrase for w in ("light", "gentle")):
        words.append("light")
    material = _MATERIAL_WORDS.get(reading.material or "")
    if material and material not in phrase and reading.sound_class not in ("footsteps", "rain"):
        words.append(material)
    words.append(phrase)
    sentence = "Synthesised " + " ".join(words)
    if reading.place:
        sentence += f" with the reverb of a {reading.place}"
    if p.distance > 0.4:
        sentence += ", heard from a distance"
    elif p.distance < -0.4:
        sentence += ", close-up"
    if loop:
        sentence += ", as a seamless loop"
    return sentence + "."
