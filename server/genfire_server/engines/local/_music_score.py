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

import itertools
import math
from dataclasses import dataclass

import numpy as np

from genfire_server.engines.local._music_words import Brief

_MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
_MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)
_QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10), "dom7": (0, 4, 7, 10), "sus2": (0, 2, 7), "sus4": (0, 5, 7),
}  # fmt: skip

Chord = tuple[int, str]  # (semitones above the tonic, quality)
_MAJOR_PROGRESSIONS: tuple[tuple[Chord, ...], ...] = (
    ((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")),  # I V vi IV
    ((0, "maj"), (9, "min"), (5, "maj"), (7, "maj")),  # I vi IV V
    ((9, "min"), (5, "maj"), (0, "maj"), (7, "maj")),  # vi IV I V
    ((0, "maj"), (5, "maj"), (9, "min"), (7, "maj")),  # I IV vi V
    ((0, "maj"), (4, "min"), (5, "maj"), (7, "maj")),  # I iii IV V
    ((5, "maj"), (7, "maj"), (4, "min"), (9, "min")),  # IV V iii vi
    ((2, "min"), (7, "maj"), (0, "maj"), (9, "min")),  # ii V I vi
)
_MINOR_PROGRESSIONS: tuple[tuple[Chord, ...], ...] = (
    ((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")),  # i VI III VII
    ((0, "min"), (5, "min"), (8, "maj"), (7, "maj")),  # i iv VI V
    ((0, "min"), (10, "maj"), (8, "maj"), (10, "maj")),  # i VII VI VII
    ((0, "min"), (8, "maj"), (5, "min"), (7, "min")),  # i VI iv v
    ((8, "maj"), (10, "maj"), (0, "min"), (0, "min")),  # VI VII i i
    ((0, "min"), (3, "maj"), (10, "maj"), (5, "min")),  # i III VII iv
    ((5, "min"), (8, "maj"), (10, "maj"), (0, "min")),  # iv VI VII i
)
_JAZZ_MAJOR = (
    ((2, "min7"), (7, "dom7"), (0, "maj7"), (9, "dom7")),
    ((0, "maj7"), (9, "min7"), (2, "min7"), (7, "dom7")),
    ((4, "min7"), (9, "dom7"), (2, "min7"), (7, "dom7")),
)
_JAZZ_MINOR = (
    ((0, "min7"), (5, "min7"), (10, "dom7"), (3, "maj7")),
    ((2, "min7"), (7, "dom7"), (0, "min7"), (0, "min7")),
    ((0, "min7"), (8, "maj7"), (2, "min7"), (7, "dom7")),
)


@dataclass(frozen=True)
class Event:
    """One thing to play: a pitched note of a voice, or a drum hit ("drum:kick", midi 0)."""

    time: float
    voice: str
    midi: int
    dur: float
    vel: float


@dataclass(frozen=True)
class Arrangement:
    energy: float
    roles: frozenset[str]
    drums: str  # which groove variant: off, intro, verse, chorus, half, outro
    level: str  # comping density: low, mid, high
    word: str  # how the section sounds, for Section.styles


_ALL = frozenset({"comp", "pad", "lead", "vocal", "bass", "drums", "arp", "counter"})
ARRANGEMENTS: dict[str, Arrangement] = {
    "intro": Arrangement(0.5, frozenset({"pad", "comp", "arp"}), "intro", "low", "sparse"),
    "verse": Arrangement(
        0.72, frozenset({"pad", "comp", "bass", "drums", "lead", "vocal"}), "verse", "mid", "steady"
    ),
    "chorus": Arrangement(1.0, _ALL, "chorus", "high", "full"),
    "bridge": Arrangement(
        0.62, frozenset({"pad", "comp", "bass", "drums", "arp", "lead"}), "half", "mid", "breakdown"
    ),
    "outro": Arrangement(
        0.55, frozenset({"pad", "comp", "arp", "lead", "bass", "drums"}), "outro", "low", "fading"
    ),
    "theme": Arrangement(0.9, _ALL, "verse", "high", "full"),
}

# Drum grooves, one 16th per character: X accent, x hit, o ghost/soft, . rest.
# Each line: family, section variant, then drum/pattern pairs.
_GROOVE_TABLE = """
four verse kick X...X...X...X... clap ....x.......x... hat o.x.o.x.o.x.o.x.
four chorus kick X...X...X...X... clap ....X.......X... hat x.o.x.o.x.o.x.o. ohat ..x...x...x...x.
four half kick X.......X....... hat ..x...x...x...x.
four intro hat ..o...o...o...o.
backbeat verse kick X.......X.x..... snare ....X.......X... hat x.o.x.o.x.o.x.o.
backbeat chorus kick X.....x.X.x..... snare ....X.......X... hat X.x.X.x.X.x.X.x.
rock verse kick X.....x.X.x..... snare ....X.......X... hat x.x.x.x.x.x.x.x.
rock chorus kick X.x...x.X.x...x. snare ....X.......X... ride X.x.X.x.X.x.X.x.
boombap verse kick X......x..x..... snare ....X.......X... hat x.o.x.o.x.o.x.o.
boombap chorus kick X......x..X..x.. snare ....X.......X... hat x.xox.x.x.xox.x.
trap verse kick X.........X..... snare ........X....... hat x.x.x.x.x.x.x.x.
trap chorus kick X.....x...X..x.. clap ........X....... hat xxx.x.x.xxxxx.xx
trap intro hat x...x...x...x...
swing verse ride x...X.x.x...X.x. hat ....x.......x... kick o...o...o...o...
swing chorus ride X...X.x.X...X.x. hat ....x.......x... kick o...o...o...o... snare ......o.......o.
swing half ride x...x.x.x...x.x. hat ....o.......o...
cinematic verse kick X.......X....... tom ......x.......x.
cinematic chorus kick X.....x.X.....x. tom x..x..x.x..x..x. snare ....X.......X...
cinematic half tom x.......x.......
cinematic intro kick o...............
light verse kick x.......x....... rim ....o.......o... hat o.o.o.o.o.o.o.o.
light chorus kick x.....o.x....... snare ....x.......x... hat o.x.o.x.o.x.o.x.
funk verse kick X..x......X..x.. snare ....X..o.o..X..o hat xoxoxoxoxoxoxoxo
funk chorus kick X..x......X..x.. snare ....X..o.o..X..o hat xoxoxoxoxoxoxo.. ohat ..............x.
disco verse kick X...X...X...X... snare ....X.......X... hat x.o.x.o.x.o.x.o.
disco chorus kick X...X...X...X... snare ....X.......X... hat x...x...x...x... ohat ..x...x...x...x.
dnb verse kick X.........X..... snare ....X.......X... hat x.x.x.x.x.x.x.x.
dnb chorus kick X.........Xx.... snare ....X..o.o..X... hat x.xxx.x.x.xxx.x. ride x...x...x...x...
dnb intro hat x.x.x.x.x.x.x.x.
"""
Groove = dict[str, str]


def _grooves(table: str) -> dict[str, dict[str, Groove]]:
    grooves: dict[str, dict[str, Groove]] = {}
    for line in table.strip().splitlines():
        family, variant, *pairs = line.split()
        grooves.setdefault(family, {})[variant] = dict(zip(pairs[::2], pairs[1::2], strict=True))
    return grooves


_GROOVES = _grooves(_GROOVE_TABLE)
_HALF: Groove = {"kick": "X...........x...", "snare": "........x.......", "hat": "x...x...x...x..."}
_OUTRO: Groove = {"kick": "x.......x.......", "hat": "o.o.o.o.o.o.o.o."}
_VELOCITY = {"X": 1.0, "x": 0.78, "o": 0.42}
_CRASHING = frozenset({"four", "backbeat", "rock", "cinematic", "funk", "disco", "dnb", "trap"})

# Melody rhythms: one bar each, (start, length) in 16ths.
_RHYTHMS: dict[str, tuple[tuple[tuple[int, int], ...], ...]] = {
    "sparse": (((0, 8), (8, 8)), ((0, 12), (12, 4)), ((0, 6), (6, 10)), ((4, 4), (8, 8)),
               ((0, 4), (4, 12))),
    "medium": (((0, 4), (4, 4), (8, 6), (14, 2)), ((0, 6), (6, 2), (8, 4), (12, 4)),
               ((0, 4), (6, 2), (8, 8)), ((2, 2), (4, 4), (8, 4), (12, 4)),
               ((0, 3), (3, 3), (6, 2), (8, 8))),
    "busy": (((0, 2), (2, 2), (4, 2), (6, 2), (8, 4), (12, 2), (14, 2)),
             ((0, 3), (3, 3), (6, 2), (8, 2), (10, 2), (12, 4)),
             ((0, 2), (2, 4), (6, 2), (8, 2), (10, 2), (12, 2), (14, 2)),
             ((0, 4), (4, 2), (6, 2), (8, 3), (11, 3), (14, 2))),
}  # fmt: skip
_DENSER = {"sparse": "medium", "medium": "busy", "busy": "busy"}

# Comping rhythms per density: (start, length) in 16ths.
_COMP: dict[str, dict[str, tuple[tuple[int, int], ...]]] = {
    "block": {"low": ((0, 16),), "mid": ((0, 6), (6, 6), (12, 4)),
              "high": ((0, 3), (3, 3), (6, 4), (10, 3), (13, 3))},
    "stabs": {"low": ((0, 16),), "mid": ((2, 2), (6, 2), (10, 2), (14, 2)),
              "high": ((0, 2), (2, 2), (6, 2), (8, 2), (10, 2), (14, 2))},
    "lazy": {"low": ((0, 16),), "mid": ((0, 7), (7, 9)), "high": ((0, 3), (3, 4), (7, 3), (10, 6))},
    "power": {"low": ((0, 16),), "mid": tuple((i, 2) for i in range(0, 16, 2)),
              "high": tuple((i, 2) for i in range(0, 16, 2))},
    "jazz": {"low": ((0, 16),), "mid": ((0, 3), (6, 2), (10, 4)),
             "high": ((0, 2), (3, 3), (8, 2), (10, 4), (14, 2))},
    "sustain": {"low": ((0, 16),), "mid": ((0, 16),), "high": ((0, 8), (8, 8))},
    "strum": {"low": ((0, 16),), "mid": ((0, 4), (4, 2), (6, 4), (10, 2), (12, 2), (14, 2)),
              "high": tuple((i, 2) for i in range(0, 16, 2))},
}  # fmt: skip

# Bass lines per bar: (degree, start, length); R root, 5 fifth, O octave, 3 third,
# A a chromatic approach to the next chord's root.
_BASS: dict[str, tuple[tuple[str, int, int], ...]] = {
    "offbeat": (("R", 2, 2), ("R", 6, 2), ("R", 10, 2), ("R", 14, 2)),
    "eighths": (*(("R", i, 2) for i in range(0, 14, 2)), ("5", 14, 2)),
    "pop": (("R", 0, 6), ("R", 6, 2), ("5", 8, 6), ("O", 14, 2)),
    "walking": (("R", 0, 4), ("3", 4, 4), ("5", 8, 4), ("A", 12, 4)),
    "hiphop": (("R", 0, 6), ("R", 10, 2), ("O", 12, 4)),
    "sustain": (("R", 0, 16),),
    "folk": (("R", 0, 8), ("5", 8, 8)),
    "funk": (("R", 0, 2), ("O", 3, 1), ("R", 6, 2), ("R", 8, 1), ("5", 10, 2), ("O", 13, 1),
             ("R", 14, 2)),
    "octaves": tuple(("R" if i % 4 == 0 else "O", i, 2) for i in range(0, 16, 2)),
}  # fmt: skip


def section_layout(duration: float, bar: float) -> list[tuple[str, float, float]]:
    """Sections that tile [0, duration] exactly, with inner boundaries on bar lines."""
    bars = int(duration / bar + 1e-9)
    if duration < 5.0 or bars < 2:
        names = ["theme"]
    elif duration < 10.0 or bars < 6:
        names = ["intro", "theme"]
    elif bars < 16:
        names = ["intro", "verse", "chorus", "outro"]
    elif bars < 32:
        names = ["intro", "verse", "chorus", "verse", "chorus", "outro"]
    elif bars < 72:
        names = ["intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro"]
    else:
        names = ["intro", "verse", "chorus", "verse", "chorus", "bridge", "verse", "chorus",
                 "chorus", "outro"]  # fmt: skip
    weight = {"intro": 1.0, "verse": 2.0, "chorus": 2.0, "bridge": 1.5, "outro": 1.0, "theme": 3.0}
    weights = np.array([weight[name] for name in names])
    cumulative = np.cumsum(weights) / weights.sum() * bars
    # Phrases of four bars where there is room for them, else two, else single bars.
    for unit in (4, 2, 1):
        edges = [0, *(round(float(c) / unit) * unit for c in cumulative[:-1]), bars]
        if all(b > a for a, b in itertools.pairwise(edges)):
            break
    else:
        edges = [*range(len(names)), bars]
    starts = [e * bar for e in edges[:-1]]
    ends = [*starts[1:], duration]
    return list(zip(names, starts, ends, strict=True))


def _interval(m: int, pcs: set[int], lo: int, hi: int) -> list[int]:
    return [p for p in range(lo, hi + 1) if p % 12 in pcs] or [m]


def _nearest(pitch: int, options: list[int]) -> int:
    return min(options, key=lambda p: (abs(p - pitch), p))


@dataclass(frozen=True)
class _Harmony:
    root: int  # pitch class
    tones: tuple[int, ...]  # pitch classes, root first

    @property
    def pcs(self) -> set[int]:
        return set(self.tones)

    def close(self, low: int) -> list[int]:
        """Chord tones stacked within the octave above `low` (inversions for free)."""
        return sorted(low + (pc - low) % 12 for pc in self.tones)

    def place(self, pc: int, low: int) -> int:
        return low + (pc - low) % 12


def _harmony(tonic: int, chord: Chord) -> _Harmony:
    offset, quality = chord
    root = (tonic + offset) % 12
    return _Harmony(root, tuple((root + i) % 12 for i in _QUALITIES[quality]))


def _sevenths(chord: Chord, minor: bool) -> Chord:
    offset, quality = chord
    if quality == "min":
        return offset, "min7"
    if quality == "maj":
        dominant = offset == 7 or (minor and offset == 10)
        return offset, "dom7" if dominant else "maj7"
    return chord


@dataclass
class _Roles:
    """Which instrument (and which of its patches) plays each part."""

    voices: dict[str, str]  # role -> voice
    players: dict[str, str]  # role -> instrument
    comp_style: str


_COMP_VOICE = {"piano": "piano", "electric piano": "epiano", "organ": "organ", "guitar": "guitar",
               "electric guitar": "power", "synth": "pluck"}  # fmt: skip
_PAD_VOICE = {"pad": "pad", "strings": "strings", "organ": "organ"}
_LEAD_VOICE = {
    "synth": "lead", "flute": "flute", "brass": "brass", "electric guitar": "guitar_lead",
    "strings": "strings_lead", "bells": "bells", "piano": "piano", "electric piano": "epiano",
    "guitar": "guitar", "organ": "organ", "pad": "pad",
}  # fmt: skip
_BASS_VOICE = {"synth": "bass_synth", "electric": "bass_electric", "upright": "bass_upright",
               "sub": "bass_sub", "bowed": "bass_bowed", "square": "bass_square"}  # fmt: skip


def _assign(brief: Brief) -> _Roles:
    style = brief.style
    present = list(brief.instruments)
    voices: dict[str, str] = {}
    players: dict[str, str] = {}

    def give(role: str, instrument: str, voice: str) -> None:
        voices[role], players[role] = voice, instrument

    if "bass" in present:
        give("bass", "bass", "bass_square" if style.chip else _BASS_VOICE[style.bass_tone])
    if "drums" in present:
        give("drums", "drums", "drums")
    pitched = [i for i in present if i not in ("bass", "drums")]
    comp_style = style.comp
    comp = next((i for i in pitched if i in _COMP_VOICE and i != "synth"), None)
    if comp is None and "synth" in pitched and style.comp in ("stabs", "arp"):
        comp = "synth"
    if comp is not None:
        voice = _COMP_VOICE[comp]
        if comp == "synth" and style.chip:
            voice = "chip_pluck"
        if comp == "guitar" and comp_style not in ("stabs", "jazz", "arp"):
            comp_style = "strum"
        elif comp == "electric guitar" and comp_style != "power":
            voice = "guitar"
        elif comp != "electric guitar" and comp_style == "power":
            comp_style = "block"
        give("comp", comp, voice)
    pad = next((i for i in pitched if i in _PAD_VOICE and i != comp), None)
    if pad is not None:
        give("pad", pad, _PAD_VOICE[pad])
    lead_order = ("synth", "flute", "brass", "electric guitar", "strings", "bells", "piano",
                  "electric piano", "guitar", "organ", "pad")  # fmt: skip
    taken = {comp, pad}
    lead = next((i for i in lead_order if i in pitched and i not in taken), None)
    if lead is None:
        lead = comp if comp is not None else pad
    if lead is not None:
        voice = _LEAD_VOICE[lead]
        if lead == "synth" and style.chip:
            voice = "chip_lead"
        give("lead", lead, voice)
    if "bells" in pitched and lead != "bells":
        give("arp", "bells", "bells")
    leftovers = [i for i in pitched if i not in set(players.values())]
    for i, instrument in enumerate(leftovers):
        give(f"counter{i}", instrument, _LEAD_VOICE[instrument])
    if brief.vocals:
        give("vocal", "vocals", "choir" if brief.choir else "vocal_ooh")
    return _Roles(voices, players, comp_style)


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
        scale_pcs = _MINOR_SCALE if brief.minor else _MAJOR_SCALE
        self.scale = [m for m in range(30, 104) if (m - brief.tonic) % 12 in scale_pcs]
        self.events: list[Event] = []
        self.roles = _assign(brief)
        self.progressions = self._progressions()
        density = self.style.melody
        self.motifs = {
            "verse": self._motif(density),
            "chorus": self._motif(_DENSER[density]),
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
            pool = _JAZZ_MINOR if minor else _JAZZ_MAJOR
        else:
            pool = _MINOR_PROGRESSIONS if minor else _MAJOR_PROGRESSIONS
        order = self.rng.permutation(len(pool))
        verse: tuple[Chord, ...]
        chorus: tuple[Chord, ...]
        bridge: tuple[Chord, ...]
        verse, chorus, bridge = (pool[int(order[i % len(pool)])] for i in range(3))
        if style.sevenths:
            verse, chorus, bridge = (
                tuple(_sevenths(c, minor) for c in p) for p in (verse, chorus, bridge)
            )
        return {"intro": verse, "verse": verse, "chorus": chorus, "bridge": bridge,
                "outro": verse, "theme": chorus}  # fmt: skip

    def _chord(self, name: str, index: int, bar_start: float) -> _Harmony:
        progression = self.progressions[name]
        chord = progression[index % len(progression)]
        ending = name in ("outro", "theme") and bar_start >= self.duration - 1.5 * self.bar
        if ending and (name == "outro" or self.duration > 2 * self.bar):
            chord = (0, "min" if self.brief.minor else "maj")
        return _harmony(self.brief.tonic, chord)

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
            rhythms = _RHYTHMS[density]
            rhythm = rhythms[int(self.rng.integers(len(rhythms)))]
            steps = self.rng.choice([-2, -1, -1, 0, 1, 1, 2, 3, -3], size=len(rhythm))
            bars.append([(s, n, int(c)) for (s, n), c in zip(rhythm, steps, strict=True)])
        return bars

    def _melody(
        self, name: str, bars: list[tuple[float, _Harmony]], shift: int
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
        bars: list[tuple[float, _Harmony]],
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
        self, name: str, bars: list[tuple[float, _Harmony]], roles: set[str], energy: float
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

    def _pad(self, start: float, harmony: _Harmony, voice: str, vel: float) -> None:
        notes = [harmony.place(harmony.root, 48), *harmony.close(60)[:4]]
        for midi in notes:
            self._add(start, voice, midi, self.bar, vel * 0.8)

    def _comp(
        self, start: float, harmony: _Harmony, voice: str, level: str, vel: float, has_bass: bool
    ) -> None:
        style = self.roles.comp_style
        if style == "arp":
            self._broken(start, harmony, voice, level, vel)
            return
        pattern = _COMP[style][level]
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

    def _guitar_shape(self, harmony: _Harmony) -> list[int]:
        root = harmony.place(harmony.root, 40)
        third = harmony.tones[1]
        fifth = harmony.tones[2] if len(harmony.tones) > 2 else harmony.tones[-1]
        return [root, harmony.place(fifth, root + 1), root + 12, harmony.place(third, root + 13),
                harmony.place(fifth, root + 13)]  # fmt: skip

    def _broken(self, start: float, harmony: _Harmony, voice: str, level: str, vel: float) -> None:
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
        harmony: _Harmony,
        following: _Harmony,
        voice: str,
        pattern: str,
        vel: float,
    ) -> None:
        low = 33 if voice == "bass_sub" else 36
        root = harmony.place(harmony.root, low)
        third = harmony.place(harmony.tones[1], root)
        target = following.place(following.root, low)
        for degree, step, length in _BASS[pattern]:
            midi = {
                "R": root, "5": root + 7, "O": root + 12, "3": third,
                "A": target - 1 if target > root else target + 1,
            }[degree]  # fmt: skip
            accent = 0.95 if step % 8 == 0 else 0.8
            self._add(self._at(start, step), voice, midi, length * self.step * 0.9, vel * accent)

    def _arp(self, start: float, harmony: _Harmony, voice: str, busy: bool, vel: float) -> None:
        tones = harmony.close(72)
        figure = [*tones, tones[0] + 12]
        length = 2 if busy else 4
        for i, step in enumerate(range(0, 16, length)):
            self._add(
                self._at(start, step), voice, figure[i % len(figure)], length * self.step, vel * 0.8
            )

    def _counter(self, start: float, harmony: _Harmony, voice: str, vel: float) -> None:
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
        bars: list[tuple[float, _Harmony]],
        fill: bool,
        vel: float,
        end: float,
    ) -> None:
        family = self.style.drums
        if family == "none":
            return
        grooves = _GROOVES[family]
        if variant == "half":
            groove = grooves.get("half", _HALF)
        elif variant == "outro":
            groove = _OUTRO
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
                    self._hit(start, step, drum, _VELOCITY[mark] * vel, tight)
            if is_fill_bar:
                for step, accent in ((12, 0.55), (13, 0.7), (14, 0.85), (15, 1.0)):
                    self._hit(start, step, snare, accent * vel, tight)
            if j == 0 and variant == "chorus" and family in _CRASHING:
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
