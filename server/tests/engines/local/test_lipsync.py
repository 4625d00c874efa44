"""Lip-sync alignment on real files: every sync mode gives the documented length for both
streams, shows the right source frame at the right time, and plays the right audio."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from av.video.frame import VideoFrame

from genfire_server.engines.local import lipsync as lipsync_module
from genfire_server.engines.local._video_io import SourceVideo
from genfire_server.engines.local.lipsync import (
    SYNC_MODES,
    LipsyncResult,
    lipsync,
    output_duration,
)
from tests.engines.local.media_fixtures import (
    U8,
    as_shown,
    decoded_audio,
    decoded_frames,
    flat_picture,
    frame_index,
    measure,
    rms,
    write_audio,
    write_clip,
    write_rotated_clip,
)

FPS = 24
FRAME = 1 / FPS


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("lipsync-sources")
    return {
        "video2": write_clip(folder / "video2.mp4", 2.0, audio="aac"),
        "video3": write_clip(folder / "video3.mp4", 3.0),
        "audio2": write_audio(folder / "audio2.wav", 2.0),
        "audio3": write_audio(folder / "audio3.mp3", 3.0),
    }


def run(
    media: dict[str, Path],
    tmp_path: Path,
    video: str,
    audio: str,
    mode: str,
    *,
    output_height: int = 480,
    max_duration: float | None = None,
) -> tuple[LipsyncResult, Path]:
    dest = tmp_path / f"{mode}.mp4"
    result = lipsync(
        media[video],
        media[audio],
        dest,
        sync_mode=mode,
        output_height=output_height,
        max_duration=max_duration,
    )
    return result, dest


def indices(frames: list[U8]) -> list[int]:
    return [frame_index(frame) for frame in frames]


# ---------------------------------------------------------------------------- lengths

EXPECTED = {
    # mode: (output for video 2 s + audio 3 s, output for video 3 s + audio 2 s)
    "cut_off": (2.0, 2.0),
    "loop": (3.0, 3.0),
    "bounce": (3.0, 3.0),
    "silence": (2.0, 3.0),
    "remap": (3.0, 2.0),
}


@pytest.mark.parametrize("mode", SYNC_MODES)
def test_output_duration_table(mode: str) -> None:
    short_video, short_audio = EXPECTED[mode]
    assert output_duration(2.0, 3.0, mode) == short_video
    assert output_duration(3.0, 2.0, mode) == short_audio
    assert output_duration(3.0, 2.0, mode, max_duration=1.5) == 1.5
    assert output_duration(3.0, 2.0, mode, max_duration=300) == short_audio


def test_an_empty_input_gives_an_empty_output() -> None:
    assert output_duration(0.0, 3.0, "cut_off") == 0.0
    assert output_duration(2.0, 0.0, "remap") == 0.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((2.0, 3.0, "stretch"), "unknown sync mode"),
        ((-1.0, 3.0, "loop"), "video length"),
        ((2.0, float("nan"), "loop"), "audio length"),
        ((2.0, 3.0, "loop", 0.5), "max duration"),
        ((2.0, 3.0, "loop", 301.0), "max duration"),
    ],
)
def test_output_duration_refuses(args: tuple[float, float, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        output_duration(*args)


@pytest.mark.parametrize("mode", SYNC_MODES)
@pytest.mark.parametrize(
    ("video", "audio", "case"), [("video2", "audio3", 0), ("video3", "audio2", 1)]
)
def test_both_streams_last_the_output_duration(
    media: dict[str, Path], tmp_path: Path, mode: str, video: str, audio: str, case: int
) -> None:
    result, dest = run(media, tmp_path, video, audio, mode)
    expected = EXPECTED[mode][case]
    out = measure(dest)
    assert result.duration == pytest.approx(expected, abs=FRAME)
    # The file itself, decoded: as many pictures and as much sound as the table says.
    assert len(decoded_frames(dest)) == round(expected * FPS)
    samples, rate = decoded_audio(dest)
    assert len(samples) / rate == pytest.approx(expected, abs=2 * FRAME)
    assert result.video_seconds == pytest.approx(float(video[-1]), abs=FRAME)
    assert result.audio_seconds == pytest.approx(float(audio[-1]), abs=0.01)
    assert out.fps == FPS
    assert result.frames == out.frames == round(expected * FPS)
    assert abs(out.video_seconds - expected) <= FRAME
    assert abs(out.audio_seconds - expected) <= FRAME
    assert (out.audio_codec, out.audio_rate, out.audio_channels) == ("aac", 48_000, 2)
    assert (out.width, out.height) == (result.width, result.height) == (854, 480)


# ---------------------------------------------------------------------------- pictures


def test_loop_starts_the_video_again(media: dict[str, Path], tmp_path: Path) -> None:
    _, dest = run(media, tmp_path, "video2", "audio3", "loop")
    shown = indices(decoded_frames(dest))
    assert shown[:48] == list(range(48))
    assert shown[48:] == list(range(24))  # after the video's 2 s end: its start again


def test_bounce_plays_the_video_backwards(media: dict[str, Path], tmp_path: Path) -> None:
    _, dest = run(media, tmp_path, "video2", "audio3", "bounce")
    shown = indices(decoded_frames(dest))
    assert shown[:48] == list(range(48))
    assert shown[48:] == list(range(46, 22, -1))


def test_remap_stretches_the_video_to_the_audio(media: dict[str, Path], tmp_path: Path) -> None:
    result, dest = run(media, tmp_path, "video2", "audio3", "remap")
    assert result.frames == round(3.0 * FPS)
    shown = indices(decoded_frames(dest))
    # 48 source frames over 72 output frames: each shown once or twice, in order, all used.
    assert shown == sorted(shown)
    assert set(shown) == set(range(48))
    assert shown[36] == 24  # half way through the output, half way through the video

    _, squeezed = run(media, tmp_path, "video3", "audio2", "remap")
    shown = indices(decoded_frames(squeezed))
    assert len(shown) == 48
    assert shown == [k * 72 // 48 for k in range(48)]


def test_cut_off_and_silence_play_straight(media: dict[str, Path], tmp_path: Path) -> None:
    _, dest = run(media, tmp_path, "video3", "audio2", "cut_off")
    assert indices(decoded_frames(dest)) == list(range(48))
    _, dest = run(media, tmp_path, "video3", "audio2", "silence")
    assert indices(decoded_frames(dest)) == list(range(72))


def test_output_heights(media: dict[str, Path], tmp_path: Path) -> None:
    result, dest = run(media, tmp_path, "video2", "audio2", "cut_off", output_height=720)
    assert (result.width, result.height) == (1280, 720)
    assert (measure(dest).width, measure(dest).height) == (1280, 720)


@pytest.mark.parametrize("carried", ["h264 message", "display matrix"])
def test_display_rotation_is_applied(media: dict[str, Path], tmp_path: Path, carried: str) -> None:
    if carried == "display matrix":  # in the container, as phones write it
        phone = write_clip(tmp_path / "phone.mp4", 2.0, rotation=90)
    else:
        phone = write_rotated_clip(tmp_path / "phone.mp4", media["video2"])
    for mode in ("loop", "bounce"):  # decoded straight, and via the bounce store
        dest = tmp_path / f"{mode}.mp4"
        result = lipsync(phone, media["audio3"], dest, sync_mode=mode, output_height=480)
        assert (result.width, result.height) == (270, 480)
        frames = decoded_frames(dest)
        assert frames[0].shape == (480, 270, 3)
        shown = [frame_index(np.rot90(frame, -1)) for frame in frames]
        assert shown[:48] == list(range(48))


@pytest.mark.parametrize(("rotation", "width"), [(0, 854), (90, 270)])
def test_non_square_pixels_are_shown_at_their_shape(
    media: dict[str, Path], tmp_path: Path, rotation: int, width: int
) -> None:
    # PAL widescreen in miniature: 180x144 stored, of 64:45 pixels, is 16:9 on screen.
    source = write_clip(
        tmp_path / "pal.mp4",
        0.5,
        size=(180, 144),
        sample_aspect=Fraction(64, 45),
        rotation=rotation,
    )
    dest = tmp_path / "out.mp4"
    result = lipsync(source, media["audio2"], dest, sync_mode="cut_off", output_height=480)
    out = measure(dest)
    assert (out.width, out.height) == (result.width, result.height) == (width, 480)


def test_a_video_cut_from_a_minute_in_lasts_its_own_length(
    media: dict[str, Path], tmp_path: Path
) -> None:
    # Matroska states its length from time 0: a clip cut from 60 s to 61 s says 61 s.
    cut = write_clip(tmp_path / "cut.mkv", 1.0, start=60.0)
    voice = write_audio(tmp_path / "voice.wav", 1.5)
    dest = tmp_path / "out.mp4"
    result = lipsync(cut, voice, dest, sync_mode="loop", output_height=480)
    assert result.video_seconds == pytest.approx(1.0, abs=FRAME)
    assert indices(decoded_frames(dest)) == list(range(24)) + list(range(12))


def test_bounce_prepares_only_what_the_output_shows(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored: list[VideoFrame] = []
    add = lipsync_module._FrameStore.add

    def counted(store: lipsync_module._FrameStore, frame: VideoFrame) -> None:
        stored.append(frame)
        add(store, frame)

    monkeypatch.setattr(lipsync_module._FrameStore, "add", counted)
    _, dest = run(media, tmp_path, "video2", "audio3", "bounce", max_duration=1.0)
    assert indices(decoded_frames(dest)) == list(range(24))
    assert len(stored) == 24  # not the video's 48


def test_a_one_frame_video_is_decoded_once_however_long_the_loop(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    still = write_clip(tmp_path / "still.mp4", FRAME)
    passes: list[Path] = []
    frames = SourceVideo.frames

    def counted(source: SourceVideo) -> Iterator[tuple[float, VideoFrame]]:
        passes.append(source.path)
        return frames(source)

    monkeypatch.setattr(SourceVideo, "frames", counted)
    dest = tmp_path / "out.mp4"
    result = lipsync(still, media["audio3"], dest, sync_mode="loop", output_height=480)
    assert result.frames == 72
    assert indices(decoded_frames(dest)) == [0] * 72
    # One look at the first frame's rotation, one pass decoding it; not one per frame.
    assert len(passes) <= 2


def test_an_untagged_hd_video_keeps_its_colours(media: dict[str, Path], tmp_path: Path) -> None:
    # Untagged HD is BT.709 to players; read as BT.601 its greens would come out dull.
    green = (60, 180, 60)
    source = write_clip(tmp_path / "hd.mp4", 0.25, size=(1280, 720), picture=flat_picture([green]))
    dest = tmp_path / "out.mp4"
    lipsync(source, media["audio2"], dest, sync_mode="cut_off", output_height=480)
    shown = as_shown(dest).rgb
    assert np.abs(shown[200:280, 300:550].reshape(-1, 3).mean(axis=0) - green).max() <= 4


def test_frame_rate_is_capped_at_30(tmp_path: Path, media: dict[str, Path]) -> None:
    fast = write_clip(tmp_path / "fast.mp4", 1.0, fps=60)
    result = lipsync(fast, media["audio2"], tmp_path / "out.mp4", sync_mode="cut_off")
    out = measure(tmp_path / "out.mp4")
    assert result.fps == 30.0
    assert out.fps == 30
    assert result.frames == out.frames == 30
    # Every other source frame: the picture keeps time with the audio.
    assert indices(decoded_frames(tmp_path / "out.mp4"))[:5] == [0, 2, 4, 6, 8]


def test_max_duration_cuts(media: dict[str, Path], tmp_path: Path) -> None:
    result, dest = run(media, tmp_path, "video2", "audio3", "loop", max_duration=1.0)
    out = measure(dest)
    assert result.duration == pytest.approx(1.0)
    assert out.frames == 24
    assert abs(out.audio_seconds - 1.0) <= FRAME


# ---------------------------------------------------------------------------- sound


def test_silence_pads_short_audio(media: dict[str, Path], tmp_path: Path) -> None:
    _, dest = run(media, tmp_path, "video3", "audio2", "silence")
    samples, rate = decoded_audio(dest)
    assert rms(samples, rate, 0.5, 1.9) > 0.05
    assert rms(samples, rate, 2.1, 3.0) < 1e-3


def test_loop_and_bounce_repeat_short_audio(media: dict[str, Path], tmp_path: Path) -> None:
    # The tone gets louder over its 2 s: looped it starts quiet again, bounced it fades.
    _, looped = run(media, tmp_path, "video3", "audio2", "loop")
    samples, rate = decoded_audio(looped)
    assert rms(samples, rate, 2.05, 2.25) < 0.5 * rms(samples, rate, 1.75, 1.95)
    _, bounced = run(media, tmp_path, "video3", "audio2", "bounce")
    samples, rate = decoded_audio(bounced)
    late = rms(samples, rate, 2.05, 2.25)
    assert late == pytest.approx(rms(samples, rate, 1.75, 1.95), rel=0.15)
    assert rms(samples, rate, 2.75, 2.95) < 0.8 * late


@pytest.mark.parametrize("suffix", ["mp3", "m4a", "ogg", "flac", "wav"])
def test_audio_formats(media: dict[str, Path], tmp_path: Path, suffix: str) -> None:
    sound = write_audio(tmp_path / f"voice.{suffix}", 1.5)
    result = lipsync(
        media["video2"], sound, tmp_path / "out.mp4", sync_mode="remap", output_height=480
    )
    assert result.audio_seconds == pytest.approx(1.5, abs=0.01)
    assert result.frames == 36
    samples, rate = decoded_audio(tmp_path / "out.mp4")
    assert rms(samples, rate, 0.5, 1.4) > 0.05


def test_a_video_file_can_be_the_audio(media: dict[str, Path], tmp_path: Path) -> None:
    result, dest = run(media, tmp_path, "video3", "video2", "remap")
    assert result.audio_seconds == pytest.approx(2.0, abs=0.03)
    assert measure(dest).frames == 48


def test_progress_runs_from_zero_to_one(media: dict[str, Path], tmp_path: Path) -> None:
    seen: list[float] = []
    lipsync(
        media["video2"],
        media["audio3"],
        tmp_path / "out.mp4",
        sync_mode="bounce",
        output_height=480,
        on_progress=seen.append,
    )
    assert seen == sorted(seen)
    assert seen[-1] == 1.0
    assert len(seen) > 10


# ---------------------------------------------------------------------------- refusals


def test_bad_inputs_are_refused(media: dict[str, Path], tmp_path: Path) -> None:
    dest = tmp_path / "out.mp4"
    with pytest.raises(ValueError, match="no audio stream"):
        lipsync(media["video2"], media["video3"], dest, sync_mode="loop")
    with pytest.raises(ValueError, match="no video stream"):
        lipsync(media["audio2"], media["audio3"], dest, sync_mode="loop")
    text = tmp_path / "notes.mp3"
    text.write_text("no sound in here")
    with pytest.raises(ValueError, match="not a decodable audio file"):
        lipsync(media["video2"], text, dest, sync_mode="loop")
    with pytest.raises(ValueError, match="unknown sync mode"):
        lipsync(media["video2"], media["audio2"], dest, sync_mode="stretch")
    with pytest.raises(ValueError, match="480 or 720"):
        lipsync(media["video2"], media["audio2"], dest, sync_mode="loop", output_height=1080)
    with pytest.raises(ValueError, match="max duration"):
        lipsync(media["video2"], media["audio2"], dest, sync_mode="loop", max_duration=0.2)
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == [text]  # no scratch files left behind
