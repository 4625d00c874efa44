"""The local video renderer: every mode writes a real H.264 MP4 of the exact size, rate and
duration, read back both with `probe` and by decoding every frame here with PyAV."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import numpy as np
import pytest
from av.video.frame import VideoFrame
from numpy.typing import NDArray
from PIL import Image

from genfire_server.engines.local import video
from genfire_server.engines.local._video_frames import cover_box, cover_resize
from genfire_server.engines.local._video_io import (
    SourceVideo,
    frame_to_rgb,
    load_image,
    resample_times,
)
from genfire_server.engines.local._video_scene import Scene
from tests.engines.local import media_fixtures as fixtures

U8 = NDArray[np.uint8]
ASPECTS = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21")
# (width, height) per aspect ratio, for 480p, 720p, 1080p and 4k.
EXPECTED_SIZES = {
    "16:9": [(854, 480), (1280, 720), (1920, 1080), (3840, 2160)],
    "9:16": [(480, 854), (720, 1280), (1080, 1920), (2160, 3840)],
    "1:1": [(480, 480), (720, 720), (1080, 1080), (2160, 2160)],
    "4:3": [(640, 480), (960, 720), (1440, 1080), (2880, 2160)],
    "3:4": [(480, 640), (720, 960), (1080, 1440), (2160, 2880)],
    "21:9": [(1120, 480), (1680, 720), (2520, 1080), (5040, 2160)],
    "9:21": [(480, 1120), (720, 1680), (1080, 2520), (2160, 5040)],
}
RESOLUTIONS = ("480p", "720p", "1080p", "4k")


# ---------------------------------------------------------------------------- helpers


@dataclass
class Decoded:
    width: int
    height: int
    fps: Fraction
    frames: list[U8] = field(default_factory=list)  # only the indices asked for
    count: int = 0
    audio_streams: int = 0
    audio_seconds: float = 0.0
    audio_peak: float = 0.0
    audio_rms: float = 0.0


def decode(path: Path, keep: Callable[[int], bool] = lambda _: False) -> Decoded:
    """Decode every video frame (and all audio) independently of the code under test."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.average_rate is not None
        out = Decoded(stream.codec_context.width, stream.codec_context.height, stream.average_rate)
        for frame in container.decode(stream):
            if keep(out.count):
                out.frames.append(cast(U8, frame.to_ndarray(format="rgb24")))
            out.count += 1
    with av.open(str(path)) as container:
        out.audio_streams = len(container.streams.audio)
        if out.audio_streams:
            audio = container.streams.audio[0]
            samples = 0
            peak, energy, values = 0.0, 0.0, 0
            for chunk in container.decode(audio):
                data = chunk.to_ndarray().astype(np.float64)
                samples += chunk.samples
                peak = max(peak, float(np.abs(data).max()))
                energy += float(np.sum(data**2))
                values += data.size
            out.audio_seconds = samples / audio.sample_rate
            out.audio_peak = peak
            out.audio_rms = (energy / max(values, 1)) ** 0.5
    return out


def check(
    path: Path,
    size: tuple[int, int],
    frames: int,
    audio: bool,
    keep: Callable[[int], bool] = lambda _: False,
) -> Decoded:
    """The file is exactly what was asked for, by `probe` and by a full decode."""
    info = video.probe(path)
    assert (info.width, info.height) == size
    assert info.fps == 24
    assert info.frames == frames
    assert abs(info.duration - frames / 24) < 1 / 24
    assert info.has_audio is audio

    decoded = decode(path, keep)
    assert (decoded.width, decoded.height) == size
    assert decoded.fps == 24
    assert decoded.count == frames
    assert decoded.audio_streams == (1 if audio else 0)
    if audio:
        assert abs(decoded.audio_seconds - frames / 24) < 0.1
        assert decoded.audio_peak < 10 ** (-1 / 20)  # below -1 dBFS
        assert decoded.audio_rms > 0.005  # an ambience, not silence
    return decoded


def render(
    tmp_path: Path, name: str = "out.mp4", /, **kwargs: object
) -> tuple[Path, video.VideoInfo]:
    request: dict[str, object] = {
        "mode": "text",
        "prompt": "a calm golden sunset over the hills",
        "model": "video.kling_v3",
        "aspect_ratio": "16:9",
        "resolution": "480p",
        "duration_seconds": 1.0,
        "audio": False,
    }
    request.update(kwargs)
    dest = tmp_path / name
    info = video.render_video(dest=dest, **request)  # type: ignore[arg-type]
    return dest, info


def mad(a: U8, b: U8) -> float:
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))


def save_image(path: Path, pixels: U8) -> Path:
    Image.fromarray(pixels).save(path)
    return path


def photo(width: int, height: int, seed: int) -> U8:
    """A smooth but structured test picture: gradients, a disc and a bar."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = rng.uniform(30, 220, size=3)
    tilt = rng.uniform(-120, 120, size=3)
    img = base + tilt * (x / width)[..., None] + tilt[::-1] * (y / height)[..., None] * 0.5
    cx, cy = rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height
    disc = (x - cx) ** 2 + (y - cy) ** 2 < (0.18 * height) ** 2
    img[disc] = rng.uniform(0, 255, size=3)
    img[int(height * 0.7) : int(height * 0.8), :] = rng.uniform(0, 255, size=3)
    picture: U8 = np.clip(img, 0, 255).astype(np.uint8)
    return picture


def texture(width: int, height: int, seed: int) -> U8:
    """A grey random-block texture: trackable by phase correlation, never magenta."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(40, 215, size=(height // 6 + 1, width // 6 + 1), dtype=np.uint8)
    grey = np.kron(blocks, np.ones((6, 6), dtype=np.uint8))[:height, :width]
    return np.repeat(grey[..., None], 3, axis=2)


def write_clip(
    path: Path,
    count: int,
    painter: Callable[[int], U8],
    *,
    fps: int = 30,
    audio: bool = False,
) -> Path:
    """A source video written with PyAV: `painter(i)` gives frame i."""
    first = painter(0)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height = first.shape[1], first.shape[0]
        stream.pix_fmt = "yuv420p"
        sound = container.add_stream("aac", rate=48000) if audio else None
        for i in range(count):
            frame = av.VideoFrame.from_ndarray(painter(i), format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
        if sound is not None:
            tone = 0.2 * np.sin(np.arange(48000 * count // fps) / 48000 * 2 * np.pi * 330)
            chunk = av.AudioFrame.from_ndarray(
                np.stack([tone, tone]).astype(np.float32), format="fltp", layout="stereo"
            )
            chunk.sample_rate = 48000
            container.mux(sound.encode(chunk))
            container.mux(sound.encode(None))
    return path


PAN = 2  # source pixels per source frame


def panning(width: int, height: int, count: int) -> Callable[[int], U8]:
    """Frames of a texture sliding to the right by PAN pixels a frame."""
    wide = texture(width + PAN * count, height, seed=7)

    def paint(i: int) -> U8:
        start = PAN * (count - i)  # content moves right as the window moves left
        return np.ascontiguousarray(wide[:, start : start + width])

    return paint


@pytest.fixture(scope="module")
def assets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("assets")
    pan = panning(320, 180, 60)
    still = texture(320, 180, seed=3)
    magenta = np.zeros((300, 240, 3), dtype=np.uint8)
    magenta[...] = (230, 30, 200)
    return {
        "photo": save_image(folder / "photo.png", photo(640, 480, seed=1)),
        "other": save_image(folder / "other.jpg", photo(500, 700, seed=2)),
        "red": save_image(folder / "red.png", np.full((200, 160, 3), (220, 30, 40), np.uint8)),
        "blue": save_image(folder / "blue.png", photo(300, 300, seed=5)),
        "magenta": save_image(folder / "magenta.png", magenta),
        # 2 s at 30 fps, so the renderer must resample to 24 fps; with a sound track.
        "pan": write_clip(folder / "pan.mp4", 60, pan, audio=True),
        "still": write_clip(folder / "still.mp4", 30, lambda _: still),
    }


def source_frame(clip: Callable[[int], U8], seconds: float, size: tuple[int, int]) -> U8:
    """What the source shows at `seconds` (30 fps), cover-fit like the renderer does."""
    picture = Image.fromarray(clip(int(seconds * 30 + 1e-6)))
    return np.asarray(cover_resize(picture, size))


def magenta_x(frame: U8) -> float | None:
    r, g, b = (frame[..., k].astype(np.int16) for k in range(3))
    hits = np.nonzero((r > 150) & (b > 130) & (g < 100))
    return float(hits[1].mean()) if hits[1].size > 200 else None


# ---------------------------------------------------------------------------- frame_size


@pytest.mark.parametrize("aspect", ASPECTS)
def test_frame_size_table(aspect: str) -> None:
    for resolution, expected in zip(RESOLUTIONS, EXPECTED_SIZES[aspect], strict=True):
        width, height = video.frame_size(aspect, resolution)
        assert (width, height) == expected
        assert width % 2 == 0 and height % 2 == 0
        assert min(width, height) == video.RESOLUTION_HEIGHTS[resolution]


def test_frame_size_default_resolution_is_720p() -> None:
    assert video.frame_size("16:9") == (1280, 720)


@pytest.mark.parametrize(
    ("aspect", "resolution", "named"),
    [
        ("16x9", "720p", "16x9"),
        ("0:9", "720p", "0:9"),
        ("16:0", "720p", "16:0"),
        ("wide", "720p", "wide"),
        ("10:1", "720p", "10:1"),
        ("16:9", "8k", "8k"),
        ("16:9", "", "''"),
    ],
)
def test_frame_size_rejects_bad_values(aspect: str, resolution: str, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        video.frame_size(aspect, resolution)


# ---------------------------------------------------------------------------- text


def test_text_with_audio(tmp_path: Path) -> None:
    dest, info = render(tmp_path, duration_seconds=2.0, audio=True)
    assert info == video.VideoInfo(854, 480, 24, 2.0, 48, True)
    decoded = check(dest, (854, 480), 48, audio=True, keep=lambda i: i in (0, 47))
    first, last = decoded.frames
    assert first.std() > 10  # a composition, not a flat fill
    assert mad(first, last) > 1  # it moves


def test_text_portrait_without_audio(tmp_path: Path) -> None:
    dest, _ = render(tmp_path, aspect_ratio="9:16", duration_seconds=1.5)
    check(dest, (480, 854), 36, audio=False)


def test_text_720p_five_seconds(tmp_path: Path) -> None:
    dest, info = render(
        tmp_path, resolution="720p", duration_seconds=5.0, audio=True, prompt="blue ocean"
    )
    assert info.duration == 5.0
    decoded = check(dest, (1280, 720), 120, audio=True, keep=lambda i: i == 60)
    r, _, b = (float(decoded.frames[0][..., k].mean()) for k in range(3))
    assert b > r  # "blue ocean" is blue


def test_text_4k(tmp_path: Path) -> None:
    dest, _ = render(tmp_path, resolution="4k", duration_seconds=1.0)
    check(dest, (3840, 2160), 24, audio=False)


def test_duration_is_exact_to_the_frame(tmp_path: Path) -> None:
    dest, info = render(tmp_path, duration_seconds=1.23)
    assert info.frames == round(1.23 * 24) == 30
    check(dest, (854, 480), 30, audio=False)


def test_same_request_same_video_and_prompts_differ(tmp_path: Path) -> None:
    one, _ = render(tmp_path, "one.mp4", duration_seconds=0.5)
    two, _ = render(tmp_path, "two.mp4", duration_seconds=0.5)
    other, _ = render(tmp_path, "other.mp4", duration_seconds=0.5, prompt="neon city lights")
    keep_first = decode(one, lambda i: i == 0).frames[0]
    assert one.read_bytes() == two.read_bytes()
    assert mad(keep_first, decode(other, lambda i: i == 0).frames[0]) > 10


# ---------------------------------------------------------------------------- image modes


def test_image_ken_burns_resembles_the_source(tmp_path: Path, assets: dict[str, Path]) -> None:
    dest, _ = render(tmp_path, mode="image", image=assets["photo"], duration_seconds=2.0)
    decoded = check(dest, (854, 480), 48, audio=False, keep=lambda i: i in (0, 24, 47))
    thumb = (48, 27)

    def best_crop(frame: U8, path: Path) -> float:
        """The closest any pan-and-zoom crop of the picture at `path` comes to `frame`."""
        picture = Image.open(path).convert("RGB")
        picture = picture.resize((picture.width // 4, picture.height // 4), Image.Resampling.BOX)
        small = np.asarray(Image.fromarray(frame).resize(thumb, Image.Resampling.BOX))
        return min(
            mad(small, np.asarray(picture.resize(thumb, Image.Resampling.BOX, box=box)))
            for zoom in np.linspace(1.0, 1.2, 6)
            for fx in np.linspace(0.0, 1.0, 9)
            for fy in np.linspace(0.0, 1.0, 9)
            for box in [cover_box(picture.size, (854, 480), zoom, fx, fy)]
        )

    for frame in decoded.frames:  # each frame is a crop of the source, not of another image
        own, unrelated = best_crop(frame, assets["photo"]), best_crop(frame, assets["other"])
        assert own < 6
        assert own < unrelated / 2
    assert mad(decoded.frames[0], decoded.frames[-1]) > 2  # the camera moved


def test_interpolate_goes_from_first_to_last(tmp_path: Path, assets: dict[str, Path]) -> None:
    dest, _ = render(
        tmp_path,
        mode="interpolate",
        first_frame=assets["photo"],
        last_frame=assets["other"],
        duration_seconds=2.0,
        audio=True,
    )
    decoded = check(dest, (854, 480), 48, audio=True, keep=lambda i: i in (0, 24, 47))
    first = np.asarray(cover_resize(Image.open(assets["photo"]).convert("RGB"), (854, 480)))
    last = np.asarray(cover_resize(Image.open(assets["other"]).convert("RGB"), (854, 480)))
    start, middle, end = decoded.frames
    assert mad(start, first) < 4
    assert mad(end, last) < 4
    assert mad(start, last) > 20
    assert mad(middle, first) > 8 and mad(middle, last) > 8


def test_reference_uses_the_references(tmp_path: Path, assets: dict[str, Path]) -> None:
    dest, _ = render(
        tmp_path,
        mode="reference",
        reference_images=[assets["red"], assets["blue"]],
        duration_seconds=2.0,
        audio=True,
    )
    decoded = check(dest, (854, 480), 48, audio=True, keep=lambda i: i in (0, 47))
    for frame in decoded.frames:
        r, g, b = (frame[..., k].astype(np.int16) for k in range(3))
        red_card = (np.abs(r - 220) < 30) & (g < 70) & (b < 80)
        assert red_card.mean() > 0.02  # the red reference is on screen as a card
    assert mad(decoded.frames[0], decoded.frames[1]) > 2  # the strip drifts


# ---------------------------------------------------------------------------- video modes


def test_edit_loops_a_short_source(tmp_path: Path, assets: dict[str, Path]) -> None:
    dest, _ = render(
        tmp_path,
        mode="edit",
        source_video=assets["pan"],
        duration_seconds=3.0,
        prompt="make it warm",
    )
    # The source has sound, but without `audio` the output has no audio stream.
    decoded = check(dest, (854, 480), 72, audio=False, keep=lambda i: i in (0, 24, 48))
    clip = panning(320, 180, 60)
    at = {s: source_frame(clip, s, (854, 480)) for s in (0.0, 1.0)}
    start, second, looped = decoded.frames
    assert mad(start, at[0.0]) < 25
    assert mad(start, at[0.0]) < mad(start, at[1.0]) - 5
    assert mad(second, at[1.0]) < mad(second, at[0.0]) - 5
    # 2 s source, 3 s output: at 2 s it starts over.
    assert mad(looped, at[0.0]) < mad(looped, at[1.0]) - 5


def test_edit_cuts_a_long_source(tmp_path: Path, assets: dict[str, Path]) -> None:
    dest, _ = render(
        tmp_path, mode="edit", source_video=assets["pan"], duration_seconds=1.0, audio=True
    )
    check(dest, (854, 480), 24, audio=True)


def test_extend_appends_the_requested_duration(tmp_path: Path, assets: dict[str, Path]) -> None:
    dest, info = render(
        tmp_path,
        mode="extend",
        source_video=assets["pan"],
        aspect_ratio="1:1",
        duration_seconds=1.0,
        audio=True,
    )
    source = video.probe(assets["pan"])
    assert info.duration == pytest.approx(source.duration + 1.0)
    decoded = check(dest, (480, 480), 72, audio=True, keep=lambda i: i in (0, 47, 48, 71))
    start, last_source, first_new, end = decoded.frames
    clip = panning(320, 180, 60)
    assert mad(start, source_frame(clip, 0.0, (480, 480))) < 8
    assert mad(last_source, first_new) < 4  # the continuation starts where the source ends
    assert mad(first_new, end) > 2  # and pushes in


def test_motion_follows_the_source(tmp_path: Path, assets: dict[str, Path]) -> None:
    dest, _ = render(
        tmp_path,
        mode="motion",
        image=assets["magenta"],
        source_video=assets["pan"],
        duration_seconds=2.0,
    )
    decoded = check(dest, (854, 480), 48, audio=False, keep=lambda _: True)
    clip = panning(320, 180, 60)
    # The background is the (lightly graded) source at the same moment.
    for index in (6, 30):
        frame = decoded.frames[index]
        here = source_frame(clip, index / 24, (854, 480))
        later = source_frame(clip, index / 24 + 0.4, (854, 480))
        left = slice(0, 200)  # away from the character's card
        assert mad(frame[:, left], here[:, left]) < mad(frame[:, left], later[:, left]) - 5
    # The source pans right, so the character does too.
    xs = [magenta_x(frame) for frame in decoded.frames]
    assert all(x is not None for x in xs)
    track = np.array(xs, dtype=np.float64)
    assert track[-1] - track[0] > 80
    assert np.mean(np.diff(track) > -0.5) > 0.9


def test_motion_character_stays_put_on_a_still_source(
    tmp_path: Path, assets: dict[str, Path]
) -> None:
    dest, _ = render(
        tmp_path,
        mode="motion",
        image=assets["magenta"],
        source_video=assets["still"],
        aspect_ratio="1:1",
        duration_seconds=1.5,
        audio=True,
    )
    decoded = check(dest, (480, 480), 36, audio=True, keep=lambda i: i in (0, 35))
    xs = [magenta_x(frame) for frame in decoded.frames]
    assert xs[0] is not None and xs[1] is not None
    assert abs(xs[1] - xs[0]) < 6


# ---------------------------------------------------------------------------- bad inputs


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims a size in its header: enough for the size check to refuse it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    text = folder / "notes.mp4"
    text.write_text("this is not a video")
    huge = folder / "huge.png"
    huge.write_bytes(_png_header(9000, 8000))  # 72 megapixels
    wide = write_clip(
        folder / "wide.mp4", 2, lambda _: np.zeros((16, 4098, 3), dtype=np.uint8), fps=24
    )
    long = write_clip(
        folder / "long.mp4", 610, lambda _: np.zeros((16, 16, 3), dtype=np.uint8), fps=1
    )
    truncated = folder / "truncated.mp4"
    whole = write_clip(folder / "whole.mp4", 30, lambda i: texture(64, 64, seed=i))
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    return {"text": text, "huge": huge, "wide": wide, "long": long, "truncated": truncated}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "dance"}, "mode"),
        ({"aspect_ratio": "5:0"}, "5:0"),
        ({"resolution": "240p"}, "240p"),
        ({"duration_seconds": 0.0}, "duration"),
        ({"duration_seconds": float("nan")}, "duration"),
        ({"duration_seconds": 0.01}, "one frame"),
        ({"duration_seconds": 601.0}, "limit"),
        ({"mode": "image"}, "image"),
        ({"mode": "interpolate", "first_frame": Path("x.png")}, "last_frame"),
        ({"mode": "reference"}, "reference_images"),
        ({"mode": "motion", "image": Path("x.png")}, "source_video"),
    ],
)
def test_bad_requests_raise_value_error(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        render(tmp_path, **kwargs)
    assert not (tmp_path / "out.mp4").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "image", "image": "text"}, "not a readable image"),
        ({"mode": "image", "image": "huge"}, "megapixel"),
        ({"mode": "edit", "source_video": "text"}, "not a decodable video"),
        ({"mode": "extend", "source_video": "huge"}, "video"),
        ({"mode": "edit", "source_video": "wide"}, "4096"),
        ({"mode": "extend", "source_video": "long"}, "minutes"),
        ({"mode": "interpolate", "first_frame": "huge", "last_frame": "huge"}, "megapixel"),
        ({"mode": "motion", "image": "text", "source_video": "truncated"}, "video"),
    ],
)
def test_bad_files_raise_value_error(
    tmp_path: Path, bad: dict[str, Path], kwargs: dict[str, str], message: str
) -> None:
    files = {key: bad[value] if key != "mode" else value for key, value in kwargs.items()}
    with pytest.raises(ValueError, match=message):
        render(tmp_path, **files)
    assert not (tmp_path / "out.mp4").exists()


def test_a_failure_part_way_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = Scene.render

    def failing(self: Scene, index: int) -> U8:
        if index == 10:
            raise RuntimeError("renderer broke")
        return original(self, index)

    monkeypatch.setattr(Scene, "render", failing)
    with pytest.raises(RuntimeError, match="renderer broke"):
        render(tmp_path, duration_seconds=1.0, audio=True)
    assert not (tmp_path / "out.mp4").exists()


def test_probe_refuses_a_non_video(bad: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="not a readable video"):
        video.probe(bad["text"])


# ---------------------------------------------------------------------------- source files


@pytest.mark.parametrize(
    ("name", "form", "start"),
    [("plain.mp4", None, 0.0), ("live.ts", "mpegts", 3600.0), ("cut.mkv", None, 60.0)],
)
def test_a_source_lasts_from_its_first_frame(
    tmp_path: Path, name: str, form: str | None, start: float
) -> None:
    # A live-stream segment stamped an hour in; a Matroska cut whose stated duration
    # runs from time 0.
    path = fixtures.write_clip(tmp_path / name, 1.0, form=form, start=start)
    source = SourceVideo(path)
    assert source.duration == pytest.approx(1.0, abs=1 / 24)
    stamps = [stamp for stamp, _ in source.frames()]
    assert len(stamps) == 24
    assert stamps[0] == 0.0


def test_a_looped_short_source_is_decoded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = fixtures.write_clip(tmp_path / "short.mp4", 0.25)  # 6 frames
    source = SourceVideo(clip)
    passes: list[int] = []
    frames = SourceVideo.frames

    def counted(self: SourceVideo) -> Iterator[tuple[float, VideoFrame]]:
        passes.append(1)
        return frames(self)

    monkeypatch.setattr(SourceVideo, "frames", counted)
    shown = [
        fixtures.frame_index(frame_to_rgb(f)) for f in resample_times(source, 30, 24, loop=True)
    ]
    assert shown == [k % 6 for k in range(30)]
    assert len(passes) == 1


def test_an_untagged_hd_source_is_read_as_players_read_it(tmp_path: Path) -> None:
    # Untagged HD is BT.709 to players; swscale alone would read it as BT.601.
    green = (60, 180, 60)
    clip = fixtures.write_clip(
        tmp_path / "hd.mp4", 1 / 24, size=(1280, 720), picture=fixtures.flat_picture([green])
    )
    _, frame = next(iter(SourceVideo(clip).frames()))
    rgb = frame_to_rgb(frame)
    assert np.abs(rgb[300:420, 500:700].reshape(-1, 3).mean(axis=0) - green).max() <= 3


def test_a_16_bit_greyscale_image_is_scaled_not_clipped(tmp_path: Path) -> None:
    grey = np.full((40, 60), 12_000, np.uint16)
    path = tmp_path / "grey16.png"
    Image.fromarray(grey).save(path)
    image = load_image(path)
    assert image.mode == "RGB"
    assert (np.asarray(image) == round(12_000 / 257)).all()
