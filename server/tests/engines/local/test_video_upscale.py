"""Video upscaling on real files: exact sizes, the same frames at the same times, the
audio carried over (copied when MP4 can hold it), and refusals for bad requests."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from genfire_server.engines.local.video_upscale import UpscaleResult, upscale_video
from tests.engines.local.media_fixtures import (
    decoded_audio,
    decoded_frames,
    frame_times,
    measure,
    write_audio,
    write_clip,
    write_rotated_clip,
    write_vfr_clip,
)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("upscale-sources")
    return {
        "aac": write_clip(folder / "aac.mp4", 2.0, audio="aac"),
        "silent": write_clip(folder / "silent.mp4", 1.0),
        "pcm": write_clip(folder / "pcm.mkv", 1.0, audio="pcm_s16le"),
    }


def audio_packets(path: Path, count: int) -> list[bytes]:
    with av.open(str(path)) as container:
        packets = (bytes(p) for p in container.demux(container.streams.audio[0]) if p.size)
        return [next(packets) for _ in range(count)]


@pytest.mark.parametrize("factor", [2, 4])
def test_upscale_keeps_frames_timing_and_audio(
    tmp_path: Path, clips: dict[str, Path], factor: int
) -> None:
    dest = tmp_path / "big.mp4"
    result = upscale_video(clips["aac"], dest, factor)
    size = (160 * factor, 90 * factor)
    source, out = measure(clips["aac"]), measure(dest)

    assert (result.width, result.height) == (out.width, out.height) == size
    assert result.frames == out.frames == source.frames == 48
    assert result.fps == pytest.approx(24.0)
    assert abs(result.duration - 2.0) <= 1 / 24
    assert abs(out.video_seconds - 2.0) <= 1 / 24
    assert result.has_audio
    assert out.audio_codec == "aac"
    assert abs(out.audio_seconds - source.audio_seconds) <= 0.05
    # Copied, not re-encoded: the compressed audio is byte for byte the source's.
    assert audio_packets(dest, 5) == audio_packets(clips["aac"], 5)
    with av.open(str(dest)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"


def test_each_frame_is_the_source_frame_enlarged(tmp_path: Path, clips: dict[str, Path]) -> None:
    dest = tmp_path / "big.mp4"
    upscale_video(clips["silent"], dest, 2)
    before, after = decoded_frames(clips["silent"]), decoded_frames(dest)
    assert len(before) == len(after) == 24
    for index in (0, 11, 23):
        assert after[index].shape == (180, 320, 3)
        back = cv2.resize(after[index], (160, 90), interpolation=cv2.INTER_AREA)
        error = np.abs(back.astype(np.int16) - before[index].astype(np.int16)).mean()
        assert error < 3.0


def test_without_audio(tmp_path: Path, clips: dict[str, Path]) -> None:
    result = upscale_video(clips["silent"], tmp_path / "big.mp4", 2)
    assert result.has_audio is False
    assert result.frames == 24
    assert measure(tmp_path / "big.mp4").audio_codec is None


def test_audio_mp4_cannot_hold_is_re_encoded_to_aac(tmp_path: Path, clips: dict[str, Path]) -> None:
    dest = tmp_path / "big.mp4"
    result = upscale_video(clips["pcm"], dest, 2)
    out = measure(dest)
    assert result.has_audio
    assert out.audio_codec == "aac"
    assert abs(out.audio_seconds - 1.0) <= 0.05
    samples, rate = decoded_audio(dest)
    assert abs(len(samples) / rate - 1.0) <= 0.05
    assert np.sqrt(np.mean(samples**2)) > 0.05  # the tone, not silence


def test_variable_frame_rate_keeps_each_frames_time(tmp_path: Path) -> None:
    stamps = [0, 50, 83, 133, 166, 216, 300, 333, 500, 533]
    source = write_vfr_clip(tmp_path / "vfr.mkv", stamps)
    dest = tmp_path / "big.mp4"
    result = upscale_video(source, dest, 2)
    assert result.frames == len(stamps)
    assert frame_times(dest) == pytest.approx([stamp / 1000 for stamp in stamps], abs=1e-3)


def test_odd_sizes_double_exactly(tmp_path: Path) -> None:
    # 4:4:4 so that H.264 accepts the odd source size.
    source = write_clip(tmp_path / "odd.mp4", 0.25, size=(161, 91), pix_fmt="yuv444p")
    result = upscale_video(source, tmp_path / "big.mp4", 2)
    assert (result.width, result.height) == (322, 182)


def test_display_rotation_is_applied(tmp_path: Path, clips: dict[str, Path]) -> None:
    source = write_rotated_clip(tmp_path / "phone.mp4", clips["silent"])
    dest = tmp_path / "big.mp4"
    result = upscale_video(source, dest, 2)
    assert (result.width, result.height) == (180, 320)
    before, after = decoded_frames(clips["silent"]), decoded_frames(dest)
    assert len(after) == 24
    for index in (0, 12, 23):  # every frame, not just the first, is turned
        back = cv2.resize(after[index], (90, 160), interpolation=cv2.INTER_AREA)
        upright = np.rot90(before[index]).astype(np.int16)
        assert np.abs(back.astype(np.int16) - upright).mean() < 3.0


def test_progress_runs_from_zero_to_one(tmp_path: Path, clips: dict[str, Path]) -> None:
    seen: list[float] = []
    upscale_video(clips["silent"], tmp_path / "big.mp4", 2, on_progress=seen.append)
    assert seen == sorted(seen)
    assert 0.0 <= seen[0] < 0.5
    assert seen[-1] == 1.0
    assert len(seen) > 5


def test_output_over_8k_is_refused(tmp_path: Path) -> None:
    source = write_clip(tmp_path / "wide.mp4", 1 / 24, size=(2000, 1200))
    with pytest.raises(ValueError, match="7680x4320 limit"):
        upscale_video(source, tmp_path / "big.mp4", 4)
    assert not (tmp_path / "big.mp4").exists()


@pytest.mark.parametrize("factor", [1, 3, 8, True])
def test_only_factors_two_and_four(tmp_path: Path, clips: dict[str, Path], factor: int) -> None:
    with pytest.raises(ValueError, match="scale factor must be 2 or 4"):
        upscale_video(clips["silent"], tmp_path / "big.mp4", factor)


def test_non_videos_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all")
    with pytest.raises(ValueError, match="not a decodable video"):
        upscale_video(text, tmp_path / "a.mp4", 2)
    sound = write_audio(tmp_path / "tone.wav", 0.5)
    with pytest.raises(ValueError, match="no video stream"):
        upscale_video(sound, tmp_path / "b.mp4", 2)
    still = tmp_path / "still.png"
    cv2.imwrite(str(still), np.zeros((20, 20, 3), np.uint8))
    with pytest.raises(ValueError, match="still image"):
        upscale_video(still, tmp_path / "c.mp4", 2)


def test_result_type(tmp_path: Path, clips: dict[str, Path]) -> None:
    result = upscale_video(clips["silent"], tmp_path / "big.mp4", 2)
    assert isinstance(result, UpscaleResult)
    assert result.duration == pytest.approx(1.0, abs=1 / 24)
