"""What a request is about: the product in a prompt, who it is for, and its keywords.

Prompts arrive as briefs ("30-second paid social ad for a premium running shoe"), as
product lines ("Portable blender for busy professionals") or as paragraphs. Copy needs
the thing itself ("premium running shoe") to name in every hook, and often gets the
audience for free from the "for ..." part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ._text import Noun, clean, is_plural, make_noun, mid_sentence, trim_words, word_set

_ASK = re.compile(
    r"^(?:please\s+)?(?:(?:i|we)\s+(?:need|want|would like)\s+(?:you\s+to\s+)?|"
    r"(?:can|could) you\s+)?(?:write|create|make|generate|draft|give me|produce)?\s*",
    re.I,
)
_FORMAT = re.compile(
    r"^(?:\S+\s+){0,6}?(?:ad|ads|advert|advertisement|video|videos|spot|commercial|campaign|"
    r"script|scripts|reel|reels|tiktok|tiktoks|short|shorts|story|stories|promo|clip|post|"
    r"posts|content|hook|hooks|pack|copy|ugc|prompt|brief|idea|something)\s+(?:for|about|on|promoting|featuring|selling|"
    r"showcasing|of)\s+",
    re.I,
)
# How-to and list topics have no product; they become a noun phrase copy can name.
_TOPIC = re.compile(r"^(how to|why you should|why|(?:tips|ways|reasons|ideas)\b)\s*(.*)$", re.I)
_TOPIC_NOUNS = {"how to": "trick to ", "why you should": "reason to "}
_WHY_VERB = re.compile(r"\s+(?:matters?|works?|is|are|helps?|rocks?|wins?)\b.*$", re.I)
_LEADING = re.compile(
    r"^(?:a|an|the|our|my|your|this|these|new|brand-new|all-new|latest|introducing|"
    r"introduce|promote|promoting|launch|launching|sell|selling|showcase|meet)\s+",
    re.I,
)
_SPLIT = re.compile(
    r"\s+(for|to|that|which|who|with|so|because|designed|made|built|when|while|aimed|"
    r"targeting|without|para|pour|für|per|avec|mit|con)\s+|\s+[-–—]\s+|[,;:!?()\[\]\"]|"
    r"\.(?:\s|$)",
    re.I,
)
_FOR = frozenset({"for", "aimed", "targeting", "para", "pour", "für"})
_AUDIENCE_CUT = re.compile(
    r"\s+(?:who|that|which|with|in|on|at|from|looking|trying|working|wanting|needing|"
    r"during|after|before|while|because)\s+",
    re.I,
)
_SLUG_NOISE = re.compile(r"^(?:p|dp|products?|item|shop|store|collections?|\d+|[a-f0-9]{8,})$")

_VERBS = word_set(
    "save get make stay keep feel boost lose build find stop start reduce improve cut burn "
    "drink eat look move focus relax learn grow sleep"
)
_ADJECTIVES = word_set(
    "healthy easy tasty fast quick cheap affordable premium natural organic vegan fresh clean "
    "simple sleek durable portable lightweight compact cozy comfy soft strong safe smart quiet "
    "green sustainable reusable luxurious elegant fun cute bold modern minimal handmade local "
    "new better cool hot cold warm delicious gentle hydrating effective"
)
_ADJECTIVE_ENDINGS = ("ful", "less", "ous", "ive", "able", "ible", "-free", "proof", "-friendly")


@dataclass(frozen=True)
class Subject:
    noun: Noun
    beneficiary: str | None  # "busy professionals" from "... for busy professionals"


def _strip_leading(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _LEADING.sub("", text).strip()
    return text


def subject_of(prompt: str, *, fallback: str = "product") -> Subject:
    """The product or topic a prompt names, and who it says it is for."""
    text = clean(prompt)
    words = text.split()
    if len(words) > 60:
        text = " ".join(words[:60])
    text = _ASK.sub("", text, count=1).strip()
    text = _FORMAT.sub("", text, count=1).strip()
    text = _strip_leading(text)
    topic = _TOPIC.match(text)
    if topic and topic.group(2):
        opener, rest = topic.group(1).lower(), topic.group(2)
        if opener == "why":
            text = _WHY_VERB.sub("", rest)
        else:
            # "How to stay hydrated at work" -> "this trick to stay hydrated at work".
            phrase = re.split(r"[.!?:;,]", _TOPIC_NOUNS.get(opener, opener + " ") + rest)[0]
            phrase = mid_sentence(trim_words(phrase.strip(), 8), keep_single=False)
            return Subject(
                noun=Noun(full=phrase, short=phrase, plural=opener not in _TOPIC_NOUNS, bare=False),
                beneficiary=None,
            )
    head, beneficiary = text, None
    match = _SPLIT.search(text)
    if match:
        head = text[: match.start()].strip()
        word = (match.group(1) or "").lower()
        if word in _FOR:
            rest = re.sub(r"^at\s+", "", text[match.end() :].strip(), flags=re.I)
            after = _SPLIT.search(rest)
            beneficiary = _strip_leading(rest[: after.start()] if after else rest).strip()
            beneficiary = trim_words(beneficiary, 6) or None
        if not head:
            tail = text[match.end() :]
            after = _SPLIT.search(tail)
            head = _strip_leading((tail[: after.start()] if after else tail).strip())
    head = head.strip(" .'\"")
    if len(head.split()) > 8:
        head = " ".join(head.split()[-4:])
    return Subject(noun=make_noun(head or fallback), beneficiary=beneficiary)


def name_from_url(url: str) -> str | None:
    """A readable product name from a product URL's slug ("matte-black-water-bottle")."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    for segment in reversed([part for part in unquote(path).split("/") if part]):
        stem = re.sub(r"\.(?:html?|php|aspx?)$", "", segment, flags=re.I)
        words = [word for word in re.split(r"[-_+\s]+", stem) if word]
        words = [word for word in words if not _SLUG_NOISE.match(word.lower())]
        if words and sum(char.isalpha() for char in "".join(words)) >= 3:
            return " ".join(word[:1].upper() + word[1:] for word in words[:8])
    return None


# Heads that say nothing on their own: "People, ..." or "Those, ..." is not an address.
_EMPTY_HEADS = word_set(
    "people those these anyone anybody someone somebody everyone everybody folks ones one "
    "you all them"
)
_PLURAL_HEADS = word_set("people those these folks all them ones")


@dataclass(frozen=True)
class Audience:
    full: str  # as it reads mid-sentence: "remote workers who skip breakfast"
    short: str  # the people themselves: "remote workers"
    plural: bool = True  # "remote workers are"; False for "anyone who ...", "the elderly"


def _pluralize(word: str) -> str | None:
    """The regular plural of a plain lowercase noun, or None when unsure."""
    if not re.fullmatch(r"[a-z]{3,}", word) or word in _ADJECTIVES:
        return None
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("man", "woman")):
        return word[:-2] + "en"
    return word + "s"


_PLURAL_VERBS = {"is": "are", "was": "were", "has": "have", "does": "do", "goes": "go"}


def _plural_verb(match: re.Match[str]) -> str:
    """ "who hates" -> "who hate", for a relative clause whose subject became plural."""
    verb = match.group(2)
    lower = verb.lower()
    if lower in _PLURAL_VERBS:
        verb = _PLURAL_VERBS[lower]
    elif re.search(r"[^aeiou]ies$", lower):
        verb = verb[:-3] + "y"
    elif lower.endswith(("ches", "shes", "sses", "xes", "zes")):
        verb = verb[:-2]
    elif lower.endswith("s") and not lower.endswith("ss") and len(lower) > 3:
        verb = verb[:-1]
    return match.group(1) + verb


def audience_of(raw: str | None) -> Audience | None:
    """The audience as copy addresses it, or None when there is none."""
    text = clean(raw or "").strip(" .!?")
    if not text:
        return None
    text = mid_sentence(text, keep_single=False)
    text = re.sub(r"^(?:our|my|your)\s+", "", text, flags=re.I)
    # "The elderly" keeps its article: a bare adjective is no noun without it.
    the = re.match(r"the\s+(.*)$", text, flags=re.I)
    if the and (len(the.group(1).split()) > 1 or is_plural(the.group(1))):
        text = the.group(1)
    head = _AUDIENCE_CUT.split(text, maxsplit=1)[0]
    indefinite = re.match(r"(?:a|an)\s+(.*)$", text, flags=re.I)
    if indefinite:
        # "A busy mom who ..." speaks to busy moms: the plural reads in every template.
        text = indefinite.group(1)
        head = _AUDIENCE_CUT.split(text, maxsplit=1)[0]
        last = head.split()[-1] if head.split() else ""
        plural = _pluralize(last) if " of " not in f" {head} " and not is_plural(head) else None
        if plural:
            rest = re.sub(r"^(\s+(?:who|that)\s+)(\w+)", _plural_verb, text[len(head) :])
            text = text[: len(head) - len(last)] + plural + rest
            head = head[: len(head) - len(last)] + plural
    words = head.lower().split()
    empty = bool(words) and words[0] in _EMPTY_HEADS
    is_many = (
        words[0] in _PLURAL_HEADS
        if empty
        else is_plural(head) and not re.match(r"the\s", head, flags=re.I)
    )
    full = text if len(text.split()) <= 12 else trim_words(head, 5)
    short = trim_words(full if empty else head, 8 if empty else 5)
    return Audience(full=full, short=short, plural=is_many)


def keyword_kind(keyword: str) -> str:
    """ "verb" ("save time"), "adjective" ("healthy") or "noun" ("protein shake")."""
    words = keyword.lower().split()
    if not words:
        return "noun"
    if len(words) > 1 and words[0] in _VERBS:
        return "verb"
    last = words[-1]
    if (len(words) == 1 and last in _ADJECTIVES) or last.endswith(_ADJECTIVE_ENDINGS):
        return "adjective"
    return "noun"
