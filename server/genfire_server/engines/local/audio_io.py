"""Audio in and out of the local engines: ElevenLabs-style output formats, decoding, probing.

Clients of the speech, music and sound-effect endpoints name the file they want the way
ElevenLabs does (`mp3_44100_128`, `pcm_16000`, `ulaw_8000`, `opus_48000_64`), so the same
names work here. Every format is written as a self-describing file whose URL ends in its
real extension: raw PCM and G.711 come as WAV, Opus in an Ogg container. Everything goes
through PyAV (its bundled FFmpeg has LAME and libopus), so no system tools are needed.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import av.error
import numpy as np
from av.audio.resampler import AudioResampler
from av.audio.stream import AudioStream
from numpy.typing import NDArray

DEFAULT_OUTPUT_FORMAT = "mp3_44100_128"
MAX_DECODE_SECONDS = 2 * 60 * 60 + 60

_MP3_RATES = (22_050, 24_000, 44_100, 48_000)
_MP3_KBPS = (32, 48, 64, 96, 128, 160, 192, 256, 320)
_PCM_RATES = (8_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000)
_OPUS_KBPS = (32, 64, 96, 128, 192)


@dataclass(frozen=True)
class AudioFormat:
    name: str  # the client's name, e.g. "mp3_44100_128"
    codec: str  # PyAV encoder
    container: str  # PyAV muxer
    sample_rate: int
    bitrate: int | None  # bits per second, for lossy codecs
    extension: str
    content_type: str


def output_formats() -> list[str]:
    """Every accepted `output_format` name, for error messages and the docs."""
    names = [f"mp3_{rate}_{kbps}" for rate in _MP3_RATES for kbps in _MP3_KBPS]
    names += [f"pcm_{rate}" for rate in _PCM_RATES]
    names += [f"wav_{rate}" for rate in _PCM_RATES]
    names += ["ulaw_8000", "alaw_8000"]
    names += [f"opus_48000_{kbps}" for kbps in _OPUS_KBPS]
    return names


def summary_of_formats() -> str:
    return (
        f"mp3_<{'|'.join(map(str, _MP3_RATES))}>_<{'|'.join(map(str, _MP3_KBPS))}>, "
        f"pcm_<{'|'.join(map(str, _PCM_RATES))}>, wav_<rate>, ulaw_8000, alaw_8000, "
        f"opus_48000_<{'|'.join(map(str, _OPUS_KBPS))}>"
    )


def parse_output_format(name: str) -> AudioFormat | None:
    """The format a name stands for, or None when it is not one of `output_formats()`."""
    kind, _, rest = name.partition("_")
    parts = rest.split("_")
    try:
        numbers = [int(part) for part in parts]
    except ValueError:
        return None
    if kind == "mp3" and len(numbers) == 2:
        rate, kbps = numbers
        if rate in _MP3_RATES and kbps in _MP3_KBPS:
            return AudioFormat(name, "libmp3lame", "mp3", rate, kbps * 1000, "mp3", "audio/mpeg")
    elif kind in {"pcm", "wav"} and len(numbers) == 1 and numbers[0] in _PCM_RATES:
        return AudioFormat(name, "pcm_s16le", "wav", numbers[0], None, "wav", "audio/wav")
    elif kind in {"ulaw", "alaw"} and numbers == [8000]:
        codec = "pcm_mulaw" if kind == "ulaw" else "pcm_alaw"
        return AudioFormat(name, codec, "wav", 8000, None, "wav", "audio/wav")
    elif kind == "opus" and len(numbers) == 2:
        rate, kbps = numbers
        if rate == 48_000 and kbps in _OPUS_KBPS:
            return AudioFormat(name, "libopus", "ogg", rate, kbps * 1000, "ogg", "audio/ogg")
    return None


def _resample(
    samples: NDArray[np.float32], rate: int, target_rate: int, channels: int
) -> NDArray[np.float32]:
    """`samples` (channels, n) at `rate` as `channels` channels at `target_rate`."""
    if samples.shape[0] != channels:
        samples = (
            np.repeat(samples[:1], channels, axis=0)
            if channels > samples.shape[0]
            else samples.mean(axis=0, keepdims=True).astype(np.float32)
        )
    if rate == target_rate:
        return samples
    layout = "mono" if channels == 1 else "stereo"
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(samples, dtype=np.float32), format="fltp", layout=layout
    )
    frame.sample_rate = rate
    resampler = AudioResampler(format="fltp", layout=layout, rate=target_rate)
    pieces = [out.to_ndarray() for out in resampler.resample(frame)]
    pieces += [out.to_ndarray() for out in resampler.resample(None)]
    joined = np.concatenate(pieces, axis=1) if pieces else np.zeros((channels, 0), np.float32)
    wanted = round(samples.shape[1] * target_rate / rate)
    if joined.shape[1] < wanted:
        joined = np.pad(joined, ((0, 0), (0, wanted - joined.shape[1])))
    return np.asarray(joined[:, :wanted], dtype=np.float32)


def encode(samples: NDArray[np.float32], sample_rate: int, fmt: AudioFormat) -> bytes:
    """`samples` (channels, n) in [-1, 1] at `sample_rate`, as a file in `fmt`.

    Telephone formats (8 kHz G.711) are mono; everything else keeps the channel count.
    The output lasts exactly as long as the input, to the sample for PCM.
    """
    if samples.ndim != 2 or samples.shape[0] not in (1, 2):
        raise ValueError("samples must have shape (channels, n) with 1 or 2 channels")
    channels = 1 if fmt.codec in {"pcm_mulaw", "pcm_alaw"} else samples.shape[0]
    audio = _resample(np.clip(samples, -1.0, 1.0), sample_rate, fmt.sample_rate, channels)
    return _encode_chunks(iter([audio]), fmt, channels)


def _encode_chunks(chunks: Iterator[NDArray[np.float32]], fmt: AudioFormat, channels: int) -> bytes:
    """Encode (channels, n) chunks already at `fmt.sample_rate` into one file in memory."""
    layout = "mono" if channels == 1 else "stereo"
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt.container) as container:
        stream = cast(AudioStream, container.add_stream(fmt.codec, rate=fmt.sample_rate))
        stream.layout = layout
        if fmt.bitrate:
            stream.bit_rate = fmt.bitrate
        codec = stream.codec_context
        sample_format = codec.format.name
        frame_size = codec.frame_size or 1024
        pending = np.zeros((channels, 0), np.float32)
        written = 0

        def emit(block: NDArray[np.float32]) -> None:
            nonlocal written
            frame = av.AudioFrame.from_ndarray(
                _as_sample_format(block, sample_format), format=sample_format, layout=layout
            )
            frame.sample_rate = fmt.sample_rate
            frame.pts = written
            frame.time_base = Fraction(1, fmt.sample_rate)
            written += block.shape[1]
            container.mux(stream.encode(frame))

        # Encoders with a fixed frame size (MP3, Opus) take whole frames but the last.
        for chunk in chunks:
            pending = np.concatenate([pending, np.clip(chunk, -1.0, 1.0)], axis=1)
            whole = pending.shape[1] - pending.shape[1] % frame_size
            for start in range(0, whole, frame_size):
                emit(pending[:, start : start + frame_size])
            pending = pending[:, whole:]
        if pending.shape[1]:
            emit(pending)
        container.mux(stream.encode(None))
    return buffer.getvalue()


Samples = NDArray[np.float32] | NDArray[np.int16] | NDArray[np.int32]


def _as_sample_format(audio: NDArray[np.float32], sample_format: str) -> Samples:
    planar = sample_format.endswith("p")
    base = sample_format.rstrip("p")
    data: Samples
    if base == "s16":
        data = np.round(audio * 32767.0).astype(np.int16)
    elif base == "s32":
        data = np.round(audio * 2147483647.0).astype(np.int32)
    else:
        data = audio.astype(np.float32)
    # Packed formats interleave the channels into one row.
    shaped = data if planar else data.T.reshape(1, -1)
    return cast(Samples, np.ascontiguousarray(shaped))


@dataclass(frozen=True)
class DecodedAudio:
    samples: NDArray[np.float32]  # (channels, n)
    sample_rate: int
    duration: float


def _decoded_chunks(
    path: Path, *, sample_rate: int, channels: int, max_seconds: float, role: str
) -> Iterator[NDArray[np.float32]]:
    """The first audio stream of `path` (audio or video file), resampled, in chunks of
    shape (channels, n). Raises ValueError, with a message for the client, when there is
    no audio stream, it cannot be decoded, or it lasts longer than `max_seconds` (checked
    on the header first, then on what was really decoded: headers can lie)."""
    layout = "mono" if channels == 1 else "stereo"
    try:
        with av.open(str(path), "r") as container:
            if not container.streams.audio:
                raise ValueError(f"The {role} has no audio track.")
            stream = container.streams.audio[0]
            declared = media_seconds(container, stream)
            if declared is not None and declared > max_seconds:
                raise ValueError(
                    f"The {role} lasts {declared:.0f} s; the limit is {max_seconds:.0f} s."
                )
            resampler = AudioResampler(format="flt", layout=layout, rate=sample_rate)
            decoded = 0
            limit = int(max_seconds * sample_rate)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    piece = np.asarray(out.to_ndarray().reshape(-1, channels).T, np.float32)
                    decoded += piece.shape[1]
                    yield piece
                if decoded > limit:
                    raise ValueError(f"The {role} is longer than {max_seconds:.0f} s.")
            for out in resampler.resample(None):
                yield np.asarray(out.to_ndarray().reshape(-1, channels).T, np.float32)
    except av.error.FFmpegError as error:
        raise ValueError(f"The {role} could not be decoded as audio ({error}).") from error


def decode(
    path: Path,
    *,
    sample_rate: int,
    mono: bool = True,
    max_seconds: float = MAX_DECODE_SECONDS,
    role: str = "audio",
) -> DecodedAudio:
    """The whole first audio stream of `path`, resampled, in memory (see _decoded_chunks)."""
    channels = 1 if mono else 2
    pieces = list(
        _decoded_chunks(
            path, sample_rate=sample_rate, channels=channels, max_seconds=max_seconds, role=role
        )
    )
    samples = np.concatenate(pieces, axis=1) if pieces else np.zeros((channels, 0), np.float32)
    return DecodedAudio(samples, sample_rate, samples.shape[1] / sample_rate)


def decoded_seconds(path: Path, *, max_seconds: float = MAX_DECODE_SECONDS, role: str) -> float:
    """How long the audio really is, by decoding it (at a low rate, holding nothing)."""
    rate = 8_000
    count = sum(
        int(piece.shape[1])
        for piece in _decoded_chunks(
            path, sample_rate=rate, channels=1, max_seconds=max_seconds, role=role
        )
    )
    return count / rate


def transcode(
    path: Path, fmt: AudioFormat, *, max_seconds: float = MAX_DECODE_SECONDS, role: str
) -> bytes:
    """`path`'s audio as a file in `fmt`, streamed: memory stays flat however long it is."""
    channels = 1 if fmt.codec in {"pcm_mulaw", "pcm_alaw"} else 2
    chunks = _decoded_chunks(
        path, sample_rate=fmt.sample_rate, channels=channels, max_seconds=max_seconds, role=role
    )
    return _encode_chunks(chunks, fmt, channels)


def media_seconds(container: av.container.InputContainer, stream: av.stream.Stream) -> float | None:
    """What the file says about its length (None when it says nothing usable)."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / av.time_base
    return None


def probe_seconds(source: Path | io.BytesIO) -> float | None:
    """The length of a media file from its headers, without decoding; None if unknown."""
    try:
        with av.open(str(source) if isinstance(source, Path) else source, "r") as container:
            streams = list(container.streams.audio) + list(container.streams.video)
            lengths = [media_seconds(container, stream) for stream in streams]
    except av.error.FFmpegError:
        return None
    known = [length for length in lengths if length is not None and math.isfinite(length)]
    return max(known) if known else None
