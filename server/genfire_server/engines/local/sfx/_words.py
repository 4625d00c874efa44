"""How a sound-effect prompt's words become a sound class, a variant and modifiers.

People describe effects as a noun phrase with adjectives and a place: "heavy metal door
slam in a large warehouse", "distant thunder", "fast footsteps on gravel". The class is
the head of the first noun phrase that names one ("car crash" is a crash, "car door" a
door, "wind chimes" are chimes); adjectives become numbers the synthesisers read
(weight, pitch, speed, distance), and the place becomes a reverb time.
"""

from __future__ import annotations

from dataclasses import dataclass

from genfire_server.engines.local.synth.words import tokens

# class -> (words that name it, words that only hint at it)
CLASS_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "impact": (("impact", "impacts", "hit", "hits", "punch", "punches", "thud", "thump", "smack",
                "whack", "collision", "crash", "crashes", "body fall", "slap", "strike", "clang",
                "clank", "clash", "bonk", "wham", "pound"),
               ("slam", "drop", "fall", "bump", "stomp")),
    "explosion": (("explosion", "explosions", "explode", "exploding", "boom", "blast", "blasts",
                   "detonation", "kaboom", "grenade", "bomb", "blowing up", "fireball"), ()),
    "whoosh": (("whoosh", "whooshes", "swoosh", "swish", "swipe", "woosh", "fly by", "flyby",
                "pass by", "whip", "transition", "swing", "slash", "swoop", "whizz", "zoom"),
               ("rush", "sweep", "sword")),
    "door": (("door", "doors", "creak", "creaking", "creaky", "creaks", "hinge", "hinges",
              "knock", "knocking", "knocks", "gate", "latch"), ("slam", "slams")),
    "footsteps": (("footsteps", "footstep", "steps", "walking", "walk", "running", "stomping",
                   "marching", "strides", "jogging", "tiptoe", "tiptoeing"), ("run",)),
    "rain": (("rain", "raining", "rainfall", "drizzle", "downpour", "raindrops", "rainstorm",
              "showers"), ("storm", "wet")),
    "wind": (("wind", "windy", "breeze", "gust", "gusts", "gale", "howling", "blizzard",
              "windstorm"), ("air",)),
    "thunder": (("thunder", "thunderclap", "lightning", "thunderstorm", "thunderstorms"),
                ("rumble", "rumbling")),
    "water": (("water", "stream", "river", "brook", "creek", "waves", "wave", "ocean", "sea",
               "surf", "waterfall", "splash", "splashing", "bubbling", "babbling", "drip",
               "dripping", "bubbles", "fountain", "lake", "faucet", "shore", "beach", "tide"), ()),
    "fire": (("fire", "crackle", "crackling", "campfire", "fireplace", "flames", "flame",
              "burning", "bonfire", "torch", "inferno", "embers"), ()),
    "engine": (("engine", "engines", "car", "cars", "motor", "truck", "motorcycle", "motorbike",
                "vehicle", "idle", "idling", "revving", "rev", "revs", "generator", "machinery",
                "tractor", "bus", "diesel", "race car", "lawnmower", "chainsaw"),
               ("hum", "drone", "rumble", "rumbling")),
    "beep": (("beep", "beeps", "beeping", "alarm", "notification", "alert", "ping", "buzzer",
              "ringtone", "siren", "error", "fire alarm", "car alarm", "bleep", "boop", "sonar",
              "message"), ()),
    "click": (("click", "clicks", "clicking", "tick", "ticking", "tock", "button", "switch",
               "toggle", "tap", "taps", "ui", "interface", "menu"), ("clock",)),
    "bell": (("bell", "bells", "chime", "chimes", "ding", "gong", "doorbell", "tinkle",
              "jingle", "magic", "sparkle", "shimmer", "fairy", "wind chimes", "church bell"),
             ("ring", "ringing")),
    "glass": (("shatter", "shatters", "shattering", "shattered", "smash", "smashing",
               "breaking glass", "glass break", "glass breaking", "broken glass"),
              ("glass", "window", "break", "breaking", "bottle")),
    "laser": (("laser", "lasers", "zap", "zaps", "blaster", "phaser", "sci fi", "scifi", "pew",
               "ray gun", "power up", "powerup", "teleport", "force field", "forcefield",
               "plasma"), ("electric", "electricity", "spark", "sparks", "futuristic", "energy")),
    "crowd": (("applause", "clapping", "crowd", "crowds", "cheering", "cheer", "cheers",
               "audience", "stadium", "chatter", "murmur", "claps", "ovation", "walla"),
              ("people",)),
    "typing": (("typing", "keyboard", "typewriter", "keystrokes", "keystroke", "keys",
                "keyboards"), ()),
    "heartbeat": (("heartbeat", "heartbeats", "heart beat", "heart", "pulse", "heartbeating"),
                  ()),
    "gunshot": (("gunshot", "gunshots", "gun", "guns", "shot", "shots", "pistol", "rifle",
                 "gunfire", "shotgun", "machine gun", "firearm", "bang", "revolver",
                 "gun fire", "machine gun fire", "rifle fire"), ()),
    "birds": (("bird", "birds", "birdsong", "chirp", "chirping", "chirps", "tweet", "tweeting",
               "songbird", "dawn chorus", "seagull"), ()),
}  # fmt: skip
# Words that decide the class even before a later head noun ("laser gun" fires lasers).
_DOMINANT = frozenset({"laser", "lasers", "blaster", "phaser", "typewriter", "fire alarm",
                       "car alarm", "wind chimes", "doorbell"})  # fmt: skip

# class -> ((variant, words), ...); the first variant whose words appear wins.
_VARIANTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "impact": (("crash", ("crash", "crashes", "collision", "wreck", "pileup")),
               ("metal", ("clang", "clank", "clash", "metal", "metallic", "steel", "iron")),
               ("punch", ("punch", "punches", "slap", "smack", "whack")),
               ("thud", ("thud", "thump", "body", "fall", "drop", "bump"))),
    "door": (("creak", ("creak", "creaking", "creaky", "creaks", "hinge", "hinges", "open",
                        "opening", "squeak", "squeaky")),
             ("knock", ("knock", "knocking", "knocks"))),
    "water": (("waves", ("waves", "wave", "ocean", "sea", "surf", "shore", "beach", "tide")),
              ("drip", ("drip", "dripping", "drips", "faucet", "droplet")),
              ("splash", ("splash", "splashing", "splashes"))),
    "beep": (("siren", ("siren", "sirens", "police", "ambulance")),
             ("alarm", ("alarm", "alarms", "buzzer", "warning", "fire alarm", "car alarm")),
             ("error", ("error", "fail", "failure", "wrong", "denied", "invalid")),
             ("notification", ("notification", "ping", "alert", "message", "success",
                               "confirm", "confirmation", "ringtone"))),
    "click": (("tick", ("tick", "ticking", "tock", "clock")),),
    "bell": (("chime", ("chime", "chimes", "wind chimes", "tinkle", "jingle")),
             ("gong", ("gong",)),
             ("sparkle", ("magic", "sparkle", "shimmer", "fairy", "magical")),
             ("ding", ("ding", "doorbell"))),
    "laser": (("powerup", ("power up", "powerup", "charge", "charging", "teleport")),
              ("zap", ("zap", "zaps", "electric", "electricity", "spark", "sparks", "shock",
                       "plasma"))),
    "crowd": (("applause", ("applause", "clapping", "claps", "clap", "ovation")),
              ("cheer", ("cheer", "cheering", "cheers", "stadium", "celebration"))),
    "engine": (("rev", ("rev", "revving", "revs", "accelerate", "accelerating", "speeding",
                        "race car", "racing")),
               ("pass", ("passing", "pass", "drive by", "driving by", "passes"))),
    "gunshot": (("burst", ("machine gun", "automatic", "gunfire", "rapid", "volley", "burst",
                           "shots", "gunshots")),),
    "typing": (("typewriter", ("typewriter",)),),
    "thunder": (("distant", ("distant", "far", "faraway", "rolling")),),
}  # fmt: skip

_HEAVY = {"heavy": 1.0, "big": 0.8, "huge": 1.0, "massive": 1.0, "giant": 1.0, "loud": 0.6,
          "powerful": 0.8, "hard": 0.6, "strong": 0.6, "thick": 0.5, "enormous": 1.0,
          "intense": 0.7, "violent": 0.9, "downpour": 0.9, "roaring": 0.8, "large": 0.5,
          "light": -1.0, "small": -0.8, "soft": -0.8, "tiny": -1.0, "gentle": -0.9,
          "subtle": -0.8, "quiet": -0.7, "little": -0.6, "faint": -0.8, "delicate": -0.9,
          "weak": -0.7, "drizzle": -0.9, "breeze": -0.7, "tap": -0.5, "slight": -0.7}  # fmt: skip
_PITCH = {"high": 1.0, "shrill": 1.0, "squeaky": 0.8, "bright": 0.6, "thin": 0.6, "tinny": 0.7,
          "sharp": 0.5, "piercing": 1.0, "low": -1.0, "deep": -1.0, "bassy": -0.9,
          "rumbling": -0.6, "dull": -0.6, "boomy": -0.8, "sub": -1.0}  # fmt: skip
_SPEED = {"fast": 1.0, "quick": 0.9, "rapid": 1.0, "hurried": 0.8, "running": 0.8,
          "snappy": 0.8, "brisk": 0.7, "swift": 0.9, "short": 0.6, "frantic": 1.0,
          "racing": 0.9, "slow": -1.0, "long": -0.6, "lingering": -0.7, "lazy": -0.8,
          "sluggish": -0.9, "gradual": -0.7, "steady": -0.2, "calm": -0.5}  # fmt: skip
_DISTANCE = {"distant": 1.0, "far": 0.9, "faraway": 1.0, "muffled": 0.7, "remote": 0.8,
             "background": 0.5, "close": -1.0, "closeup": -1.0, "near": -0.7, "nearby": -0.6,
             "intimate": -0.9, "foreground": -0.6}  # fmt: skip
_DISTANCE_PHRASES = {"in the distance": 1.0, "far away": 1.0, "far off": 1.0, "next room": 0.7,
                     "up close": -1.0, "close up": -1.0, "in your face": -1.0}  # fmt: skip
# place -> reverb seconds (the RT60 a listener would hear)
_ROOMS = {"cathedral": 5.0, "church": 4.0, "cave": 3.5, "cavern": 3.8, "canyon": 3.5,
          "warehouse": 2.8, "hangar": 3.0, "hall": 2.5, "concert hall": 2.8, "stadium": 2.6,
          "arena": 2.4, "tunnel": 2.2, "underground": 2.0, "dungeon": 2.4, "gym": 1.8,
          "gymnasium": 1.8, "parking garage": 2.4, "garage": 1.5, "large room": 1.8,
          "big room": 1.8, "empty room": 1.4, "corridor": 1.2, "hallway": 1.2,
          "stairwell": 2.0, "bathroom": 1.0, "kitchen": 0.6, "room": 0.6, "small room": 0.35,
          "closet": 0.25, "office": 0.5, "reverb": 2.0, "reverberant": 2.2, "echo": 2.2,
          "echoing": 2.2, "echoes": 2.2, "indoors": 0.6, "inside": 0.6, "house": 0.6}  # fmt: skip
_OUTDOORS = frozenset({"outdoors", "outside", "outdoor", "field", "forest", "street",
                       "city", "park", "desert", "beach", "mountains"})  # fmt: skip
_MATERIALS = {"metal": "metal", "metallic": "metal", "steel": "metal", "iron": "metal",
              "tin": "metal", "aluminum": "metal", "aluminium": "metal", "sword": "metal",
              "chain": "metal", "chains": "metal", "pipe": "metal", "anvil": "metal",
              "wood": "wood", "wooden": "wood", "timber": "wood", "plank": "wood",
              "floorboards": "wood", "oak": "wood", "crate": "wood", "glass": "glass",
              "window": "glass", "bottle": "glass", "crystal": "glass", "ceramic": "glass",
              "plate": "glass", "stone": "stone", "concrete": "stone", "rock": "stone",
              "brick": "stone", "gravel": "gravel", "snow": "snow", "leaves": "gravel",
              "grass": "snow", "sand": "snow", "mud": "snow", "plastic": "plastic",
              "cardboard": "plastic", "roof": "metal"}  # fmt: skip

NATURAL_SECONDS: dict[str, float] = {
    "impact": 1.5, "explosion": 4.0, "whoosh": 1.2, "door": 2.0, "footsteps": 5.0, "rain": 8.0,
    "wind": 8.0, "thunder": 6.0, "water": 8.0, "fire": 8.0, "engine": 6.0, "beep": 1.0,
    "click": 0.5, "bell": 3.0, "glass": 2.5, "laser": 1.0, "crowd": 6.0, "typing": 4.0,
    "heartbeat": 5.0, "gunshot": 2.0, "birds": 6.0, "texture": 4.0,
}  # fmt: skip
_VARIANT_SECONDS = {
    "crash": 2.5, "creak": 3.0, "knock": 2.0, "alarm": 3.0, "siren": 4.0, "tick": 4.0,
    "chime": 5.0, "gong": 6.0, "ding": 1.5, "sparkle": 2.5, "powerup": 2.0, "burst": 2.5,
    "rev": 5.0, "pass": 5.0, "waves": 10.0, "drip": 5.0, "splash": 2.0, "notification": 1.2,
    "error": 1.0, "applause": 6.0,
}  # fmt: skip


@dataclass(frozen=True)
class Reading:
    """What the words said, before any randomness: every number is in [-1, 1]."""

    sound_class: str
    variant: str
    weight: float  # light -1 .. heavy +1
    pitch: float  # low -1 .. high +1
    speed: float  # slow -1 .. fast +1
    distance: float  # close -1 .. distant +1
    room: float  # reverb seconds; 0 for none named
    place: str | None  # the word that named the room, for the description
    outdoors: bool
    material: str | None
    words: frozenset[str]


def _find(words: list[str], phrase: str) -> list[int]:
    parts = phrase.split()
    size = len(parts)
    return [i for i in range(len(words) - size + 1) if words[i : i + size] == parts]


def _has(words: list[str], phrase: str) -> bool:
    return bool(_find(words, phrase))


def classify(words: list[str]) -> str:
    """The class named by the head of the first noun phrase that names any class."""
    strong: list[tuple[int, int, str, bool]] = []  # (position, end, class, dominant)
    weak: list[tuple[int, int, str, bool]] = []
    claimed: set[int] = set()
    phrases = [
        (phrase, name, kind)
        for name, (names, hints) in CLASS_WORDS.items()
        for kind, group in (("strong", names), ("weak", hints))
        for phrase in group
    ]
    # Longer phrases first, so "fire alarm" is an alarm and not a fire.
    phrases.sort(key=lambda row: -len(row[0].split()))
    for phrase, name, kind in phrases:
        size = len(phrase.split())
        for i in _find(words, phrase):
            span = set(range(i, i + size))
            if span & claimed:
                continue
            claimed |= span
            (strong if kind == "strong" else weak).append((i, i + size, name, phrase in _DOMINANT))
    candidates = sorted(strong or weak)
    if not candidates:
        return "texture"
    # Walk the compound noun that starts at the first match: its last word is the head.
    run = [candidates[0]]
    for match in candidates[1:]:
        if match[0] - run[-1][1] <= 0:
            run.append(match)
        else:
            break
    dominant = [m for m in run if m[3]]
    return (dominant[0] if dominant else run[-1])[2]


def _variant(sound_class: str, words: list[str]) -> str:
    for variant, triggers in _VARIANTS.get(sound_class, ()):
        if any(_has(words, w) for w in triggers):
            return variant
    defaults = {"door": "slam", "water": "stream", "beep": "beep", "click": "ui", "bell": "bell",
                "laser": "laser", "crowd": "chatter", "engine": "idle", "gunshot": "single",
                "typing": "keyboard", "thunder": "close", "impact": "hit"}  # fmt: skip
    return defaults.get(sound_class, sound_class)


def _scale(words: list[str], table: dict[str, float]) -> float:
    values = [table[w] for w in words if w in table]
    return max(-1.0, min(1.0, sum(values))) if values else 0.0


_CLAUSE_BREAKS = frozenset({"with", "and", "&", "plus", "while", "then", "as"})


def _own_words(words: list[str]) -> list[str]:
    """The words describing the main sound: up to the first "with"/"and" after its noun.

    In "heavy rain on a tin roof with distant thunder" the rain is heavy and on tin,
    and only the thunder is distant.
    """
    head = next(
        (i for i, w in enumerate(words) if any(w in names for names, _ in CLASS_WORDS.values())),
        None,
    )
    if head is None:
        return words
    for i in range(head + 1, len(words)):
        if words[i] in _CLAUSE_BREAKS:
            return words[:i]
    return words


def read(prompt: str) -> Reading:
    """Recognise the class, its variant and the modifier words of an effect prompt."""
    all_words = tokens(prompt)
    sound_class = classify(all_words)
    variant = _variant(sound_class, all_words)
    words = _own_words(all_words)
    distance = _scale(words, _DISTANCE)
    for phrase, value in _DISTANCE_PHRASES.items():
        if _has(words, phrase):
            distance = value
    room, place = 0.0, None
    for name, seconds in sorted(_ROOMS.items(), key=lambda kv: -len(kv[0].split())):
        if _has(all_words, name):
            room, place = seconds, name
            break
    if room and any(w in all_words for w in ("large", "huge", "massive", "giant", "enormous")):
        room *= 1.3
    material = next((_MATERIALS[w] for w in words if w in _MATERIALS), None)
    speed = _scale(words, _SPEED)
    if sound_class == "footsteps" and ("running" in words or "run" in words):
        speed = max(speed, 0.8)
    return Reading(
        sound_class=sound_class,
        variant=variant,
        weight=_scale(words, _HEAVY),
        pitch=_scale(words, _PITCH),
        speed=speed,
        distance=distance,
        room=room,
        place=place,
        outdoors=bool(_OUTDOORS & set(all_words)),
        material=material,
        words=frozenset(all_words),
    )


def natural_seconds(reading: Reading) -> float:
    """How long this effect naturally lasts, including the tail its room adds."""
    base = _VARIANT_SECONDS.get(reading.variant, NATURAL_SECONDS[reading.sound_class])
    if reading.sound_class in ("impact", "explosion", "door", "glass", "gunshot", "laser",
                               "bell", "click", "beep", "whoosh", "thunder"):  # fmt: skip
        base += min(3.0, 0.7 * reading.room)
    if reading.sound_class == "whoosh":
        base *= 1.0 - 0.35 * reading.speed
    return float(min(30.0, max(0.5, base)))
