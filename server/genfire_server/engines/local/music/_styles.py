"""The vocabulary of music prompts, and how each genre is played.

A prompt is free text, so this is vocabulary with sensible defaults: the words a person
writes ("sad piano ballad", "upbeat electronic, 128 bpm, in F minor") land on a small set
of canonical genres, moods and instruments. Each genre carries the decisions a player
would make without being told (tempo, groove, default band, how the chords are played),
so a prompt that names only a genre still gets a complete arrangement.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


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
GENRE_WORDS: dict[str, str] = {
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
MOODS: dict[str, tuple[tuple[str, ...], int, float]] = {
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
INSTRUMENTS: dict[str, tuple[str, ...]] = {
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

VOCAL_WORDS = (
    "vocal", "vocals", "voice", "voices", "singing", "singer", "sung", "sing", "sings",
    "vocalist", "humming", "hum", "ooh", "oohs", "aah", "aahs", "choir", "choral", "chant",
    "chanting", "vocalise", "vox",
)  # fmt: skip
CHOIR_WORDS = frozenset({"choir", "choral", "chant", "chanting", "voices"})
SLOW_WORDS = (
    "slow", "slower", "chill", "chilled", "chillout", "relaxed", "relaxing", "calm", "lazy",
    "laid back", "mellow", "downtempo", "sleepy", "peaceful", "meditative", "lullaby", "gentle",
    "ballad", "ambient", "sad",
)  # fmt: skip
FAST_WORDS = (
    "upbeat", "energetic", "fast", "faster", "driving", "dance", "danceable", "party", "uptempo",
    "up tempo", "high energy", "frantic", "intense", "quick", "lively", "action", "hype",
    "racing", "rapid", "aggressive", "pumping", "workout",
)  # fmt: skip

# Words that carry no subject for a title.
TITLE_STOP_WORDS = frozenset({
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

TITLE_NOUNS = (
    "Horizon", "Drift", "Signal", "Echoes", "Lanterns", "Tides", "Skyline", "Embers", "Voyage",
    "Reverie", "Meridian", "Orbit", "Harbor", "Cascade", "Afterglow", "Currents", "Compass",
)  # fmt: skip

NEGATORS = frozenset({"no", "without", "minus", "sans", "except", "excluding", "not", "zero"})
SCOPE_STOP = frozenset({"but", "with", "just", "only", "then", "yet", "plus"})
