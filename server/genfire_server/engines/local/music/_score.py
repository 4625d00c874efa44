"""The score: sections on bar lines, then chords, melody, bass and drums as timed notes.

This is where the piece becomes music rather than sound. Sections tile the piece on
bar lines and each has an arrangement (the intro leaves the band out, the chorus brings
everyone in, the outro thins and resolves to the tonic). Chords come from progressions
that work in the key; the bass follows their roots in the genre's pattern; the drums
play the genre's groove with fills into a chorus; the melody is a two-bar motif, a
rhythm plus a contour, replayed over the changing chords and snapped to chord tones on
strong beats, which is what makes a tune recognisable instead of a random walk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from genfire_server.engines.local.music._band import assign_roles
from genfire_server.engines.local.music._patterns import (
    ARRANGEMENTS,
    BASS_LINES,
    COMP,
    CRASHING,
    DENSER,
    GROOVES,
    HALF_GROOVE,
    JAZZ_MAJOR,
    JAZZ_MINOR,
    MAJOR_PROGRESSIONS,
    MAJOR_SCALE,
    MINOR_PROGRESSIONS,
    MINOR_SCALE,
    OUTRO_GROOVE,
    RHYTHMS,
    VELOCITY,
    Arrangement,
    Chord,
    Harmony,
    make_harmony,
    section_layout,
    with_sevenths,
)
from genfire_server.engines.local.music._prompt import Brief


@dataclass(frozen=True)
class Event:
    """One thing to play: a pitched note of a voice, or a drum hit ("drum:kick", midi 0)."""

    time: float
    voice: str
    midi: int
    dur: float
    vel: float


def _interval(m: int, pcs: set[int], lo: int, hi: int) -> list[int]:
    return [p for p in range(lo, hi + 1) if p % 12 in pcs] or [m]


def _nearest(pitch: int, options: list[int]) -> int:
    return min(options, key=lambda p: (abs(p - pitch), p))


@dataclass
class Score:
    events: list[Event]
    sections: list[tuple[str, float, float, list[str]]]
    instruments: list[str]


class _Writer:
    """Writes the notes of one piece; holds the key, the tempo grid and the motifs."""

    def __init__(self, brief: Brief, duration: float, rng: np.random.Generator) -> None:
        self.brief, self.style, self.rng = brief, brief.style, rng
        self.duration = duration
        self.step = 60.0 / brief.bpm / 4.0
        self.bar = 16 * self.step
        scale_pcs = MINOR_SCALE if brief.minor else MAJOR_SCALE
        self.scale = [m for m in range(30, 104) if (m - brief.tonic) % 12 in scale_pcs]
        self.events: list[Event] = []
        self.roles = assign_roles(brief)
        self.progressions = self._progressions()
        density = self.style.melody
        self.motifs = {
            "verse": self._motif(density),
            "chorus": self._motif(DENSER[density]),
            "bridge": self._motif("sparse"),
        }
        self.motifs["theme"] = self.motifs["chorus"]
        self.motifs["intro"] = self.motifs["verse"]
        self.motifs["outro"] = self.motifs["verse"]
        centre = brief.tonic + 12 * ((70 - brief.tonic) // 12)
        self.lead_centre = centre if centre >= 64 else centre + 12

    # -- harmony

    def _progressions(self) -> dict[str, tuple[Chord, ...]]:
        minor, style = self.brief.minor, self.style
        pool: tuple[tuple[Chord, ...], ...]
        if style.drums == "swing" or (style.sevenths and style.bass == "walking"):
            pool = JAZZ_MINOR if minor else JAZZ_MAJOR
        else:
            pool = MINOR_PROGRESSIONS if minor else MAJOR_PROGRESSIONS
        order = self.rng.permutation(len(pool))
        verse: tuple[Chord, ...]
        chorus: tuple[Chord, ...]
        bridge: tuple[Chord, ...]
        verse, chorus, bridge = (pool[int(order[i % len(pool)])] for i in range(3))
        if style.sevenths:
            verse, chorus, bridge = (
                tuple(with_sevenths(c, minor) for c in p) for p in (verse, chorus, bridge)
            )
        return {"intro": verse, "verse": verse, "chorus": chorus, "bridge": bridge,
                "outro": verse, "theme": chorus}  # fmt: skip

    def _chord(self, name: str, index: int, bar_start: float) -> Harmony:
        progression = self.progressions[name]
        chord = progression[index % len(progression)]
        ending = name in ("outro", "theme") and bar_start >= self.duration - 1.5 * self.bar
        if ending and (name == "outro" or self.duration > 2 * self.bar):
            chord = (0, "min" if self.brief.minor else "maj")
        return make_harmony(self.brief.tonic, chord)

    # -- time

    def _at(self, bar_start: float, step: float) -> float:
        swing = self.style.swing
        whole = int(step)
        if whole % 4 == 2:
            step += swing * 2.0 / 3.0
        elif whole % 2 == 1:
            step += swing * 0.3
        return bar_start + step * self.step

    def _add(self, time: float, voice: str, midi: int, dur: float, vel: float) -> None:
        if time < self.duration and vel > 0:
            self.events.append(Event(max(0.0, time), voice, int(midi), round(dur, 4), vel))

    # -- melody

    def _motif(self, density: str) -> list[list[tuple[int, int, int]]]:
        bars = []
        for _ in range(2):
            rhythms = RHYTHMS[density]
            rhythm = rhythms[int(self.rng.integers(len(rhythms)))]
            steps = self.rng.choice([-2, -1, -1, 0, 1, 1, 2, 3, -3], size=len(rhythm))
            bars.append([(s, n, int(c)) for (s, n), c in zip(rhythm, steps, strict=True)])
        return bars

    def _melody(
        self, name: str, bars: list[tuple[float, Harmony]], shift: int
    ) -> list[tuple[float, float, int, float]]:
        """(time, length, midi, velocity) of the section's tune, phrase by phrase."""
        motif = self.motifs[name]
        lo, hi = self.lead_centre - 5 + shift, self.lead_centre + 10 + shift
        scale = [m for m in self.scale if lo <= m <= hi]
        notes: list[tuple[float, float, int, float]] = []
        prev = self.lead_centre + shift
        for j, (start, harmony) in enumerate(bars):
            if j % 4 == 0:
                prev = _nearest(self.lead_centre + shift, _interval(prev, harmony.pcs, lo, hi))
            pattern = motif[j % 2]
            if j % 4 == 3:
                # The phrase's answer: the motif's first half, then a long chord tone.
                pattern = [p for p in motif[1] if p[0] < 8] + [(8, 8, 0)]
            for step, length, contour in pattern:
                index = _nearest(prev, scale)
                index_pos = scale.index(index) + contour
                if index_pos < 0 or index_pos >= len(scale):
                    index_pos = scale.index(index) - contour
                pitch = scale[max(0, min(len(scale) - 1, index_pos))]
                strong = step % 8 == 0
                if strong:
                    pitch = _nearest(pitch, _interval(pitch, harmony.pcs, lo, hi))
                prev = pitch
                vel = 0.9 if strong else 0.72
                notes.append((self._at(start, step), length * self.step * 0.92, pitch, vel))
        return notes

    # -- parts

    def write(self, layout: list[tuple[str, float, float]]) -> Score:
        sections: list[tuple[str, float, float, list[str]]] = []
        for k, (name, start, end) in enumerate(layout):
            arrangement = ARRANGEMENTS[name]
            next_name = layout[k + 1][0] if k + 1 < len(layout) else None
            first = round(start / self.bar)
            last = max(first + 1, math.ceil(end / self.bar - 1e-9))
            bars = [
                (b * self.bar, self._chord(name, j, b * self.bar))
                for j, b in enumerate(range(first, last))
            ]
            roles = {r for r in self.roles.voices if r.rstrip("0123456789") in arrangement.roles}
            if not roles - {"drums"}:
                roles = set(self.roles.voices)
            self._section(name, arrangement, bars, roles, next_name, end)
            players = {self.roles.players[r] for r in roles}
            styles = [arrangement.word] + [i for i in self.brief.instruments if i in players]
            if "vocal" in roles:
                styles.append("vocals")
            sections.append((name, start, end, styles))
        return Score(self.events, sections, list(self.brief.instruments))

    def _section(
        self,
        name: str,
        arrangement: Arrangement,
        bars: list[tuple[float, Harmony]],
        roles: set[str],
        next_name: str | None,
        end: float,
    ) -> None:
        energy = 0.55 + 0.45 * arrangement.energy
        voices = self.roles.voices
        for j, (start, harmony) in enumerate(bars):
            following = bars[j + 1][1] if j + 1 < len(bars) else harmony
            if "pad" in roles:
                self._pad(start, harmony, voices["pad"], 0.7 * energy)
            if "comp" in roles:
                self._comp(
                    start, harmony, voices["comp"], arrangement.level, energy, "bass" in voices
                )
            if "bass" in roles:
                pattern = "sustain" if name in ("outro", "intro") else self.style.bass
                self._bass(start, harmony, following, voices["bass"], pattern, energy)
            if "arp" in roles:
                self._arp(start, harmony, voices["arp"], name == "chorus", 0.6 * energy)
            for role in sorted(roles):
                if role.startswith("counter") and name in ("chorus", "theme", "bridge"):
                    self._counter(start, harmony, voices[role], 0.6 * energy)
        if "drums" in roles and arrangement.drums != "off":
            fill = next_name == "chorus" and name not in ("intro", "chorus")
            self._drums(arrangement.drums, bars, fill, energy, end)
        if "lead" in roles or "vocal" in roles:
            self._tune(name, bars, roles, energy)

    def _tune(
        self, name: str, bars: list[tuple[float, Harmony]], roles: set[str], energy: float
    ) -> None:
        shift = 3 if name in ("chorus", "theme") else 0
        notes = self._melody(name, bars, shift)
        if name == "outro":
            notes = [n for n in notes if n[0] < bars[0][0] + 2 * self.bar]
        singing = "vocal" in roles and name in ("verse", "chorus", "theme")
        if "lead" in roles and not singing:
            for time, length, pitch, vel in notes:
                self._add(time, self.roles.voices["lead"], pitch, length, vel * energy)
        if singing:
            voice = self.roles.voices["vocal"]
            if voice == "vocal_ooh" and name != "verse":
                voice = "vocal_aah"
            centre = 57 if self.brief.low_voice else 69
            octaves = round((centre - self.lead_centre - shift) / 12)
            for i, (time, length, pitch, vel) in enumerate(notes):
                # Singers connect their notes: hold each until the next when it is close.
                gap = notes[i + 1][0] - time if i + 1 < len(notes) else length
                held = gap if gap <= 2.2 * length else length
                self._add(time, voice, pitch + 12 * octaves, held * 0.98, vel * energy)

    def _pad(self, start: float, harmony: Harmony, voice: str, vel: float) -> None:
        notes = [harmony.place(harmony.root, 48), *harmony.close(60)[:4]]
        for midi in notes:
            self._add(start, voice, midi, self.bar, vel * 0.8)

    def _comp(
        self, start: float, harmony: Harmony, voice: str, level: str, vel: float, has_bass: bool
    ) -> None:
        style = self.roles.comp_style
        if style == "arp":
            self._broken(start, harmony, voice, level, vel)
            return
        pattern = COMP[style][level]
        if voice == "power":
            root = harmony.place(harmony.root, 40)
            for step, length in pattern:
                self._add(self._at(start, step), voice, root, length * self.step, vel * 0.9)
            return
        if style == "strum" and voice == "guitar":
            shape = self._guitar_shape(harmony)
            for k, (step, length) in enumerate(pattern):
                down = k % 2 == 0 or length >= 4
                strings = shape if down else shape[::-1][:4]
                for s, midi in enumerate(strings):
                    # A strum sweeps across the strings, about 12 ms apart.
                    t = self._at(start, step) + 0.012 * s
                    self._add(t, voice, midi, length * self.step, vel * (0.75 if down else 0.55))
            return
        chord = harmony.close(55)
        if voice == "piano" and not has_bass:
            chord = [harmony.place(harmony.root, 40), *chord]
        for step, length in pattern:
            jitter = float(self.rng.normal(0.0, 0.004))
            for midi in chord:
                self._add(
                    self._at(start, step) + jitter,
                    voice,
                    midi,
                    length * self.step * 0.95,
                    vel * 0.7,
                )

    def _guitar_shape(self, harmony: Harmony) -> list[int]:
        root = harmony.place(harmony.root, 40)
        third = harmony.tones[1]
        fifth = harmony.tones[2] if len(harmony.tones) > 2 else harmony.tones[-1]
        return [root, harmony.place(fifth, root + 1), root + 12, harmony.place(third, root + 13),
                harmony.place(fifth, root + 13)]  # fmt: skip

    def _broken(self, start: float, harmony: Harmony, voice: str, level: str, vel: float) -> None:
        """Broken chords: low root, then the chord rising through two octaves and back."""
        root = harmony.place(harmony.root, 43)
        upper = harmony.close(root + 7)
        figure = [root, *upper, upper[0] + 12, *upper[::-1][1:]]
        sixteenths = level == "high" and self.brief.bpm < 125
        count, length = (16, 1) if sixteenths else ((8, 2) if level != "low" else (4, 4))
        for i in range(count):
            midi = figure[i % len(figure)]
            accent = 0.85 if i % (count // 4) == 0 else 0.65
            self._add(
                self._at(start, i * length), voice, midi, length * self.step * 1.6, vel * accent
            )

    def _bass(
        self,
        start: float,
        harmony: Harmony,
        following: Harmony,
        voice: str,
        pattern: str,
        vel: float,
    ) -> None:
        low = 33 if voice == "bass_sub" else 36
        root = harmony.place(harmony.root, low)
        third = harmony.place(harmony.tones[1], root)
        target = following.place(following.root, low)
        for degree, step, length in BASS_LINES[pattern]:
            midi = {
                "R": root, "5": root + 7, "O": root + 12, "3": third,
                "A": target - 1 if target > root else target + 1,
            }[degree]  # fmt: skip
            accent = 0.95 if step % 8 == 0 else 0.8
            self._add(self._at(start, step), voice, midi, length * self.step * 0.9, vel * accent)

    def _arp(self, start: float, harmony: Harmony, voice: str, busy: bool, vel: float) -> None:
        tones = harmony.close(72)
        figure = [*tones, tones[0] + 12]
        length = 2 if busy else 4
        for i, step in enumerate(range(0, 16, length)):
            self._add(
                self._at(start, step), voice, figure[i % len(figure)], length * self.step, vel * 0.8
            )

    def _counter(self, start: float, harmony: Harmony, voice: str, vel: float) -> None:
        tones = harmony.close(64)
        if voice == "brass":
            for step, length in ((0, 6), (8, 4)):
                for midi in tones[:3]:
                    self._add(
                        self._at(start, step), voice, midi - 12, length * self.step, vel * 0.7
                    )
        else:
            for step, midi in ((0, tones[-1]), (8, tones[1])):
                self._add(self._at(start, step), voice, midi, 8 * self.step * 0.95, vel * 0.75)

    def _drums(
        self,
        variant: str,
        bars: list[tuple[float, Harmony]],
        fill: bool,
        vel: float,
        end: float,
    ) -> None:
        family = self.style.drums
        if family == "none":
            return
        grooves = GROOVES[family]
        if variant == "half":
            groove = grooves.get("half", HALF_GROOVE)
        elif variant == "outro":
            groove = OUTRO_GROOVE
        elif variant == "intro":
            groove = grooves.get("intro", {})
        else:
            groove = grooves.get(variant, grooves["verse"])
        kit = self.style.kit
        tight = kit in ("electronic", "trap", "chip")
        snare = "clap" if "clap" in groove else ("tom" if family == "cinematic" else "snare")
        for j, (start, _) in enumerate(bars):
            if variant == "outro" and start >= end - 1.01 * self.bar:
                break
            is_fill_bar = fill and j == len(bars) - 1 and len(bars) > 1
            for drum, line in groove.items():
                for step, mark in enumerate(line):
                    if mark == "." or (is_fill_bar and step >= 12 and drum != "kick"):
                        continue
                    self._hit(start, step, drum, VELOCITY[mark] * vel, tight)
            if is_fill_bar:
                for step, accent in ((12, 0.55), (13, 0.7), (14, 0.85), (15, 1.0)):
                    self._hit(start, step, snare, accent * vel, tight)
            if j == 0 and variant == "chorus" and family in CRASHING:
                self._hit(start, 0, "crash", 0.8 * vel, tight)

    def _hit(self, start: float, step: int, drum: str, vel: float, tight: bool) -> None:
        jitter = 0.0 if tight else float(self.rng.normal(0.0, 0.003))
        variant = int(self.rng.integers(3))
        human = vel * float(1.0 + self.rng.normal(0.0, 0.05 if not tight else 0.02))
        self._add(self._at(start, step) + jitter, f"drum:{drum}", variant, 0.0, max(0.05, human))


def write_score(brief: Brief, duration: float, rng: np.random.Generator) -> Score:
    """All the notes of the piece, in sections that tile [0, duration]."""
    writer = _Writer(brief, duration, rng)
    return writer.write(section_layout(duration, writer.bar))
