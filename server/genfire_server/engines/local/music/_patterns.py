"""The musical material a score is written from: chords, grooves, rhythms, song forms.

Progressions that work in a major or minor key, drum grooves per genre and section,
melody, comping and bass rhythms, and how much of the band each section brings in. The
tables are data; `_score` decides which to use where.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)
_QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10), "dom7": (0, 4, 7, 10), "sus2": (0, 2, 7), "sus4": (0, 5, 7),
}  # fmt: skip

Chord = tuple[int, str]  # (semitones above the tonic, quality)
MAJOR_PROGRESSIONS: tuple[tuple[Chord, ...], ...] = (
    ((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")),  # I V vi IV
    ((0, "maj"), (9, "min"), (5, "maj"), (7, "maj")),  # I vi IV V
    ((9, "min"), (5, "maj"), (0, "maj"), (7, "maj")),  # vi IV I V
    ((0, "maj"), (5, "maj"), (9, "min"), (7, "maj")),  # I IV vi V
    ((0, "maj"), (4, "min"), (5, "maj"), (7, "maj")),  # I iii IV V
    ((5, "maj"), (7, "maj"), (4, "min"), (9, "min")),  # IV V iii vi
    ((2, "min"), (7, "maj"), (0, "maj"), (9, "min")),  # ii V I vi
)
MINOR_PROGRESSIONS: tuple[tuple[Chord, ...], ...] = (
    ((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")),  # i VI III VII
    ((0, "min"), (5, "min"), (8, "maj"), (7, "maj")),  # i iv VI V
    ((0, "min"), (10, "maj"), (8, "maj"), (10, "maj")),  # i VII VI VII
    ((0, "min"), (8, "maj"), (5, "min"), (7, "min")),  # i VI iv v
    ((8, "maj"), (10, "maj"), (0, "min"), (0, "min")),  # VI VII i i
    ((0, "min"), (3, "maj"), (10, "maj"), (5, "min")),  # i III VII iv
    ((5, "min"), (8, "maj"), (10, "maj"), (0, "min")),  # iv VI VII i
)
JAZZ_MAJOR = (
    ((2, "min7"), (7, "dom7"), (0, "maj7"), (9, "dom7")),
    ((0, "maj7"), (9, "min7"), (2, "min7"), (7, "dom7")),
    ((4, "min7"), (9, "dom7"), (2, "min7"), (7, "dom7")),
)
JAZZ_MINOR = (
    ((0, "min7"), (5, "min7"), (10, "dom7"), (3, "maj7")),
    ((2, "min7"), (7, "dom7"), (0, "min7"), (0, "min7")),
    ((0, "min7"), (8, "maj7"), (2, "min7"), (7, "dom7")),
)


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


GROOVES = _grooves(_GROOVE_TABLE)
HALF_GROOVE: Groove = {
    "kick": "X...........x...",
    "snare": "........x.......",
    "hat": "x...x...x...x...",
}
OUTRO_GROOVE: Groove = {"kick": "x.......x.......", "hat": "o.o.o.o.o.o.o.o."}
VELOCITY = {"X": 1.0, "x": 0.78, "o": 0.42}
CRASHING = frozenset({"four", "backbeat", "rock", "cinematic", "funk", "disco", "dnb", "trap"})

# Melody rhythms: one bar each, (start, length) in 16ths.
RHYTHMS: dict[str, tuple[tuple[tuple[int, int], ...], ...]] = {
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
DENSER = {"sparse": "medium", "medium": "busy", "busy": "busy"}

# Comping rhythms per density: (start, length) in 16ths.
COMP: dict[str, dict[str, tuple[tuple[int, int], ...]]] = {
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
BASS_LINES: dict[str, tuple[tuple[str, int, int], ...]] = {
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


@dataclass(frozen=True)
class Harmony:
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


def make_harmony(tonic: int, chord: Chord) -> Harmony:
    offset, quality = chord
    root = (tonic + offset) % 12
    return Harmony(root, tuple((root + i) % 12 for i in _QUALITIES[quality]))


def with_sevenths(chord: Chord, minor: bool) -> Chord:
    offset, quality = chord
    if quality == "min":
        return offset, "min7"
    if quality == "maj":
        dominant = offset == 7 or (minor and offset == 10)
        return offset, "dom7" if dominant else "maj7"
    return chord
