"""Selling themes: what a product's words say it is good at, and how copy says it.

A theme turns a trigger word in the inputs ("insulated", "portable", "$39") into a
marketing angle and the phrases that argue it: the pain it removes, the gain it brings,
what the product does, and a few concrete lines. Every workflow draws its hooks and
body from the themes found, so copy for an insulated bottle talks about cold drinks and
copy for a blender talks about busy mornings, instead of interchangeable praise.

Phrase slots: {p} is the product ("this bottle"), {it}/{obj} its pronouns, {s}, {es},
{is}, {has}, {does}, {was} make verbs agree with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache


@dataclass(frozen=True)
class Theme:
    key: str
    triggers: tuple[str, ...]  # "word", "multi word", or "stem*" for any ending
    angle: str  # the marketing angle as a creative pack lists it
    pains: tuple[str, ...]  # noun phrases: "tired of {pain}"
    gains: tuple[str, ...]  # verb phrases: "so you can {gain}"
    claims: tuple[str, ...]  # verb phrases with the product as subject: "{p} {claim}"
    lines: tuple[str, ...]  # whole body sentences
    proof: tuple[str, ...]  # first-person results, as a customer would say them
    on_screen: str  # a short super for storyboards
    visual: str  # how the product looks when the theme is on screen
    angle_if: tuple[tuple[tuple[str, ...], str], ...] = ()  # a sharper angle when words match
    lines_if: tuple[tuple[tuple[str, ...], str], ...] = ()  # lines only some products earn
    generic: bool = False  # true of the fallbacks, which claim nothing specific


def _t(words: str) -> tuple[str, ...]:
    """Trigger words from one comma-separated string, which keeps the table readable."""
    return tuple(word.strip() for word in words.split(",") if word.strip())


_DRINKWARE = ("bottle*", "tumbler*", "mug*", "cup*", "flask*", "thermos*", "drink*")
_APPAREL = ("jacket*", "coat*", "vest*", "parka*", "glove*", "boot*", "hoodie*", "beanie*")
_TEMPERATURE_MATERIAL = ("insulat*", "vacuum", "thermal", "thermos*", "double-wall*")
_COLD_WORDS = ("cold", "ice", "iced", "icy", "chill*", "frozen")
_HOT_WORDS = ("hot", "coffee", "tea", "warm*", "steaming")
# Drinks a "latte" or "brew" can be that are not coffee; they never get coffee lines.
_NOT_COFFEE = ("matcha", "chai", "tea", "teas", "kombucha", "golden milk", "turmeric", "hojicha")
_REAL_COFFEE = ("espresso", "coffee*", "cappuccino*", "barista")

THEMES: tuple[Theme, ...] = (
    Theme(
        key="convenience",
        triggers=_t(
            "portable, travel*, compact, lightweight, light-weight, foldable, collapsible, "
            "pocket*, carry, carries, on-the-go, on the go, cordless, convenien*, anywhere, "
            "commut*, handheld, bottle, tumbler, flask, backpack, grab-and-go, mini"
        ),
        angle="Daily carry convenience",
        angle_if=((("travel*", "commut*", "trip*"), "Travel-ready convenience"),),
        pains=(
            "gear that's too bulky to carry around",
            "routines that fall apart on the go",
        ),
        gains=("stay ready wherever the day goes", "keep the routine going on the go"),
        claims=("fit{s} in your bag and work{s} anywhere", "make{s} life on the go feel easy"),
        lines=(
            "{it} slip{s} into a bag, a desk drawer, or a cup holder without a second thought.",
            "No extra gear and no setup: just grab {obj} and go.",
            "Wherever the day takes you, {p} come{s} along.",
            "It's the kind of convenience you notice on day one.",
        ),
        lines_if=(
            (("rechargeable", "usb*"), "{it} charge{s} over USB, so there's no outlet hunting."),
            (("travel*",), "{it} earn{s} a permanent spot in my carry-on."),
        ),
        proof=("I've taken {obj} everywhere for weeks and haven't left {obj} behind once.",),
        on_screen="Take it anywhere",
        visual="tossed into a bag on the way out the door",
    ),
    Theme(
        key="time",
        triggers=_t(
            "fast, quick*, instant*, in seconds, seconds, minute*, busy, save time, saves "
            "time, time-saving, timesaving, rush*, hectic, morning*, efficient*, speed*"
        ),
        angle="Saves time every day",
        pains=(
            "mornings that vanish too fast",
            "a schedule with zero spare minutes",
        ),
        gains=("get real minutes back every day", "handle it in seconds and move on"),
        claims=("save{s} you real time every single day", "turn{s} a slow chore into a quick one"),
        lines=(
            "It takes seconds, not half your morning.",
            "The minutes you save add up fast when your calendar is already full.",
            "Less waiting, less cleanup, more of your day back.",
        ),
        proof=("I got back time I didn't even know I was losing.",),
        on_screen="Seconds, not minutes",
        visual="in use during a rushed morning, done in seconds",
    ),
    Theme(
        key="value",
        triggers=_t(
            "affordable, budget*, cheap*, value, deal, deals, discount*, sale, save money, "
            "saving money, bargain, inexpensive, low-cost, price*, cost*"
        ),
        angle="Great value for the price",
        pains=("paying extra for something that should just work", "overpriced options"),
        gains=("get more for less", "stop overpaying and still get the good stuff"),
        claims=("give{s} you more for less", "cost{s} less than you'd expect"),
        lines=(
            "Fair price, real quality, and nothing you don't need.",
            "It's the rare purchase that pays for itself in everyday use.",
        ),
        proof=("I expected to pay a lot more for something this good.",),
        on_screen="More for less",
        visual="unboxed on a kitchen table in warm daylight",
    ),
    Theme(
        key="premium",
        triggers=_t(
            "premium, luxury, luxurious, luxe, high-end, crafted, handcrafted, artisan*, "
            "quality, elegant, sleek, matte, finish, designer, refined"
        ),
        angle="Premium feel",
        pains=("cheap stuff that looks tired after a month", "settling for good enough"),
        gains=("own something that feels as good as it looks", "upgrade an everyday essential"),
        claims=(
            "feel{s} premium the moment you pick {obj} up",
            "look{s} and feel{s} like a real upgrade",
        ),
        lines=(
            "The finish, the weight, the details: everything about {obj} feels considered.",
            "It's the kind of quality you notice every single time you use {obj}.",
        ),
        proof=("People ask me where I got {obj}, which says it all.",),
        on_screen="Made to impress",
        visual="in a slow reveal with soft rim light on its finish",
    ),
    Theme(
        key="cold",
        triggers=(),
        angle="Keeps drinks cold",
        pains=("lukewarm water by lunchtime", "drinks that go warm halfway through"),
        gains=("have ice-cold water hours later", "keep a drink cold all day"),
        claims=("keep{s} drinks ice-cold for hours", "still {has} ice in {obj} hours later"),
        lines=(
            "Fill {obj} with ice in the morning and your drink is still cold after lunch.",
            "Cold stays cold, even on the hottest day.",
        ),
        lines_if=(
            (
                ("insulat*", "double-wall*", "vacuum"),
                "The insulation means no sweating, no warm sips, and no wet bag.",
            ),
        ),
        proof=("After a full workout and my commute, there was still ice in {obj}.",),
        on_screen="Still ice-cold",
        visual="beaded with condensation, ice visible at the rim",
    ),
    Theme(
        key="hot",
        triggers=(),
        angle="Keeps drinks hot",
        pains=("coffee that goes lukewarm before the first sip",),
        gains=("sip hot coffee hours after pouring it",),
        claims=("keep{s} coffee and tea hot for hours",),
        lines=(
            "Pour your coffee before you leave and the first sip at work is still hot.",
            "Hot stays hot, long after a regular mug would have given up.",
        ),
        proof=("My coffee was still hot at three in the afternoon. I checked twice.",),
        on_screen="Still hot hours later",
        visual="with steam rising as the lid comes off",
    ),
    Theme(
        key="cold_hot",
        triggers=(),
        angle="Keeps drinks cold or hot for hours",
        pains=("drinks that never stay the right temperature",),
        gains=("have ice water at lunch and hot coffee at dawn",),
        claims=("keep{s} drinks cold or hot for hours",),
        lines=(
            "Iced in summer, hot in winter: {p} handle{s} both.",
            "Whatever you pour in stays the temperature you poured it.",
        ),
        proof=("Ice water at lunch, hot tea at night, and {it} handled both without a fuss.",),
        on_screen="Cold or hot, for hours",
        visual="beside a steaming cup and a glass of ice",
    ),
    Theme(
        key="warmth",
        triggers=(),
        angle="Keeps you warm",
        pains=("cold that cuts straight through every layer",),
        gains=("stay warm without the bulk",),
        claims=("keep{s} you warm without the bulk",),
        lines=("Warmth that doesn't weigh you down on cold mornings.",),
        proof=("I stopped dreading the walk to the car on freezing mornings.",),
        on_screen="Warm without the bulk",
        visual="worn outdoors on a frosty morning, breath visible in the air",
    ),
    Theme(
        key="durable",
        triggers=_t(
            "durable, durability, stainless, steel, rugged, tough, sturdy, leakproof, "
            "leak-proof, shatterproof, shatter-proof, lifetime, warranty, built to last, "
            "long-lasting, titanium, aluminum, aluminium, scratch-resistant, heavy-duty, "
            "unbreakable"
        ),
        angle="Built to last",
        pains=(
            "things that break right after the return window closes",
            "replacing the same cheap thing every few months",
        ),
        gains=("buy once and stop replacing", "stop worrying about breakage"),
        claims=(
            "stand{s} up to daily use, drops and all",
            "{is} built to last for years, not months",
        ),
        lines=(
            "Toss {obj} in a bag, knock {obj} off a desk, use {obj} every day: {it} keep{s} going.",
            "Solid materials and no flimsy parts, so nothing rattles loose.",
        ),
        lines_if=(
            (("stainless",), "Stainless steel holds up to years of daily use."),
            (
                ("leakproof", "leak-proof"),
                "The leakproof lid means {it} can ride in your bag next to your laptop.",
            ),
        ),
        proof=("Mine has been dropped more times than I can count and still looks great.",),
        on_screen="Built to last",
        visual="knocked around in daily use and still looking new",
    ),
    Theme(
        key="hydration",
        triggers=_t("hydrat*, water bottle, drink more water, water intake, electrolyte*"),
        angle="Stay hydrated all day",
        pains=("forgetting to drink water until the headache hits",),
        gains=("actually hit a daily water goal",),
        claims=("make{s} drinking more water feel automatic",),
        lines=(
            "When water is always within reach, you just drink more of it.",
            "Staying hydrated stops being a chore and starts being a habit.",
        ),
        proof=("I hit my water goal most days now without even thinking about it.",),
        on_screen="Hydration, handled",
        visual="on a desk beside a laptop, half full",
    ),
    Theme(
        key="health",
        triggers=_t(
            "health*, protein, wellness, nutrition*, nutrient*, vitamin*, organic, "
            "smoothie*, shake, shakes, sugar-free, superfood*, gut, immun*, fiber, fibre, "
            "wholesome, nourish*, breakfast"
        ),
        angle="Healthy habits made easy",
        pains=(
            "healthy habits that lose to a busy day",
            "good intentions that lose to a busy schedule",
        ),
        gains=("make the healthy choice the easy one", "stay on track even on the busiest days"),
        claims=("make{s} the healthy option the easy option", "help{s} you stay consistent"),
        lines=(
            "Healthy habits stick when they're easy, and {p} make{s} them easy.",
            "Small daily choices add up, and this one takes no willpower at all.",
        ),
        lines_if=(
            (
                ("protein", "shake", "shakes", "smoothie*"),
                "A proper shake or smoothie, ready in the time it takes to find your keys.",
            ),
            (("breakfast",), "Breakfast stops being the meal you skip."),
        ),
        proof=("I've been more consistent this month than in the whole year before.",),
        on_screen="Healthy, made easy",
        visual="next to a fresh smoothie on a bright kitchen counter",
    ),
    Theme(
        key="comfort",
        triggers=_t(
            "comfort*, soft, softer, cushion*, ergonomic*, breathable, plush, gentle, "
            "relief, reliev*, strain, ache*, supportive, cozy, cosy, padded"
        ),
        angle="All-day comfort",
        pains=(
            "a nagging ache by the end of the day",
            "putting up with discomfort all day",
        ),
        gains=("feel comfortable from the first hour to the last",),
        claims=("feel{s} comfortable hour after hour", "take{s} the strain out of long days"),
        lines=(
            "You notice comfort most when discomfort stops being part of your day.",
            "Soft where it matters and supportive where you need it.",
        ),
        proof=("By the end of a long day, I realised I hadn't thought about discomfort once.",),
        on_screen="Comfort, all day",
        visual="in a relaxed close-up as someone settles in and exhales",
    ),
    Theme(
        key="eco",
        triggers=_t(
            "eco*, sustainab*, reusable, recycl*, plastic-free, biodegradable, compost*, "
            "planet, refill*, zero-waste, zero waste, bamboo, low-waste"
        ),
        angle="Less waste, same routine",
        pains=("throwing away single-use stuff",),
        gains=("cut waste without changing a thing",),
        claims=(
            "replace{s} a pile of single-use waste",
            "let{s} you skip the disposables for good",
        ),
        lines=(
            "Every time you reach for {obj}, that's one less disposable in the trash.",
            "Better for the planet, and it doesn't ask you to change a thing.",
        ),
        proof=("I haven't bought a single-use version since, and I don't miss it.",),
        on_screen="Less waste",
        visual="beside the pile of disposables it replaces",
    ),
    Theme(
        key="performance",
        triggers=_t(
            "performance, run, running, runner*, workout*, training, gym, athlet*, sport*, "
            "fitness, marathon, cushioning, sneaker*, shoe, shoes, cycling, cyclist*, "
            "hiking, hiker*, yoga, lifting"
        ),
        angle="Performance you can feel",
        pains=("gear that quits halfway through a session",),
        gains=("push a little further every session",),
        claims=("keep{s} up when you push harder", "give{s} you an edge every time you train"),
        lines=(
            "{it} {is} built for the moment you want to quit and decide not to.",
            "Every session feels a little lighter and a little stronger.",
        ),
        lines_if=(
            (
                ("shoe", "shoes", "sneaker*", "cushioning"),
                "The cushioning gives back on every stride, so the last mile feels like the first.",
            ),
        ),
        proof=("My last session was my best in months, and I'm not going back.",),
        on_screen="Go further",
        visual="mid-stride on an early-morning run",
    ),
    Theme(
        key="focus",
        triggers=_t(
            "focus*, productiv*, desk, office, workday, remote, creator*, editing, editor*, "
            "designer*, screen*, study*, student*, deadline*, late-night, work from home, "
            "wfh"
        ),
        angle="Sharper focus on long days",
        pains=(
            "long screen days that end in exhaustion",
            "losing focus halfway through the afternoon",
        ),
        gains=("stay sharp through the whole workday",),
        claims=("help{s} you stay sharp from the first task to the last",),
        lines=(
            "Long days feel shorter when the small stuff stops pulling at your attention.",
            "It's the quiet upgrade that lets you focus on the work that matters.",
        ),
        proof=("My afternoons feel sharper, and my work shows it.",),
        on_screen="Stay sharp",
        visual="on a desk during a late work session, screen glow in the background",
    ),
    Theme(
        key="eyes",
        triggers=_t("blue light, blue-light, glare, eye, eyes, anti-glare, screen time"),
        angle="Easier on your eyes",
        pains=("tired, dry eyes by the end of the day", "that late-afternoon screen fatigue"),
        gains=("finish the day without tired eyes",),
        claims=("cut{s} the glare that wears your eyes out", "make{s} long screen sessions easier"),
        lines=(
            "Less glare means less squinting, and less squinting means easier evenings.",
            "Your eyes work hard all day, and {p} give{s} them a break.",
        ),
        proof=("By six my eyes used to feel wrecked. Now they feel fine.",),
        on_screen="Easy on the eyes",
        visual="worn in front of a glowing monitor late at night",
    ),
    Theme(
        key="protection",
        triggers=_t(
            "protect*, shield*, safety, safe, uv, spf, guard*, waterproof, water-resistant, "
            "shockproof"
        ),
        angle="Protection built in",
        pains=("worrying about what could go wrong",),
        gains=("stay protected without thinking about it",),
        claims=("protect{s} what matters without getting in the way",),
        lines=(
            "It's protection that works quietly in the background.",
            "One less thing to worry about, every single day.",
        ),
        lines_if=(
            (("waterproof", "water-resistant"), "Rain, spills, splashes: {it} {does}n't flinch."),
        ),
        proof=("It's given me a peace of mind I didn't know I was missing.",),
        on_screen="Protected",
        visual="shrugging off a splash of water",
    ),
    Theme(
        key="beauty",
        triggers=_t(
            "skin*, glow*, serum*, moistur*, beauty, makeup, make-up, lipstick*, cream*, "
            "radiant, acne, wrinkle*, complexion, hair*, cosmetic*"
        ),
        angle="Visible glow, simple routine",
        pains=("a ten-step routine with nothing to show for it",),
        gains=("see a glow that actually shows",),
        claims=("fit{s} into a routine you'll actually keep", "leave{s} you looking fresh"),
        lines=(
            "Simple routines are the ones you stick to, and this one takes a minute.",
            "The kind of result you notice in the mirror, not just on the label.",
        ),
        proof=("A friend asked what I'd changed, and this was the only answer.",),
        on_screen="Glow, simplified",
        visual="on a bathroom shelf in soft morning light",
    ),
    Theme(
        key="coffee",
        triggers=_t("espresso, coffee, latte*, cappuccino*, brew*, barista, café, cafe"),
        angle="Café-quality coffee anywhere",
        pains=("settling for burnt station coffee", "paying café prices for average coffee"),
        gains=("have café-level coffee anywhere",),
        claims=("deliver{s} rich, café-level coffee wherever you are",),
        lines=(
            "Rich, proper coffee without the queue or the café price.",
            "Once you taste it, the drive-thru line stops making sense.",
        ),
        proof=("I haven't bought a station coffee in weeks.",),
        on_screen="Café-level, anywhere",
        visual="pouring a rich shot with golden crema as steam rises",
    ),
    Theme(
        key="flavor",
        triggers=_t("flavor*, flavour*, taste*, tasty, delicious, snack*, chocolate*"),
        angle="Flavor worth looking forward to",
        pains=("settling for bland",),
        gains=("enjoy every bite without second thoughts",),
        claims=("taste{s} as good as {it} look{s}",),
        lines=("It's the flavor you'll catch yourself craving.",),
        proof=("It disappears from my cupboard faster than anything else I buy.",),
        on_screen="Seriously good",
        visual="in an appetising close-up, crumbs and all",
    ),
    Theme(
        key="simple",
        triggers=_t(
            "easy, easily, simple, one-button, one-touch, setup, set-up, dishwasher, rinse, "
            "self-cleaning, easy to clean, effortless*, intuitive, plug-and-play, no-fuss, "
            "hassle-free, beginner*"
        ),
        angle="Simple to use and clean",
        pains=("gadgets that take longer to clean than to use",),
        gains=("use it and clean it in under a minute",),
        claims=("work{s} with zero learning curve", "rinse{s} clean in seconds"),
        lines=(
            "No manual, no learning curve, no fuss.",
            "Cleanup is a quick rinse, so you actually keep using {obj}.",
        ),
        lines_if=((("dishwasher",), "{it} go{es} straight in the dishwasher when you're done."),),
        proof=("I figured {obj} out in about ten seconds, no instructions needed.",),
        on_screen="Simple by design",
        visual="used with one hand, then rinsed clean in a single pass",
    ),
    Theme(
        key="gift",
        triggers=_t("gift*, present, holiday*, birthday*, christmas, anniversary"),
        angle="Gift-worthy",
        pains=("last-minute gifts that end up in a drawer",),
        gains=("give something people will use every day",),
        claims=("make{s} a gift people actually use",),
        lines=("It's the gift that gets used, not regifted.",),
        proof=("I bought one for myself and then three more as gifts.",),
        on_screen="The gift they'll use",
        visual="being unwrapped with a genuine smile",
    ),
    # Fallbacks: true of anything worth advertising, so a product with no trigger
    # words still gets a full set of angles without inventing features.
    Theme(
        key="everyday",
        triggers=(),
        angle="Everyday upgrade",
        pains=("a small daily annoyance",),
        gains=("make an everyday moment a little better",),
        claims=("make{s} an everyday routine noticeably better",),
        lines=(
            "It's a small change that makes every day run a little smoother.",
            "Once {it} {is} part of your routine, you'll wonder how you managed without {obj}.",
        ),
        proof=("It's become one of those things I use every single day without thinking.",),
        on_screen="Everyday, upgraded",
        visual="in a natural everyday moment at home",
        generic=True,
    ),
    Theme(
        key="problem",
        triggers=(),
        angle="Solves a real daily frustration",
        pains=("the same small frustration, day after day",),
        gains=("stop working around a problem and just fix it",),
        claims=("fix{es} a problem you've been working around for too long",),
        lines=("It takes a problem you've learned to live with and simply makes it go away.",),
        proof=("I didn't realise how much it bothered me until it was gone.",),
        on_screen="Problem solved",
        visual="solving a small everyday annoyance in one easy motion",
        generic=True,
    ),
    Theme(
        key="reliable",
        triggers=(),
        angle="Works every time",
        pains=("gear that fails right when it matters",),
        gains=("count on it every single time",),
        claims=("work{s} the same way every single time",),
        lines=(
            "No surprises and no off days: {it} just work{s}.",
            "Reliable is underrated until you've lived with the alternative.",
        ),
        proof=("In all the time I've had {obj}, {it} {has}n't let me down once.",),
        on_screen="Works every time",
        visual="picked up and used without a second thought",
        generic=True,
    ),
    Theme(
        key="ease",
        triggers=(),
        angle="One less thing to think about",
        pains=("one more thing to think about",),
        gains=("clear a little mental space",),
        claims=("take{s} one thing off your mind",),
        lines=(
            "It's one less decision in a day already full of them.",
            "The best products disappear into your routine, and this one does.",
        ),
        proof=("I stopped thinking about {obj}, which is the highest compliment I can give.",),
        on_screen="One less thing",
        visual="sitting ready in its everyday spot as the day gets busy",
        generic=True,
    ),
    Theme(
        key="joy",
        triggers=(),
        angle="A small daily pleasure",
        pains=("days with nothing to look forward to",),
        gains=("enjoy a small win every single day",),
        claims=("turn{s} an ordinary moment into a small treat",),
        lines=("It's a small pleasure, and small pleasures add up.",),
        proof=("It's one of the highlights of my day now.",),
        on_screen="A small daily win",
        visual="in a warm, unhurried moment that earns a smile",
        generic=True,
    ),
)

BY_KEY: dict[str, Theme] = {theme.key: theme for theme in THEMES}
FALLBACKS: tuple[Theme, ...] = tuple(theme for theme in THEMES if theme.generic)


@cache
def _pattern(trigger: str) -> re.Pattern[str]:
    stem = trigger.removesuffix("*")
    tail = "" if trigger.endswith("*") else r"(?![\w-])"
    return re.compile(r"(?<![\w-])" + re.escape(stem) + tail)


def find(text: str, triggers: Sequence[str]) -> int | None:
    """Where the first of `triggers` occurs in lowercased `text`, or None."""
    found = [m.start() for t in triggers if (m := _pattern(t).search(text))]
    return min(found) if found else None


def _temperature(text: str) -> tuple[str, int] | None:
    """Which temperature theme, if any, the words support, and where they start.

    "Insulated" alone means cold drinks for a bottle but warmth for a jacket, and
    "hot" only counts next to drinkware, so a "hot new serum" stays a serum.
    """
    material = find(text, _TEMPERATURE_MATERIAL)
    drink = find(text, _DRINKWARE)
    cold = find(text, _COLD_WORDS)
    hot = find(text, _HOT_WORDS)
    if find(text, _APPAREL) is not None and material is not None:
        return "warmth", material
    if material is None and (drink is None or (cold is None and hot is None)):
        return None
    where = min(p for p in (material, cold, hot) if p is not None)
    if material is not None and drink is None and cold is None and hot is None:
        return "cold", where
    if cold is not None and hot is not None and material is not None:
        return "cold_hot", where
    if hot is not None and cold is None:
        return "hot", where
    return "cold", where


def detect(texts: Sequence[str]) -> list[Theme]:
    """Themes found in `texts`, strongest evidence first.

    Earlier texts count more (callers pass description before name before category),
    and within a text the earlier word wins, which is how people list selling points.
    """
    ranked: list[tuple[int, int, int, Theme]] = []
    seen: set[str] = set()
    for rank, raw in enumerate(texts):
        text = raw.lower()
        hits: list[tuple[int, Theme]] = []
        temperature = _temperature(text)
        if temperature is not None:
            hits.append((temperature[1], BY_KEY[temperature[0]]))
        not_coffee = find(text, _NOT_COFFEE) is not None and find(text, _REAL_COFFEE) is None
        for theme in THEMES:
            if theme.key == "coffee" and not_coffee:
                continue
            if theme.triggers and (where := find(text, theme.triggers)) is not None:
                hits.append((where, theme))
        for where, theme in hits:
            if theme.key not in seen:
                seen.add(theme.key)
                ranked.append((rank, where, THEMES.index(theme), theme))
    return [theme for *_, theme in sorted(ranked, key=lambda item: item[:3])]


def angle_of(theme: Theme, text: str) -> str:
    """The theme's angle, sharpened by the product's own words when one applies."""
    for triggers, angle in theme.angle_if:
        if find(text.lower(), triggers) is not None:
            return angle
    return theme.angle


def specific_lines(theme: Theme, text: str) -> list[str]:
    """The theme's product-specific lines that `text` earns."""
    lowered = text.lower()
    return [line for triggers, line in theme.lines_if if find(lowered, triggers) is not None]


@dataclass
class ThemeSet:
    """Themes in the order copy should use them, without repeats."""

    items: list[Theme] = field(default_factory=list)

    def add(self, *themes: Theme) -> None:
        for theme in themes:
            if all(theme.key != kept.key for kept in self.items):
                self.items.append(theme)

    def padded(self, minimum: int) -> list[Theme]:
        """The themes, topped up with fallbacks to at least `minimum`."""
        result = list(self.items)
        for fallback in FALLBACKS:
            if len(result) >= minimum:
                break
            if all(fallback.key != kept.key for kept in result):
                result.append(fallback)
        return result
