"""Local speech: English by the Piper voice, other languages by espeak-ng, and what is
spoken transcribes back to the text (the local Whisper engine is the listener)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from genfire_server.engines.local import audio_io, speech, transcription

SENTENCE = (
    "Good morning everyone. Today we will talk about the weather, the garden, and a few "
    "new books from the library."
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def word_error_rate(reference: str, heard: str) -> float:
    """Levenshtein distance over words, divided by the reference length."""
    ref, hyp = _words(reference), _words(heard)
    previous = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, start=1):
        current = [i]
        for j, other in enumerate(hyp, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
            )
        previous = current
    return previous[-1] / len(ref)


def _save(tmp_path: Path, spoken: speech.Speech, name: str = "mp3_44100_128") -> Path:
    fmt = audio_io.parse_output_format(name)
    assert fmt is not None
    path = tmp_path / f"speech.{fmt.extension}"
    path.write_bytes(audio_io.encode(spoken.samples, spoken.sample_rate, fmt))
    return path


def test_english_is_spoken_by_piper_and_transcribes_back(tmp_path: Path) -> None:
    spoken = speech.synthesize(SENTENCE, speech.VoiceStyle())
    assert spoken.synthesiser == "piper" and spoken.language == "en"
    # About 2.5 words a second is natural speech; 20 words take roughly 5 to 12 s.
    assert 5.0 < spoken.duration < 12.0
    heard = transcription.transcribe(_save(tmp_path, spoken))
    assert word_error_rate(SENTENCE, heard.text) < 0.10, heard.text


def test_a_slower_voice_takes_longer() -> None:
    normal = speech.synthesize(SENTENCE, speech.VoiceStyle(length_scale=1.0))
    slow = speech.synthesize(SENTENCE, speech.VoiceStyle(length_scale=1.25))
    assert slow.duration > normal.duration * 1.1


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bonjour à tous, voici notre nouvelle bouteille isotherme pour l'été.", "fr"),
        ("Hola a todos, esta es nuestra nueva botella para el verano.", "es"),
        ("Guten Tag, das ist unsere neue Flasche für den Sommer.", "de"),
        ("Привет всем, это наша новая бутылка для лета.", "ru"),
    ],
)
def test_other_languages_are_spoken_in_their_language(text: str, language: str) -> None:
    assert speech.detect_language(text) == language
    spoken = speech.synthesize(text, speech.VoiceStyle(espeak_variant="f3"))
    assert spoken.synthesiser == "espeak-ng" and spoken.language == language
    assert 1.5 < spoken.duration < 10.0
    assert float(abs(spoken.samples).max()) > 0.5  # not silence


def test_short_or_ambiguous_text_is_english() -> None:
    assert speech.detect_language("OK") == "en"
    assert speech.detect_language("Buy now") == "en"


def test_text_with_nothing_to_say_is_refused() -> None:
    with pytest.raises(ValueError, match="nothing speakable"):
        speech.synthesize("...", speech.VoiceStyle())
