"""How a music prompt's words become musical decisions: genre, mood, tempo, key, band.

The words are matched against the vocabulary in `_styles` (longest phrases first, with
"no ..."/"without ..." negating what follows), and everything the prompt leaves open is
decided from the genre's defaults or the seeded generator, never left blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from genfire_server.engines.local.music._styles import (
    CHOIR_WORDS,
    FAST_WORDS,
    GENRE_WORDS,
    INSTRUMENTS,
    MOODS,
    NEGATORS,
    SCOPE_STOP,
    SLOW_WORDS,
    STYLES,
    TITLE_NOUNS,
    TITLE_STOP_WORDS,
    VOCAL_WORDS,
    Style,
)
from genfire_server.engines.local.synth.words import tokens

_NOTE_PC = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_KEY = re.compile(
    r"(?:\b(in|key of|key)\s+)?\b([a-g])(#|♯|b|♭|\s?sharp|\s?flat)?\s*-?(major|minor|maj|min)\b",
    re.IGNORECASE,
)
_KEY_OF = re.compile(r"\bkey of\s+([a-g])(#|♯|b|♭)?(?![a-z])", re.IGNORECASE)
_BPM = re.compile(
    r"(\d{2,3}(?:\.\d+)?)\s*(?:bpm|beats per minute|beats/min)|\b(?:bpm|tempo)\s*(?:of|:|=)?\s*"
    r"(\d{2,3})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Brief:
    """Everything the words decided, before any notes exist."""

    title: str
    genres: list[str]
    style: Style
    moods: list[str]
    energy: float  # -1 calm .. +1 intense
    instruments: list[str]
    vocals: bool
    choir: bool
    low_voice: bool
    bpm: int
    tonic: int  # pitch class, C = 0
    minor: bool
    key: str


@dataclass
class _Match:
    pos: int
    word: str  # as written, for titles
    category: str
    value: str


def _phrase_table() -> list[tuple[tuple[str, ...], str, str]]:
    table: list[tuple[tuple[str, ...], str, str]] = []
    for phrase, genre in GENRE_WORDS.items():
        table.append((tuple(phrase.split()), "genre", genre))
    for mood, (words, _, _) in MOODS.items():
        table += [(tuple(w.split()), "mood", mood) for w in words]
    for instrument, words in INSTRUMENTS.items():
        table += [(tuple(w.split()), "instrument", instrument) for w in words]
    table += [((w,), "vocal", w) for w in VOCAL_WORDS]
    table += [(tuple(w.split()), "slow", w) for w in SLOW_WORDS]
    table += [(tuple(w.split()), "fast", w) for w in FAST_WORDS]
    # Longest phrases claim their words first: "drum and bass" is a genre, not two parts.
    table.sort(key=lambda row: -len(row[0]))
    return table


_TABLE = _phrase_table()
# Words that may mean two things at once ("upbeat" is a mood and a tempo) match once per
# category, so only the claim on the words is per category.
_CATEGORIES = ("genre", "mood", "instrument", "vocal", "slow", "fast")


def _scan(text: str) -> tuple[list[_Match], set[int], list[str]]:
    """Every vocabulary match in order, the positions a negation covers, and the tokens."""
    words: list[str] = []
    negated: set[int] = set()
    for clause in re.split(r"[,.;:!?/()\n]+", text.lower()):
        clause_words = tokens(clause)
        scope = 0
        for word in clause_words:
            if word in NEGATORS:
                scope = 3
            elif word in SCOPE_STOP:
                scope = 0
            elif scope > 0:
                negated.add(len(words))
                scope -= 1
            words.append(word)
    matches: list[_Match] = []
    for category in _CATEGORIES:
        claimed = [False] * len(words)
        for phrase, cat, value in _TABLE:
            if cat != category:
                continue
            size = len(phrase)
            for i in range(len(words) - size + 1):
                if tuple(words[i : i + size]) == phrase and not any(claimed[i : i + size]):
                    claimed[i : i + size] = [True] * size
                    matches.append(_Match(i, " ".join(phrase), category, value))
    # A genre phrase's words are not also instruments: "drum and bass" names no drums.
    genre_spans = {
        i
        for m in matches
        if m.category == "genre" and " " in m.word
        for i in range(m.pos, m.pos + len(m.word.split()))
    }
    matches = [m for m in matches if m.category != "instrument" or m.pos not in genre_spans]
    matches.sort(key=lambda m: (m.pos, m.category))
    return matches, negated, words


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _parse_key(prompt: str) -> tuple[int, bool | None, str] | None:
    for found in _KEY.finditer(prompt):
        lead, letter, accidental, mode = found.groups()
        # Without "in"/"key of", only a capital letter names a key ("a minor change" does not).
        if lead is None and letter.islower():
            continue
        return _key_from(letter, accidental, mode.lower().startswith("min"))
    found_of = _KEY_OF.search(prompt)
    if found_of:
        return _key_from(found_of.group(1), found_of.group(2), None)
    return None


def _key_from(
    letter: str, accidental: str | None, minor: bool | None
) -> tuple[int, bool | None, str]:
    pc = _NOTE_PC[letter.lower()]
    mark = ""
    acc = (accidental or "").strip().lower()
    if acc in ("#", "♯", "sharp"):
        pc, mark = pc + 1, "#"
    elif acc in ("b", "♭", "flat"):
        pc, mark = pc - 1, "b"
    return pc % 12, minor, letter.upper() + mark


_SHARP_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MAJOR_KEYS = (0, 2, 4, 5, 7, 9, 10, 3)  # C D E F G A Bb Eb: friendly, common keys
_MINOR_KEYS = (9, 2, 4, 0, 7, 6, 11, 5)  # A D E C G F# B F


def _default_genre(instruments: list[str], moods: list[str], rng: np.random.Generator) -> str:
    for instrument, genre in (
        ("synth", "electronic"), ("electric guitar", "rock"), ("strings", "cinematic"),
        ("brass", "cinematic"), ("electric piano", "lo-fi"), ("organ", "soul"),
        ("guitar", "acoustic"),
    ):  # fmt: skip
        if instrument in instruments:
            return genre
    for mood, genre in (
        ("calm", "ambient"), ("dreamy", "ambient"), ("sad", "ballad"), ("melancholic", "ballad"),
        ("romantic", "ballad"), ("epic", "cinematic"), ("dark", "cinematic"),
        ("tense", "cinematic"), ("mysterious", "cinematic"), ("aggressive", "rock"),
        ("energetic", "electronic"), ("confident", "pop"), ("happy", "pop"),
        ("uplifting", "pop"), ("playful", "pop"), ("nostalgic", "lo-fi"), ("bright", "pop"),
    ):  # fmt: skip
        if mood in moods:
            return genre
    if "piano" in instruments:
        return "classical"
    choices = ("pop", "electronic", "acoustic", "lo-fi", "cinematic")
    return choices[int(rng.integers(len(choices)))]


def _title_word(word: str) -> str:
    special = {
        "lo fi": "Lo-Fi",
        "lofi": "Lo-Fi",
        "lo-fi": "Lo-Fi",
        "drum and bass": "Drum and Bass",
        "hip hop": "Hip Hop",
        "r&b": "R&B",
        "edm": "EDM",
        "dnb": "DnB",
    }
    return special.get(word, " ".join(part.capitalize() for part in word.split()))


def read_prompt(
    prompt: str, *, instrumental: bool, negative_prompt: str | None, rng: np.random.Generator
) -> Brief:
    """Turn the prompt (and what the negative prompt rules out) into a Brief."""
    matches, negated, words = _scan(prompt)
    positive = [m for m in matches if m.pos not in negated]
    banned = [m for m in matches if m.pos in negated]
    if negative_prompt:
        banned += _scan(negative_prompt)[0]
    banned_values = {(m.category, m.value) for m in banned}
    banned_instruments = {m.value for m in banned if m.category == "instrument"}
    no_vocals = any(m.category == "vocal" for m in banned)

    genres = _unique([m.value for m in positive if m.category == "genre"])
    genres = [g for g in genres if ("genre", g) not in banned_values]
    moods = _unique([m.value for m in positive if m.category == "mood"])
    moods = [m for m in moods if ("mood", m) not in banned_values]
    named = _unique([m.value for m in positive if m.category == "instrument"])
    named = [i for i in named if i not in banned_instruments]

    if not genres:
        genres = [_default_genre(named, moods, rng)]
    style = STYLES[genres[0]]
    solo = bool({"solo", "only", "alone", "unaccompanied"} & set(words))
    if not any(i not in ("bass", "drums") for i in named):
        # Naming only the rhythm section ("with drums") still wants the genre's band.
        instruments = _unique(list(style.instruments) + named)
    elif solo:
        instruments = named
    else:
        # Named instruments lead; a named genre still brings its rhythm section.
        genre_named = any(m.category == "genre" for m in positive)
        rhythm = [i for i in style.instruments if i in ("bass", "drums")] if genre_named else []
        instruments = _unique(named + rhythm)
    instruments = [i for i in instruments if i not in banned_instruments]
    if not any(i not in ("bass", "drums") for i in instruments):
        # A piece needs something to carry harmony; take the genre's, else a pad or piano.
        fallback = [i for i in (*style.instruments, "pad", "piano", "strings")
                    if i not in banned_instruments and i not in ("bass", "drums")]  # fmt: skip
        instruments.insert(0, fallback[0] if fallback else "pad")

    vocal_words = {m.value for m in positive if m.category == "vocal"}
    wants_vocals = bool(vocal_words) and "instrumental" not in words
    vocals = wants_vocals and not instrumental and not no_vocals
    choir = bool(vocal_words & CHOIR_WORDS)
    low_voice = bool({"male", "baritone", "bass voice", "deep voice", "man"} & set(words)) and (
        "female" not in words
    )

    if not moods:
        defaults = {
            "electronic": "energetic", "house": "energetic", "techno": "dark",
            "trance": "uplifting", "ambient": "calm", "lo-fi": "nostalgic", "hip hop": "confident",
            "trap": "dark", "cinematic": "epic", "orchestral": "epic", "rock": "energetic",
            "metal": "aggressive", "punk": "energetic", "blues": "melancholic", "jazz": "playful",
            "pop": "happy", "acoustic": "calm", "folk": "nostalgic", "country": "happy",
            "classical": "calm", "funk": "playful", "disco": "happy", "soul": "romantic",
            "chiptune": "playful", "ballad": "romantic", "synthwave": "nostalgic",
            "drum and bass": "energetic",
        }  # fmt: skip
        moods = [defaults.get(genres[0], "calm")]
    valence = sum(MOODS[m][1] for m in moods)
    energy = float(np.clip(np.mean([MOODS[m][2] for m in moods]), -1.0, 1.0))

    bpm = _tempo(prompt, positive, style, rng)
    key = _parse_key(prompt)
    minor: bool
    if key is not None and key[1] is not None:
        minor = key[1]
    elif "minor" in words and "major" not in words:
        minor = True
    elif "major" in words and "minor" not in words:
        minor = False
    elif valence != 0:
        minor = valence < 0
    elif style.mode != 0:
        minor = style.mode < 0
    else:
        minor = bool(rng.random() < 0.5)
    if key is not None:
        tonic, name = key[0], key[2]
    else:
        pool = _MINOR_KEYS if minor else _MAJOR_KEYS
        tonic = pool[int(rng.integers(len(pool)))]
        name = _SHARP_NAMES[tonic]
    key_name = f"{name} {'minor' if minor else 'major'}"

    title = _title(positive, words, rng)
    if " " not in title:
        # A prompt with no musical words still gets a two-word title, led by its genre.
        title = f"{_title_word(genres[0])} {title}"
    return Brief(
        title=title, genres=genres, style=style, moods=moods, energy=energy,
        instruments=instruments, vocals=vocals, choir=choir, low_voice=low_voice, bpm=bpm,
        tonic=tonic, minor=minor, key=key_name,
    )  # fmt: skip


def _tempo(prompt: str, positive: list[_Match], style: Style, rng: np.random.Generator) -> int:
    found = _BPM.search(prompt)
    if found:
        value = float(found.group(1) or found.group(2))
        return int(np.clip(round(value), 40, 240))
    slow = sum(m.category == "slow" for m in positive)
    fast = sum(m.category == "fast" for m in positive)
    bpm = float(style.bpm)
    if slow > fast:
        bpm *= 0.8
    elif fast > slow:
        bpm *= 1.15
    bpm += float(rng.integers(-3, 4))
    return int(np.clip(round(bpm), 48, 190))


def _title(positive: list[_Match], words: list[str], rng: np.random.Generator) -> str:
    mood = next((m.word for m in positive if m.category == "mood"), None)
    genre = next((m.word for m in positive if m.category == "genre"), None)
    instrument = next(
        (
            m.word
            for m in positive
            if m.category == "instrument" and m.value not in ("bass", "drums")
        ),
        None,
    )
    known = {i for m in positive for i in range(m.pos, m.pos + len(m.word.split()))}
    subject = None
    for i in range(len(words) - 1, -1, -1):
        word = words[i]
        if i in known or word in TITLE_STOP_WORDS or len(word) < 3 or not word.isalpha():
            continue
        subject = word
        break
    parts: list[str] = []
    if mood:
        parts.append(mood)
    if instrument and not subject:
        parts.append(instrument)
    if genre:
        parts.append(genre)
    if subject:
        parts.append(subject)
    if len(parts) < 3 and not subject:
        parts.append(TITLE_NOUNS[int(rng.integers(len(TITLE_NOUNS)))].lower())
    return " ".join(_title_word(p) for p in _unique(parts)[:4])
