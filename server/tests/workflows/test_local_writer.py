"""The local writer, judged the way a user judges copy.

Each test reads the output as someone recording the ad would: are the hooks different,
is the product named, is the audience spoken to, is every keyword said, does the tone
come through, does the script fit the length asked for, and is every number in the
document true of the text it describes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from genfire_server.workflows.writer.local import (
    WORDS_PER_SECOND,
    ProductFacts,
    spoken_seconds,
    write,
)
from tests.workflows.examples import EXAMPLES

# The contract's example request bodies (Outcome Layer / Workflow Catalog).
# The product or topic each example's copy must name.
NAMED = {
    "hook_pack": "portable blender",
    "ugc_ad": "blue light glasses",
    "creative_pack": "matte black water bottle",
    "product_ad_variants": "portable espresso maker",
}
SCRIPT_KEYS = {"hooks", "body", "call_to_action", "full_script", "word_count", "estimated_duration"}
KEYS = {
    "hook_pack": {"workflow", "topic"} | SCRIPT_KEYS,
    "ugc_ad": {"workflow", "topic"} | SCRIPT_KEYS,
    "creative_pack": {"workflow", "product", "analysis"} | SCRIPT_KEYS,
    "product_ad_variants": {"workflow", "prompt", "variant_count", "variants"},
    "storyboard": {
        "workflow",
        "title",
        "brief",
        "brand_kit",
        "script",
        "shot_list",
        "storyboard_frames",
    },
}
SCRIPTED = ["hook_pack", "ugc_ad", "creative_pack", "product_ad_variants"]
TONES = ["casual", "professional", "humorous", "educational", "persuasive", "emotional"]
# What each tone must sound like, somewhere in the spoken script.
TONE_MARKERS = {
    "casual": (r"\bI\b", r"\bI'm\b", r"\bme\b", r"\bmy\b"),
    "humorous": (
        "plot twist",
        "personality",
        "overachieving",
        "group chat",
        "future self",
        "happy dance",
        "your sign",
        "nemesis",
        "toxic relationship",
        "therapist",
    ),
    "educational": (r"\bhow\b", r"\bwhy\b", r"\bbecause\b", r"\breason\b", r"\bworks\b"),
    "persuasive": (r"\btoday\b", r"\bnow\b", r"don't wait"),
    "emotional": (r"\bfeel", r"\blove\b", r"\brelief\b", r"\bdeserve\b", r"\bgrateful\b"),
}
SLANG = ("gonna", "lowkey", "legit", "okay", "honestly", "real talk", "thank me later", "lol")
CONVENIENCE = ("anywhere", "on the go", "on-the-go", "bag", "carry", "wherever", "convenien")
PRESET_WORDS = {"short": 50, "medium": 87.5, "long": 150}


def scripts(output: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The script-shaped parts of an output: itself, or each variant."""
    if output["workflow"] == "product_ad_variants":
        yield from output["variants"]
    else:
        yield output


def texts(value: Any) -> Iterator[str]:
    """Every string anywhere in a document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def first_three(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[\w'’-]+", text.lower())[:3])


def sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?])\s+", text) if part]


def with_inputs(workflow: str, **changes: Any) -> dict[str, Any]:
    inputs = {**EXAMPLES[workflow], **changes}
    return {key: value for key, value in inputs.items() if value is not None}


# -- shape ------------------------------------------------------------------------------


@pytest.mark.parametrize("workflow", list(EXAMPLES))
def test_example_request_gives_exactly_the_documented_keys(workflow: str) -> None:
    output = write(workflow, EXAMPLES[workflow])
    assert set(output) == KEYS[workflow]
    assert output["workflow"] == workflow


def test_nested_keys_match_the_reference_shapes() -> None:
    pack = write("creative_pack", EXAMPLES["creative_pack"])
    assert set(pack["product"]) == {"name", "description", "category", "price", "images"}
    assert set(pack["analysis"]) == {"marketingAngles"}
    variants = write("product_ad_variants", EXAMPLES["product_ad_variants"])
    for variant in variants["variants"]:
        assert set(variant) == {"index", "strategy"} | SCRIPT_KEYS
    board = write("storyboard", EXAMPLES["storyboard"])
    assert set(board["brief"]) == {
        "objective",
        "audience",
        "key_message",
        "tone",
        "deliverable",
        "duration_seconds",
        "aspect_ratio",
    }
    assert set(board["brand_kit"]) == {"palette", "typography", "voice", "logo_usage"}
    assert set(board["brand_kit"]["typography"]) == {"headline", "body"}
    assert set(board["script"]) == {"scenes", "full_script", "word_count", "estimated_duration"}
    for scene in board["script"]["scenes"]:
        assert set(scene) == {"index", "voiceover", "on_screen_text", "duration"}
    for shot in board["shot_list"]:
        assert set(shot) == {"index", "shot_type", "description", "camera", "duration"}
    for frame in board["storyboard_frames"]:
        assert set(frame) == {
            "index",
            "shot_index",
            "description",
            "image_prompt",
            "width",
            "height",
            "duration",
        }


@pytest.mark.parametrize("workflow", SCRIPTED)
def test_scripts_are_well_formed_and_their_counts_are_true(workflow: str) -> None:
    for script in scripts(write(workflow, EXAMPLES[workflow])):
        assert 1 <= len(script["hooks"]) <= 3
        assert all(isinstance(hook, str) and hook.strip() for hook in script["hooks"])
        assert script["body"].strip() and script["call_to_action"].strip()
        spoken = f"{script['hooks'][0]} {script['body']} {script['call_to_action']}"
        assert script["full_script"] == spoken
        assert script["word_count"] == len(script["full_script"].split())
        assert script["estimated_duration"] == round(script["word_count"] / 2.5)


def test_hook_pack_example_meets_every_request_field() -> None:
    output = write("hook_pack", EXAMPLES["hook_pack"])
    assert output["topic"] == "Portable blender for busy professionals"
    assert len(output["hooks"]) == 3
    assert abs(output["word_count"] - 50) <= 0.15 * 50
    assert output["estimated_duration"] == round(output["word_count"] / 2.5)
    for keyword in ("protein shake", "commute", "healthy"):
        assert keyword in output["full_script"].lower()
    assert any(word in output["hooks"][0].lower() for word in CONVENIENCE)
    assert "remote workers who skip breakfast" in output["body"].lower()
    assert "today" in output["full_script"].lower()


def test_every_string_is_finished_copy() -> None:
    # Unfilled template slots, filler Latin, or the reference's stand-in body copy.
    banned = re.compile(r"[{}]|lorem|ipsum|variant body|body copy|\bxxx\b", re.I)
    for workflow in EXAMPLES:
        for tone in TONES:
            inputs = with_inputs(workflow, tone=tone) if workflow != "storyboard" else {}
            output = write(workflow, inputs or EXAMPLES[workflow])
            for text in texts(output):
                assert not banned.search(text), (workflow, tone, text)


@pytest.mark.parametrize("workflow", SCRIPTED)
@pytest.mark.parametrize("tone", TONES)
def test_no_sentence_is_said_twice(workflow: str, tone: str) -> None:
    for length in ("short", "long"):
        output = write(workflow, with_inputs(workflow, tone=tone, length=length))
        for script in scripts(output):
            said = sentences(script["full_script"])
            assert len(said) == len(set(said)), said


# -- hooks ------------------------------------------------------------------------------


@pytest.mark.parametrize("workflow", SCRIPTED)
@pytest.mark.parametrize("tone", TONES)
def test_hooks_are_distinct_and_open_differently(workflow: str, tone: str) -> None:
    for script in scripts(write(workflow, with_inputs(workflow, tone=tone))):
        hooks = script["hooks"]
        assert len(set(hooks)) == len(hooks)
        assert len({first_three(hook) for hook in hooks}) == len(hooks), hooks


def test_hook_pack_and_creative_pack_offer_three_hooks() -> None:
    assert len(write("hook_pack", {"prompt": "Standing desk"})["hooks"]) == 3
    pack = write("creative_pack", EXAMPLES["creative_pack"])
    assert len(pack["hooks"]) == 3


# -- naming the product and the audience -----------------------------------------------


@pytest.mark.parametrize("workflow", SCRIPTED)
@pytest.mark.parametrize("tone", TONES)
def test_hooks_and_body_name_the_product(workflow: str, tone: str) -> None:
    for script in scripts(write(workflow, with_inputs(workflow, tone=tone))):
        for hook in script["hooks"]:
            assert NAMED[workflow] in hook.lower(), hook
        assert NAMED[workflow] in script["body"].lower()


@pytest.mark.parametrize("workflow", ["hook_pack", "ugc_ad", "product_ad_variants"])
@pytest.mark.parametrize("tone", TONES)
def test_copy_speaks_to_the_audience(workflow: str, tone: str) -> None:
    audience = EXAMPLES[workflow]["audience"]
    for script in scripts(write(workflow, with_inputs(workflow, tone=tone))):
        assert audience.lower() in script["body"].lower()
    if workflow != "product_ad_variants":
        hooks = write(workflow, with_inputs(workflow, tone=tone))["hooks"]
        people = " ".join(audience.lower().split()[:2])
        assert any(people in hook.lower() for hook in hooks), hooks


def test_creative_pack_speaks_to_its_audience() -> None:
    output = write("creative_pack", {"product_name": "Trail Tumbler", "audience": "Weekend hikers"})
    assert "weekend hikers" in output["body"].lower()


def test_prompt_beneficiary_is_the_audience_when_none_is_given() -> None:
    output = write("ugc_ad", {"prompt": "Ergonomic mouse for video editors"})
    assert "video editors" in output["full_script"].lower() or any(
        "video editors" in hook.lower() for hook in output["hooks"]
    )


# -- keywords ---------------------------------------------------------------------------


@pytest.mark.parametrize("workflow", ["hook_pack", "ugc_ad"])
@pytest.mark.parametrize(
    "keywords",
    [
        ["protein shake", "commute", "healthy"],
        ["Save Time"],
        ["eco-friendly", "dishwasher safe", "BPA-free", "gift"],
        ["gym", "office", "travel", "smoothie", "breakfast"],
    ],
)
@pytest.mark.parametrize("length", ["short", "long"])
def test_every_keyword_is_said(workflow: str, keywords: list[str], length: str) -> None:
    inputs = with_inputs(workflow, keywords=keywords, length=length, target_duration=None)
    output = write(workflow, inputs)
    for keyword in keywords:
        assert keyword.lower() in output["full_script"].lower(), keyword


def test_an_empty_keyword_list_is_fine() -> None:
    output = write("hook_pack", with_inputs("hook_pack", keywords=[]))
    assert output["word_count"] == len(output["full_script"].split())


# -- length -----------------------------------------------------------------------------


@pytest.mark.parametrize("workflow", ["hook_pack", "ugc_ad"])
@pytest.mark.parametrize("tone", TONES)
@pytest.mark.parametrize("seconds", [20, 30, 45, 90])
def test_target_duration_sets_the_word_count(workflow: str, tone: str, seconds: int) -> None:
    output = write(workflow, with_inputs(workflow, tone=tone, target_duration=seconds))
    words = seconds * WORDS_PER_SECOND
    assert abs(output["word_count"] - words) <= 0.15 * words
    assert abs(output["estimated_duration"] - seconds) <= 0.15 * seconds + 1


@pytest.mark.parametrize("workflow", SCRIPTED)
@pytest.mark.parametrize("tone", TONES)
def test_length_presets_order_and_size_the_script(workflow: str, tone: str) -> None:
    counts = {}
    for length, words in PRESET_WORDS.items():
        inputs = with_inputs(workflow, tone=tone, length=length, target_duration=None)
        for script in scripts(write(workflow, inputs)):
            assert abs(script["word_count"] - words) <= 0.15 * words, (length, script)
            counts[length] = script["word_count"]
    assert counts["long"] > counts["medium"] > counts["short"]


# -- tone -------------------------------------------------------------------------------


@pytest.mark.parametrize("workflow", SCRIPTED)
def test_each_tone_writes_different_copy(workflow: str) -> None:
    outputs = [write(workflow, with_inputs(workflow, tone=tone)) for tone in TONES]
    spoken = [" ".join(script["full_script"] for script in scripts(o)) for o in outputs]
    assert len(set(spoken)) == len(TONES)


@pytest.mark.parametrize("workflow", SCRIPTED)
@pytest.mark.parametrize("tone", TONES)
def test_the_tone_is_audible(workflow: str, tone: str) -> None:
    for script in scripts(write(workflow, with_inputs(workflow, tone=tone, length="short"))):
        spoken = script["full_script"]
        if tone == "professional":
            assert not any(re.search(rf"\b{slang}\b", spoken.lower()) for slang in SLANG), spoken
        else:
            markers = TONE_MARKERS[tone]
            assert any(re.search(marker, spoken, re.I) for marker in markers), spoken


# -- determinism ------------------------------------------------------------------------


@pytest.mark.parametrize("workflow", list(EXAMPLES))
def test_same_inputs_give_the_same_document(workflow: str) -> None:
    assert write(workflow, EXAMPLES[workflow]) == write(workflow, dict(EXAMPLES[workflow]))


def test_different_inputs_give_different_copy() -> None:
    first = write("hook_pack", {"prompt": "Portable blender for busy professionals"})
    second = write("hook_pack", {"prompt": "Portable blender for college students"})
    assert first["full_script"] != second["full_script"]


# -- requirements -----------------------------------------------------------------------


@pytest.mark.parametrize("tone", TONES)
def test_lead_with_convenience_puts_a_convenience_hook_first(tone: str) -> None:
    inputs = {"prompt": "Insulated water bottle", "tone": tone}
    inputs["additional_requirements"] = "Lead with convenience."
    for workflow in ("hook_pack", "ugc_ad"):
        hook = write(workflow, inputs)["hooks"][0].lower()
        assert any(word in hook for word in CONVENIENCE), hook


def test_a_mention_is_said_verbatim() -> None:
    inputs = {"prompt": "Bamboo toothbrush", "additional_requirements": "Mention free shipping."}
    for workflow in SCRIPTED:
        for script in scripts(write(workflow, inputs)):
            assert "free shipping" in script["full_script"].lower()


def test_a_discount_code_is_said() -> None:
    inputs = {"prompt": "Bamboo toothbrush", "additional_requirements": "Use code SAVE10"}
    assert "code SAVE10" in write("ugc_ad", inputs)["full_script"]


def test_lead_with_a_question_and_end_with_a_question() -> None:
    inputs = {"prompt": "Standing desk", "additional_requirements": "Lead with a question."}
    assert write("hook_pack", inputs)["hooks"][0].rstrip().endswith("?")
    inputs["additional_requirements"] = "End with a question."
    assert write("ugc_ad", inputs)["full_script"].endswith("?")


def test_no_slang_is_honoured_in_a_casual_script() -> None:
    inputs = {"prompt": "Standing desk", "tone": "casual", "length": "long"}
    inputs["additional_requirements"] = "No slang."
    spoken = " ".join(write("ugc_ad", inputs)["hooks"]) + write("ugc_ad", inputs)["full_script"]
    assert not any(re.search(rf"\b{slang}\b", spoken.lower()) for slang in SLANG)


def test_an_avoided_word_stays_out_of_generated_lines() -> None:
    inputs = {"prompt": "Insulated water bottle", "length": "long"}
    assert "bag" in write("ugc_ad", inputs)["full_script"].lower()
    inputs["additional_requirements"] = "Avoid the word bag."
    output = write("ugc_ad", inputs)
    spoken = (output["full_script"] + " ".join(output["hooks"])).lower()
    assert not re.search(r"\bbag\b", spoken)


def test_an_emphasised_feature_shapes_the_copy() -> None:
    plain = write("ugc_ad", {"prompt": "Water bottle"})
    stressed = write(
        "ugc_ad",
        {"prompt": "Water bottle", "additional_requirements": "Highlight the leakproof lid"},
    )
    assert "leakproof" not in plain["full_script"].lower()
    assert "leakproof" in stressed["full_script"].lower()


def test_requested_strategies_come_first() -> None:
    inputs = {
        "product_name": "Standing desk",
        "variant_count": 2,
        "additional_requirements": "Open with a customer testimonial.",
    }
    variants = write("product_ad_variants", inputs)["variants"]
    assert "testimonial" in variants[0]["strategy"].lower()


# -- product_ad_variants ----------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_variants_differ_in_strategy_and_opening(count: int) -> None:
    output = write("product_ad_variants", with_inputs("product_ad_variants", variant_count=count))
    variants = output["variants"]
    assert output["variant_count"] == count
    assert [variant["index"] for variant in variants] == list(range(count))
    assert len({variant["strategy"] for variant in variants}) == count
    assert len({variant["hooks"][0] for variant in variants}) == count
    assert len({first_three(variant["hooks"][0]) for variant in variants}) == count
    assert len({variant["body"] for variant in variants}) == count


def test_variants_prompt_joins_name_and_description() -> None:
    output = write("product_ad_variants", EXAMPLES["product_ad_variants"])
    assert (
        output["prompt"] == "Portable espresso maker: Travel-friendly espresso maker for commuters"
    )
    assert write("product_ad_variants", {"prompt": "Standing desk"})["prompt"] == "Standing desk"


def test_a_fractional_variant_count_number_is_whole() -> None:
    output = write("product_ad_variants", with_inputs("product_ad_variants", variant_count=4.0))
    assert output["variant_count"] == 4
    assert len(output["variants"]) == 4


# -- creative_pack ----------------------------------------------------------------------

BOTTLE = ProductFacts(
    name="Matte Black Water Bottle",
    description="Insulated stainless steel water bottle",
    category="hydration",
    price="$39",
    images=["https://example.com/image-1.jpg"],
)


def test_creative_pack_uses_the_extracted_product() -> None:
    output = write("creative_pack", EXAMPLES["creative_pack"], product=BOTTLE)
    assert output["product"] == {
        "name": "Matte Black Water Bottle",
        "description": "Insulated stainless steel water bottle",
        "category": "hydration",
        "price": "$39",
        "images": ["https://example.com/image-1.jpg"],
    }
    assert "$39" in output["full_script"]
    assert "hydration" in output["body"].lower()
    assert all("matte black water bottle" in hook.lower() for hook in output["hooks"])


def test_creative_pack_angles_come_from_the_product_words() -> None:
    angles = write("creative_pack", {"product_url": "https://x.test/p"}, product=BOTTLE)
    found = angles["analysis"]["marketingAngles"]
    assert 3 <= len(found) <= 5
    assert len(set(found)) == len(found)
    assert "Keeps drinks cold" in found
    assert "Premium feel" in found  # $39
    assert "Built to last" in found  # stainless steel
    travel = ProductFacts(name="Trail Mug", description="Travel mug that keeps coffee hot")
    travel_angles = write("creative_pack", {}, product=travel)["analysis"]["marketingAngles"]
    assert "Keeps drinks hot" in travel_angles
    assert "Travel-ready convenience" in travel_angles
    budget = ProductFacts(name="Desk Fan", description="Quiet desk fan", price="$12")
    assert (
        "Great value for the price"
        in write("creative_pack", {}, product=budget)["analysis"]["marketingAngles"]
    )


def test_creative_pack_angles_drive_the_hooks() -> None:
    output = write("creative_pack", {"product_url": "https://x.test/p"}, product=BOTTLE)
    first = output["hooks"][0].lower()
    assert any(word in first for word in ("ice", "cold", "warm", "lukewarm")), first


def test_creative_pack_without_a_page_uses_the_request_fields() -> None:
    inputs = {
        "product_name": "Cloud Pillow",
        "product_description": "Soft memory foam pillow for side sleepers",
        "category": "Bedding",
        "image_urls": ["https://example.com/pillow.jpg"],
        "tone": "emotional",
    }
    output = write("creative_pack", inputs)
    assert output["product"]["name"] == "Cloud Pillow"
    assert output["product"]["description"] == "Soft memory foam pillow for side sleepers"
    assert output["product"]["category"] == "Bedding"
    assert output["product"]["images"] == ["https://example.com/pillow.jpg"]
    assert "All-day comfort" in output["analysis"]["marketingAngles"]
    assert "cloud pillow" in output["hooks"][0].lower()


def test_creative_pack_names_a_bare_url_from_its_slug() -> None:
    output = write("creative_pack", EXAMPLES["creative_pack"])
    assert output["product"]["name"] == "Matte Black Water Bottle"
    assert output["product"]["category"] == "hydration"


# -- storyboard -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "seconds"),
    [
        ("30-second paid social ad for a premium running shoe", 30),
        ("15-second TikTok for a matcha kit", 15),
        ("A 45s reel for a linen shirt", 45),
        ("A 1-minute explainer video for a budgeting app", 60),
        ("An ad for a bamboo toothbrush", 30),
    ],
)
def test_storyboard_durations_add_up_to_the_requested_length(prompt: str, seconds: int) -> None:
    board = write("storyboard", {"prompt": prompt})
    assert board["brief"]["duration_seconds"] == seconds
    for items in (board["script"]["scenes"], board["shot_list"], board["storyboard_frames"]):
        assert sum(item["duration"] for item in items) == seconds
        assert all(item["duration"] > 0 for item in items)
        assert [item["index"] for item in items] == list(range(len(items)))
    shots = {shot["index"]: shot for shot in board["shot_list"]}
    for frame in board["storyboard_frames"]:
        assert shots[frame["shot_index"]]["duration"] == frame["duration"]
    script = board["script"]
    assert script["full_script"] == " ".join(scene["voiceover"] for scene in script["scenes"])
    assert script["word_count"] == len(script["full_script"].split())
    assert script["estimated_duration"] == round(script["word_count"] / 2.5)
    assert script["estimated_duration"] <= seconds


@pytest.mark.parametrize(
    ("ratio", "size"),
    [("16:9", (1280, 720)), ("9:16", (720, 1280)), ("1:1", (1024, 1024)), (None, (1280, 720))],
)
def test_storyboard_frames_follow_the_aspect_ratio(
    ratio: str | None, size: tuple[int, int]
) -> None:
    inputs = {"prompt": "30-second ad for a premium running shoe"}
    if ratio:
        inputs["aspect_ratio"] = ratio
    board = write("storyboard", inputs)
    assert board["brief"]["aspect_ratio"] == (ratio or "16:9")
    for frame in board["storyboard_frames"]:
        assert (frame["width"], frame["height"]) == size


def test_storyboard_example_is_a_usable_plan() -> None:
    board = write("storyboard", EXAMPLES["storyboard"])
    assert board["title"] == "Spring Launch Ad"
    assert board["brief"]["duration_seconds"] == 30
    assert "premium running shoe" in board["brief"]["objective"]
    assert all(re.fullmatch(r"#[0-9A-F]{6}", colour) for colour in board["brand_kit"]["palette"])
    assert board["brand_kit"]["voice"]
    assert any(
        "premium running shoe" in scene["voiceover"].lower() for scene in board["script"]["scenes"]
    )
    for frame in board["storyboard_frames"]:
        assert "9:16" in frame["image_prompt"]
    untitled = write("storyboard", {"prompt": "15-second TikTok for a matcha kit"})
    assert untitled["title"] == "Matcha Kit 15-Second TikTok"


# -- odd inputs -------------------------------------------------------------------------


def test_a_very_long_prompt_is_trimmed_sensibly() -> None:
    prompt = "Ergonomic office chair that supports your back. " + "It is great. " * 400
    output = write("hook_pack", {"prompt": prompt[:5000]})
    assert len(output["topic"]) <= 201
    assert all(len(hook.split()) <= 25 for hook in output["hooks"])
    assert all("ergonomic office chair" in hook.lower() for hook in output["hooks"])


def test_emoji_stay_out_of_spoken_copy() -> None:
    output = write("ugc_ad", {"prompt": "🔥 Vegan protein bars 🔥 for gym lovers 💪"})
    assert output["topic"].startswith("🔥")
    for text in [*output["hooks"], output["body"], output["call_to_action"]]:
        assert not re.search(r"[\U0001F300-\U0001FAFF]", text)
    assert all("vegan protein bars" in hook.lower() for hook in output["hooks"])
    assert "gym lovers" in output["body"].lower()


def test_a_non_english_prompt_gets_english_copy_that_keeps_the_name() -> None:
    output = write("hook_pack", {"prompt": "Botella de agua aislada para ciclistas"})
    for hook in output["hooks"]:
        assert "Botella de agua aislada" in hook
    assert re.search(r"\b(this|it|you|the)\b", output["body"], re.I)
    cjk = write("ugc_ad", {"prompt": "便携式咖啡机"})
    assert all("便携式咖啡机" in hook for hook in cjk["hooks"])


def test_a_how_to_topic_reads_as_a_noun() -> None:
    output = write("hook_pack", {"prompt": "How to stay hydrated at work"})
    assert all("trick to stay hydrated at work" in hook for hook in output["hooks"])


def test_an_unknown_workflow_is_refused() -> None:
    with pytest.raises(ValueError, match="image_pack"):
        write("image_pack", {"prompt": "x"})


# -- spoken_seconds ---------------------------------------------------------------------


def test_spoken_seconds_reads_at_two_and_a_half_words_a_second() -> None:
    assert WORDS_PER_SECOND == 2.5
    assert spoken_seconds("one two three four five") == 2.0
    assert spoken_seconds("one two three four") == 1.6
    assert spoken_seconds("") == 0.0
    assert spoken_seconds("word " * 96) == 38.4


# -- review regressions: grammar of inserted audiences, keywords and nouns ---------------

ODD_AUDIENCES = [
    "A busy mom",
    "a busy mom who hates mornings",
    "People who hate mornings",
    "Those with back pain",
    "Anyone who commutes",
    "Someone who hates mornings",
    "Everyone",
    "The elderly",
    "an artist",
]
BAD_AUDIENCE = re.compile(
    r"\b(?:People|Those|Anyone|Someone),|\ba busy mom are\b|one of the (?:a|an)\b|"
    r"Calling all (?:anyone|someone|everyone)\b|\b(?:someone|anyone|everyone)\b[^.]*? are "
    r"switching|with elderly in mind|\ba busy mom\b|\bmoms who hates\b",
    re.I,
)


@pytest.mark.parametrize("audience", ODD_AUDIENCES)
@pytest.mark.parametrize("tone", TONES)
def test_any_audience_is_inserted_grammatically(audience: str, tone: str) -> None:
    for workflow in ("hook_pack", "ugc_ad"):
        output = write(workflow, with_inputs(workflow, audience=audience, tone=tone))
        for text in [*output["hooks"], output["full_script"]]:
            assert not BAD_AUDIENCE.search(text), text


def test_indefinite_and_adjective_audiences_read_as_people() -> None:
    mom = write("ugc_ad", with_inputs("ugc_ad", audience="A busy mom", tone="professional"))
    assert "busy moms" in mom["full_script"].lower()
    elderly = write("ugc_ad", with_inputs("ugc_ad", audience="The elderly", tone="professional"))
    assert "the elderly" in elderly["full_script"].lower()


@pytest.mark.parametrize("keyword", ["battery life", "bass", "gym", "travel", "commute"])
@pytest.mark.parametrize("length", ["short", "long"])
def test_keyword_lines_do_not_count_mass_nouns(keyword: str, length: str) -> None:
    for tone in TONES:
        inputs = with_inputs("hook_pack", keywords=[keyword], tone=tone, length=length)
        script = write("hook_pack", {**inputs, "target_duration": None})["full_script"]
        assert keyword in script.lower()
        if keyword != "commute":
            assert f"every {keyword}" not in script.lower(), script
            assert f"your {keyword} into" not in script.lower(), script


def test_small_slips_stay_fixed() -> None:
    seen = []
    for tone in TONES:
        for prompt in ("Portable blender for busy professionals", "Quick breakfast maker"):
            for length in ("short", "long"):
                output = write("ugc_ad", {"prompt": prompt, "tone": tone, "length": length})
                seen.append(output["full_script"])
    for prompt in ("60-second ad for a fast travel blender", "Quick breakfast maker"):
        seen.extend(texts(write("storyboard", {"prompt": prompt})))
    joined = " ".join(seen)
    assert "kind of convenient you" not in joined
    assert not re.search(r"No more an? ", joined)


@pytest.mark.parametrize("prompt", ["A pair of hiking boots", "Set of chef knives", "Socks"])
def test_product_number_and_case(prompt: str) -> None:
    output = write("ugc_ad", {"prompt": prompt})
    joined = " ".join([*output["hooks"], output["full_script"]])
    assert "these pair" not in joined and "these set" not in joined
    assert "Socks" not in joined.replace(". Socks", "")
    if prompt == "Socks":
        assert "these socks" in joined.lower()


def _claims(voiceover: str) -> set[str]:
    """Each sentence without its subject: "This shoe keeps up ..." and "It keeps up ..."
    are the same claim."""
    claims: set[str] = set()
    for sentence in re.split(r"(?<=[.!?])\s+", voiceover.lower()):
        words = re.findall(r"[a-z']+", sentence)
        claims.update(" ".join(words[start:]) for start in range(1, len(words) - 4))
    return claims


def test_storyboard_scenes_never_repeat_a_claim() -> None:
    # The reference's own example repeated its hook's claim in a later scene in 5 of 120
    # storyboards before the fix; sweep titles and ratios to cover many seeds.
    prompts = [
        "30-second paid social ad for a premium running shoe",
        "Wireless earbuds for runners",
        "45-second ad for a gym bag",
    ]
    for prompt in prompts:
        for index in range(40):
            inputs = {"prompt": prompt, "title": f"Launch {index}"}
            scenes = write("storyboard", inputs)["script"]["scenes"]
            seen: dict[str, int] = {}
            for scene in scenes:
                for claim in _claims(scene["voiceover"]):
                    assert seen.setdefault(claim, scene["index"]) == scene["index"], (
                        prompt,
                        index,
                        claim,
                    )


def test_matcha_is_not_called_coffee() -> None:
    output = write("storyboard", {"prompt": "Matcha Latte Kit for slow mornings"})
    assert "coffee" not in " ".join(texts(output)).lower()
    espresso = write("storyboard", {"prompt": "Iced latte maker"})
    assert "coffee" in " ".join(texts(espresso)).lower()


def test_output_is_stable_across_hash_seeds() -> None:
    import subprocess
    import sys

    code = (
        "import hashlib, json\n"
        "from genfire_server.workflows.writer.local import write\n"
        f"examples = {EXAMPLES!r}\n"
        "docs = [write(k, v) for k, v in sorted(examples.items())]\n"
        "blob = json.dumps(docs, sort_keys=True, default=str)\n"
        "print(hashlib.sha256(blob.encode()).hexdigest())\n"
    )
    digests = set()
    for hash_seed in ("1", "4242"):
        env = {**__import__("os").environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1, digests
