"""Script assembly: hooks, a body written to the word budget, and a close.

A script is hook + body + call to action, read aloud. The body is built from "parts"
(an introduction, the audience line, each theme's claim and lines, keywords, required
mentions, fillers) that each know where they sit in the spoken order and how much they
matter. Mandatory parts always go in; the rest are added by importance until the word
budget is spent, then everything is put back in spoken order. That is how one set of
phrases yields a 50-word short and a 150-word long script that both read as prose.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ._requirements import Requirements
from ._strategies import Strategy
from ._subject import keyword_kind
from ._text import (
    Noun,
    Seed,
    count_words,
    first_words,
    join_list,
    render,
    slot_names,
    word_set,
)
from ._themes import Theme, specific_lines
from ._timing import estimated_duration
from ._tones import SLANG, Tone, fits_audience

# Sections of the body in spoken order; a part's order is (section, position within it).
_OPENING, _INTRO, _THEMES, _LONGFORM, _FACTS, _KEYWORDS, _CLOSING, _SUMMARY, _REQUESTED = range(9)
_THEME_SLOTS = frozenset({"pain", "gain", "claim"})
# Hook families a requirement can ask the first hook to take.
_FAMILIES: dict[str, frozenset[str]] = {
    "question": frozenset({"question"}),
    "story": frozenset({"story", "confession", "firsttime", "therapy", "result"}),
}
_PRICE_LINES: dict[str | None, tuple[str, ...]] = {
    "premium": ("At {price}, {it} {is} an upgrade you'll feel every day.",),
    "value": ("At {price}, {it} {is} an easy yes.",),
    None: ("At {price}, {it} earn{s} {its} place in your day.",),
}
_CATEGORY_LINES = (
    "It's the {category} upgrade I didn't know I needed.",
    "In {category}, this is the one to beat.",
)
_KEYWORD_LINES: dict[str, tuple[str, ...]] = {
    # Mention-style lines read right for any noun ("battery life", "bass").
    "noun": ("Your {k}? Covered.", "{k}? Sorted."),
    # "every {k}" only suits one-word countable moments of a day.
    "countable": (
        "Your {k}? Covered.",
        "{it} make{s} every {k} easier.",
        "{it} turn{s} your {k} into the easy part of the day.",
    ),
    "adjective": ("{it} keep{s} things {k} without extra effort.", "Simple, {k}, and ready."),
    "verb": ("{it} help{s} you {k}.", "It's the easiest way to {k}."),
}
# Plain one-word countable nouns that "every {k}" and "your {k}" fit.
_COUNTABLE = word_set(
    "commute workout morning trip run meeting shift walk hike ride meal breakfast lunch "
    "dinner flight errand routine evening weekend session class drive practice game"
)
_KEYWORD_GROUPS: dict[str, str] = {
    "noun": "Your {k}? Covered.",
    "adjective": "And {it} keep{s} things {k}.",
    "verb": "{it} help{s} you {k}.",
}
# Extra ways to say a theme's pain, gain and claim, for scripts long enough to need them.
_MORE_PAIN = ("No more {bare_pain}.", "Say goodbye to {pain}.", "Forget about {pain}.")
_MORE_GAIN = ("It means you can {gain}.", "Now you can {gain}.", "That's how you {gain}.")
_MORE_CLAIM = ("Best of all, {it} {claim}.", "And yes, {it} {claim}.")
# How each theme after the first (whose claim the introduction states) is brought in.
_CLAIM_LEADS = ("On top of that, {it} {claim}.", "And {it} {claim}.", "Plus, {it} {claim}.")
_FOCUS = "Above all, it's about {focus}."
# Long-form material: where the product fits in a day, the doubts a viewer has, how to
# get the most from it, and a recap. Only scripts of a minute or more reach these.
_SCENARIOS = (
    "In the morning, {p} {is} the first thing I reach for.",
    "During the workday, {it} quietly do{es} {its} job in the background.",
    "On the busiest days, {it} {is} the one thing I don't have to think about.",
    "On weekends, {it} come{s} along for whatever the plan turns out to be.",
    "By the evening, I've used {obj} more times than I can count.",
)
# Each objection is raised and answered in one part, so a budget never cuts between them.
_OBJECTIONS = (
    "You might be wondering whether {it} {is} worth it. Fair question, and the answer "
    "depends on how often you'll use {obj}. For me, that's every single day, which makes "
    "it an easy call.",
    "And if you're worried it's just another thing to keep track of, it isn't. It fits "
    "into the routine you already have instead of asking you to build a new one.",
)
_TIPS = (
    "My tip: keep {obj} somewhere you'll see {obj} every day.",
    "Give {obj} a week before you decide, because habits take a few days to click.",
    "Use {obj} at the same point in your day, and it becomes automatic.",
)
_RECAP = ("So, to sum it up: {it} {claim}, {it} {claim2}, and {it} {claim3}.",)
_END_QUESTION = "Ready to try {p}?"
_END_QUESTION_SHORT = "Ready to try {obj}?"


@cache
def _word_pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w'])" + re.escape(phrase.lower()) + r"(?![\w'])")


@dataclass(frozen=True)
class Brief:
    """Everything resolved from a request that copy depends on."""

    product: Noun
    tone: Tone
    seed: Seed
    target: int  # words in the full script
    req: Requirements
    themes: tuple[Theme, ...]  # in the order copy argues them; at least three
    facts: str = ""  # the product's own words, for lines only some products earn
    audience: str | None = None
    audience_short: str | None = None
    audience_plural: bool = True
    keywords: tuple[str, ...] = ()
    price: str | None = None
    price_tier: str | None = None
    category: str | None = None

    def slots(self) -> dict[str, str]:
        slots = self.product.agreement()
        slots.update(
            p=self.product.ref(),
            name=self.product.ref(short=False),
            the=self.product.the(),
            aud=self.audience_short or "",
            audience=self.audience or "",
            price=self.price or "",
            category=self.category or "",
        )
        return slots

    def theme_slots(
        self, theme: Theme, salt: object, following: Sequence[Theme] = (), *, shift: int = 0
    ) -> dict[str, str]:
        """Slots for `theme`, phrase variants chosen by the seed.

        `shift` moves every choice to the next variant, so a second mention of a theme
        says its pain or gain differently. `claim2` and `claim3` are the theme's other
        claims, then the claims of the `following` themes, for lines that list several.
        """
        slots = self.slots()

        def variant(options: Sequence[str], name: str, extra: int = 0) -> str:
            start = self.seed.number(theme.key, name, salt) + shift + extra
            return render(options[start % len(options)], slots, sentence=False)

        slots["pain"] = variant(theme.pains, "pain")
        # "No more a schedule ..." reads wrong; lines like that take the pain bare.
        slots["bare_pain"] = re.sub(r"^(?:a|an)\s+", "", slots["pain"])
        slots["gain"] = variant(theme.gains, "gain")
        slots["claim"] = variant(theme.claims, "claim")
        others = [variant(theme.claims, "claim", extra) for extra in range(1, len(theme.claims))]
        others += [render(t.claims[0], slots, sentence=False) for t in following if t is not theme]
        slots["claim2"] = others[0] if others else slots["claim"]
        slots["claim3"] = others[1] if len(others) > 1 else slots["claim2"]
        return slots

    def allowed(self, text: str) -> bool:
        """Whether generated text respects the tone and the requirement's exclusions."""
        lowered = text.lower()
        banned = list(self.req.avoid)
        if self.req.no_slang or self.tone.key == "professional":
            banned += SLANG
        return not any(_word_pattern(word).search(lowered) for word in banned if word)


@dataclass
class Part:
    """One thing the body could say, and how it competes for the word budget."""

    order: tuple[int, int]  # where it is spoken
    options: list[str]  # alternatives, preferred first
    priority: int = 50  # lower goes in first
    mandatory: bool = False


@dataclass
class Script:
    """A finished script; the spoken text and its counts are derived, never passed in."""

    hooks: list[str]
    body: str
    call_to_action: str
    full_script: str = field(init=False)
    word_count: int = field(init=False)
    estimated_duration: int = field(init=False)

    def __post_init__(self) -> None:
        self.full_script = " ".join(
            part for part in (self.hooks[0], self.body, self.call_to_action) if part
        )
        self.word_count = count_words(self.full_script)
        self.estimated_duration = estimated_duration(self.word_count)

    def as_dict(self) -> dict[str, Any]:
        return {
            "hooks": self.hooks,
            "body": self.body,
            "call_to_action": self.call_to_action,
            "full_script": self.full_script,
            "word_count": self.word_count,
            "estimated_duration": self.estimated_duration,
        }


def following(themes: Sequence[Theme], index: int) -> list[Theme]:
    """The themes after `themes[index]`, wrapping round: whose claims come next."""
    return [*themes[index + 1 :], *themes[:index]]


# Below this many words (about 28 seconds) every word of the hook counts.
TIGHT_WORDS = 70


def hook_limit(target: int) -> int:
    """Longest hook, in words, worth preferring: a hook is read in the first seconds."""
    return max(10, min(16, target // 4))


def choose_hooks(
    brief: Brief,
    frames: Sequence[tuple[str, str]],
    count: int,
    *,
    themes: Sequence[Theme],
    salt: object,
    lead_family: str | None = None,
    lead_theme: bool = False,
    argue_all: bool = False,
) -> list[str]:
    """`count` hooks that open differently, each arguing the next theme in `themes`.

    The first hook takes the form a requirement asked for (`lead_family`) and, when
    the requirement named a theme, argues it (`lead_theme`); the second speaks to the
    audience when there is one. `argue_all` makes every hook carry its theme's pain,
    gain or claim (a creative pack's hooks each sell one angle). Short hooks are
    preferred, and no two hooks share their first three words.
    """
    order = brief.seed.shuffle(frames, "hooks", salt)
    limit = hook_limit(brief.target)
    tight = brief.target < TIGHT_WORDS
    hooks: list[str] = []
    starts: set[tuple[str, ...]] = set()
    used: set[str] = set()
    for index in range(count):
        theme = themes[index % len(themes)]
        slots = brief.theme_slots(theme, (salt, index), following(themes, index % len(themes)))
        candidates: list[tuple[tuple[int, int, int], str, str]] = []
        for family, template in order:
            names = slot_names(template)
            if template in used or ("aud" in names and not brief.audience_short):
                continue
            if "aud" in names and not fits_audience(
                template, brief.audience_short or "", plural=brief.audience_plural
            ):
                continue
            text = render(template, slots)
            wanted = 1
            if index == 0 and lead_family:
                wanted = 0 if family in _FAMILIES[lead_family] else 1
            elif index == 1 and brief.audience_short:
                wanted = 0 if "aud" in names else 1
            must_argue = argue_all or (index == 0 and lead_theme)
            argues = 1 if must_argue and not names & _THEME_SLOTS else 0
            # Tight budgets take the shortest hook that meets the other wishes.
            long = count_words(text) if tight else int(count_words(text) > limit)
            rank = (argues, wanted, long) if index == 0 or argue_all else (wanted, long, argues)
            candidates.append((rank, template, text))
        candidates.sort(key=lambda item: item[0])
        for strict in (True, False):
            for _rank, template, text in candidates:
                if strict and not brief.allowed(text):
                    continue
                if first_words(text) in starts or text in hooks:
                    continue
                hooks.append(text)
                used.add(template)
                starts.add(first_words(text))
                break
            if len(hooks) > index:
                break
    return hooks


def _keyword_parts(brief: Brief, spoken: str, salt: object) -> list[Part]:
    """Sentences that carry every keyword not already in the spoken hook and close.

    Each keyword gets its own line when there is room; a tight budget folds them into
    one line per kind ("Your protein shake and commute? Covered.").
    """
    missing = [k for k in brief.keywords if k.casefold() not in spoken.casefold()]
    if not missing:
        return []
    slots = brief.slots()
    separate: list[str] = []
    for index, keyword in enumerate(missing):
        kind = keyword_kind(keyword)
        if kind == "noun" and keyword.lower() in _COUNTABLE:
            kind = "countable"
        frames = brief.seed.shuffle(_KEYWORD_LINES[kind], "keyword", salt)
        frame = frames[index % len(frames)]
        separate.append(render(frame, {**slots, "k": keyword}))
    grouped: list[str] = []
    for kind, frame in _KEYWORD_GROUPS.items():
        group = [k for k in missing if keyword_kind(k) == kind]
        if group:
            grouped.append(render(frame, {**slots, "k": join_list(group)}))
    options = [" ".join(separate), " ".join(grouped)]
    return [Part((_KEYWORDS, 0), options, mandatory=True)]


def body_parts(
    brief: Brief, *, style: str, salt: object, hook: str, strategy: Strategy | None = None
) -> list[Part]:
    """Every sentence the body could use, with its place and importance.

    A claim the opening `hook` already made is not made again in the body.
    """
    tone, seed, themes = brief.tone, brief.seed, brief.themes
    base = brief.slots()
    parts: list[Part] = []

    def add(
        order: tuple[int, int], templates: Sequence[str], slots: dict[str, str], **kw: Any
    ) -> None:
        texts = [render(t, slots) for t in templates]
        kept = [t for t in texts if brief.allowed(t)]
        if kept or kw.get("mandatory"):
            parts.append(Part(order, kept or texts, **kw))

    def shuffled(options: Sequence[str], name: str) -> list[str]:
        return seed.shuffle(options, name, salt)

    first = brief.theme_slots(themes[0], (salt, "body", 0), following(themes, 0))
    # The introduction's claim is one the hook has not made and the request allows.
    claims = [first["claim"], first["claim2"], first["claim3"]]
    usable = [c for c in claims if c not in hook and brief.allowed(c)] or claims
    first["claim"] = usable[0]
    first["claim2"] = next((c for c in claims if c != usable[0]), usable[0])
    other = brief.theme_slots(themes[0], (salt, "body", 0), following(themes, 0), shift=1)
    for slot in ("pain", "gain"):
        if first[slot] in hook:
            first[slot] = other[slot]
    stated = {first["claim"]}
    # The introduction names the product and states the first theme's claim, so even
    # the shortest script says what the product is good at; the short form is only for
    # budgets the full one would overrun.
    intros = [*shuffled(tone.intros, "intro"), tone.intro_short]
    add((_INTRO, 0), intros, first, mandatory=True)
    if brief.audience:
        addressed = [
            line
            for line in [*shuffled(tone.audience, "audience"), tone.audience_short]
            if fits_audience(line, brief.audience, plural=brief.audience_plural)
        ]
        add((_INTRO, 1), addressed, base, mandatory=True)
    opens_with_pain = strategy is not None and strategy.key in {
        "question",
        "before_after",
        "urgency",
    }
    if not opens_with_pain:
        add(
            (_OPENING, 0),
            shuffled(tone.problem, "problem"),
            first,
            priority=5 if style == "ugc" else 12,
        )
    if strategy is not None:
        for index, (line, place) in enumerate(zip(strategy.lines, strategy.places, strict=True)):
            section = {"o": _OPENING, "m": _INTRO, "c": _CLOSING}[place]
            required = index < strategy.required
            add((section, 5 + index), [line], first, mandatory=required, priority=1 + index)
    proof_priority = {"social_proof": 3, "ugc": 16}.get(style, 34)
    for index, theme in enumerate(themes):
        salted = (salt, "body", index)
        slots = brief.theme_slots(theme, salted, following(themes, index))
        again = brief.theme_slots(theme, salted, following(themes, index), shift=1)
        at, weight = 100 * index, index * 12
        if index > 0 and slots["claim"] not in stated and slots["claim"] not in hook:
            stated.add(slots["claim"])
            lead = _CLAIM_LEADS[(index - 1) % len(_CLAIM_LEADS)]
            # A theme the requirements asked for is argued before anything optional.
            asked = theme is brief.req.lead or theme in brief.req.themes
            add((_THEMES, at), [lead, "{p} {claim}."], slots, priority=0 if asked else 10 + weight)
        for number, line in enumerate(specific_lines(theme, brief.facts)):
            add((_THEMES, at + 1 + number), [line], slots, priority=8 + weight)
        for number, line in enumerate(shuffled(theme.lines, f"lines{index}")):
            add(
                (_THEMES, at + 3 + number),
                [line],
                slots,
                priority=24 + weight + 3 * number,
            )
        for number, line in enumerate(theme.proof):
            add(
                (_THEMES, at + 7 + number),
                [line],
                slots,
                priority=proof_priority + weight + number,
            )
        add(
            (_THEMES, at + 8),
            shuffled(tone.gain, f"gain{index}"),
            slots,
            priority=30 + weight,
        )
        # Restating a theme only helps when it can be said a second way.
        for frames, slot, position in ((_MORE_PAIN, "pain", 9), (_MORE_GAIN, "gain", 10)):
            if again[slot] != slots[slot]:
                line = seed.pick(frames, position, index, salt)
                add((_THEMES, at + position), [line], again, priority=60 + weight)
        if len(theme.claims) > 1 and slots["claim2"] not in stated and slots["claim2"] not in hook:
            line = seed.pick(_MORE_CLAIM, index, salt)
            add(
                (_THEMES, at + 11),
                [line],
                {**slots, "claim": slots["claim2"]},
                priority=62 + weight,
            )
    if brief.price:
        price_first = style == "creative" or brief.req.mention_price
        add((_FACTS, 0), _PRICE_LINES[brief.price_tier], base, mandatory=price_first, priority=14)
    if brief.category and style == "creative":
        add((_FACTS, 1), shuffled(_CATEGORY_LINES, "category"), base, mandatory=True)
    longform = (
        (_SCENARIOS, (_LONGFORM, 0), 72),
        (_OBJECTIONS, (_LONGFORM, 10), 78),
        (_TIPS, (_LONGFORM, 20), 84),
        (_RECAP, (_SUMMARY, 50), 88),
    )
    recap_claims = {first["claim"], first["claim2"], first["claim3"]}
    for group, (section_id, start), priority in longform:
        if group is _RECAP and len(recap_claims) < 3:
            continue
        for number, line in enumerate(group):
            add((section_id, start + number), [line], first, priority=priority + number)
    for number, line in enumerate(shuffled(tone.fillers, "fillers")):
        add((_CLOSING, 10 + number), [line], base, priority=70 + number)
    for number, line in enumerate(shuffled(tone.micro, "micro")):
        add((_SUMMARY, number), [line], base, priority=95 + number)
    for number, focus in enumerate(brief.req.focus):
        add((_REQUESTED, number), [_FOCUS], {**base, "focus": focus}, mandatory=True)
    for number, mention in enumerate(brief.req.mentions):
        add((_REQUESTED, 10 + number), [tone.mention], {**base, "mention": mention}, mandatory=True)
    return parts


def fit(parts: Sequence[Part], budget: int, slack: int, exclude: Sequence[str] = ()) -> str:
    """The body: mandatory parts, then the most important others while words remain."""
    chosen: dict[int, str] = {}
    mandatory = [index for index, part in enumerate(parts) if part.mandatory]
    shrink = sum(count_words(parts[index].options[0]) for index in mandatory) > budget
    for index in mandatory:
        options = [text for text in parts[index].options if text not in exclude]
        options = options or parts[index].options
        chosen[index] = min(options, key=count_words) if shrink else options[0]
    total = sum(count_words(text) for text in chosen.values())
    taken = set(chosen.values()) | set(exclude)
    optional = sorted(
        (i for i, part in enumerate(parts) if not part.mandatory),
        key=lambda i: (parts[i].priority, i),
    )
    for index in optional:
        if total >= budget:
            break
        room = budget + slack - total
        fitting = [
            text for text in parts[index].options if count_words(text) <= room and text not in taken
        ]
        if fitting:
            chosen[index] = fitting[0]
            taken.add(fitting[0])
            total += count_words(fitting[0])
    in_order = sorted(chosen, key=lambda index: (parts[index].order, index))
    return " ".join(chosen[index] for index in in_order)


def close(brief: Brief, options: Sequence[str], salt: object, rotation: int | None = None) -> str:
    """The call to action, plus anything a requirement asked the script to end with.

    Short scripts take one of the two shortest closes; `rotation` walks through them
    in turn so sibling variants do not all end on the same line.
    """
    slots = brief.slots()
    rendered = [render(option, slots) for option in options]
    candidates = [text for text in rendered if brief.allowed(text)] or rendered
    if brief.target < 60:
        candidates = sorted(candidates, key=count_words)[:2]
    if rotation is None:
        text = brief.seed.pick(candidates, "cta", salt)
    else:
        text = candidates[rotation % len(candidates)]
    for phrase in brief.req.closing:
        text += " " + render(brief.tone.mention, {**slots, "mention": phrase})
    if brief.req.end_question and not text.endswith("?"):
        question = _END_QUESTION if brief.target >= TIGHT_WORDS else _END_QUESTION_SHORT
        text += " " + render(question, slots)
    return text


def write_script(
    brief: Brief,
    *,
    frames: Sequence[tuple[str, str]],
    hook_count: int,
    style: str,
    salt: object,
    strategy: Strategy | None = None,
    rotation: int | None = None,
) -> Script:
    """Hooks, body and close for `brief`, the spoken script sized to `brief.target` words.

    When the parts that must be said overrun the budget, the close and then the
    opening hook are swapped for their shortest alternatives before giving up words.
    """
    req = brief.req
    hooks = choose_hooks(
        brief,
        frames,
        hook_count,
        themes=brief.themes,
        salt=salt,
        lead_family=req.lead_family,
        lead_theme=req.lead is not None and brief.themes[0] is req.lead,
        argue_all=style == "creative",
    )
    ctas = strategy.ctas if strategy and strategy.ctas else brief.tone.ctas
    slack = max(2, round(brief.target * 0.06))
    ceiling = brief.target + slack

    def assemble(hooks: list[str], cta: str) -> Script:
        parts = body_parts(brief, style=style, salt=salt, hook=hooks[0], strategy=strategy)
        parts += _keyword_parts(brief, hooks[0] + " " + cta, salt)
        budget = brief.target - count_words(hooks[0]) - count_words(cta)
        body = fit(parts, budget, slack, exclude=hooks)
        return Script(hooks=hooks, body=body, call_to_action=cta)

    script = assemble(hooks, close(brief, ctas, salt, rotation))
    if script.word_count > ceiling:
        shortest = min(ctas, key=lambda cta: count_words(render(cta, brief.slots())))
        script = assemble(hooks, close(brief, [shortest], salt))
    keeps_lead = (req.lead is not None and brief.themes[0] is req.lead) or bool(req.lead_family)
    if script.word_count > ceiling and not keeps_lead and len(hooks) > 1:
        script = assemble(sorted(hooks, key=count_words), script.call_to_action)
    return script
