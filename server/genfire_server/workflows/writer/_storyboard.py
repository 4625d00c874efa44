"""Storyboard planning: brief, brand kit, script, shot list and frames for one spot.

A storyboard is planned backwards from its length: the duration splits into scenes
(hook, problem, reveal, benefits, proof, close), each scene's voiceover is written to
the words its seconds can carry, and each scene gets one shot and one frame of the
same duration, so the script, the shot list and the frames all add up to the spot.
"""

from __future__ import annotations

import re
from typing import Any

from ._copy import Brief, choose_hooks, following
from ._requirements import Requirements
from ._subject import audience_of, subject_of
from ._text import Noun, Seed, capitalize, count_words, render
from ._themes import Theme, ThemeSet, detect
from ._timing import (
    STORYBOARD_DEFAULT_SECONDS,
    WORDS_PER_SECOND,
    duration_from_prompt,
    estimated_duration,
    split_seconds,
)
from ._tones import TONES, Tone

SIZES: dict[str, tuple[int, int]] = {"16:9": (1280, 720), "9:16": (720, 1280), "1:1": (1024, 1024)}
DEFAULT_RATIO = "16:9"
SECONDS_PER_SCENE = 6
MIN_SCENES, MAX_SCENES = 3, 8
# The beats a spot of n scenes uses, in spoken order.
_BEATS: dict[int, tuple[str, ...]] = {
    3: ("hook", "reveal", "cta"),
    4: ("hook", "problem", "reveal", "cta"),
    5: ("hook", "problem", "reveal", "benefit", "cta"),
    6: ("hook", "problem", "reveal", "benefit", "proof", "cta"),
    7: ("hook", "problem", "reveal", "benefit", "benefit2", "proof", "cta"),
    8: ("hook", "problem", "reveal", "benefit", "benefit2", "benefit3", "proof", "cta"),
}
# Relative length of each beat: the reveal and benefits need room, the hook must be quick.
_WEIGHTS = {"hook": 0.8, "problem": 1.0, "reveal": 1.1, "benefit": 1.2, "benefit2": 1.2}
_WEIGHTS |= {"benefit3": 1.2, "proof": 1.0, "cta": 0.9}
_SHOTS: dict[str, tuple[str, str]] = {
    "hook": ("Extreme close-up", "Handheld push-in"),
    "problem": ("Medium shot", "Handheld, natural movement"),
    "reveal": ("Hero product shot", "Slow dolly in on a tabletop"),
    "benefit": ("Lifestyle medium shot", "Gimbal tracking alongside the subject"),
    "benefit2": ("Macro detail", "Locked off on a tripod with a slow rack focus"),
    "benefit3": ("Wide lifestyle shot", "Slow pan across the scene"),
    "proof": ("Over-the-shoulder shot", "Handheld, documentary style"),
    "cta": ("Packshot end card", "Static, centered"),
}
_PALETTES: dict[str, list[str]] = {
    "premium": ["#111111", "#C8A96A", "#F5F1E8", "#3A3A3A"],
    "performance": ["#0B0B0F", "#FF4D1A", "#F4F4F4", "#2D6BFF"],
    "eco": ["#1F3D2B", "#7FB069", "#F4F1E6", "#C9A66B"],
    "health": ["#0E7C86", "#A7E8E0", "#FFFFFF", "#FFB347"],
    "coffee": ["#3B2418", "#C68B59", "#F6EEE3", "#1C1C1C"],
    "beauty": ["#F7E1DC", "#C97B84", "#FFFFFF", "#3D2C2E"],
    "cold": ["#0A2540", "#4FC3F7", "#F5F9FC", "#FFFFFF"],
    "focus": ["#0F172A", "#38BDF8", "#E2E8F0", "#F8FAFC"],
    "default": ["#1A1A1A", "#FF6B35", "#F7F7F2", "#4A4A4A"],
}
_PALETTE_OF = {"hot": "coffee", "cold_hot": "cold", "hydration": "cold", "eyes": "focus"}
_PALETTE_OF |= {"flavor": "coffee", "warmth": "premium", "comfort": "beauty"}
_TYPE: dict[str, dict[str, str]] = {
    "premium": {"headline": "Playfair Display", "body": "Inter"},
    "performance": {"headline": "Oswald", "body": "Inter"},
    "eco": {"headline": "Fraunces", "body": "Work Sans"},
    "beauty": {"headline": "Cormorant Garamond", "body": "Lato"},
    "default": {"headline": "Montserrat", "body": "Inter"},
}
_AUDIENCES: dict[str, str] = {
    "performance": "Runners and active people who invest in their gear",
    "coffee": "Coffee lovers who refuse to settle on the go",
    "beauty": "Skincare fans who want a simple routine that shows results",
    "cold": "Active people who carry a drink everywhere",
    "hydration": "Active people who carry a drink everywhere",
    "focus": "Remote workers and creators on long screen days",
    "eyes": "Remote workers and creators on long screen days",
    "health": "Busy people trying to build healthier habits",
    "premium": "Shoppers who pay for quality and notice the details",
    "eco": "Eco-conscious shoppers cutting single-use waste",
    "convenience": "Busy people who live out of their bag",
}
_TONE_WORDS: tuple[tuple[str, str], ...] = (
    (r"funny|humou?r|playful|witty|comedy", "humorous"),
    (r"emotional|heartfelt|inspiring|moving|touching", "emotional"),
    (r"explainer|educational|how[- ]to|tutorial|teach", "educational"),
    (r"ugc|casual|creator|selfie|vlog", "casual"),
    (r"premium|luxury|b2b|corporate|professional|elegant", "professional"),
)
_FORMAT = re.compile(
    r"\b((?:(?:paid|social|organic|short|vertical|tv|youtube|instagram|facebook|meta|tiktok|"
    r"product|launch|promo|explainer|ugc|brand|display|pre-roll|video)\s+){0,3}"
    r"(?:ad|advert|video|spot|commercial|reel|tiktok|short|story|promo|clip|post|trailer|"
    r"explainer))\b",
    re.I,
)
_BRANDS = {"tiktok": "TikTok", "youtube": "YouTube", "tv": "TV", "ugc": "UGC"}
_BRANDS |= {"instagram": "Instagram", "facebook": "Facebook", "meta": "Meta"}


def _tone(prompt: str) -> Tone:
    for pattern, key in _TONE_WORDS:
        if re.search(pattern, prompt, re.I):
            return TONES[key]
    return TONES["persuasive"]


def _format(prompt: str) -> str:
    """What is being made ("paid social ad", "TikTok"), as the brief names it."""
    match = _FORMAT.search(prompt)
    if not match:
        return "video ad"
    return " ".join(_BRANDS.get(word.lower(), word.lower()) for word in match.group(1).split())


def _title_case(text: str) -> str:
    return " ".join(capitalize(word) for word in text.split())


def _fill(candidates: list[str], budget: int) -> str:
    """As many of `candidates` as fit `budget` words, in order; at least the shortest one."""
    chosen: list[str] = []
    used = 0
    for text in candidates:
        if text not in chosen and used + count_words(text) <= budget:
            chosen.append(text)
            used += count_words(text)
    if not chosen:
        chosen.append(min(candidates, key=count_words))
    return " ".join(chosen)


def _one(candidates: list[str], budget: int) -> str:
    """The first of `candidates` that fits `budget` words, else the shortest."""
    return next((text for text in candidates if count_words(text) <= budget), "") or min(
        candidates, key=count_words
    )


def _fresh(lines: list[str], claim: str, said: str) -> list[str]:
    """`lines` without those that repeat `claim` when `said` (the hook) already made it."""
    if claim.lower() not in said.lower():
        return lines
    return [line for line in lines if claim.lower() not in line.lower()] or lines


def _voiceover(
    beat: str, brief: Brief, themes: list[Theme], budget: int, hooks: list[str], said: str = ""
) -> str:
    """What the voice says over one beat, in no more words than its seconds carry.

    `said` is the hook's voiceover; a later beat does not repeat the claim it made.
    """
    tone = brief.tone
    slots = brief.theme_slots(themes[0], beat, themes[1:])
    if beat == "hook":
        return _one(hooks, budget)
    if beat == "problem":
        return _one(
            [render(line, slots) for line in [*tone.problem, "No more {bare_pain}."]], budget
        )
    if beat == "reveal":
        lines = ["Meet {the}.", "{it} {claim}.", *themes[0].lines[:1]]
        rendered = _fresh([render(line, slots) for line in lines], slots["claim"], said)
        return _fill(rendered, budget)
    if beat.startswith("benefit"):
        number = {"benefit": 1, "benefit2": 2, "benefit3": 3}[beat] % len(themes)
        theme = themes[number]
        slots = brief.theme_slots(theme, beat, following(themes, number))
        lines = ["{it} {claim}.", *theme.lines, *tone.gain]
        rendered = [render(line, slots) for line in lines]
        for claim in [render(c, slots, sentence=False) for c in theme.claims]:
            rendered = _fresh(rendered, claim, said)
        return _fill(rendered, budget)
    if beat == "proof":
        proof = [line for theme in themes[:3] for line in theme.proof]
        return _fill([render(line, slots) for line in proof], budget)
    # One close, the fullest that fits: two calls to action in a row read as padding.
    ctas = sorted((render(cta, slots) for cta in tone.ctas), key=count_words, reverse=True)
    return _one(ctas, budget)


def _on_screen(beat: str, noun: Noun, themes: list[Theme], tone: Tone) -> str:
    if beat == "hook":
        return themes[0].on_screen
    if beat == "problem":
        return "Sound familiar?"
    if beat == "reveal":
        return _title_case(noun.full)
    if beat.startswith("benefit"):
        number = {"benefit": 1, "benefit2": 2, "benefit3": 3}[beat]
        return themes[number % len(themes)].on_screen
    if beat == "proof":
        return "See the difference"
    return "Learn more today" if tone.key == "professional" else "Get yours today"


def _visual(beat: str, noun: Noun, themes: list[Theme], audience: str) -> str:
    the = noun.the()
    if beat == "hook":
        return f"{the} {themes[0].visual}"
    if beat == "problem":
        return f"{audience} mid-routine, visibly fed up with the old way of doing things"
    if beat == "reveal":
        return f"{the} revealed on a clean surface, logo side to camera"
    if beat.startswith("benefit"):
        number = {"benefit": 1, "benefit2": 2, "benefit3": 3}[beat]
        return f"{the} {themes[number % len(themes)].visual}"
    if beat == "proof":
        return f"{audience} using {the} in a real moment, relaxed and pleased with the result"
    return f"{the} centered on a brand-color background with the call to action beneath"


def _logo_usage(ratio: str) -> str:
    base = "Logo on the end card, centered, with clear space equal to its height on every side"
    if ratio == "9:16":
        return (
            f"{base}; keep the logo and supers inside the central safe zone, clear of the top "
            "14% and bottom 20% where platform UI sits; never place it over the product."
        )
    if ratio == "1:1":
        return f"{base}; a small corner mark from the reveal onward, never over the product."
    return f"{base}; a small lower-right mark from the reveal onward, never over the product."


def write(
    *, prompt: str, title: str | None, aspect_ratio: str | None, seed: Seed
) -> dict[str, Any]:
    """The storyboard project content for `prompt` (the caller adds ids and status)."""
    subject = subject_of(prompt)
    noun = subject.noun
    total = duration_from_prompt(prompt) or STORYBOARD_DEFAULT_SECONDS
    ratio = aspect_ratio if aspect_ratio in SIZES else DEFAULT_RATIO
    width, height = SIZES[ratio]
    tone = _tone(prompt)
    # Four at least: the reveal argues the first, and up to three benefit beats the rest.
    themes = ThemeSet(detect([prompt])).padded(4)
    audience = audience_of(subject.beneficiary)
    primary = themes[0].key
    audience_text = (
        audience.full if audience else _AUDIENCES.get(primary, f"People shopping for {noun.the()}")
    )
    brief = Brief(
        product=noun,
        tone=tone,
        seed=seed,
        target=round(total * WORDS_PER_SECOND),
        req=Requirements(),
        themes=tuple(themes),
        facts=prompt.lower(),
        audience=audience.full if audience else None,
        audience_short=audience.short if audience else None,
        audience_plural=audience.plural if audience else True,
    )
    fmt = _format(prompt)
    scene_count = min(max(round(total / SECONDS_PER_SCENE), MIN_SCENES), MAX_SCENES)
    beats = _BEATS[scene_count]
    durations = split_seconds(total, [_WEIGHTS[beat] for beat in beats])
    hooks = choose_hooks(brief, tone.hooks, len(tone.hooks), themes=themes, salt="storyboard")
    people = audience.short if audience else "a customer"
    orientation = {"9:16": "Vertical", "1:1": "Square"}.get(ratio, "Widescreen")
    palette_key = _PALETTE_OF.get(primary, primary)
    lighting = "Premium, moody" if palette_key == "premium" else "Bright, natural"
    scenes: list[dict[str, Any]] = []
    shots: list[dict[str, Any]] = []
    frames: list[dict[str, Any]] = []
    voiceovers: list[str] = []
    for index, (beat, seconds) in enumerate(zip(beats, durations, strict=True)):
        budget = max(3, int(seconds * WORDS_PER_SECOND))
        said = voiceovers[0] if voiceovers else ""
        voiceovers.append(_voiceover(beat, brief, themes, budget, hooks, said))
        scenes.append(
            {
                "index": index,
                "voiceover": voiceovers[-1],
                "on_screen_text": _on_screen(beat, noun, themes, tone),
                "duration": seconds,
            }
        )
        shot_type, camera = _SHOTS[beat]
        visual = _visual(beat, noun, themes, people)
        shots.append(
            {
                "index": index,
                "shot_type": shot_type,
                "description": f"{shot_type}: {visual}.",
                "camera": camera,
                "duration": seconds,
            }
        )
        frames.append(
            {
                "index": index,
                "shot_index": index,
                "description": capitalize(visual) + ".",
                "image_prompt": (
                    f"{orientation} {ratio} advertising frame. {shot_type} of {visual}. "
                    f"{lighting} lighting, photorealistic, shallow depth of field, "
                    "no text or logos in the image."
                ),
                "width": width,
                "height": height,
                "duration": seconds,
            }
        )
    full_script = " ".join(voiceovers)
    word_count = count_words(full_script)
    palette = _PALETTES.get(palette_key, _PALETTES["default"])
    typography = _TYPE.get(primary, _TYPE["default"])
    key_slots = brief.theme_slots(themes[0], "key_message", themes[1:])
    return {
        "workflow": "storyboard",
        "title": title or f"{_title_case(noun.full)} {total}-Second {_title_case(fmt)}",
        "brief": {
            "objective": (
                f"Drive interest and first purchases of {noun.the()} with a {total}-second {fmt}."
            ),
            "audience": capitalize(audience_text),
            "key_message": capitalize(render("{p} {claim}.", key_slots)),
            "tone": capitalize(join_words(tone.voice)),
            "deliverable": f"{total}-second {fmt}, {ratio}, {width}x{height}",
            "duration_seconds": total,
            "aspect_ratio": ratio,
        },
        "brand_kit": {
            "palette": list(palette),
            "typography": dict(typography),
            "voice": list(tone.voice),
            "logo_usage": _logo_usage(ratio),
        },
        "script": {
            "scenes": scenes,
            "full_script": full_script,
            "word_count": word_count,
            "estimated_duration": estimated_duration(word_count),
        },
        "shot_list": shots,
        "storyboard_frames": frames,
    }


def join_words(words: tuple[str, ...]) -> str:
    """ "clear, confident and credible"."""
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)
