"""Local transcription: words in order with timings that only move forward."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from genfire_server.engines.local import audio_io, speech, transcription
from tests.engines.local.test_speech import word_error_rate

TEXT = "Please remember to water the plants on Monday morning. The keys are under the mat."


@pytest.fixture(scope="module")
def spoken() -> speech.Speech:
    return speech.synthesize(TEXT, speech.VoiceStyle())


def _write(path: Path, spoken: speech.Speech, name: str) -> Path:
    fmt = audio_io.parse_output_format(name)
    assert fmt is not None
    path.write_bytes(audio_io.encode(spoken.samples, spoken.sample_rate, fmt))
    return path


def test_words_and_segments_are_ordered_and_timed(tmp_path: Path, spoken: speech.Speech) -> None:
    result = transcription.transcribe(_write(tmp_path / "a.wav", spoken, "pcm_16000"))
    assert result.language == "en"
    assert result.duration == pytest.approx(spoken.duration, abs=0.05)
    assert word_error_rate(TEXT, result.text) < 0.10, result.text
    starts = [word.start for word in result.words]
    assert starts == sorted(starts)
    assert all(0 <= word.start <= word.end <= result.duration for word in result.words)
    assert all(0 < word.probability <= 1 for word in result.words)
    assert [segment.id for segment in result.segments] == list(range(len(result.segments)))
    joined = " ".join(word.word for word in result.words)
    assert word_error_rate(TEXT, joined) < 0.10
    assert result.segments[-1].end <= result.duration


def test_a_videos_audio_track_is_transcribed(tmp_path: Path, spoken: speech.Speech) -> None:
    path = tmp_path / "talk.mp4"
    rate = 48_000
    audio = audio_io.decode(
        _write(tmp_path / "talk.wav", spoken, "wav_48000"), sample_rate=rate, mono=False
    )
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = container.add_stream("aac", rate=rate)
        sound.layout = "stereo"
        frames = int(audio.duration * 10) + 1
        for index in range(frames):
            image = np.full((48, 64, 3), index * 3 % 255, dtype=np.uint8)
            container.mux(video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(video.encode(None))
        size = sound.codec_context.frame_size
        for start in range(0, audio.samples.shape[1], size):
            chunk = np.ascontiguousarray(audio.samples[:, start : start + size])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate = rate
            frame.pts = start
            container.mux(sound.encode(frame))
        container.mux(sound.encode(None))
    result = transcription.transcribe(path, role="video")
    assert word_error_rate(TEXT, result.text) < 0.10, result.text


def test_silence_transcribes_to_nothing(tmp_path: Path) -> None:
    quiet = speech.Speech(np.zeros((1, 16_000 * 2), dtype=np.float32), 16_000, "en", "none")
    result = transcription.transcribe(_write(tmp_path / "quiet.wav", quiet, "pcm_16000"))
    assert result.words == [] or all(word.probability < 0.5 for word in result.words)
    assert result.duration == pytest.approx(2.0, abs=0.01)


def test_a_video_without_sound_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mute.mp4"
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        for _ in range(10):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
    with pytest.raises(ValueError, match="no audio track"):
        transcription.transcribe(path, role="video")
