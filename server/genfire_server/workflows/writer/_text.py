"""Text plumbing for the local writer: cleaning user text, noun phrases, agreement, seeds.

Copy is assembled from templates, so everything a template can receive (a product name,
an audience, a keyword) passes through here first: emoji and stray whitespace go, the
case is made right for the middle of a sentence, and singular/plural is decided once so
"this bottle keeps" and "these glasses keep" both come out grammatical.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text`; keeps long word tables readable."""
    return frozenset(text.split())


# Formatting marks that ride along with emoji (joiners, variation selectors).
_INVISIBLE = frozenset("\u200b\u200c\u200d\ufe0e\ufe0f\u2060")
_SLOT = re.compile(r"\{(\w+)\}")
_SENTENCE_END = re.compile(r"[.!?]\s*$")
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)

# Nouns that are plural without ending in "s" the usual way, and "-s" words that are not.
_PLURALS = word_set(
    "glasses sunglasses jeans leggings headphones earbuds earphones pants shorts scissors "
    "goggles tongs pliers binoculars tights socks people children men women feet teeth "
    "mice clothes"
)
_SINGULAR_S = word_set(
    "series species lens bus gas glass dress news chess mattress canvas atlas iris bonus "
    "cactus hummus asparagus citrus status analysis basis kiss bass moss plus class "
    "compass harness fitness wellness business process lotus"
)
# Everyday product nouns: a one-word prompt of these is a thing, not a brand ("Socks").
_COMMON_NOUNS = word_set(
    "sock shoe sneaker boot sandal slipper bottle blender mug cup tumbler flask candle lamp "
    "chair desk backpack bag wallet watch jacket hoodie shirt tee dress hat cap scarf glove "
    "serum moisturizer cream lotion shampoo conditioner soap toothbrush pillow blanket towel "
    "notebook pen planner charger cable speaker camera keyboard mouse phone case sweater "
    "kettle pan pot knife toaster vacuum fan heater jeans leggings pants shorts headphones "
    "earbuds glasses sunglasses tights socks mattress"
)
# "A pair of hiking boots" is one pair: such a phrase takes the number of its head.
_COLLECTIVE = word_set("pair set kit pack box bundle bag case bottle jar cup bunch collection")
_LEAD_WORDS = word_set(
    "a an the of about for to with and or in on at by this that these our my your"
)
# Little words that mark a phrase as not English; such a name is kept exactly as typed.
_FOREIGN = word_set(
    "de del la el los las para con por und der die das für mit le les des du et pour avec "
    "di da per il della dei na ao com em ze voor het een"
)


def count_words(text: str) -> int:
    """Words as the spoken-length estimate counts them: whitespace-separated tokens."""
    return len(text.split())


def clean(text: str) -> str:
    """`text` without emoji, symbols or control characters, whitespace collapsed.

    Emoji would otherwise land inside spoken sentences ("this 🔥 blender"), where a
    voice engine reads them out or skips them unpredictably.
    """
    kept: list[str] = []
    for char in text:
        if char in _INVISIBLE:
            continue
        category = unicodedata.category(char)
        if category in {"So", "Sk", "Cs", "Co", "Cn"} or (
            category.startswith("C") and char not in "\t\n\r"
        ):
            kept.append(" ")
        else:
            kept.append(char)
    return " ".join("".join(kept).split())


def trim_words(text: str, limit: int) -> str:
    """At most `limit` words, cut at a word boundary with trailing punctuation removed."""
    words = text.split()
    if len(words) <= limit:
        return text
    return " ".join(words[:limit]).rstrip(",;:-–—")


def first_words(text: str, count: int = 3) -> tuple[str, ...]:
    """The first `count` words, lowercased without punctuation: how hooks are told apart."""
    return tuple(word.lower().strip("'’-") for word in _WORD.findall(text)[:count])


def capitalize(text: str) -> str:
    """Upper-case the first letter unless the word is deliberately lower-case ("iPhone")."""
    if not text or not text[0].islower():
        return text
    if len(text) > 1 and text[1].isupper():
        return text
    return text[0].upper() + text[1:]


def mid_sentence(text: str, *, keep_single: bool) -> str:
    """`text` as it reads inside a sentence: "Portable blender" -> "portable blender".

    Title Case ("Matte Black Water Bottle") and names with inner capitals ("GenFire",
    "iPhone case") are names and stay as written; so does a one-word name when
    `keep_single`, since "Notion" and "Blender" cannot be told apart.
    """
    words = text.split()
    if not words:
        return text
    head = words[0]
    if not (head[:1].isupper() and head[1:] == head[1:].lower()):
        return text
    if len(words) == 1:
        return text if keep_single else head.lower()
    if any(word[:1].isupper() for word in words[1:]) or is_foreign(text):
        return text
    return head[:1].lower() + head[1:] + text[len(head) :]


def is_foreign(text: str) -> bool:
    """Whether the phrase carries non-English function words or non-Latin script."""
    words = {word.lower() for word in text.split()}
    if words & _FOREIGN:
        return True
    return any(ord(char) > 0x24F and char.isalpha() for char in text)


def is_plural(phrase: str) -> bool:
    """Whether an English noun phrase names several things, judged by its last word."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", phrase)
    if not words or is_foreign(phrase):
        return False
    lowered = [word.lower() for word in words]
    if "of" in lowered[1:] and lowered[lowered.index("of", 1) - 1] in _COLLECTIVE:
        return False
    last = lowered[-1]
    if last in _PLURALS:
        return True
    if last in _SINGULAR_S or len(last) < 3:
        return False
    return last.endswith("s") and not last.endswith(("ss", "us", "is", "ous"))


def join_list(items: Sequence[str], conjunction: str = "and") -> str:
    """ "a", "a and b", "a, b, and c"."""
    if len(items) <= 2:
        return f" {conjunction} ".join(items)
    return ", ".join(items[:-1]) + f", {conjunction} " + items[-1]


def render(template: str, slots: Mapping[str, str], *, sentence: bool = True) -> str:
    """Fill `{slot}`s, capitalizing a value that starts a sentence of the template.

    `sentence=False` fills a fragment ("{is} built to last") that will sit inside
    another sentence, so nothing is capitalized.
    """

    def fill(match: re.Match[str]) -> str:
        value = slots[match.group(1)]
        before = template[: match.start()]
        if not sentence:
            return value
        if not before.strip() or _SENTENCE_END.search(before):
            return capitalize(value)
        return value

    return _SLOT.sub(fill, template)


def slot_names(template: str) -> frozenset[str]:
    """The slots a template uses, so a caller can skip templates it cannot fill."""
    return frozenset(_SLOT.findall(template))


@dataclass(frozen=True)
class Noun:
    """A product or topic as copy refers to it."""

    full: str  # the whole name, in its mid-sentence case
    short: str  # what hooks and repeated mentions use
    plural: bool
    bare: bool  # a one-word brand-like name that takes no "this"

    def ref(self, *, short: bool = True) -> str:
        """ "this portable blender", "these glasses", or a bare brand name."""
        text = self.short if short else self.full
        if self.bare:
            return text
        return ("these " if self.plural else "this ") + text

    def the(self) -> str:
        """ "the premium running shoe", for descriptions that are not spoken to a viewer."""
        return self.full if self.bare else f"the {self.full}"

    def agreement(self) -> dict[str, str]:
        """The slots templates use to agree with the noun ("keep{s}", "{it} {is}")."""
        many = self.plural
        return {
            "s": "" if many else "s",
            "es": "" if many else "es",
            "is": "are" if many else "is",
            "has": "have" if many else "has",
            "does": "do" if many else "does",
            "was": "were" if many else "was",
            "it": "they" if many else "it",
            "obj": "them" if many else "it",
            "its": "their" if many else "its",
            "itis": "they're" if many else "it's",
            "one": "some" if many else "one",
        }


def make_noun(text: str, *, short_limit: int = 4) -> Noun:
    """A `Noun` from a cleaned phrase; long generic phrases keep their last words in hooks."""
    mid = mid_sentence(text, keep_single=True)
    single = mid.lower()
    if (
        " " not in mid
        and mid[1:] == mid[1:].lower()
        and (single in _COMMON_NOUNS or single.removesuffix("s") in _COMMON_NOUNS)
    ):
        mid = single
    words = mid.split()
    is_name = any(word[:1].isupper() for word in words) or is_foreign(mid)
    limit = 6 if is_name else short_limit
    short = " ".join(words[-limit:]) if len(words) > limit else mid
    # A cut can start on a little word ("about an office chair"); hooks need the noun.
    while len(short.split()) > 1 and short.split()[0].lower() in _LEAD_WORDS:
        short = short.split(" ", 1)[1]
    bare = len(words) == 1 and any(char.isupper() for char in mid[1:])
    return Noun(full=mid, short=short, plural=is_plural(mid), bare=bare)


class Seed:
    """Deterministic choices: the same inputs always pick the same templates.

    A hash of the canonical JSON of the inputs replaces randomness, so a rerun of a
    workflow (or a retry after a crash) writes word-for-word the same copy.
    """

    def __init__(self, *parts: object) -> None:
        blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
        self._key = hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def number(self, *salt: object) -> int:
        """A stable 64-bit number for this seed and `salt`."""
        data = self._key + "|" + "|".join(str(part) for part in salt)
        return int.from_bytes(hashlib.sha256(data.encode("utf-8")).digest()[:8], "big")

    def pick(self, options: Sequence[T], *salt: object) -> T:
        """One of `options`, the same one every time for the same seed and salt."""
        return options[self.number(*salt) % len(options)]

    def shuffle(self, options: Sequence[T], *salt: object) -> list[T]:
        """`options` in a stable seed-dependent order."""
        keyed = sorted(range(len(options)), key=lambda index: self.number(*salt, index))
        return [options[index] for index in keyed]
