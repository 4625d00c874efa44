"""Procedural music: what a listener would notice — length, tempo, key, band, structure,
drums on the beat, loudness — checked on the rendered samples and the returned plan."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import asdict

import numpy as np
import pytest
from numpy.typing import NDArray

from genfire_server.engines.local.music import SAMPLE_RATE, MusicPiece, compose
from genfire_server.engines.local.music._drums import hit
from genfire_server.engines.local.music._wavetable import table_for, vowel_table
from genfire_server.engines.local.synth.dsp import filtered_noise

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]


def rms(x: NDArray[np.floating]) -> float:
    return float(np.sqrt(np.mean(np.square(x.astype(np.float64)))))


def window(piece: MusicPiece, start: float, end: float) -> F32:
    return piece.samples[:, round(start * SAMPLE_RATE) : round(end * SAMPLE_RATE)]


def beat_lag(samples: F32, bpm: int) -> tuple[float, float]:
    """The strongest period (seconds) of the onset envelope near one beat, and one beat.

    Onsets are rises in log energy over 10 ms frames; their autocorrelation peaks at
    the period the drums repeat at. Only lags between 0.6 and 1.4 beats are searched,
    so eighth-note hats (half a beat) and bars (four beats) cannot win by themselves.
    """
    mono = samples.mean(axis=0).astype(np.float64)
    hop = SAMPLE_RATE // 100
    frames = mono[: mono.size // hop * hop].reshape(-1, hop)
    energy = np.log1p(100.0 * np.sqrt(np.mean(frames**2, axis=1)))
    flux = np.maximum(np.diff(energy), 0.0)
    flux -= flux.mean()
    corr = np.correlate(flux, flux, mode="full")[flux.size - 1 :]
    beat = 60.0 / bpm * 100.0  # in frames
    low, high = int(0.6 * beat), int(1.4 * beat) + 1
    best = low + int(np.argmax(corr[low:high]))
    return best / 100.0, 60.0 / bpm


# ---------------------------------------------------------------------------- length


@pytest.mark.parametrize(
    ("prompt", "duration"),
    [
        ("rock", 0.5),
        ("calm piano", 1.0),
        ("jazz trio", 3.3),
        ("lo-fi hip hop beat", 12.25),
        ("epic orchestral", 30.0),
    ],
)
def test_exact_sample_count_and_stereo_shape(prompt: str, duration: float) -> None:
    piece = compose(prompt, duration)
    assert piece.samples.shape == (2, round(duration * SAMPLE_RATE))
    assert piece.samples.dtype == np.float32
    assert piece.sample_rate == SAMPLE_RATE == 44_100


def test_five_minutes_render_with_the_full_song_form() -> None:
    piece = compose("uplifting pop song with vocals", 300.0)
    assert piece.samples.shape == (2, 300 * SAMPLE_RATE)
    names = [s.name for s in piece.plan.sections]
    assert names[0] == "intro" and names[-1] == "outro"
    assert {"verse", "chorus", "bridge"} <= set(names)
    assert np.isfinite(piece.samples).all()


@pytest.mark.parametrize("duration", [0.2, 0.49, 300.5, math.nan, math.inf])
def test_durations_outside_half_a_second_to_five_minutes_are_rejected(duration: float) -> None:
    with pytest.raises(ValueError, match="duration_seconds"):
        compose("pop", duration)


# ---------------------------------------------------------------------------- structure


@pytest.mark.parametrize(
    ("prompt", "duration"),
    [
        ("rock", 0.5),
        ("ambient drone", 4.0),
        ("upbeat electronic", 9.5),
        ("sad piano ballad", 20.0),
        ("funk groove", 47.3),
        ("cinematic trailer", 95.0),
    ],
)
def test_sections_tile_the_piece_on_bar_lines(prompt: str, duration: float) -> None:
    plan = compose(prompt, duration).plan
    sections = plan.sections
    assert sections[0].start == 0.0
    assert sections[-1].end == duration
    for before, after in itertools.pairwise(sections):
        assert after.start == before.end
    assert all(s.end > s.start for s in sections)
    bar = 4 * 60.0 / plan.bpm
    for section in sections[1:]:
        assert section.start / bar == pytest.approx(round(section.start / bar), abs=1e-6)
    if duration < 10.0:
        assert len(sections) <= 2
    if duration >= 30.0:
        assert len(sections) >= 4
    if len(sections) > 2:
        assert sections[0].name == "intro"
        assert sections[-1].name == "outro"
    for section in sections:
        assert section.styles and all(isinstance(word, str) for word in section.styles)


def test_the_chorus_is_fuller_than_the_intro_and_the_outro_fades() -> None:
    piece = compose("energetic pop rock with drums and piano", 40.0)
    sections = piece.plan.sections
    intro = sections[0]
    chorus = next(s for s in sections if s.name == "chorus")
    outro = sections[-1]
    assert intro.name == "intro" and outro.name == "outro"
    assert "sparse" in intro.styles and "full" in chorus.styles
    # The intro leaves the rhythm section out; the chorus has everyone.
    assert "drums" not in intro.styles and "drums" in chorus.styles
    assert len(chorus.styles) > len(intro.styles)
    chorus_level = rms(window(piece, chorus.start, chorus.end))
    assert rms(window(piece, intro.start, intro.end)) < 0.8 * chorus_level
    assert rms(window(piece, outro.end - 1.0, outro.end)) < 0.5 * chorus_level


# ---------------------------------------------------------------------------- prompt words


def test_explicit_tempo_and_key_win() -> None:
    plan = compose("chill lo-fi beat at 90 bpm in F# minor", 6.0).plan
    assert plan.bpm == 90
    assert plan.key == "F# minor"
    plan = compose("happy folk song, 132 BPM, in Bb major", 6.0).plan
    assert plan.bpm == 132
    assert plan.key == "Bb major"


def test_sad_piano_ballad_is_minor_with_piano() -> None:
    plan = compose("sad piano ballad", 8.0).plan
    assert plan.key.endswith(" minor")
    assert "piano" in plan.instruments
    assert "sad" in plan.moods
    assert plan.title == "Sad Piano Ballad"


@pytest.mark.parametrize(
    ("prompt", "mode"),
    [
        ("dark cinematic", "minor"),
        ("tense thriller underscore", "minor"),
        ("melancholic strings", "minor"),
        ("happy ukulele tune", "major"),
        ("bright uplifting pop", "major"),
        ("confident electronic launch", "major"),
    ],
)
def test_mood_words_choose_the_mode(prompt: str, mode: str) -> None:
    assert compose(prompt, 2.0).plan.key.endswith(mode)


def test_upbeat_electronic_is_faster_than_slow_ambient() -> None:
    fast = compose("upbeat electronic", 4.0).plan
    slow = compose("slow ambient", 4.0).plan
    assert fast.bpm > slow.bpm + 40
    assert "electronic" in fast.genres and "ambient" in slow.genres
    assert "drums" in fast.instruments and "drums" not in slow.instruments


@pytest.mark.parametrize(
    ("prompt", "genre", "instrument"),
    [
        ("lo-fi hip hop", "lo-fi", "electric piano"),
        ("orchestral adventure", "orchestral", "strings"),
        ("garage rock anthem", "rock", "electric guitar"),
        ("smoky jazz club", "jazz", "bass"),
        ("acoustic campfire song", "acoustic", "guitar"),
        ("ambient soundscape", "ambient", "pad"),
    ],
)
def test_genres_bring_their_band(prompt: str, genre: str, instrument: str) -> None:
    plan = compose(prompt, 2.0).plan
    assert plan.genres[0] == genre
    assert instrument in plan.instruments


def test_named_instruments_are_played() -> None:
    plan = compose("cinematic piece with brass, bells and a flute", 20.0).plan
    assert {"brass", "bells", "flute"} <= set(plan.instruments)
    heard = {word for section in plan.sections for word in section.styles}
    assert {"brass", "bells", "flute"} <= heard


def test_negative_prompt_removes_the_drums() -> None:
    with_drums = compose("upbeat pop song with drums", 12.0)
    without = compose("upbeat pop song with drums", 12.0, negative_prompt="drums")
    assert "drums" in with_drums.plan.instruments
    assert "drums" not in without.plan.instruments
    assert not any("drums" in s.styles for s in without.plan.sections)
    also_without = compose("upbeat pop song, no drums", 12.0)
    assert "drums" not in also_without.plan.instruments


def test_vocals_only_when_asked_and_not_instrumental() -> None:
    assert compose("pop song with female vocals", 6.0).plan.vocals is True
    assert compose("gospel choir", 6.0).plan.vocals is True
    assert compose("pop song with female vocals", 6.0, instrumental=True).plan.vocals is False
    assert compose("pop song with vocals", 6.0, negative_prompt="vocals").plan.vocals is False
    assert compose("pop song", 6.0).plan.vocals is False
    sung = compose("pop song with female vocals", 20.0)
    assert any("vocals" in s.styles for s in sung.plan.sections)


# ---------------------------------------------------------------------------- the audio


def test_same_arguments_give_bit_identical_audio() -> None:
    first = compose("dreamy synthwave with vocals", 7.5, negative_prompt="guitar")
    second = compose("dreamy synthwave with vocals", 7.5, negative_prompt="guitar")
    assert np.array_equal(first.samples, second.samples)
    assert first.plan == second.plan


def test_different_prompts_sound_different() -> None:
    a = compose("dark techno", 10.0)
    b = compose("happy acoustic folk", 10.0)
    assert (a.plan.bpm, a.plan.key) != (b.plan.bpm, b.plan.key)
    assert a.plan.instruments != b.plan.instruments
    left_a, left_b = a.samples[0].astype(np.float64), b.samples[0].astype(np.float64)
    correlation = float(np.corrcoef(left_a, left_b)[0, 1])
    assert abs(correlation) < 0.2


@pytest.mark.parametrize(
    "prompt",
    ["energetic electronic dance track, 120 bpm", "driving rock with drums, 100 bpm"],
)
def test_drums_put_periodic_energy_on_the_beat(prompt: str) -> None:
    piece = compose(prompt, 20.0)
    assert "drums" in piece.plan.instruments
    lag, beat = beat_lag(piece.samples, piece.plan.bpm)
    assert lag == pytest.approx(beat, rel=0.05)


@pytest.mark.parametrize(
    "prompt",
    [
        "sad piano ballad",
        "upbeat electronic with drums",
        "lofi hip hop",
        "epic orchestral with choir",
        "jazz trio",
        "8-bit chiptune",
        "heavy metal",
    ],
)
def test_mixes_are_dynamic_unclipped_stereo_and_faded(prompt: str) -> None:
    samples = compose(prompt, 8.0).samples
    assert np.isfinite(samples).all()
    level = rms(samples)
    assert 0.05 < level < 0.5
    # Music has dynamics: the peak stands a few times above the average, neither one
    # stray spike above a near-silent mix (crest in the tens) nor a flattened block (~1).
    crest = float(np.max(np.abs(samples))) / level
    assert 2.5 < crest < 8.0
    # Not squashed against the ceiling: hardly any samples sit near the peak.
    peak = float(np.max(np.abs(samples)))
    assert float(np.mean(np.abs(samples) > 0.95 * peak)) < 1e-3
    # Both ears carry the music, and they differ: a stereo mix, not mono in two channels.
    assert rms(samples[0]) > 0.03 and rms(samples[1]) > 0.03
    side = rms(samples[0] - samples[1]) / rms(samples[0] + samples[1])
    assert side > 0.08
    # Short fades: the very first and last samples are (near) silent.
    assert np.max(np.abs(samples[:, :5])) < 0.05
    assert np.max(np.abs(samples[:, -5:])) < 0.05


def test_vocals_add_a_voice_in_the_singing_range() -> None:
    sung = compose("pop song with female vocals", 16.0, negative_prompt="synth")
    plain = compose("pop song with female vocals", 16.0, negative_prompt="synth", instrumental=True)
    assert sung.plan.vocals and not plain.plan.vocals
    verse = next(s for s in sung.plan.sections if s.name == "verse")

    def band_energy(piece: MusicPiece) -> float:
        mono = window(piece, verse.start, verse.end).mean(axis=0).astype(np.float64)
        spectrum = np.abs(np.fft.rfft(mono)) ** 2
        freqs = np.fft.rfftfreq(mono.size, 1.0 / SAMPLE_RATE)
        # The formants of a sung "ooh"/"aah" sit between 250 Hz and 1.2 kHz.
        band = spectrum[(freqs > 250) & (freqs < 1200)].sum()
        return float(band / spectrum.sum())

    assert band_energy(sung) > band_energy(plain)


@pytest.mark.parametrize("duration", [2, np.float64(2.0)])
def test_a_duration_is_read_as_a_number_not_as_its_spelling(duration: float) -> None:
    assert np.array_equal(compose("rock", duration).samples, compose("rock", 2.0).samples)


def test_the_plan_is_plain_data_for_the_response() -> None:
    plan = asdict(compose("funk groove with vocals", 12.0).plan)
    assert json.loads(json.dumps(plan)) == plan
    assert set(plan) == {
        "title", "bpm", "key", "genres", "moods", "instruments", "vocals", "sections"
    }  # fmt: skip
    assert all(set(s) == {"name", "start", "end", "styles"} for s in plan["sections"])


def test_cached_sounds_cannot_be_changed_in_place() -> None:
    """Drum hits, wavetables and the noise bank are shared by every request: an in-place
    edit by one caller would silently change every later piece, so it raises instead."""
    cached: list[NDArray[np.floating]] = [
        filtered_noise(512, 1500.0, 7000.0, 3),
        hit("kick", "acoustic", 0),
        table_for("saw", 220.0),
        vowel_table("ah", 60),
    ]
    for array in cached:
        with pytest.raises(ValueError, match="read-only"):
            array += 1.0
    assert np.array_equal(filtered_noise(512, 1500.0, 7000.0, 3), cached[0])
