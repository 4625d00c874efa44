"""The deterministic local writer: workflow outputs written offline from the inputs alone.

This is the default writer, so it has to produce copy someone could actually record:
the product named in every hook, the audience spoken to, every keyword said, the tone
audible, the requested length met, and the requirements visibly followed. It does that
with phrase banks (selling themes, tones, strategies) chosen and ordered by a hash of
the inputs, so the same request always yields the same document and nothing here
touches the network, the clock or the file system.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from . import _storyboard
from ._copy import Brief, Script, write_script
from ._requirements import Requirements, parse
from ._strategies import ordered
from ._subject import Audience, audience_of, name_from_url, subject_of
from ._text import Noun, Seed, capitalize, clean, make_noun
from ._themes import BY_KEY, FALLBACKS, Theme, ThemeSet, angle_of, detect
from ._timing import WORDS_PER_SECOND, target_words
from ._timing import spoken_seconds as _spoken_seconds
from ._tones import Tone, tone_for

__all__ = ["WORDS_PER_SECOND", "ProductFacts", "spoken_seconds", "write"]

MAX_TOPIC_CHARS = 200
MAX_DESCRIPTION_CHARS = 300
MAX_KEYWORDS = 20
DEFAULT_VARIANTS = 3
HOOKS_PER_PACK = 3
HOOKS_PER_VARIANT = 2
MIN_ANGLES, MAX_ANGLES = 3, 5
# Above this a price reads as premium, at or below it as value; only for currencies
# whose units are of that size, since 39 yen and 39 dollars are different products.
PREMIUM_PRICE = Decimal(35)
_TIERED_CURRENCIES = ("$", "€", "£", "USD", "EUR", "GBP", "CAD", "AUD", "CHF")
_PRICE_IN_TEXT = re.compile(
    r"(?:US\$|[A-Z]{1,2}\$|[$€£¥₹])\s?\d[\d,.]*|\d[\d,.]*\s?(?:USD|EUR|GBP)"
)
# Category words to a category name, for products that arrive without one.
_CATEGORIES: tuple[tuple[str, str], ...] = (
    (r"bottle|tumbler|flask|hydrat", "hydration"),
    (r"blender|espresso|coffee maker|kettle|toaster|knife|pan\b|cookware", "kitchen"),
    (r"shoe|sneaker|boot", "footwear"),
    (r"glasses|goggles|eyewear", "eyewear"),
    (r"serum|moisturi|cream|skin|cleanser|sunscreen|spf", "skincare"),
    (r"headphone|earbud|speaker|charger|cable|phone|laptop|keyboard", "electronics"),
    (r"protein|vitamin|supplement|electrolyte", "nutrition"),
    (r"shirt|jacket|hoodie|dress|legging|sock|coat", "apparel"),
    (r"backpack|\bbag\b|wallet|tote", "bags"),
    (r"candle|pillow|blanket|lamp|mattress", "home"),
    (r"\bdog|\bcat\b|\bpet", "pet supplies"),
    (r"yoga mat|dumbbell|resistance band|kettlebell", "fitness"),
)


@dataclass(frozen=True)
class ProductFacts:
    """What a product page (or the request's own fields) says about the product."""

    name: str
    description: str | None = None
    category: str | None = None
    price: str | None = None
    images: list[str] = field(default_factory=list)


def spoken_seconds(text: str) -> float:
    """Seconds `text` takes to say at WORDS_PER_SECOND, rounded to 0.1."""
    return _spoken_seconds(text)


def write(
    workflow: str, inputs: Mapping[str, Any], *, product: ProductFacts | None = None
) -> dict[str, Any]:
    """The output document of `workflow` for already-validated `inputs`.

    `product` carries facts the caller extracted from `product_url` (creative_pack);
    other workflows ignore it. Raises ValueError for a workflow this writer does not
    know. The same arguments always return an equal document.
    """
    writers: dict[str, Callable[[Mapping[str, Any], ProductFacts | None], dict[str, Any]]] = {
        "storyboard": _storyboard_output,
        "hook_pack": _hook_pack,
        "ugc_ad": _ugc_ad,
        "creative_pack": _creative_pack,
        "product_ad_variants": _product_ad_variants,
    }
    writer = writers.get(workflow)
    if writer is None:
        raise ValueError(f"Unknown workflow {workflow!r}; expected one of: {', '.join(writers)}.")
    return writer(inputs, product)


# -- inputs -----------------------------------------------------------------------------


def _text(inputs: Mapping[str, Any], name: str) -> str | None:
    value = inputs.get(name)
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _keywords(inputs: Mapping[str, Any]) -> tuple[str, ...]:
    """The keywords, whitespace-tidied and without repeats; each will be said verbatim."""
    raw = inputs.get("keywords")
    kept: list[str] = []
    for item in raw if isinstance(raw, list) else []:
        keyword = " ".join(str(item).split()).strip(" ,.;")
        if keyword and all(keyword.casefold() != k.casefold() for k in kept):
            kept.append(keyword)
    return tuple(kept[:MAX_KEYWORDS])


def _topic(prompt: str) -> str:
    """The prompt as the output's topic: tidy, and cut at a word when it runs long."""
    if len(prompt) <= MAX_TOPIC_CHARS:
        return prompt
    return prompt[:MAX_TOPIC_CHARS].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"


def _seed(workflow: str, inputs: Mapping[str, Any], product: ProductFacts | None) -> Seed:
    return Seed(workflow, dict(inputs), dataclasses.asdict(product) if product else None)


def _audience(inputs: Mapping[str, Any], fallback: str | None) -> Audience | None:
    return audience_of(_text(inputs, "audience")) or audience_of(fallback)


def _themes(req: Requirements, found: list[Theme], *extra: Theme) -> ThemeSet:
    """Themes in arguing order: what the requirement leads with, stresses, then the rest."""
    themes = ThemeSet()
    if req.lead is not None:
        themes.add(req.lead)
    themes.add(*req.themes)
    themes.add(*found)
    themes.add(*extra)
    return themes


def _brief(
    *,
    noun: Noun,
    tone: Tone,
    seed: Seed,
    inputs: Mapping[str, Any],
    req: Requirements,
    themes: list[Theme],
    facts: str,
    audience: Audience | None,
    **extra: Any,
) -> Brief:
    return Brief(
        product=noun,
        tone=tone,
        seed=seed,
        target=target_words(inputs.get("target_duration"), inputs.get("length")),
        req=req,
        themes=tuple(themes),
        facts=facts.lower(),
        audience=audience.full if audience else None,
        audience_short=audience.short if audience else None,
        audience_plural=audience.plural if audience else True,
        keywords=_keywords(inputs),
        **extra,
    )


def _with_fallbacks(themes: ThemeSet) -> list[Theme]:
    """All themes plus every fallback, so long scripts never run out of true things to say."""
    result = list(themes.items)
    result += [theme for theme in FALLBACKS if theme not in result]
    return result


# -- hook_pack and ugc_ad ---------------------------------------------------------------


def _prompt_script(workflow: str, inputs: Mapping[str, Any], style: str) -> dict[str, Any]:
    prompt = _text(inputs, "prompt") or ""
    subject = subject_of(prompt)
    audience = _audience(inputs, subject.beneficiary)
    req = parse(_text(inputs, "additional_requirements"))
    keywords = _keywords(inputs)
    found = detect([prompt, " ".join(keywords), _text(inputs, "audience") or ""])
    themes = _themes(req, found)
    brief = _brief(
        noun=subject.noun,
        tone=tone_for(inputs.get("tone")),
        seed=_seed(workflow, inputs, None),
        inputs=inputs,
        req=req,
        themes=_with_fallbacks(themes),
        facts=" ".join([prompt, *keywords, req.text]),
        audience=audience,
    )
    script = write_script(
        brief, frames=brief.tone.hooks, hook_count=HOOKS_PER_PACK, style=style, salt=workflow
    )
    return {"workflow": workflow, "topic": _topic(prompt), **script.as_dict()}


def _hook_pack(inputs: Mapping[str, Any], _product: ProductFacts | None) -> dict[str, Any]:
    return _prompt_script("hook_pack", inputs, "hook_pack")


def _ugc_ad(inputs: Mapping[str, Any], _product: ProductFacts | None) -> dict[str, Any]:
    return _prompt_script("ugc_ad", inputs, "ugc")


# -- creative_pack ----------------------------------------------------------------------


def _price_in(*texts: str | None) -> str | None:
    for text in texts:
        match = _PRICE_IN_TEXT.search(text or "")
        if match:
            return match.group(0).strip()
    return None


def price_tier(price: str | None) -> str | None:
    """ "premium" or "value" for a price in a dollar-sized currency, else None."""
    if not price or not any(mark in price.upper() for mark in _TIERED_CURRENCIES):
        return None
    match = re.search(r"\d[\d,]*(?:\.\d+)?", price)
    if not match:
        return None
    try:
        amount = Decimal(match.group(0).replace(",", ""))
    except InvalidOperation:
        return None
    return "premium" if amount >= PREMIUM_PRICE else "value"


def _category_of(*texts: str | None) -> str | None:
    joined = " ".join(text for text in texts if text).lower()
    for pattern, category in _CATEGORIES:
        if re.search(pattern, joined):
            return category
    return None


def _short_text(text: str | None, limit: int) -> str | None:
    if not text:
        return None
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"


def _product_facts(inputs: Mapping[str, Any], product: ProductFacts | None) -> ProductFacts:
    """The product the pack is about: extracted page facts first, request fields filling gaps.

    The name falls back to the prompt's subject and then to the URL's slug, so a bare
    `product_url` the caller could not fetch still yields a named product.
    """
    prompt = _text(inputs, "prompt")
    url = _text(inputs, "product_url")
    name = (product.name.strip() if product else "") or _text(inputs, "product_name")
    if not name and prompt:
        name = capitalize(subject_of(prompt).noun.full)
    if not name and url:
        name = name_from_url(url)
    name = " ".join(clean(name or "").split()) or "Featured product"
    description = (product.description if product else None) or _text(inputs, "product_description")
    if not description and prompt and prompt.lower() != name.lower():
        description = prompt
    description = _short_text(description, MAX_DESCRIPTION_CHARS)
    category = (product.category if product else None) or _text(inputs, "category")
    category = category or _category_of(name, description)
    price = (product.price if product else None) or _price_in(description, prompt)
    images: list[str] = list(product.images) if product else []
    urls = inputs.get("image_urls")
    for image in urls if isinstance(urls, list) else []:
        if isinstance(image, str) and image not in images:
            images.append(image)
    return ProductFacts(
        name=name, description=description, category=category, price=price, images=images
    )


def _creative_pack(inputs: Mapping[str, Any], product: ProductFacts | None) -> dict[str, Any]:
    facts = _product_facts(inputs, product)
    prompt = _text(inputs, "prompt") or ""
    req = parse(_text(inputs, "additional_requirements"))
    found = detect([facts.description or "", facts.name, prompt, facts.category or ""])
    tier = price_tier(facts.price)
    priced = [BY_KEY[tier]] if tier else []
    ranked = _themes(req, found[:3], *priced, *found[3:])
    angle_themes = ranked.padded(MIN_ANGLES)[:MAX_ANGLES]
    words = " ".join(
        filter(None, [facts.name, facts.description, facts.category, prompt, req.text])
    )
    angles: list[str] = []
    for theme in angle_themes:
        angle = angle_of(theme, words)
        if angle not in angles:
            angles.append(angle)
    arguing = ThemeSet(list(angle_themes))
    audience = _audience(inputs, subject_of(prompt).beneficiary if prompt else None)
    category = facts.category
    brief = _brief(
        noun=make_noun(clean(facts.name)),
        tone=tone_for(inputs.get("tone")),
        seed=_seed("creative_pack", inputs, product),
        inputs=inputs,
        req=req,
        themes=_with_fallbacks(arguing),
        facts=words,
        audience=audience,
        price=facts.price,
        price_tier=tier,
        category=clean(category) if category else None,
    )
    script = write_script(
        brief,
        frames=brief.tone.hooks,
        hook_count=HOOKS_PER_PACK,
        style="creative",
        salt="creative_pack",
    )
    return {
        "workflow": "creative_pack",
        "product": {
            "name": facts.name,
            "description": facts.description,
            "category": facts.category,
            "price": facts.price,
            "images": facts.images,
        },
        "analysis": {"marketingAngles": angles},
        **script.as_dict(),
    }


# -- product_ad_variants ----------------------------------------------------------------


def _variant_count(raw: object) -> int:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return min(max(round(raw), 1), 5)
    return DEFAULT_VARIANTS


def _product_ad_variants(
    inputs: Mapping[str, Any], _product: ProductFacts | None
) -> dict[str, Any]:
    prompt = _text(inputs, "prompt")
    name = _text(inputs, "product_name")
    description = _text(inputs, "product_description")
    detail = description or (prompt if name else None)
    shown = f"{name}: {detail}" if name and detail else (name or prompt or "")
    noun = make_noun(clean(name)) if name else subject_of(prompt or "").noun
    req = parse(_text(inputs, "additional_requirements"))
    beneficiary = subject_of(prompt).beneficiary if prompt else None
    audience = _audience(inputs, beneficiary)
    found = detect([description or "", name or "", prompt or "", _text(inputs, "audience") or ""])
    themes = _themes(req, found).padded(MIN_ANGLES)
    base = _brief(
        noun=noun,
        tone=tone_for(inputs.get("tone")),
        seed=_seed("product_ad_variants", inputs, None),
        inputs=inputs,
        req=req,
        themes=themes,
        facts=" ".join(filter(None, [name, description, prompt, req.text])),
        audience=audience,
    )
    count = _variant_count(inputs.get("variant_count"))
    core = [theme for theme in themes if not theme.generic] or themes
    variants: list[dict[str, Any]] = []
    for index, strategy in enumerate(ordered(req.strategies)[:count]):
        # Each variant leads with a different theme, so they differ in argument too.
        shift = index % len(core)
        rotated = core[shift:] + core[:shift] + [t for t in themes if t not in core]
        extra = [theme for theme in FALLBACKS if theme not in rotated]
        brief = dataclasses.replace(base, themes=tuple(rotated + extra))
        script: Script = write_script(
            brief,
            frames=[("strategy", hook) for hook in strategy.hooks],
            hook_count=HOOKS_PER_VARIANT,
            style=strategy.key,
            salt=("variant", index),
            strategy=strategy,
            rotation=index,
        )
        variants.append({"index": index, "strategy": strategy.label, **script.as_dict()})
    return {
        "workflow": "product_ad_variants",
        "prompt": _topic(shown),
        "variant_count": count,
        "variants": variants,
    }


# -- storyboard -------------------------------------------------------------------------


def _storyboard_output(inputs: Mapping[str, Any], _product: ProductFacts | None) -> dict[str, Any]:
    return _storyboard.write(
        prompt=_text(inputs, "prompt") or "",
        title=_text(inputs, "title"),
        aspect_ratio=_text(inputs, "aspect_ratio"),
        seed=_seed("storyboard", inputs, None),
    )
