"""Reading `additional_requirements`: free text turned into things copy can act on.

People write requirements as short instructions ("Lead with convenience and save time.",
"Mention free shipping", "No slang", "End with a question"). Each clause is matched
against the directives below; what a directive names is mapped to a theme when it can
be ("convenience" -> the convenience theme), otherwise kept as words to say verbatim.
A clause that matches nothing is never dropped: its words still pick themes, and a short
noun phrase is said as written, so the request visibly shapes the copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ._text import clean, trim_words, word_set
from ._themes import Theme, detect

_CLAUSES = re.compile(r"(?<=[.!?;])\s+|\s*;\s*|\n+")
_LEAD = re.compile(r"\b(?:lead|open|start|begin|kick off|hook)\s+(?:with|on|by)\s+(.+)", re.I)
_END = re.compile(r"\b(?:end|close|finish|wrap up|sign off)\s+(?:with|on|by)\s+(.+)", re.I)
_MENTION = re.compile(
    r"\b(?:mention|include|reference|call out|tell (?:them|viewers|people))"
    r"\s+(?:that\s+)?(.+)",
    re.I,
)
_EMPHASIS = re.compile(
    r"\b(?:focus|emphasi[sz]e|highlight|stress|prioriti[sz]e|play up|talk about|"
    r"cent(?:er|re) on)\s+(?:on\s+)?(.+)",
    re.I,
)
_AVOID = re.compile(
    r"^(?:please\s+)?(?:avoid|don't|do not|never|no|without|skip)\s+"
    r"(?:mention(?:ing)?\s+|us(?:e|ing)\s+|say(?:ing)?\s+|talk(?:ing)? about\s+)?(.+)",
    re.I,
)
_AVOID_FILLER = re.compile(
    r"^(?:of\s+)?(?:the|any|all)?\s*(?:words?|terms?|phrases?|mentions? of)?\s*", re.I
)
_CODE = re.compile(r"\bcode\s+([A-Z0-9][A-Z0-9_-]{2,})\b")
_OFFERS = re.compile(
    r"free (?:shipping|returns|delivery|trial)|money[- ]back guarantee|\d+\s?% off|"
    r"\d+-day (?:trial|guarantee|returns)|buy one,? get one(?: free)?|lifetime warranty|"
    r"\d+-year warranty",
    re.I,
)
_IMPERATIVES = word_set("keep make be sound write use feel target speak aim ensure try go get show")
# Requirement words that name a variant strategy (see _strategies.STRATEGIES).
_STRATEGY_WORDS: tuple[tuple[str, str], ...] = (
    (r"testimonial|review|social proof|customers? (?:love|say)", "social_proof"),
    (r"before[- ](?:and[- ])?after|transformation", "before_after"),
    (r"urgen|limited|offer|\bsale\b|discount|\bdeal\b|today only", "urgency"),
    (r"\bdemo\b|how it works|step[- ]by[- ]step|tutorial|show how", "demo"),
    (r"question|pain point", "question"),
)
_FORMAL = re.compile(r"formal|serious|professional|no jargon|corporate", re.I)
_STORY = re.compile(r"story|personal|testimonial|confession|experience", re.I)
_FILLER_WORDS = re.compile(r"^(?:the fact that|the|a|an|our|your)\s+", re.I)


@dataclass
class Requirements:
    """What the copy must do because the request said so."""

    text: str = ""
    lead: Theme | None = None  # the theme the first hook must argue
    lead_family: str | None = None  # "question" or "story": the first hook's form
    themes: list[Theme] = field(default_factory=list)  # to emphasise, after `lead`
    mentions: list[str] = field(default_factory=list)  # said verbatim in the body
    focus: list[str] = field(default_factory=list)  # emphasised things no theme covers
    closing: list[str] = field(default_factory=list)  # said in the call to action
    avoid: list[str] = field(default_factory=list)  # words generated lines must not use
    strategies: list[str] = field(default_factory=list)  # variant strategies asked for
    no_slang: bool = False
    end_question: bool = False
    mention_price: bool = False

    def add_themes(self, found: list[Theme]) -> None:
        for theme in found:
            if theme not in self.themes and theme is not self.lead:
                self.themes.append(theme)


def _phrase(text: str) -> str:
    """A directive's object as it should be said: no leading article, no end punctuation."""
    phrase = _FILLER_WORDS.sub("", text.strip().rstrip(".!?,;:")).strip()
    return trim_words(phrase, 14)


def _mention(req: Requirements, phrase: str) -> None:
    if re.search(r"\b(?:price|cost)\b", phrase, re.I) and len(phrase.split()) <= 3:
        req.mention_price = True
        return
    code = _CODE.search(phrase)
    text = f"use code {code.group(1)} at checkout" if code else phrase
    if text and all(text.lower() != kept.lower() for kept in req.mentions):
        req.mentions.append(text)


def _clause(req: Requirements, clause: str) -> None:
    lead = _LEAD.search(clause)
    if lead:
        target = lead.group(1)
        found = detect([target])
        if re.search(r"question", target, re.I):
            req.lead_family = "question"
        elif _STORY.search(target):
            req.lead_family = "story"
        if found and req.lead is None:
            req.lead, found = found[0], found[1:]
        req.add_themes(found)
        if not found and req.lead is None and req.lead_family is None:
            _mention(req, _phrase(target))
        return
    end = _END.search(clause)
    if end:
        target = end.group(1)
        if re.search(r"question", target, re.I):
            req.end_question = True
        elif not re.search(r"\bcta\b|call to action", target, re.I):
            req.closing.append(_phrase(target))
        return
    avoid = _AVOID.search(clause)
    if avoid:
        target = avoid.group(1).lower()
        if "slang" in target or "casual" in target:
            req.no_slang = True
        elif "emoji" not in target:
            target = _AVOID_FILLER.sub("", target)
            words = re.split(r",|\bor\b|\band\b", target)
            req.avoid.extend(w.strip(" .!?'\"“”‘’") for w in words if w.strip(" .!?'\"“”‘’"))
        return
    for pattern in (_MENTION, _EMPHASIS):
        match = pattern.search(clause)
        if match:
            found = detect([match.group(1)])
            if pattern is _MENTION:
                _mention(req, _phrase(match.group(1)))
            elif found:
                req.add_themes(found)
            elif phrase := _phrase(match.group(1)):
                req.focus.append(phrase)
            return
    if _FORMAL.search(clause):
        req.no_slang = True
    found = detect([clause])
    if found:
        req.add_themes(found)
        return
    words = clause.strip(" .!?").split()
    if words and words[0].lower() not in _IMPERATIVES and len(words) <= 8:
        _mention(req, _phrase(clause))


def parse(raw: str | None) -> Requirements:
    """The requirements in `raw`, or an empty set when there is no text."""
    text = clean(raw or "")
    req = Requirements(text=text)
    if not text:
        return req
    for clause in _CLAUSES.split(text):
        if clause.strip(" .!?"):
            _clause(req, clause.strip())
    offers = [m.group(0) for m in _OFFERS.finditer(text)]
    for offer in offers:
        if not any(offer.lower() in kept.lower() for kept in req.mentions + req.closing):
            req.mentions.append(offer)
    code = _CODE.search(text)
    if code and not any(code.group(1) in kept for kept in req.mentions + req.closing):
        req.mentions.append(f"use code {code.group(1)} at checkout")
    for pattern, strategy in _STRATEGY_WORDS:
        if re.search(pattern, text, re.I) and strategy not in req.strategies:
            req.strategies.append(strategy)
    return req
