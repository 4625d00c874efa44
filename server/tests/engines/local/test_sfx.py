"""Procedural sound effects: the class a prompt names, its length, its loop seam, how the
modifiers change what is heard (pitch, room, distance), checked on the rendered samples."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from numpy.typing import NDArray

from genfire_server.engines.local.sfx import SAMPLE_RATE, classes, render_effect

F32 = NDArray[np.float32]


def rms(x: NDArray[np.floating]) -> float:
    return float(np.sqrt(np.mean(np.square(x.astype(np.float64)))))


def centroid(samples: F32) -> float:
    """Spectral centre of mass in Hz: where a sound's energy sits, low to high."""
    mono = samples.mean(axis=0).astype(np.float64)
    power = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(mono.size, 1.0 / SAMPLE_RATE)
    return float(np.sum(power * freqs) / np.sum(power))


def onsets(samples: F32, threshold_db: float = 12.0) -> int:
    """How many times the 10 ms level jumps by `threshold_db` over the previous 50 ms."""
    mono = samples.mean(axis=0).astype(np.float64)
    hop = SAMPLE_RATE // 100
    frames = mono[: mono.size // hop * hop].reshape(-1, hop)
    level = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-6)
    count, quiet_until = 0, -1
    for i in range(5, level.size):
        if i > quiet_until and level[i] - level[i - 5 : i].min() > threshold_db:
            count += 1
            quiet_until = i + 20  # one event, however long its attack
    return count


# ---------------------------------------------------------------------------- classes


def test_classes_cover_the_documented_kinds() -> None:
    known = set(classes())
    assert {
        "impact", "explosion", "whoosh", "door", "footsteps", "rain", "wind", "thunder",
        "water", "fire", "engine", "beep", "bell", "glass", "laser", "crowd", "typing",
        "heartbeat", "gunshot", "texture",
    } <= known  # fmt: skip


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("a heavy punch hit", "impact"),
        ("dull thud", "impact"),
        ("car crash", "impact"),
        ("massive explosion", "explosion"),
        ("distant boom", "explosion"),
        ("fast whoosh transition", "whoosh"),
        ("sword swipe", "whoosh"),
        ("metal door slam in a large warehouse", "door"),
        ("creaky door opening", "door"),
        ("knocking on a wooden door", "door"),
        ("car door", "door"),
        ("footsteps on gravel", "footsteps"),
        ("heavy rain on a tin roof with distant thunder", "rain"),
        ("light drizzle", "rain"),
        ("howling wind", "wind"),
        ("rolling thunder", "thunder"),
        ("ocean waves on the shore", "water"),
        ("babbling brook", "water"),
        ("crackling campfire", "fire"),
        ("deep engine rumble", "engine"),
        ("motorcycle revving", "engine"),
        ("high-pitched beep", "beep"),
        ("fire alarm", "beep"),
        ("phone notification", "beep"),
        ("ui click", "click"),
        ("church bell", "bell"),
        ("wind chimes", "bell"),
        ("ding", "bell"),
        ("glass shatter", "glass"),
        ("breaking glass bottle smash", "glass"),
        ("laser gun", "laser"),
        ("sci-fi zap", "laser"),
        ("audience applause", "crowd"),
        ("stadium crowd cheering", "crowd"),
        ("typing on a mechanical keyboard", "typing"),
        ("old typewriter", "typing"),
        ("slow heartbeat", "heartbeat"),
        ("gunshot", "gunshot"),
        ("machine gun fire", "gunshot"),
        ("birds chirping at dawn", "birds"),
        ("zorbly fnord", "texture"),
    ],
)
def test_the_prompt_names_the_class(prompt: str, expected: str) -> None:
    effect = render_effect(prompt, 0.5)
    assert effect.sound_class == expected
    assert effect.description.endswith(".") and effect.description.count(".") == 1


def test_unknown_prompts_still_make_real_different_sounds() -> None:
    a = render_effect("zorbly fnord", 2.0).samples
    b = render_effect("quantum marmalade", 2.0).samples
    assert rms(a) > 0.02 and rms(b) > 0.02
    assert not np.allclose(a, b, atol=0.05)


# ---------------------------------------------------------------------------- length


@pytest.mark.parametrize(
    ("prompt", "duration"),
    [("beep", 0.5), ("rain", 1.234), ("door slam", 7.0), ("engine", 12.5), ("wind", 30.0)],
)
def test_explicit_duration_is_exact(prompt: str, duration: float) -> None:
    effect = render_effect(prompt, duration)
    assert effect.samples.shape == (2, round(duration * SAMPLE_RATE))
    assert effect.samples.dtype == np.float32
    assert effect.sample_rate == SAMPLE_RATE == 44_100


def test_default_durations_follow_the_class() -> None:
    lengths = {
        prompt: render_effect(prompt).samples.shape[1] / SAMPLE_RATE
        for prompt in ("door slam", "rain", "ui click", "explosion", "beep")
    }
    assert lengths["door slam"] == pytest.approx(2.0, abs=0.6)
    assert lengths["rain"] == pytest.approx(8.0, abs=1.0)
    assert lengths["ui click"] < lengths["door slam"] < lengths["explosion"] < lengths["rain"]
    assert all(0.5 <= seconds <= 30.0 for seconds in lengths.values())
    # A big room rings on, so the natural length grows with it.
    hall = render_effect("door slam in a cathedral").samples.shape[1] / SAMPLE_RATE
    assert hall > lengths["door slam"] + 1.0


@pytest.mark.parametrize(
    ("duration", "influence"), [(0.2, 0.3), (31.0, 0.3), (math.nan, 0.3), (2.0, 1.5), (2.0, -0.1)]
)
def test_out_of_range_arguments_raise(duration: float, influence: float) -> None:
    with pytest.raises(ValueError, match=r"duration_seconds|prompt_influence"):
        render_effect("impact", duration, prompt_influence=influence)


# ---------------------------------------------------------------------------- loops


def seam_ratio(samples: F32) -> float:
    """The jump from the last sample to the first, over the signal's RMS sample step."""
    x = samples.astype(np.float64)
    step = np.sqrt(np.mean(np.diff(x, axis=1) ** 2))
    return float(np.max(np.abs(x[:, 0] - x[:, -1])) / step)


@pytest.mark.parametrize(
    "prompt",
    [
        "heavy rain",
        "howling wind",
        "deep engine rumble",
        "car engine revving",
        "crackling campfire",
        "babbling stream",
        "stadium crowd cheering",
        "footsteps on gravel",
        "metal door slam in a warehouse",
        "punch hit",
        "siren",
        "typing on a keyboard",
    ],
)
@pytest.mark.parametrize("duration", [None, 3.7])
def test_loops_wrap_without_a_click(prompt: str, duration: float | None) -> None:
    effect = render_effect(prompt, duration, loop=True)
    samples = effect.samples
    assert rms(samples) > 0.01
    # The seam is no bigger than an ordinary step inside the sound (a click would be
    # tens of times bigger); 3 is about the largest step noise itself makes.
    assert seam_ratio(samples) < 3.0
    # Played twice in a row, the seam's neighbourhood is as smooth as the rest.
    twice = np.concatenate([samples, samples], axis=1).astype(np.float64)
    second = np.abs(np.diff(twice, n=2, axis=1))
    seam = samples.shape[1] - 1
    around = second[:, seam - 4 : seam + 4].max()
    assert around <= np.percentile(second, 99.9) + 1e-9


def test_looped_one_shots_repeat_in_rhythm() -> None:
    single = render_effect("door slam", 6.0)
    looped = render_effect("door slam", 6.0, loop=True)
    assert onsets(single.samples) == 1
    assert onsets(looped.samples) >= 3
    punches = render_effect("punch hit", 4.0, loop=True)
    assert onsets(punches.samples) >= 3


def test_a_loop_does_not_fade_out() -> None:
    looped = render_effect("crackling campfire", 4.0, loop=True).samples
    tail = rms(looped[:, -SAMPLE_RATE // 10 :])
    assert tail > 0.3 * rms(looped)


# ---------------------------------------------------------------------------- modifiers


def test_prompt_influence_changes_the_sound() -> None:
    loose = render_effect("heavy metal impact", 2.0, prompt_influence=0.0).samples
    strict = render_effect("heavy metal impact", 2.0, prompt_influence=1.0).samples
    assert not np.allclose(loose, strict, atol=0.01)
    # Followed strictly, "heavy" weighs fully: the sound sits lower.
    assert centroid(strict) < centroid(loose)


def test_engine_rumble_sits_far_below_beeps_and_glass() -> None:
    rumble = centroid(render_effect("deep engine rumble", 3.0).samples)
    beep = centroid(render_effect("high-pitched beep", 1.0).samples)
    glass = centroid(render_effect("glass shatter", 2.5).samples)
    assert rumble < 300.0
    assert rumble * 4 < beep
    assert rumble * 8 < glass


def test_heavy_and_light_and_pitch_words_move_the_spectrum() -> None:
    heavy = centroid(render_effect("heavy impact", 1.5, prompt_influence=1.0).samples)
    light = centroid(render_effect("light impact", 1.5, prompt_influence=1.0).samples)
    assert heavy < light
    low = centroid(render_effect("low beep", 1.0, prompt_influence=1.0).samples)
    high = centroid(render_effect("high beep", 1.0, prompt_influence=1.0).samples)
    assert high > 2 * low


def test_a_large_room_adds_a_reverb_tail() -> None:
    dry = render_effect("door slam", 4.0, prompt_influence=1.0).samples
    hall = render_effect("door slam in a large warehouse", 4.0, prompt_influence=1.0).samples
    late = slice(SAMPLE_RATE, 2 * SAMPLE_RATE)  # 1-2 s after the slam
    assert rms(hall[:, late]) > 10 * rms(dry[:, late])
    assert rms(hall[:, late]) > 0.01


def high_share(samples: F32, above: float = 3000.0) -> float:
    mono = samples.mean(axis=0).astype(np.float64)
    power = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(mono.size, 1.0 / SAMPLE_RATE)
    return float(power[freqs > above].sum() / power.sum())


def test_distance_dulls_the_sound() -> None:
    close = render_effect("close explosion", 4.0, prompt_influence=1.0).samples
    far = render_effect("distant explosion", 4.0, prompt_influence=1.0).samples
    # Air absorbs the highs over distance: far less of the energy is above 3 kHz.
    assert high_share(far) < 0.1 * high_share(close)
    # And from afar the room's reflections rival the direct sound.
    near_slam = render_effect("close door slam", 3.0, prompt_influence=1.0).samples
    far_slam = render_effect("distant door slam", 3.0, prompt_influence=1.0).samples
    late = slice(round(0.6 * SAMPLE_RATE), round(1.5 * SAMPLE_RATE))
    wet_far = rms(far_slam[:, late]) / np.max(np.abs(far_slam))
    wet_near = rms(near_slam[:, late]) / np.max(np.abs(near_slam))
    assert wet_far > 4 * wet_near


def test_fast_footsteps_step_more_often_than_slow_ones() -> None:
    fast = onsets(render_effect("fast footsteps", 6.0, prompt_influence=1.0).samples, 8.0)
    slow = onsets(render_effect("slow footsteps", 6.0, prompt_influence=1.0).samples, 8.0)
    assert fast > slow >= 4


# ---------------------------------------------------------------------------- every class


# A sound normalised to a 0.9 peak still has its RMS: a lone blip scaled up to 0.9 in half
# a second is about 0.006, the sparsest real effect (a UI click in two seconds) 0.013.
AUDIBLE = 0.008


def levels(samples: F32) -> NDArray[np.float64]:
    """The RMS level of each 10 ms."""
    mono = samples.mean(axis=0).astype(np.float64)
    hop = SAMPLE_RATE // 100
    level: NDArray[np.float64] = np.sqrt(
        np.mean(mono[: mono.size // hop * hop].reshape(-1, hop) ** 2, axis=1)
    )
    return level


def first_sound(samples: F32) -> float:
    """Seconds until the first 10 ms whose level is within 20 dB of the loudest 10 ms."""
    level = levels(samples)
    return float(np.argmax(level >= 0.1 * level.max())) / 100


@pytest.mark.parametrize(
    "prompt",
    [
        "impact", "explosion", "whoosh", "door slam", "door creak", "door knock",
        "footsteps", "rain", "wind", "thunder", "ocean waves", "stream", "water drip",
        "splash", "fire", "engine idle", "car passing by", "beep", "alarm", "siren",
        "notification", "error", "click", "clock ticking", "bell", "wind chimes", "gong",
        "magic sparkle", "glass shatter", "laser", "zap", "power up", "applause",
        "crowd chatter", "typing", "typewriter", "heartbeat", "gunshot", "machine gun",
        "birds", "unrecognisable",
    ],
)  # fmt: skip
@pytest.mark.parametrize("loop", [False, True])
def test_every_prompt_renders_clean_audio(prompt: str, loop: bool) -> None:
    effect = render_effect(prompt, 0.5 if loop else None, loop=loop)
    samples = effect.samples
    assert samples.ndim == 2 and samples.shape[0] == 2
    assert np.isfinite(samples).all()
    assert rms(samples) > AUDIBLE
    assert effect.description.startswith("Synthesised ")


# Every class, with the prompts that reach its variants.
CLASS_PROMPTS: dict[str, list[str]] = {
    "impact": ["impact", "punch", "car crash"], "explosion": ["explosion"],
    "whoosh": ["whoosh"], "door": ["door slam", "door creak", "door knock"],
    "footsteps": ["footsteps on gravel"], "rain": ["rain"], "wind": ["wind"],
    "thunder": ["thunder", "rolling thunder"],
    "water": ["ocean waves", "stream", "water drip", "splash"], "fire": ["fire"],
    "engine": ["engine idle", "car passing by", "engine revving"],
    "beep": ["beep", "alarm", "siren", "notification"], "click": ["click", "clock ticking"],
    "bell": ["bell", "wind chimes", "gong", "magic sparkle"], "glass": ["glass shatter"],
    "laser": ["laser", "zap", "power up"], "crowd": ["applause", "crowd chatter"],
    "typing": ["typing", "typewriter"], "heartbeat": ["heartbeat"],
    "gunshot": ["gunshot", "machine gun"], "birds": ["birds"], "texture": ["zorbly fnord"],
}  # fmt: skip


def test_every_class_has_prompts_below() -> None:
    assert set(CLASS_PROMPTS) == set(classes())


@pytest.mark.parametrize("sound_class", classes())
def test_every_class_is_heard_at_every_length(sound_class: str) -> None:
    """Short requests are where a sound's events can all fall past the end of the canvas
    (distant thunder's rolls, a bird's calls, wind chimes): each must still be heard, and
    heard from near the start, not as a fragment just before the end."""
    for prompt, modifier, duration in itertools.product(
        CLASS_PROMPTS[sound_class], ("", "distant ", "light ", "heavy "), (0.5, 1.0, 2.0)
    ):
        effect = render_effect(modifier + prompt, duration)
        label = f"{modifier + prompt!r} at {duration} s"
        assert effect.sound_class == sound_class, label
        assert rms(effect.samples) > AUDIBLE, label
        assert first_sound(effect.samples) < min(0.5, duration / 2), label


def test_short_distant_thunder_rumbles_from_the_start() -> None:
    for take in range(12):
        samples = render_effect(f"distant thunder, take {take}", 0.5).samples
        assert rms(samples) > 0.05
        assert first_sound(samples) < 0.2


def test_short_birdsong_has_a_bird_in_it() -> None:
    # Leaves alone are a steady rustle; calls make the level leap from 10 ms to 10 ms.
    for take in range(12):
        level = levels(render_effect(f"birds chirping, take {take}", 0.5).samples)
        assert level.max() > 2.0 * np.median(level)


def test_same_arguments_give_bit_identical_audio() -> None:
    first = render_effect("fast footsteps on wood", 3.0, loop=True, prompt_influence=0.7)
    second = render_effect("fast footsteps on wood", 3.0, loop=True, prompt_influence=0.7)
    assert np.array_equal(first.samples, second.samples)
    assert first.description == second.description


@pytest.mark.parametrize("duration", [2, np.float64(2.0)])
def test_a_duration_is_read_as_a_number_not_as_its_spelling(duration: float) -> None:
    # The seed is made from the arguments, so 2 and 2.0 must reach it as the same value.
    as_float = render_effect("metal door slam", 2.0).samples
    assert np.array_equal(render_effect("metal door slam", duration).samples, as_float)
