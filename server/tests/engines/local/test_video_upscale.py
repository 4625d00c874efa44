"""Video upscaling on real files: exact sizes, the same frames at the same times, the
audio carried over (copied when MP4 can hold it), and refusals for bad requests."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from genfire_server.engines.local import video_upscale
from genfire_server.engines.local.video_upscale import upscale_video
from tests.engines.local.media_fixtures import (
    U8,
    as_shown,
    decoded_audio,
    decoded_frames,
    flat_picture,
    frame_index,
    frame_times,
    measure,
    movie_seconds,
    write_audio,
    write_clip,
    write_rotated_clip,
    write_vfr_clip,
)

GREEN, PURPLE = (60, 180, 60), (200, 60, 150)


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


def test_the_result_describes_the_written_file(tmp_path: Path, clips: dict[str, Path]) -> None:
    dest = tmp_path / "big.mp4"
    result = upscale_video(clips["aac"], dest, 2)
    times = frame_times(dest)
    out = measure(dest)
    assert len(times) == result.frames == 48
    assert times[0] == 0.0
    # The last frame starts 1/24 s before the end the result states.
    assert times[-1] + 1 / 24 == pytest.approx(result.duration, abs=1e-3)
    assert movie_seconds(dest) == pytest.approx(result.duration, abs=0.05)
    assert (out.width, out.height, float(out.fps)) == (result.width, result.height, result.fps)
    assert result.has_audio == (out.audio_codec is not None)


# ---------------------------------------------------------------------------- sources as
# phones, broadcasters and editors write them


@pytest.mark.parametrize("codec", ["aac", "mp2"])  # copied, and re-encoded
def test_a_source_stamped_an_hour_in_starts_at_zero(tmp_path: Path, codec: str) -> None:
    # A live-stream segment: MPEG-TS timestamps carry on from the start of the broadcast.
    source = write_clip(tmp_path / "live.ts", 1.0, audio=codec, form="mpegts", start=3600.0)
    dest = tmp_path / "big.mp4"
    result = upscale_video(source, dest, 2)
    assert result.frames == 24
    # Not an hour of nothing before the first frame.
    assert movie_seconds(dest) == pytest.approx(1.0, abs=0.1)
    assert frame_times(dest)[:2] == pytest.approx([0.0, 1 / 24], abs=1e-3)
    # The sound starts with the picture and lasts as long.
    samples, rate = decoded_audio(dest)
    assert len(samples) / rate == pytest.approx(1.0, abs=0.1)
    assert float(np.sqrt(np.mean(samples[: rate // 2] ** 2))) > 0.02


def test_a_matroska_file_cut_from_a_minute_in(tmp_path: Path) -> None:
    source = write_clip(tmp_path / "cut.mkv", 1.0, audio="aac", start=60.0)
    dest = tmp_path / "big.mp4"
    result = upscale_video(source, dest, 2)
    assert result.duration == pytest.approx(1.0, abs=1 / 24)
    assert movie_seconds(dest) == pytest.approx(1.0, abs=0.1)
    assert frame_times(dest)[0] == 0.0


def test_display_matrix_rotation_keeps_hdr_tags(tmp_path: Path) -> None:
    # A phone's portrait HDR clip: stored landscape, a display matrix turning it a quarter
    # turn clockwise, tagged BT.2020 matrix and primaries with the HLG transfer.
    hlg = (9, 9, 18)
    source = write_clip(tmp_path / "phone.mp4", 0.25, rotation=-90, colours=hlg)
    dest = tmp_path / "big.mp4"
    result = upscale_video(source, dest, 2)
    assert (result.width, result.height) == (180, 320)
    before, after = as_shown(source), as_shown(dest)
    assert (after.matrix, after.primaries, after.transfer) == hlg
    back = cv2.resize(after.rgb, (90, 160), interpolation=cv2.INTER_AREA)
    upright = np.rot90(before.rgb, -1)  # a clockwise quarter turn
    assert np.abs(back.astype(np.int16) - upright.astype(np.int16)).mean() < 3.0
    assert [frame_index(np.rot90(f, 1)) for f in decoded_frames(dest)] == list(range(6))


def colour_at(rgb: U8, x: float) -> NDArray[np.float64]:
    """The mean colour of a block in the middle row, `x` of the way across."""
    height, width = rgb.shape[:2]
    block = rgb[height // 2 - 4 : height // 2 + 4, int(x * width) - 4 : int(x * width) + 4]
    return np.asarray(block.reshape(-1, 3).mean(axis=0), dtype=np.float64)


def test_an_untagged_sd_source_keeps_its_colours_at_hd(tmp_path: Path) -> None:
    # An untagged SD clip is BT.601, as players assume at SD; enlarged to HD, players
    # assume BT.709 unless told otherwise.
    picture = flat_picture([GREEN, PURPLE])
    source = write_clip(tmp_path / "webcam.mp4", 0.25, size=(320, 180), picture=picture)
    dest = tmp_path / "big.mp4"
    upscale_video(source, dest, 4)
    shown = as_shown(dest)
    assert shown.rgb.shape == (720, 1280, 3)
    assert (shown.matrix, shown.primaries, shown.transfer) == (1, 1, 1)
    assert np.abs(colour_at(shown.rgb, 0.25) - GREEN).max() <= 4
    assert np.abs(colour_at(shown.rgb, 0.75) - PURPLE).max() <= 4


def test_a_gif_keeps_its_colours(tmp_path: Path) -> None:
    frames = [Image.fromarray(flat_picture([GREEN, PURPLE])(k, 320, 180)) for k in range(3)]
    source = tmp_path / "anim.gif"
    frames[0].save(source, save_all=True, append_images=frames[1:], duration=100, loop=0)
    dest = tmp_path / "big.mp4"
    upscale_video(source, dest, 4)
    shown = as_shown(dest)
    assert (shown.matrix, shown.primaries, shown.transfer) == (1, 1, 1)
    assert np.abs(colour_at(shown.rgb, 0.25) - GREEN).max() <= 4
    assert np.abs(colour_at(shown.rgb, 0.75) - PURPLE).max() <= 4


@pytest.mark.parametrize(
    ("rotation", "size", "ratio"),
    [(0, (360, 288), Fraction(64, 45)), (90, (288, 360), Fraction(45, 64))],
)
def test_non_square_pixels_keep_their_shape(
    tmp_path: Path, rotation: int, size: tuple[int, int], ratio: Fraction
) -> None:
    # PAL widescreen in miniature: 180x144 stored, 64:45 pixels, shown 16:9.
    source = write_clip(
        tmp_path / "pal.mp4",
        0.2,
        size=(180, 144),
        sample_aspect=Fraction(64, 45),
        rotation=rotation,
    )
    dest = tmp_path / "big.mp4"
    upscale_video(source, dest, 2)
    out = measure(dest)
    assert (out.width, out.height) == size
    assert as_shown(dest).sample_aspect == ratio


# ---------------------------------------------------------------------------- limits


def test_over_60_frames_per_second_is_refused(tmp_path: Path) -> None:
    source = write_clip(tmp_path / "fast.mp4", 0.05, fps=240)
    with pytest.raises(ValueError, match="240 frames per second; at most 60"):
        upscale_video(source, tmp_path / "big.mp4", 2)
    assert not (tmp_path / "big.mp4").exists()


def test_over_the_work_budget_is_refused(
    tmp_path: Path, clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real budget is 10 minutes of 4K at 30 fps; scaled down here to half a second of
    # the 1 s clip's 2x output, so a tiny file can be over it.
    monkeypatch.setattr(video_upscale, "MAX_PIXEL_FRAMES", 320 * 180 * 12)
    with pytest.raises(ValueError, match="10 minutes of 4K"):
        upscale_video(clips["silent"], tmp_path / "big.mp4", 2)
    assert not (tmp_path / "big.mp4").exists()
