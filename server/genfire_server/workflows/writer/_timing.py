"""Spoken length: how many words fit a duration, and how a duration splits into scenes.

Scripts are read aloud at about 2.5 words a second (150 words a minute, a relaxed
voiceover pace), so a 20-second spot carries about 50 words; writing to that budget is
what keeps a script from being cut off at the end of the video.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ._text import count_words

WORDS_PER_SECOND = 2.5
LENGTH_SECONDS: dict[str, int] = {"short": 20, "medium": 35, "long": 60}
DEFAULT_LENGTH = "medium"
# A script shorter than a hook and a close is not a script; longer than the request
# validator's ceiling (rules.MAX_TARGET_SECONDS) is never asked for.
MIN_SECONDS = 4.0
MAX_SECONDS = 300.0
STORYBOARD_DEFAULT_SECONDS = 30
STORYBOARD_MIN_SECONDS = 5
STORYBOARD_MAX_SECONDS = 180

_NUMBER_WORDS = {
    "five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45,
    "forty five": 45, "sixty": 60, "ninety": 90, "one": 1, "two": 2, "three": 3,
    "half a": 0.5,
}  # fmt: skip
_SECONDS = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)\s*-?\s*(?:seconds?|secs?|s)(?![a-z])"
    r"|(?<![\w-])(five|ten|fifteen|twenty|thirty|forty[- ]five|sixty|ninety)[- ]seconds?(?![a-z])",
    re.I,
)
_MINUTES = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)\s*-?\s*(?:minutes?|mins?)(?![a-z])"
    r"|(?<![\w-])(one|two|three|half a)[- ]minutes?(?![a-z])",
    re.I,
)


def spoken_seconds(text: str) -> float:
    """Seconds `text` takes to say at WORDS_PER_SECOND, to one decimal."""
    return round(count_words(text) / WORDS_PER_SECOND, 1)


def estimated_duration(word_count: int) -> int:
    """Whole seconds for `word_count` spoken words, as outputs report it."""
    return round(word_count / WORDS_PER_SECOND)


def target_words(target_duration: object, length: object) -> int:
    """The word budget of a script: `target_duration` when given, else the `length` preset."""
    seconds: float
    if isinstance(target_duration, int | float) and not isinstance(target_duration, bool):
        seconds = min(max(float(target_duration), MIN_SECONDS), MAX_SECONDS)
    else:
        key = str(length) if length in LENGTH_SECONDS else DEFAULT_LENGTH
        seconds = LENGTH_SECONDS[key]
    return max(1, round(seconds * WORDS_PER_SECOND))


def _number(match: re.Match[str]) -> float:
    digits, word = match.group(1), match.group(2)
    if digits is not None:
        return float(digits)
    return float(_NUMBER_WORDS[word.lower().replace("-", " ").replace("forty five", "forty-five")])


def duration_from_prompt(prompt: str) -> int | None:
    """The length a prompt asks for ("30-second", "15s", "a 1-minute ad"), in seconds."""
    for pattern, scale in ((_SECONDS, 1), (_MINUTES, 60)):
        for match in pattern.finditer(prompt):
            value = _number(match)
            if value > 0:
                seconds = round(value * scale)
                return min(max(seconds, STORYBOARD_MIN_SECONDS), STORYBOARD_MAX_SECONDS)
    return None


def split_seconds(total: int, weights: Sequence[float]) -> list[int]:
    """`total` whole seconds shared by `weights`, every share at least 1, summing exactly."""
    count = len(weights)
    if count == 0:
        return []
    if total <= count:
        return [1 if index < total else 0 for index in range(count)]
    spare = total - count
    scale = sum(weights)
    raw = [spare * weight / scale for weight in weights]
    shares = [int(value) for value in raw]
    left = spare - sum(shares)
    by_remainder = sorted(range(count), key=lambda index: (-(raw[index] - shares[index]), index))
    for index in by_remainder[:left]:
        shares[index] += 1
    return [share + 1 for share in shares]
