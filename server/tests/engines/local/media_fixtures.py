"""Real media files for the local engines' tests, written with PyAV and Pillow.

Video frames carry their own index (binary, as bands on the left half), so a test can
tell which source frame an output frame shows after scaling and re-encoding. Audio is a
tone whose loudness ramps up over the clip, so a test can tell forwards from backwards.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import numpy as np
from av.audio.stream import AudioStream
from av.bitstream import BitStreamFilterContext
from av.container import OutputContainer
from av.video.reformatter import Colorspace
from numpy.typing import NDArray

U8 = NDArray[np.uint8]
F32 = NDArray[np.float32]
F64 = NDArray[np.float64]

INDEX_BITS = 8  # frame indices up to 255
DARK, LIGHT = 40, 215


# ---------------------------------------------------------------------------- images


def photo_scene(
    width: int, height: int, *, seed: int = 3, backdrop: str = "gradient", near: bool = False
) -> tuple[U8, NDArray[np.bool_]]:
    """A photo-like picture and its true subject mask.

    The backdrop is a noisy gradient ("gradient"), a wall meeting a floor ("two_tone"),
    or the gradient with the subject reaching the bottom edge ("touching"). The subject is
    a lobed blob, textured and striped, or with `near`, a grey-blue one only a few shades
    off the backdrop.
    """
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    if backdrop == "two_tone":
        wall, floor = np.array([90, 120, 170]), np.array([150, 110, 80])
        base = np.where((y < height * 0.62)[..., None], wall, floor).astype(np.float32)
        ground = base + (x / width)[..., None] * 30
    else:
        tilt = (x / width) * 30 - (y / height) * 40
        ground = np.array([200, 205, 215], np.float32) + tilt[..., None] * np.array(
            [1.0, 0.8, 0.5], np.float32
        )
    ground = ground + rng.normal(0, 6, (height, width, 3))

    cx, cy, radius = width * 0.52, height * 0.5, min(width, height) * 0.3
    if backdrop == "touching":
        cy = height * 0.75
    angle = np.arctan2(y - cy, x - cx)
    outline = radius * (1 + 0.12 * np.sin(3 * angle) + 0.05 * np.cos(5 * angle))
    subject = np.hypot(x - cx, y - cy) < outline
    if backdrop == "touching":
        subject |= (np.abs(x - cx) < radius * 0.7) & (y > cy)
    if near:
        weave = (np.sin(x / 9) * np.cos(y / 11))[..., None] * 8
        body = np.array([172, 182, 200], np.float32) + rng.normal(0, 6, (height, width, 3)) + weave
    else:
        body = np.stack(
            [
                120 + 80 * np.sin(x / 23),
                60 + 40 * np.cos(y / 17),
                40 + 30 * np.sin((x + y) / 31),
            ],
            axis=-1,
        ) + rng.normal(0, 10, (height, width, 3))
        stripe = np.abs(y - cy) < radius * 0.15
        body[stripe] = np.array([230, 220, 60]) + rng.normal(0, 8, (int(stripe.sum()), 3))
    picture = np.where(subject[..., None], body, ground)
    return np.clip(picture, 0, 255).astype(np.uint8), subject


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims `width` x `height` but whose pixels are a stub."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    stub = zlib.compress(b"\x00" * 16)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", stub) + chunk(b"IEND", b"")
    )
    return path


# ---------------------------------------------------------------------------- video


def indexed_frame(index: int, width: int, height: int) -> U8:
    """Frame `index`: its bits as dark/light bands on the left half, a moving bar on the
    right half."""
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    for bit in range(INDEX_BITS):
        rows = slice(bit * height // INDEX_BITS, (bit + 1) * height // INDEX_BITS)
        frame[rows, : width // 2] = LIGHT if index >> bit & 1 else DARK
    frame[:, width // 2 :, 2] = 60
    bar = width // 2 + (index * 3) % max(1, width // 2 - 4)
    frame[:, bar : bar + 4] = (255, 200, 0)
    return frame


def frame_index(rgb: U8) -> int:
    """The index an `indexed_frame` carries, read from the middle of each band."""
    height, width = rgb.shape[:2]
    index = 0
    for bit in range(INDEX_BITS):
        top, bottom = bit * height // INDEX_BITS, (bit + 1) * height // INDEX_BITS
        inset = (bottom - top) // 4
        band = rgb[top + inset : bottom - inset, width // 16 : 7 * width // 16]
        if float(band.mean()) > (LIGHT + DARK) / 2:
            index |= 1 << bit
    return index


def ramp_tone(seconds: float, rate: int, *, hz: float = 440.0) -> F32:
    """A sine whose amplitude ramps from 0.05 to 0.5 over `seconds`."""
    t = np.arange(round(seconds * rate)) / rate
    envelope = 0.05 + 0.45 * t / max(seconds, 1e-9)
    return (envelope * np.sin(2 * np.pi * hz * t)).astype(np.float32)


# Matrix tags (FFmpeg's AVColorSpace) and the swscale matrix that makes pixels so tagged.
_MATRICES = {1: Colorspace.ITU709, 5: Colorspace.ITU601, 6: Colorspace.ITU601, 9: Colorspace.BT2020}


def write_clip(
    path: Path,
    seconds: float,
    *,
    fps: int = 24,
    size: tuple[int, int] = (160, 90),
    audio: str | None = None,
    audio_seconds: float | None = None,
    pix_fmt: str = "yuv420p",
    form: str | None = None,
    start: float = 0.0,
    rotation: int = 0,
    sample_aspect: Fraction | None = None,
    colours: tuple[int, int, int] | None = None,
    picture: Callable[[int, int, int], U8] = indexed_frame,
) -> Path:
    """A video of `indexed_frame`s (or of `picture(index, width, height)`).

    `audio` names a codec ("aac", "pcm_s16le", ...); `form` a container format other
    than the suffix's. Both streams' timestamps begin at `start` seconds, as a live
    recording's or a cut segment's do. `rotation` is a display matrix in degrees
    counterclockwise, stored in the container as a phone stores it; `sample_aspect` is
    the shape of a stored pixel. `colours` tags the stream (matrix, primaries, transfer
    as FFmpeg numbers them) and converts its pixels with that matrix; without it the
    stream is untagged, its pixels made in the matrix players assume for its size
    (BT.709 from 1280 wide or over 576 high, BT.601 below), as cameras make them.
    """
    count = round(seconds * fps)
    with av.open(str(path), mode="w", format=form) as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height = size
        stream.pix_fmt = pix_fmt
        if sample_aspect is not None:
            stream.codec_context.sample_aspect_ratio = sample_aspect
        if rotation:
            stream.set_display_rotation(rotation)
        matrix = _guessed_matrix(*size)
        if colours is not None:
            context = stream.codec_context
            context.colorspace, context.color_primaries, context.color_trc = colours
            matrix = _MATRICES[colours[0]]
        sound = cast(AudioStream, container.add_stream(audio, rate=48_000)) if audio else None
        if sound is not None:
            sound.layout = "stereo"
        first = round(start * fps)
        for index in range(count):
            rgb = av.VideoFrame.from_ndarray(picture(index, *size), format="rgb24")
            frame = rgb.reformat(format=pix_fmt, dst_colorspace=matrix)
            frame.pts, frame.time_base = first + index, Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
        if sound is not None:
            tone = ramp_tone(seconds if audio_seconds is None else audio_seconds, 48_000)
            _encode_audio(container, sound, tone, 48_000, start=start)
    return path


def _guessed_matrix(width: int, height: int) -> Colorspace:
    """The matrix players (mpv, VLC) assume for an untagged video of this size."""
    return Colorspace.ITU709 if width >= 1280 or height > 576 else Colorspace.ITU601


def flat_picture(colours: list[tuple[int, int, int]]) -> Callable[[int, int, int], U8]:
    """A `picture` for `write_clip`: vertical stripes of flat colour, the same each frame."""

    def draw(_: int, width: int, height: int) -> U8:
        frame = np.zeros((height, width, 3), dtype=np.uint8)
        for k, colour in enumerate(colours):
            frame[:, k * width // len(colours) : (k + 1) * width // len(colours)] = colour
        return frame

    return draw


def write_vfr_clip(path: Path, stamps_ms: list[int], size: tuple[int, int] = (160, 90)) -> Path:
    """A variable-frame-rate Matroska video: frame i shown at stamps_ms[i]."""
    with av.open(str(path), mode="w", format="matroska") as container:
        stream = container.add_stream("libx264", rate=30, options={"preset": "ultrafast"})
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for index, stamp in enumerate(stamps_ms):
            frame = av.VideoFrame.from_ndarray(indexed_frame(index, *size), format="rgb24")
            frame.pts, frame.time_base = stamp, Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def write_rotated_clip(path: Path, source: Path) -> Path:
    """`source` (H.264) remuxed to show a quarter turn counterclockwise, as a phone held
    upright records: the pictures are stored landscape, a rotation says how to show them.

    The rotation travels as an H.264 display-orientation message, which FFmpeg reports
    as the decoded frame's `rotation`, as it does a phone video's display matrix.
    """
    with av.open(str(source)) as reader, av.open(str(path), mode="w") as writer:
        stream = reader.streams.video[0]
        output = writer.add_stream_from_template(stream)
        rotate = BitStreamFilterContext(
            "h264_metadata=display_orientation=insert:rotate=90", stream
        )
        for packet in reader.demux(stream):
            for rotated in rotate.filter(packet if packet.size else None):
                rotated.stream = output
                writer.mux(rotated)
    return path


AUDIO_FORMATS = {
    # suffix: (container format, codec, sample rate)
    "wav": ("wav", "pcm_s16le", 44_100),
    "mp3": ("mp3", "libmp3lame", 44_100),
    "m4a": ("ipod", "aac", 44_100),
    "ogg": ("ogg", "libopus", 48_000),
    "flac": ("flac", "flac", 44_100),
}


def write_audio(path: Path, seconds: float) -> Path:
    """A mono ramped tone in the format the file's suffix names (see AUDIO_FORMATS)."""
    form, codec, rate = AUDIO_FORMATS[path.suffix.lstrip(".")]
    with av.open(str(path), mode="w", format=form) as container:
        stream = cast(AudioStream, container.add_stream(codec, rate=rate))
        stream.layout = "mono"
        _encode_audio(container, stream, ramp_tone(seconds, rate), rate)
    return path


def _encode_audio(
    container: OutputContainer,
    stream: AudioStream,
    samples: F32,
    rate: int,
    *,
    start: float = 0.0,
) -> None:
    channels = stream.layout.nb_channels
    planes = np.repeat(samples[None], channels, axis=0)
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(planes), format="fltp", layout=stream.layout.name
    )
    frame.sample_rate, frame.pts, frame.time_base = rate, round(start * rate), Fraction(1, rate)
    container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


# ---------------------------------------------------------------------------- reading


@dataclass
class Streams:
    """A written file as measured independently of the code under test."""

    width: int
    height: int
    fps: Fraction
    frames: int
    video_seconds: float  # frames / fps
    audio_codec: str | None
    audio_seconds: float  # the audio stream's stated duration
    audio_rate: int
    audio_channels: int


def measure(path: Path) -> Streams:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        rate = video.average_rate
        assert rate is not None
        frames = sum(1 for packet in container.demux(video) if packet.size)
        codec, seconds, sample_rate, channels = None, 0.0, 0, 0
        if container.streams.audio:
            audio = container.streams.audio[0]
            codec = audio.codec_context.name
            assert audio.duration is not None and audio.time_base is not None
            seconds = float(audio.duration * audio.time_base)
            sample_rate = audio.codec_context.sample_rate
            channels = audio.codec_context.channels
        return Streams(
            width=video.codec_context.width,
            height=video.codec_context.height,
            fps=Fraction(rate),
            frames=frames,
            video_seconds=frames / float(rate),
            audio_codec=codec,
            audio_seconds=seconds,
            audio_rate=sample_rate,
            audio_channels=channels,
        )


def decoded_frames(path: Path) -> list[U8]:
    """Every video frame as RGB (test clips are tiny)."""
    with av.open(str(path)) as container:
        return [cast(U8, frame.to_ndarray(format="rgb24")) for frame in container.decode(video=0)]


def frame_times(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        return [float(frame.time or 0.0) for frame in container.decode(video=0)]


def movie_seconds(path: Path) -> float:
    """An MP4's length as players read it: the movie header's duration, edit lists and
    all (an empty edit before the first frame counts)."""
    data = path.read_bytes()
    at = data.index(b"mvhd")
    if data[at + 4] == 0:
        scale, length = struct.unpack(">II", data[at + 16 : at + 24])
    else:
        scale, length = struct.unpack(">IQ", data[at + 24 : at + 36])
    return float(length / scale)


@dataclass(frozen=True)
class Shown:
    """A video's first frame as a player shows it, with the tags it went by."""

    rgb: U8
    matrix: int
    primaries: int
    transfer: int
    sample_aspect: Fraction | None


def as_shown(path: Path) -> Shown:
    """The first frame decoded as a player decodes it: with the matrix its tag names, or
    untagged, the one players guess from the size (BT.709 from 1280 wide or over 576
    high, else BT.601)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frame = next(container.decode(stream))
        guess = _guessed_matrix(frame.width, frame.height)
        matrix = _MATRICES.get(frame.colorspace, guess)
        rgb = frame.reformat(format="rgb24", src_colorspace=matrix).to_ndarray()
        return Shown(
            rgb=cast(U8, rgb),
            matrix=frame.colorspace,
            primaries=frame.color_primaries,
            transfer=frame.color_trc,
            sample_aspect=stream.sample_aspect_ratio,
        )


def decoded_audio(path: Path) -> tuple[F64, int]:
    """The first audio stream, mixed to mono, and its sample rate."""
    mono: list[F64] = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        for frame in container.decode(stream):
            data = frame.to_ndarray().astype(np.float64)
            if not frame.format.is_planar:  # one row of interleaved channels
                data = data.reshape(-1, frame.layout.nb_channels).T
            mono.append(data.mean(axis=0))
    return (np.concatenate(mono) if mono else np.zeros(0)), rate


def rms(samples: F64, rate: int, start: float, stop: float) -> float:
    window = samples[round(start * rate) : round(stop * rate)]
    return float(np.sqrt(np.mean(window**2))) if window.size else 0.0
