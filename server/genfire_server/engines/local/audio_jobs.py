"""The CPU-bound halves of the local audio engines, run in the process pool.

Each function takes plain values and returns plain values (they cross a process
boundary): synthesise, then encode to the requested format, so only the finished file
travels back to the event loop.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from genfire_server.engines.local import audio_io, music, sfx, speech, transcription


@dataclass(frozen=True)
class EncodedAudio:
    data: bytes
    duration: float  # seconds, from the samples encoded
    extension: str
    content_type: str


def _encoded(samples: NDArray[np.float32], rate: int, output_format: str) -> EncodedAudio:
    fmt = audio_io.parse_output_format(output_format)
    if fmt is None:
        raise ValueError(f"unknown output format {output_format}")
    data = audio_io.encode(samples, rate, fmt)
    return EncodedAudio(data, round(samples.shape[1] / rate, 3), fmt.extension, fmt.content_type)


@dataclass(frozen=True)
class SpokenAudio:
    audio: EncodedAudio
    language: str
    synthesiser: str


def speak(text: str, length_scale: float, espeak_variant: str, output_format: str) -> SpokenAudio:
    style = speech.VoiceStyle(length_scale=length_scale, espeak_variant=espeak_variant)
    spoken = speech.synthesize(text, style)
    return SpokenAudio(
        _encoded(spoken.samples, spoken.sample_rate, output_format),
        spoken.language,
        spoken.synthesiser,
    )


@dataclass(frozen=True)
class ComposedMusic:
    audio: EncodedAudio
    plan: dict[str, Any]


def compose(
    prompt: str,
    duration_seconds: float,
    instrumental: bool,
    negative_prompt: str | None,
    output_format: str,
) -> ComposedMusic:
    piece = music.compose(
        prompt, duration_seconds, instrumental=instrumental, negative_prompt=negative_prompt
    )
    return ComposedMusic(
        _encoded(piece.samples, piece.sample_rate, output_format), asdict(piece.plan)
    )


@dataclass(frozen=True)
class SoundEffect:
    audio: EncodedAudio
    sound_class: str
    description: str


def sound_effect(
    prompt: str,
    duration_seconds: float | None,
    loop: bool,
    prompt_influence: float,
    output_format: str,
) -> SoundEffect:
    effect = sfx.render_effect(
        prompt, duration_seconds, loop=loop, prompt_influence=prompt_influence
    )
    return SoundEffect(
        _encoded(effect.samples, effect.sample_rate, output_format),
        effect.sound_class,
        effect.description,
    )


@dataclass(frozen=True)
class TranscribedMedia:
    transcript: dict[str, Any]
    duration: float
    # The decoded audio as MP3, for sources whose audio the client cannot fetch by itself
    # (a video's track, a YouTube stream); None for plain audio sources.
    extracted_mp3: bytes | None


_EXTRACT_FORMAT = "mp3_22050_64"


def transcribe(source: Path, role: str, extract: bool) -> TranscribedMedia:
    result = transcription.transcribe(source, role=role)
    extracted = None
    if extract:
        fmt = audio_io.parse_output_format(_EXTRACT_FORMAT)
        assert fmt is not None
        extracted = audio_io.transcode(
            source, fmt, max_seconds=transcription.MAX_SECONDS, role=role
        )
    return TranscribedMedia(result.public(), result.duration, extracted)
