"""Audio files in every output format decode back to what was encoded."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from genfire_server.engines.local import audio_io

RATE = 44_100


def _tone(seconds: float, channels: int = 2) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    rows = [0.5 * np.sin(2 * np.pi * 440 * t), 0.5 * np.sin(2 * np.pi * 660 * t)]
    return np.asarray(rows[:channels], dtype=np.float32)


@pytest.mark.parametrize(
    ("name", "codec", "rate", "channels", "extension"),
    [
        ("mp3_44100_128", "mp3", 44_100, 2, "mp3"),
        ("mp3_22050_32", "mp3", 22_050, 2, "mp3"),
        ("pcm_16000", "pcm_s16le", 16_000, 2, "wav"),
        ("wav_48000", "pcm_s16le", 48_000, 2, "wav"),
        ("ulaw_8000", "pcm_mulaw", 8_000, 1, "wav"),
        ("alaw_8000", "pcm_alaw", 8_000, 1, "wav"),
        ("opus_48000_64", "opus", 48_000, 2, "ogg"),
    ],
)
def test_each_format_decodes_to_its_rate_channels_and_length(
    tmp_path: Path, name: str, codec: str, rate: int, channels: int, extension: str
) -> None:
    fmt = audio_io.parse_output_format(name)
    assert fmt is not None and fmt.extension == extension
    path = tmp_path / f"out.{fmt.extension}"
    path.write_bytes(audio_io.encode(_tone(2.5), RATE, fmt))
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name.startswith(codec)
        assert stream.rate == rate and stream.channels == channels
    decoded = audio_io.decode(path, sample_rate=16_000, mono=False)
    assert decoded.duration == pytest.approx(2.5, abs=0.03)
    # The tone survives the codec: the strongest frequency is still 440 Hz.
    spectrum = np.abs(np.fft.rfft(decoded.samples[0]))
    assert np.argmax(spectrum) / decoded.duration == pytest.approx(440, abs=3)


def test_mono_input_stays_mono_and_pcm_is_exact(tmp_path: Path) -> None:
    fmt = audio_io.parse_output_format("pcm_44100")
    assert fmt is not None
    path = tmp_path / "mono.wav"
    tone = _tone(1.0, channels=1)
    path.write_bytes(audio_io.encode(tone, RATE, fmt))
    decoded = audio_io.decode(path, sample_rate=RATE)
    assert decoded.samples.shape == (1, RATE)
    assert np.max(np.abs(decoded.samples[0] - tone[0])) < 1e-3


@pytest.mark.parametrize(
    "name", ["mp3", "mp3_44100", "mp3_44100_100", "pcm_11025", "ulaw_16000", "opus_24000_64", ""]
)
def test_names_outside_the_list_are_refused(name: str) -> None:
    assert audio_io.parse_output_format(name) is None
    assert name not in audio_io.output_formats()


def test_every_listed_name_parses() -> None:
    names = audio_io.output_formats()
    assert "mp3_44100_128" in names and audio_io.DEFAULT_OUTPUT_FORMAT in names
    assert all(audio_io.parse_output_format(name) is not None for name in names)


def test_a_file_without_audio_is_refused_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "not-audio.mp3"
    path.write_bytes(b"this is text, not sound" * 100)
    with pytest.raises(ValueError, match="audio"):
        audio_io.decode(path, sample_rate=16_000)


def test_audio_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    fmt = audio_io.parse_output_format("pcm_8000")
    assert fmt is not None
    path = tmp_path / "long.wav"
    path.write_bytes(audio_io.encode(_tone(3.0), RATE, fmt))
    with pytest.raises(ValueError, match="limit is 2 s"):
        audio_io.decode(path, sample_rate=8_000, max_seconds=2)
    assert audio_io.probe_seconds(path) == pytest.approx(3.0, abs=0.01)
