"""Tone styles: the same selling points, said six different ways.

Themes decide what copy argues; a tone decides the voice. Each tone owns its hook
frames, the sentence that introduces the product, how it addresses the audience, its
filler and closing lines. The introduction and the call to action are always used, so
each carries the tone's signature (first person for casual, feeling words for emotional,
"how" and "why" for educational, "today" for persuasive, a joke for humorous, and no
slang at all for professional) and no length setting can write the tone out.

Hook frames are (family, template). Families let a requirement like "lead with a
question" pick the frame, and frames of one tone start differently so hooks never open
with the same three words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words professional copy never uses; also filtered out when a requirement asks for
# "no slang".
SLANG = (
    "gonna", "lowkey", "legit", "obsessed", "vibe", "literally", "lol", "omg", "okay",
    "real talk", "not gonna lie", "honestly", "trust me", "thank me later", "game changer",
)  # fmt: skip


@dataclass(frozen=True)
class Tone:
    key: str
    hooks: tuple[tuple[str, str], ...]
    intros: tuple[str, ...]  # name the product in full ({name}) and state its {claim}
    audience: tuple[str, ...]  # must use {audience}
    intro_short: str  # the introduction when the word budget is tight
    audience_short: str  # the audience line when the word budget is tight
    problem: tuple[str, ...]  # frames for a theme's {pain}
    gain: tuple[str, ...]  # frames for a theme's {gain}
    fillers: tuple[str, ...]
    micro: tuple[str, ...]  # very short lines that close small gaps in the word budget
    ctas: tuple[str, ...]
    mention: str  # frame for something a requirement asks to be said: {mention}
    voice: tuple[str, ...]  # brand-voice adjectives for a storyboard's brand kit


# Templates that only read right for a plural audience ("busy moms are switching").
_PLURAL_ONLY = re.compile(r"\{aud(?:ience)?\} are\b|one of the \{|Calling all \{|\{aud\} who\b")
_CLAUSE = re.compile(r"\s(?:who|that|which|with)\s", re.I)


def fits_audience(template: str, audience: str, *, plural: bool) -> bool:
    """Whether `template` reads grammatically with this audience filled in.

    "Calling all ..." and "... are switching" need a plural audience, and "{aud} who
    want" needs an audience without a clause of its own.
    """
    if not _PLURAL_ONLY.search(template):
        return True
    if not plural:
        return False
    return "{aud} who" not in template or not _CLAUSE.search(f" {audience} ")


TONES: dict[str, Tone] = {
    "casual": Tone(
        key="casual",
        hooks=(
            ("confession", "Okay, I have to talk about {p} for a second."),
            ("story", "I was so over {pain}, and then I found {p}."),
            ("claim", "Not gonna lie, {p} {claim}."),
            ("audience", "{aud}, you need {p} in your life."),
            ("result", "The day I started using {p}, I finally got to {gain}."),
            ("question", "Why did nobody tell me about {p} sooner?"),
        ),
        intros=(
            "So I've been using {name} for a few weeks now, and honestly? {it} {claim}.",
            "I picked up {name} on a whim, and it turns out {it} {claim}.",
        ),
        audience=(
            "If you're one of the {audience}, I see you, and I made this for you.",
            "{audience}, listen up, because this one's for you.",
        ),
        intro_short="{name} {claim}, and I'm hooked.",
        audience_short="{audience}, this one's for you.",
        problem=(
            "For the longest time, I put up with {pain}.",
            "I was dealing with {pain} pretty much every day.",
        ),
        gain=("Now I actually {gain}, and I love it.", "These days I {gain} without trying."),
        fillers=(
            "I didn't expect to care this much about {p}, but here we are.",
            "It's one of those things you don't think about until you have {obj}, and then you "
            "use {obj} every day.",
            "My routine is so much easier now, and I'm not going back.",
            "I've recommended {obj} to pretty much everyone I know.",
        ),
        micro=("Total game changer.", "No regrets.", "Seriously."),
        ctas=(
            "Grab {p} and thank me later.",
            "Try {obj} for a week and tell me I'm wrong.",
            "Go get yours, I'll wait.",
        ),
        mention="Oh, and one more thing: {mention}.",
        voice=("friendly", "candid", "upbeat"),
    ),
    "professional": Tone(
        key="professional",
        hooks=(
            ("claim", "{p} {claim}."),
            ("problem", "The hidden cost of {pain} adds up quickly, and {p} end{s} it."),
            ("solution", "A smarter way to {gain}: {p}."),
            ("audience", "Built for {aud} who want to {gain}: {p}."),
            ("question", "What if you could {gain} with {p}?"),
            ("insight", "Here is what sets {p} apart."),
        ),
        intros=(
            "Meet {name}. {it} {claim}, with nothing added for show.",
            "{name} {claim}, designed for people who expect their tools to simply work.",
        ),
        audience=(
            "It was developed with {audience} in mind.",
            "For {audience}, the benefits are immediate.",
        ),
        intro_short="{name} {claim}.",
        audience_short="Built for {audience}.",
        problem=(
            "Many people accept {pain} as part of the day.",
            "The problem is familiar: {pain}.",
        ),
        gain=("The result: you {gain}.", "In practice, that means you {gain}."),
        fillers=(
            "The result is a routine that runs smoothly, day after day.",
            "Every detail serves a purpose, with nothing added for show.",
            "It is a straightforward investment in a better daily routine.",
            "Quality, reliability, and ease of use come standard.",
        ),
        micro=("Simple and reliable.", "It just works.", "No compromises."),
        ctas=(
            "Learn more and order {p} today.",
            "Choose {p} and see the difference in your daily routine.",
            "Order yours today and put {obj} to work.",
            "Order yours today.",
        ),
        mention="Also worth noting: {mention}.",
        voice=("clear", "confident", "credible"),
    ),
    "humorous": Tone(
        key="humorous",
        hooks=(
            ("twist", "Plot twist: {p} {claim}."),
            ("news", "Breaking news: {p} just ended my war with {pain}."),
            ("therapy", "My therapist asked what changed. I said {p}."),
            ("audience", "{aud}, I found your new favorite thing, and it's {p}."),
            ("question", "Is it weird to have feelings for {p}? Asking for a friend."),
            ("confession", "Me, a reasonable adult, doing a happy dance over {p}."),
        ),
        intros=(
            "I did not expect {name} to become my whole personality, but {it} {claim}.",
            "Allow me to introduce the most overachieving thing I own: {name}. {it} {claim}.",
        ),
        audience=(
            "{audience}, this is your sign. This video is the sign.",
            "Calling all {audience}: your new favorite thing has arrived.",
        ),
        intro_short="Plot twist: {name} {claim}.",
        audience_short="{audience}, this is your sign.",
        problem=(
            "My old nemesis? {pain}.",
            "For years I had a toxic relationship with {pain}.",
        ),
        gain=("Now I {gain}, and I'm insufferable about it.", "Now I {gain} like it's nothing."),
        fillers=(
            "Ten out of ten, would rave about {obj} to strangers again.",
            "My friends are tired of hearing about {obj}, and honestly, fair.",
            "{it} do{es} {its} job so well {itis} almost smug about it.",
            "I would write {obj} a thank-you card if that weren't weird.",
        ),
        micro=("Zero notes.", "Chef's kiss.", "No further questions."),
        ctas=(
            "Get {p} before your group chat finds out.",
            "Go get one. Your future self already said thank you.",
            "Add {obj} to your cart and start your own happy dance.",
            "Your future self says thanks.",
        ),
        mention="Also, and this is important: {mention}.",
        voice=("playful", "witty", "warm"),
    ),
    "educational": Tone(
        key="educational",
        hooks=(
            ("why", "Here's why {p} {claim}."),
            ("lesson", "Quick lesson: {p} {is} the simple fix for {pain}."),
            ("howto", "How {p} help{s} you {gain}, explained simply."),
            ("facts", "One thing most people miss about {p}."),
            ("audience", "{aud}, here's how {p} help{s} you {gain}."),
            ("question", "Ever wondered how {p} can help you {gain}?"),
        ),
        intros=(
            "Here's how {name} work{s}: {it} {claim}, and that matters more than you'd think.",
            "The simple idea behind {name}, and why it works: {it} {claim}.",
        ),
        audience=(
            "This matters for {audience} because small daily frictions add up fast.",
            "For {audience}, here's why that's important.",
        ),
        intro_short="Here's why it works: {name} {claim}.",
        audience_short="This matters for {audience}.",
        problem=(
            "The problem most people face is {pain}.",
            "Start with the problem: {pain}.",
        ),
        gain=(
            "The reason it works is simple: it lets you {gain}.",
            "That's how you {gain} without extra effort.",
        ),
        fillers=(
            "Here's why that matters: habits stick when the easy option is also the good one.",
            "The reason is simple: the less effort something takes, the more often you do it.",
            "In other words, {it} remove{s} the step most people skip.",
            "That's the whole principle: reduce the friction, and consistency follows.",
        ),
        micro=("Simple as that.", "That's the key.", "Easy to remember."),
        ctas=(
            "Try {p} for a week and see how it works for you.",
            "Learn how {p} fit{s} your routine, then give {obj} a try.",
            "Test {obj} yourself for seven days and see how it works.",
            "Try it and see how it works.",
        ),
        mention="Good to know: {mention}.",
        voice=("clear", "helpful", "knowledgeable"),
    ),
    "persuasive": Tone(
        key="persuasive",
        hooks=(
            ("stop", "Stop putting up with {pain} when {p} exist{s}."),
            ("deserve", "You deserve to {gain}, and {p} make{s} it easy."),
            ("audience", "{aud}: {p} {claim}."),
            ("question", "Still dealing with {pain}? {p} fix{es} that today."),
            ("benefit", "{p} {claim}, and you'll feel it from day one."),
            ("now", "Right now, you could {gain} with {p}."),
        ),
        intros=(
            "{name} {claim}, without the hassle.",
            "Here's what you get with {name}: {it} {claim}, from day one.",
        ),
        audience=(
            "{audience} are switching, and it's easy to see why.",
            "This one is made for {audience}, and it's easy to see why.",
        ),
        intro_short="{name} {claim}.",
        audience_short="{audience}: this is built for you.",
        problem=(
            "Every day you put up with {pain} costs you.",
            "Let's be honest: putting up with {pain} is holding you back.",
        ),
        gain=("That means you {gain}, starting now.", "You {gain}, every single day."),
        fillers=(
            "The benefits start on day one, and they add up every day after.",
            "Why settle for another week of the same old routine?",
            "Every day without {obj} is a day of doing things the hard way.",
            "This is the easiest upgrade you'll make all year.",
        ),
        micro=("Worth every penny.", "You'll feel the difference.", "Don't settle."),
        ctas=(
            "Get {p} today and feel the difference tomorrow.",
            "Order now, and future you will be glad you did.",
            "Don't wait: grab {p} today.",
            "Get yours today.",
        ),
        mention="And remember: {mention}.",
        voice=("bold", "direct", "motivating"),
    ),
    "emotional": Tone(
        key="emotional",
        hooks=(
            ("remember", "Remember how good it feels to {gain}? {p} bring{s} that back."),
            ("confession", "I used to feel worn down by {pain}, until {p}."),
            ("firsttime", "The first time I used {p}, I felt genuinely lighter."),
            ("audience", "{aud}, you carry so much. {p} make{s} one part of it lighter."),
            ("question", "What would it feel like to finally {gain} with {p}?"),
            ("love", "I didn't expect to love {p} this much."),
        ),
        intros=(
            "There's a quiet kind of relief in {name}: {it} {claim}.",
            "{name} turned a daily stress into something I genuinely love, because {it} {claim}.",
        ),
        audience=(
            "For {audience}, small moments of ease mean everything.",
            "{audience}, you deserve to feel cared for too.",
        ),
        intro_short="{name} {claim}.",
        audience_short="{audience}, this is for you.",
        problem=(
            "I used to feel drained by {pain}.",
            "There were days when {pain} wore me down.",
        ),
        gain=("Now I get to {gain}, and it feels wonderful.", "I finally {gain}, and I feel it."),
        fillers=(
            "It's a small thing, but it makes the whole day feel lighter.",
            "That feeling of calm when something just works? That's what {it} give{s} me.",
            "I feel more like myself, and that's worth so much.",
            "Some days it's the one thing that goes right, and I'm grateful for it.",
        ),
        micro=("Pure relief.", "It feels good.", "I love that."),
        ctas=(
            "Give yourself {p}. You deserve to feel this good.",
            "Treat yourself to {p} and feel the difference.",
            "Bring home {p} and feel the difference from the very first day.",
            "You deserve to feel this good.",
        ),
        mention="And one more thing I love: {mention}.",
        voice=("warm", "heartfelt", "reassuring"),
    ),
}

DEFAULT_TONE = "casual"


def tone_for(name: object) -> Tone:
    """The named tone, or the UGC-style default when none (or an unknown one) is given."""
    return TONES.get(str(name).lower(), TONES[DEFAULT_TONE]) if name else TONES[DEFAULT_TONE]
