"""Ad strategies for product variants: five different ways into the same product.

Variants are only useful for testing when they differ in approach, not just wording, so
each strategy brings its own hooks, the body lines that carry its argument (a pain
question, a testimonial, a before/after, a deadline, a walkthrough) and, for the two
that depend on it, its own close.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Strategy:
    key: str
    label: str  # as the output's `strategy` states it
    hooks: tuple[str, ...]
    lines: tuple[str, ...]  # always said
    places: str  # per line: o(pening), m(iddle, after the introduction) or c(losing)
    required: int  # how many of `lines` even the shortest script must say
    ctas: tuple[str, ...] = ()  # replaces the tone's close when set


STRATEGIES: tuple[Strategy, ...] = (
    Strategy(
        key="question",
        label="Question-led hook with direct pain point.",
        hooks=(
            "Why are you still putting up with {pain} when {p} exist{s}?",
            "What if {pain} just stopped being your problem? {p} make{s} that happen.",
            "How much longer will you deal with {pain} before you try {p}?",
            "Still putting up with {pain}? Try {p}.",
        ),
        lines=("Be honest: how many times this week did {pain} slow you down?",),
        places="o",
        required=0,
    ),
    Strategy(
        key="social_proof",
        label="Social proof: a first-person testimonial.",
        hooks=(
            "Everyone keeps asking me about {p}, so here's my honest review.",
            "I was skeptical about {p}. I'm not anymore.",
            "My friends kept borrowing {p}, so I finally bought them their own.",
        ),
        lines=(
            "I was skeptical at first, and now I'm the one recommending {obj}.",
            "Everyone who sees {obj} asks where I got {obj}.",
        ),
        places="mc",
        required=1,
    ),
    Strategy(
        key="before_after",
        label="Before-and-after transformation.",
        hooks=(
            "My routine before and after {p} is night and day.",
            "Before {p}: {pain}. After: a completely different routine.",
            "Here's what changed after one week with {p}.",
        ),
        lines=("Before: {pain}.", "After: I {gain}."),
        places="om",
        required=2,
    ),
    Strategy(
        key="urgency",
        label="Urgency-led offer with a direct close.",
        hooks=(
            "If you've been waiting for a sign to try {p}, this is it.",
            "Don't scroll past this if {pain} sounds familiar: {p} {is} the fix.",
            "Stop waiting and start using {p} today.",
        ),
        lines=(
            "Every day you wait is another day of {pain}.",
            "You don't need another reason to put this off.",
        ),
        places="oc",
        required=1,
        ctas=(
            "Get {p} today, before another week slips by.",
            "Order {p} now and start tomorrow ahead.",
            "Get yours today.",
        ),
    ),
    Strategy(
        key="demo",
        label="Demo: how it works, step by step.",
        hooks=(
            "Here's exactly how {p} work{s}, step by step.",
            "Watch what happens when I use {p} on a normal day.",
            "Let me show you how {p} {claim}.",
        ),
        lines=(
            "Here's how it works: first, you'll notice {it} {claim2}.",
            "Then, {it} {claim3}.",
            "And that's it: you {gain}.",
        ),
        places="mmm",
        required=1,
        ctas=(
            "See it for yourself and grab {p} today.",
            "Try {p} and watch it work for you.",
            "See it work for yourself today.",
        ),
    ),
)

BY_KEY: dict[str, Strategy] = {strategy.key: strategy for strategy in STRATEGIES}


def ordered(preferred: list[str]) -> list[Strategy]:
    """All strategies, the ones a requirement asked for first, the rest in house order."""
    first = [BY_KEY[key] for key in preferred if key in BY_KEY]
    return first + [strategy for strategy in STRATEGIES if strategy not in first]
