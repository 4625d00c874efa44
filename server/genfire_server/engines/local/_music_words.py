"""How a music prompt's words become musical decisions: genre, mood, tempo, key, band.

A prompt is free text, so this is vocabulary with sensible defaults: the words a person
writes ("sad piano ballad", "upbeat electronic, 128 bpm, in F minor") land on a small set
of canonical genres, moods and instruments. Each genre carries the decisions a player
would make without being told (tempo, groove, default band, how the chords are played),
so a prompt that names only a genre still gets a complete arrangement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Style:
    """How a genre is played; every field is a choice the renderer looks up."""

    bpm: int
    instruments: tuple[str, ...]
    drums: str  # drum pattern family
    bass: str  # bass line family
    bass_tone: str
    comp: str  # how the chord instrument plays
    melody: str  # melodic density: sparse, medium, busy
    kit: str = "acoustic"
    swing: float = 0.0  # 1.0 pushes off-beat eighths to the triplet position
    reverb: float = 1.6  # seconds of room tail
    mode: int = 0  # +1 leans major, -1 leans minor, 0 lets the seed choose
    sevenths: bool = False
    lofi: bool = False
    chip: bool = False


_ELECTRONIC = Style(
    124, ("synth", "pad", "bass", "drums"), "four", "offbeat", "synth", "stabs", "busy",
    kit="electronic", reverb=1.8, mode=-1,
)  # fmt: skip
_ROCK = Style(122, ("electric guitar", "bass", "drums"), "rock", "eighths", "electric", "power",
              "medium", reverb=1.2)  # fmt: skip
_CINEMATIC = Style(
    92, ("strings", "brass", "piano", "drums"), "cinematic", "sustain", "bowed", "arp", "sparse",
    kit="cinematic", reverb=2.8, mode=-1,
)  # fmt: skip
_HIPHOP = Style(
    90, ("electric piano", "bass", "drums"), "boombap", "hiphop", "sub", "lazy", "sparse",
    swing=0.3, reverb=1.2, mode=-1, sevenths=True,
)  # fmt: skip
_ACOUSTIC = Style(100, ("guitar", "piano", "bass"), "light", "folk", "upright", "strum", "medium",
                  reverb=1.3, mode=1)  # fmt: skip

STYLES: dict[str, Style] = {
    "electronic": _ELECTRONIC,
    "house": replace(_ELECTRONIC, bpm=124, mode=0),
    "techno": replace(_ELECTRONIC, bpm=130, comp="arp"),
    "trance": replace(_ELECTRONIC, bpm=138, comp="arp", reverb=2.4),
    "synthwave": replace(_ELECTRONIC, bpm=100, drums="backbeat", bass="eighths",
                         comp="sustain", reverb=2.4),
    "drum and bass": replace(_ELECTRONIC, bpm=172, drums="dnb", bass="sustain", bass_tone="sub"),
    "lo-fi": replace(_HIPHOP, bpm=78, swing=0.4, mode=0, lofi=True, kit="lofi", reverb=1.4),
    "hip hop": _HIPHOP,
    "trap": replace(_HIPHOP, bpm=140, drums="trap", bass="sustain", kit="trap",
                    instruments=("synth", "bass", "drums"), comp="sustain"),
    "cinematic": _CINEMATIC,
    "orchestral": replace(_CINEMATIC, instruments=("strings", "brass", "flute", "drums")),
    "rock": _ROCK,
    "metal": replace(_ROCK, bpm=150, mode=-1),
    "punk": replace(_ROCK, bpm=168),
    "blues": replace(_ROCK, bpm=84, instruments=("electric guitar", "piano", "bass", "drums"),
                     drums="backbeat", bass="walking", comp="jazz", swing=0.8, sevenths=True),
    "jazz": Style(112, ("piano", "bass", "drums"), "swing", "walking", "upright", "jazz",
                  "medium", swing=0.8, reverb=1.4, sevenths=True),
    "ambient": Style(66, ("pad", "bells", "strings"), "none", "sustain", "sub", "sustain",
                     "sparse", kit="electronic", reverb=4.0, sevenths=True),
    "pop": Style(112, ("piano", "synth", "bass", "drums"), "backbeat", "pop", "electric", "block",
                 "medium", kit="electronic", reverb=1.6, mode=1),
    "acoustic": _ACOUSTIC,
    "folk": replace(_ACOUSTIC, instruments=("guitar", "flute", "bass", "drums")),
    "country": replace(_ACOUSTIC, bpm=108, instruments=("guitar", "bass", "drums"),
                       drums="backbeat"),
    "classical": Style(96, ("piano", "strings"), "none", "sustain", "bowed", "arp", "medium",
                       reverb=2.2),
    "funk": Style(108, ("electric guitar", "bass", "drums", "brass"), "funk", "funk", "electric",
                  "stabs", "medium", swing=0.15, reverb=1.0, sevenths=True),
    "disco": Style(118, ("strings", "bass", "drums", "electric guitar"), "disco", "octaves",
                   "electric", "stabs", "medium", kit="electronic", reverb=1.4, mode=1),
    "soul": Style(88, ("electric piano", "organ", "bass", "drums"), "backbeat", "pop", "electric",
                  "lazy", "medium", swing=0.3, reverb=1.4, sevenths=True),
    "chiptune": Style(140, ("synth", "bass", "drums"), "backbeat", "eighths", "square", "arp",
                      "busy", kit="chip", reverb=0.6, mode=1, chip=True),
    "ballad": Style(70, ("piano", "strings", "bass"), "none", "sustain", "electric", "arp",
                    "sparse", reverb=2.0),
}  # fmt: skip

# word or phrase -> canonical genre
_GENRE_WORDS: dict[str, str] = {
    "electronic": "electronic", "electronica": "electronic", "edm": "electronic",
    "electro": "electronic", "dance": "electronic", "club": "electronic", "rave": "electronic",
    "house": "house", "deep house": "house", "techno": "techno", "trance": "trance",
    "synthwave": "synthwave", "retrowave": "synthwave", "outrun": "synthwave",
    "drum and bass": "drum and bass", "drum n bass": "drum and bass", "dnb": "drum and bass",
    "jungle": "drum and bass",
    "lo fi": "lo-fi", "lofi": "lo-fi", "chillhop": "lo-fi", "hip hop": "hip hop",
    "hiphop": "hip hop", "rap": "hip hop", "boom bap": "hip hop", "trap": "trap",
    "cinematic": "cinematic", "film": "cinematic", "film score": "cinematic",
    "soundtrack": "cinematic", "trailer": "cinematic", "score": "cinematic",
    "orchestral": "orchestral", "orchestra": "orchestral", "symphonic": "orchestral",
    "rock": "rock", "indie": "rock", "grunge": "rock", "metal": "metal", "punk": "punk",
    "blues": "blues", "bluesy": "blues", "jazz": "jazz", "jazzy": "jazz", "bebop": "jazz",
    "swing": "jazz", "ambient": "ambient", "drone": "ambient", "new age": "ambient",
    "atmospheric": "ambient", "meditation": "ambient", "pop": "pop", "synthpop": "pop",
    "k pop": "pop", "acoustic": "acoustic", "unplugged": "acoustic", "folk": "folk",
    "country": "country", "classical": "classical", "baroque": "classical",
    "funk": "funk", "funky": "funk", "disco": "disco", "soul": "soul", "r&b": "soul",
    "rnb": "soul", "gospel": "soul", "chiptune": "chiptune", "8 bit": "chiptune",
    "video game": "chiptune", "retro game": "chiptune", "ballad": "ballad",
}  # fmt: skip

# canonical mood -> (words, valence: +1 major / -1 minor / 0 either, energy -1..1)
_MOODS: dict[str, tuple[tuple[str, ...], int, float]] = {
    "happy": (("happy", "joyful", "cheerful", "fun", "sunny", "carefree", "feel good"), 1, 0.4),
    "sad": (("sad", "sorrowful", "mournful", "heartbroken", "grief", "tearful", "lonely",
             "somber", "sombre", "tragic"), -1, -0.5),
    "melancholic": (("melancholic", "melancholy", "wistful", "bittersweet", "longing"), -1, -0.3),
    "dark": (("dark", "sinister", "ominous", "brooding", "gloomy", "haunting", "menacing",
              "evil", "horror"), -1, 0.0),
    "tense": (("tense", "suspense", "suspenseful", "anxious", "thriller", "urgent", "nervous"),
              -1, 0.3),
    "mysterious": (("mysterious", "mystery", "eerie", "enigmatic", "mystical"), -1, -0.2),
    "epic": (("epic", "heroic", "grand", "majestic", "triumphant", "powerful"), 0, 0.7),
    "confident": (("confident", "bold", "strong", "determined", "swagger"), 1, 0.4),
    "uplifting": (("uplifting", "inspiring", "inspirational", "hopeful", "optimistic",
                   "motivational", "positive"), 1, 0.3),
    "bright": (("bright", "sparkling", "shiny", "radiant", "sunlit"), 1, 0.2),
    "calm": (("calm", "peaceful", "serene", "relaxing", "relaxed", "tranquil", "soothing",
              "gentle", "chill", "mellow", "soft"), 0, -0.6),
    "romantic": (("romantic", "love", "tender", "intimate", "sensual"), 1, -0.3),
    "dreamy": (("dreamy", "floaty", "hazy", "ethereal", "dreamlike", "lush"), 0, -0.4),
    "aggressive": (("aggressive", "angry", "fierce", "furious", "heavy", "brutal"), -1, 0.8),
    "energetic": (("energetic", "upbeat", "lively", "exciting", "hype", "high energy",
                   "driving", "pumping"), 1, 0.7),
    "playful": (("playful", "quirky", "whimsical", "bouncy", "silly", "cute"), 1, 0.2),
    "nostalgic": (("nostalgic", "retro", "vintage", "reminiscent"), 0, -0.1),
}  # fmt: skip

# canonical instrument -> words; phrases outrank their own words ("electric piano").
_INSTRUMENTS: dict[str, tuple[str, ...]] = {
    "piano": ("piano", "pianos", "grand piano", "keys", "upright piano", "felt piano"),
    "electric piano": ("electric piano", "rhodes", "wurlitzer", "wurli", "e piano", "epiano",
                       "keyboard", "keyboards"),
    "organ": ("organ", "hammond", "church organ"),
    "guitar": ("guitar", "guitars", "acoustic guitar", "nylon guitar", "fingerpicked",
               "fingerstyle", "strumming", "ukulele", "banjo", "mandolin"),
    "electric guitar": ("electric guitar", "electric guitars", "distorted guitar", "riff", "riffs",
                        "power chords", "guitar solo", "shred"),
    "strings": ("strings", "string", "violin", "violins", "cello", "cellos", "viola",
                "string section", "string quartet", "fiddle", "harp"),
    "pad": ("pad", "pads", "synth pad", "synth pads", "warm pad", "atmosphere"),
    "synth": ("synth", "synths", "synthesizer", "synthesizers", "lead synth", "synth lead",
              "arpeggiator", "arp", "arps", "arpeggio", "arpeggios", "analog"),
    "bass": ("bass", "bassline", "bass line", "sub", "sub bass", "808", "upright bass",
             "double bass", "bass guitar", "basses"),
    "drums": ("drums", "drum", "beat", "beats", "percussion", "drum machine", "groove",
              "kick", "snare", "hi hat", "hihat", "hi hats", "breakbeat", "breakbeats"),
    "bells": ("bells", "bell", "glockenspiel", "chimes", "celesta", "music box", "xylophone",
              "marimba", "vibraphone", "vibes", "kalimba"),
    "brass": ("brass", "horns", "horn", "trumpet", "trumpets", "trombone", "french horn",
              "saxophone", "sax", "tuba"),
    "flute": ("flute", "flutes", "woodwind", "woodwinds", "recorder", "pan flute", "clarinet",
              "oboe", "piccolo", "whistle"),
}  # fmt: skip

_VOCAL_WORDS = (
    "vocal", "vocals", "voice", "voices", "singing", "singer", "sung", "sing", "sings",
    "vocalist", "humming", "hum", "ooh", "oohs", "aah", "aahs", "choir", "choral", "chant",
    "chanting", "vocalise", "vox",
)  # fmt: skip
_CHOIR_WORDS = frozenset({"choir", "choral", "chant", "chanting", "voices"})
_SLOW_WORDS = (
    "slow", "slower", "chill", "chilled", "chillout", "relaxed", "relaxing", "calm", "lazy",
    "laid back", "mellow", "downtempo", "sleepy", "peaceful", "meditative", "lullaby", "gentle",
    "ballad", "ambient", "sad",
)  # fmt: skip
_FAST_WORDS = (
    "upbeat", "energetic", "fast", "faster", "driving", "dance", "danceable", "party", "uptempo",
    "up tempo", "high energy", "frantic", "intense", "quick", "lively", "action", "hype",
    "racing", "rapid", "aggressive", "pumping", "workout",
)  # fmt: skip

# Words that carry no subject for a title.
_STOP = frozenset({
    "a", "an", "the", "for", "of", "with", "and", "or", "in", "on", "at", "to", "by", "from",
    "into", "over", "under", "about", "like", "some", "very", "really", "that", "this", "these",
    "those", "my", "our", "your", "their", "its", "it", "is", "are", "be", "as", "track", "tracks",
    "song", "songs", "music", "tune", "tunes", "piece", "loop", "background", "instrumental",
    "bpm", "key", "major", "minor", "sharp", "flat", "tempo", "style", "vibe", "vibes", "feel",
    "feeling", "sound", "sounds", "mood", "no", "without", "plus", "featuring", "feat", "using",
    "full", "short", "long", "minute", "minutes", "second", "seconds", "intro", "outro", "chorus",
    "verse", "bridge", "lots", "lot", "more", "less", "light", "make", "made", "create",
    "something", "kind", "type", "sort", "ish", "bit", "little", "big", "track's", "beat", "theme",
    "melody", "melodic", "harmony", "chords", "chord", "rhythm", "rhythmic", "male", "female",
    "only", "solo", "just"
})  # fmt: skip

_NOUNS = (
    "Horizon", "Drift", "Signal", "Echoes", "Lanterns", "Tides", "Skyline", "Embers", "Voyage",
    "Reverie", "Meridian", "Orbit", "Harbor", "Cascade", "Afterglow", "Currents", "Compass",
)  # fmt: skip

_NEGATORS = frozenset({"no", "without", "minus", "sans", "except", "excluding", "not", "zero"})
_SCOPE_STOP = frozenset({"but", "with", "just", "only", "then", "yet", "plus"})

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


def tokens(text: str) -> list[str]:
    """Lower-case words; hyphens split ("lo-fi" -> "lo", "fi") so phrases match either way."""
    return re.findall(r"[a-z0-9&#']+", text.lower().replace("-", " "))


@dataclass
class _Match:
    pos: int
    word: str  # as written, for titles
    category: str
    value: str


def _phrase_table() -> list[tuple[tuple[str, ...], str, str]]:
    table: list[tuple[tuple[str, ...], str, str]] = []
    for phrase, genre in _GENRE_WORDS.items():
        table.append((tuple(phrase.split()), "genre", genre))
    for mood, (words, _, _) in _MOODS.items():
        table += [(tuple(w.split()), "mood", mood) for w in words]
    for instrument, words in _INSTRUMENTS.items():
        table += [(tuple(w.split()), "instrument", instrument) for w in words]
    table += [((w,), "vocal", w) for w in _VOCAL_WORDS]
    table += [(tuple(w.split()), "slow", w) for w in _SLOW_WORDS]
    table += [(tuple(w.split()), "fast", w) for w in _FAST_WORDS]
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
            if word in _NEGATORS:
                scope = 3
            elif word in _SCOPE_STOP:
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
    choir = bool(vocal_words & _CHOIR_WORDS)
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
    valence = sum(_MOODS[m][1] for m in moods)
    energy = float(np.clip(np.mean([_MOODS[m][2] for m in moods]), -1.0, 1.0))

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
        if i in known or word in _STOP or len(word) < 3 or not word.isalpha():
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
        parts.append(_NOUNS[int(rng.integers(len(_NOUNS)))].lower())
    return " ".join(_title_word(p) for p in _unique(parts)[:4])
