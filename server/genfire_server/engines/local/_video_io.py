"""Files in and out of the local video engine: safe image and video readers, the encoder.

Everything goes through Pillow and PyAV (which bundles FFmpeg with x264 and AAC), so no
system ffmpeg is needed. Readers refuse inputs that would exhaust memory or time before
decoding them; the writer streams frames to the encoder one at a time.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import warnings
from collections.abc import Callable, Generator, Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import TypeVar, cast

import av
import av.error
import numpy as np
from av.audio.stream import AudioStream
from av.container import InputContainer, OutputContainer
from av.video.frame import VideoFrame
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc
from av.video.stream import VideoStream
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_IMAGE_PIXELS = 64_000_000
MAX_SOURCE_SIDE = 4096
MAX_SOURCE_SECONDS = 600.0
AUDIO_RATE = 48_000

# Formats a browser or phone produces; Pillow's exotic readers (EPS, PSD, ...) stay out.
_IMAGE_FORMATS = ("PNG", "JPEG", "MPO", "WEBP", "GIF", "BMP", "TIFF", "AVIF")
# FFmpeg demuxers that read a still image as a one-frame "video": not a source video.
_STILL_DEMUXERS = ("image2", "_pipe")

# Seconds a frame's timestamp may lie after the time it is picked for. Matroska stores
# times in whole milliseconds, so its frame 1 at 24 fps says 0.042 s, not 0.041667 s.
STAMP_SLACK = 1e-3
# A looped source up to this much decoded picture data is kept in memory between passes.
_LOOP_CACHE_BYTES = 96 << 20
# Frame colorspace tags (FFmpeg's AVColorSpace) swscale has a matrix for, as the
# reformatter's Colorspace values.
_MATRICES: dict[int, int] = {
    1: int(Colorspace.ITU709),  # BT.709
    4: int(Colorspace.FCC),
    5: int(Colorspace.ITU601),  # BT.470BG (625-line BT.601)
    6: int(Colorspace.SMPTE170M),  # 525-line BT.601
    7: int(Colorspace.SMPTE240M),
    9: int(Colorspace.BT2020),  # BT.2020 non-constant luminance
}

RGBArray = NDArray[np.uint8]
T = TypeVar("T")


def load_image(
    path: Path,
    *,
    role: str = "image",
    keep_alpha: bool = False,
    max_pixels: int = MAX_IMAGE_PIXELS,
    max_side: int | None = None,
    max_aspect: float | None = None,
) -> Image.Image:
    """Open an input image upright, refusing files that are not images or too large.

    The result is 8-bit RGB, or with `keep_alpha` RGBA when the file has transparency.
    Deeper greyscale (16-bit PNG, 32-bit and float TIFF) is scaled down to 8 bits, not
    clipped. An RGB ICC profile stays in `info["icc_profile"]`, so a caller that keeps
    the pixel values can keep their meaning. Every limit is checked on the header,
    before any pixel is decoded: `max_pixels` in all, and when given `max_side` on the
    longest side and `max_aspect` as long side over short side.
    """
    Image.init()
    known = [f for f in _IMAGE_FORMATS if f in Image.OPEN]
    limit = f"{max_pixels // 1_000_000} megapixel limit"
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own two bomb limits; here that is a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(path, formats=known)
        with opened:
            width, height = opened.size
            if width * height > max_pixels:
                raise ValueError(f"the {role} is {width}x{height}, over the {limit}")
            long_side, short_side = max(width, height), min(width, height)
            if max_side is not None and long_side > max_side:
                raise ValueError(
                    f"the {role} is {width}x{height}; at most {max_side} px on a side is supported"
                )
            if max_aspect is not None and long_side > max_aspect * max(short_side, 1):
                raise ValueError(
                    f"the {role} is {width}x{height}; shapes up to {max_aspect:g}:1 are supported"
                )
            profile = opened.info.get("icc_profile")
            upright = _eight_bit(ImageOps.exif_transpose(opened))
            if keep_alpha and ("A" in upright.getbands() or "transparency" in upright.info):
                result = upright.convert("RGBA")
            else:
                result = upright.convert("RGB")
            result.info.pop("icc_profile", None)
            # A profile describes the pixels as stored: only an RGB one still fits.
            if isinstance(profile, bytes) and profile[16:20] == b"RGB ":
                result.info["icc_profile"] = profile
            return result
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValueError(f"the {role} is over the {limit}") from None
    except UnidentifiedImageError:
        raise ValueError(f"the {role} is not a readable image (PNG, JPEG, WebP, ...)") from None
    except OSError as error:  # truncated or corrupt pixel data
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(f"the {role} could not be decoded ({error})") from None


def _eight_bit(image: Image.Image) -> Image.Image:
    """`image` with 16-bit, 32-bit or float greyscale scaled to 8-bit L (or LA).

    Pillow's own conversion clips those to 0..255, so a 16-bit photo comes out white.
    I;16 is 16-bit by definition. 32-bit integer and float images say nothing of their
    range, so it is taken from their values: float as 0..1, integer as 0..255, each
    widened to 0..65535 (then 0..2^31-1 for integers) when values go past it.
    """
    if image.mode not in ("I", "F") and not image.mode.startswith("I;16"):
        return image
    values = np.asarray(image)
    if values.dtype.byteorder not in ("=", "|"):
        values = values.astype(values.dtype.newbyteorder("="))
    values = values.astype(np.float64)
    peak = float(values.max()) if values.size else 0.0
    if image.mode.startswith("I;16"):
        top = 65535.0
    else:
        ranges = (1.0, 255.0, 65535.0) if image.mode == "F" else (255.0, 65535.0)
        top = next((bound for bound in ranges if peak <= bound), float(2**31 - 1))
    grey = np.clip(np.round(values * (255.0 / top)), 0, 255).astype(np.uint8)
    transparent = image.info.get("transparency")
    if isinstance(transparent, int):  # tRNS of a 16-bit greyscale PNG: one grey value
        alpha = np.where(values == transparent, 0, 255).astype(np.uint8)
        return Image.fromarray(np.dstack([grey, alpha]))  # two channels: LA
    return Image.fromarray(grey)


class SourceVideo:
    """A validated input video: its size, duration, and a fresh frame iterator per pass.

    `duration` runs from the first frame, whatever timestamp the file starts at (a
    live-stream segment can start hours in); `sample_aspect` is the width of a stored
    pixel over its height (1 for square pixels), `frame_rate` the stated average rate
    (0 when the file states none).
    """

    def __init__(self, path: Path, *, role: str = "source video") -> None:
        self.path = path
        self.role = role
        with self._open() as container:
            stream = self._video_stream(container)
            name = container.format.name
            if name == "image2" or any(part.endswith("_pipe") for part in name.split(",")):
                raise ValueError(f"the {role} is a still image, not a video")
            context = stream.codec_context
            self.width, self.height = context.width, context.height
            if self.width <= 0 or self.height <= 0:
                raise ValueError(f"the {role} has no picture size")
            if max(self.width, self.height) > MAX_SOURCE_SIDE:
                raise ValueError(
                    f"the {role} is {self.width}x{self.height}; at most "
                    f"{MAX_SOURCE_SIDE} px on a side is supported"
                )
            self.has_audio = bool(container.streams.audio)
            self.duration = self._duration(container, stream)
            ratio = stream.sample_aspect_ratio or context.sample_aspect_ratio
            self.sample_aspect = Fraction(ratio) if ratio and ratio > 0 else Fraction(1)
            rate = stream.average_rate or stream.guessed_rate
            self.frame_rate = float(rate) if rate else 0.0
        if self.duration > MAX_SOURCE_SECONDS:
            raise ValueError(
                f"the {role} lasts {self.duration:.0f} s; at most "
                f"{MAX_SOURCE_SECONDS / 60:.0f} minutes is supported"
            )

    def _open(self) -> InputContainer:
        if not self.path.is_file():
            raise FileNotFoundError(self.path)
        try:
            return av.open(str(self.path), mode="r")
        except av.error.FFmpegError as error:
            raise ValueError(f"the {self.role} is not a decodable video ({error})") from None

    def _video_stream(self, container: InputContainer) -> VideoStream:
        if not container.streams.video:
            raise ValueError(f"the {self.role} has no video stream")
        return container.streams.video[0]

    def _duration(self, container: InputContainer, stream: VideoStream) -> float:
        if stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
        if container.duration:
            # The container's duration runs from time 0, not from its first timestamp
            # (Matroska): a file cut from 60 s to 62 s would otherwise last 62 s.
            return max(container.duration - (container.start_time or 0), 0) / 1_000_000
        # Neither the stream nor the container says: walk the packets (no decoding).
        start: float | None = None
        end = 0.0
        try:
            for packet in container.demux(stream):
                if packet.pts is not None and packet.time_base is not None:
                    at = float(packet.pts * packet.time_base)
                    start = at if start is None else min(start, at)
                    end = max(end, at + float((packet.duration or 0) * packet.time_base))
                if start is not None and end - start > MAX_SOURCE_SECONDS:
                    break
        except av.error.FFmpegError as error:
            raise ValueError(f"the {self.role} is not a decodable video ({error})") from None
        if start is None or end - start <= 0:
            raise ValueError(f"the {self.role} has no frames")
        return end - start

    def turns(self) -> int:
        """The display rotation in counterclockwise quarter turns: the first frame's,
        which holds for the whole stream."""
        # frames() is a generator: closed here, its file is released at once.
        frames = cast(Generator[tuple[float, VideoFrame], None, None], self.frames())
        try:
            _, first = next(frames)
        finally:
            frames.close()
        return quarter_turns(first)

    def display_aspect(self, turns: int) -> float:
        """Width over height as shown: stored pixels stretched to square, then turned."""
        aspect = self.width * float(self.sample_aspect) / self.height
        return 1 / aspect if turns % 2 else aspect

    def frames(self) -> Iterator[tuple[float, VideoFrame]]:
        """Decoded frames with their time in seconds from the first frame."""
        with self._open() as container:
            stream = self._video_stream(container)
            stream.thread_type = "AUTO"  # frame threads: decoding 4k sources is the slow part
            start: float | None = None
            count = 0
            try:
                for frame in container.decode(stream):
                    if frame.pts is not None and frame.time_base is not None:
                        stamp = float(frame.pts * frame.time_base)
                    else:
                        rate = stream.average_rate or Fraction(24)
                        stamp = count / float(rate)
                    if start is None:
                        start = stamp
                    count += 1
                    if stamp - start > MAX_SOURCE_SECONDS:
                        raise ValueError(f"the {self.role} is longer than the supported limit")
                    yield stamp - start, frame
            except av.error.FFmpegError as error:
                raise ValueError(f"the {self.role} could not be decoded ({error})") from None
            if count == 0:
                raise ValueError(f"the {self.role} has no decodable frames")


def scale_rgb(rgb: RGBArray, size: tuple[int, int]) -> RGBArray:
    """`rgb` resized to `size` by swscale (bicubic), as a new writable array."""
    scaled = VideoFrame.from_ndarray(rgb, format="rgb24").reformat(
        width=size[0], height=size[1], format="rgb24", interpolation="BICUBIC"
    )
    return np.array(scaled.to_ndarray(), dtype=np.uint8)


def quarter_turns(frame: VideoFrame) -> int:
    """The frame's display rotation as counterclockwise quarter turns, 0 to 3."""
    return round(frame.rotation / 90) % 4


def source_matrix(frame: VideoFrame) -> int | None:
    """The YUV matrix (a reformatter `Colorspace`) players decode `frame` with, or None
    for an RGB or palette frame, which has none.

    A tagged frame says; an untagged one gets the guess players make from its size
    (mpv, VLC): BT.709 from 1280 wide or over 576 high, BT.601 below. swscale would
    assume BT.601 at any size, so an untagged HD video would shift colour.
    """
    if frame.format.is_rgb or frame.format.name == "pal8":
        return None
    known = _MATRICES.get(frame.colorspace)
    if known is not None:
        return known
    hd = frame.width >= 1280 or frame.height > 576
    return int(Colorspace.ITU709 if hd else Colorspace.ITU601)


def _rgb(frame: VideoFrame) -> RGBArray:
    converted = frame.reformat(format="rgb24", src_colorspace=source_matrix(frame))
    return cast(RGBArray, converted.to_ndarray())


def frame_to_rgb(frame: VideoFrame) -> RGBArray:
    """An upright RGB array of a decoded frame (phone videos carry a display rotation)."""
    rgb = _rgb(frame)
    turns = quarter_turns(frame)
    # The display matrix rotates counterclockwise, as np.rot90 does for positive turns.
    return np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb


def turned(frame: VideoFrame, turns: int) -> VideoFrame:
    """`frame` as RGB turned `turns` quarter turns counterclockwise, as a display matrix
    turns it, keeping its timestamp and its primaries and transfer tags."""
    rgb = np.ascontiguousarray(np.rot90(_rgb(frame), turns))
    upright = VideoFrame.from_ndarray(rgb, format="rgb24")
    upright.pts, upright.time_base = frame.pts, frame.time_base
    upright.color_primaries, upright.color_trc = frame.color_primaries, frame.color_trc
    return upright


def resample_times(
    source: SourceVideo, count: int, fps: int, *, loop: bool
) -> Iterator[VideoFrame]:
    """`count` frames at `fps` showing, for each output time, the latest source frame.

    With `loop`, the source starts over when it ends; otherwise its last frame is held.
    The same VideoFrame object repeats while it stays on screen, so callers can cache
    whatever they compute from it. A looped source whose frames fit in
    `_LOOP_CACHE_BYTES` is decoded once and replayed from memory: a one-frame clip
    under minutes of audio would otherwise be opened again for every output frame.
    """
    produced = 0
    last: VideoFrame | None = None
    kept: list[tuple[float, VideoFrame]] | None = [] if loop else None
    kept_bytes = 0
    replay: list[tuple[float, VideoFrame]] | None = None
    while produced < count:
        base = produced
        for stamp, frame in source.frames() if replay is None else replay:
            if kept is not None:
                kept_bytes += sum(plane.buffer_size for plane in frame.planes)
                if kept_bytes <= _LOOP_CACHE_BYTES:
                    kept.append((stamp, frame))
                else:
                    kept = None
            # Output frames up to this frame's time still show the previous frame.
            while (
                last is not None
                and produced < count
                and (produced - base) / fps < stamp - STAMP_SLACK
            ):
                yield last
                produced += 1
            if produced >= count:
                return
            last = frame
        assert last is not None  # frames() raises on a video without frames
        while produced < count and (produced - base) / fps < source.duration - STAMP_SLACK:
            yield last
            produced += 1
        if not loop or produced == base:
            break
        if replay is None and kept is not None:  # a whole pass fitted: replay it
            replay, kept = kept, None
    while produced < count:  # the source ran short of its stated duration: hold
        assert last is not None
        yield last
        produced += 1


class VideoWriter:
    """H.264 (+ optional AAC) MP4 writer fed one RGB frame at a time.

    Frame i gets pts i in a 1/fps time base, so n frames last exactly n/fps seconds; the
    audio source, when given, is asked for exactly rate/fps samples per frame, so both
    streams end together. The file is removed if writing fails part way.
    """

    def __init__(
        self,
        dest: Path,
        width: int,
        height: int,
        fps: int,
        *,
        audio: Callable[[int], NDArray[np.float32]] | None = None,
        saturation: float = 1.0,
    ) -> None:
        self.dest = dest
        # Saturation is scaled on the chroma planes after conversion: a quarter of the
        # pixels each and no colour maths, far cheaper than doing it in RGB at 4k.
        self._chroma_lut: NDArray[np.uint8] | None = None
        if abs(saturation - 1.0) > 1e-3:
            levels = 128.0 + (np.arange(256) - 128.0) * max(saturation, 0.0)
            self._chroma_lut = np.clip(np.round(levels), 0, 255).astype(np.uint8)
        self.width, self.height, self.fps = width, height, fps
        self.frames = 0
        self._audio_source = audio
        self._samples_per_frame = AUDIO_RATE // fps
        pixels = width * height
        # ultrafast above 1080p keeps 4k near real time on two cores; below it veryfast
        # buys CABAC and B-frames (smaller files, less blocking in gradients) for little time.
        preset = "ultrafast" if pixels > 1920 * 1080 else "veryfast"
        self._container: OutputContainer = av.open(
            str(dest), mode="w", format="mp4", options={"movflags": "+faststart"}
        )
        try:
            # mbtree off: with it, veryfast output at some sizes (854x480, 864x480) varied
            # from run to run in the same process (x264 reads memory it did not set), and
            # the same request must give the same bytes. Measured cost: a few % of size.
            options = {"preset": preset, "crf": "24", "x264-params": "mbtree=0"}
            stream = self._container.add_stream("libx264", rate=fps, options=options)
            stream.width, stream.height = width, height
            stream.pix_fmt = "yuv420p"
            stream.codec_context.time_base = Fraction(1, fps)
            # Tag BT.709 limited range, the same matrix _to_yuv converts with, so players
            # do not guess (and shift colours).
            stream.codec_context.colorspace = int(Colorspace.ITU709)
            stream.codec_context.color_primaries = int(ColorPrimaries.BT709)
            stream.codec_context.color_trc = int(ColorTrc.BT709)
            stream.codec_context.color_range = int(ColorRange.MPEG)
            self._video: VideoStream = stream
            self._audio: AudioStream | None = None
            if audio is not None:
                audio_stream = self._container.add_stream("aac", rate=AUDIO_RATE)
                audio_stream.layout = "stereo"
                audio_stream.bit_rate = 160_000
                self._audio = audio_stream
        except BaseException:
            self._abort()
            raise

    def write(self, rgb: RGBArray) -> None:
        """Encode one frame; an array of another size is scaled to the output by swscale."""
        frame = VideoFrame.from_ndarray(rgb, format="rgb24")
        self.write_frame(frame)

    def write_frame(self, frame: VideoFrame) -> None:
        """Encode one frame of any size, format and matrix (decoded frames included)."""
        yuv = frame.reformat(
            width=self.width,
            height=self.height,
            format="yuv420p",
            src_colorspace=source_matrix(frame),
            dst_colorspace=Colorspace.ITU709,
            dst_color_range=ColorRange.MPEG,
            interpolation="BICUBIC",
        )
        if self._chroma_lut is not None:
            for plane in yuv.planes[1:]:
                rows = np.frombuffer(memoryview(plane), np.uint8).reshape(
                    plane.height, plane.line_size
                )
                chroma = rows[:, : plane.width]
                chroma[...] = self._chroma_lut[chroma]
        yuv.pts = self.frames
        yuv.time_base = Fraction(1, self.fps)
        self._container.mux(self._video.encode(yuv))
        if self._audio is not None and self._audio_source is not None:
            samples = self._audio_source(self._samples_per_frame)
            chunk = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(samples, dtype=np.float32), format="fltp", layout="stereo"
            )
            chunk.sample_rate = AUDIO_RATE
            chunk.pts = self.frames * self._samples_per_frame
            chunk.time_base = Fraction(1, AUDIO_RATE)
            self._container.mux(self._audio.encode(chunk))
        self.frames += 1

    def close(self) -> None:
        self._container.mux(self._video.encode(None))
        if self._audio is not None:
            self._container.mux(self._audio.encode(None))
        self._container.close()

    def _abort(self) -> None:
        with contextlib.suppress(av.error.FFmpegError):  # already failing
            self._container.close()
        self.dest.unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            try:
                self.close()
            except BaseException:
                self.dest.unlink(missing_ok=True)
                raise
        else:
            self._abort()


class Progress:
    """A caller's progress callback, throttled to 1% steps; 1.0 comes only from `done`.

    `offset` and `span` place the current stage's own 0..1 within the whole job.
    """

    def __init__(self, callback: Callable[[float], None] | None) -> None:
        self._callback = callback
        self._last = -1.0
        self.offset, self.span = 0.0, 1.0

    def step(self, fraction: float) -> None:
        overall = min(self.offset + self.span * min(max(fraction, 0.0), 1.0), 0.99)
        if self._callback is not None and overall - self._last >= 0.01:
            self._last = overall
            self._callback(overall)

    def done(self) -> None:
        if self._callback is not None:
            self._callback(1.0)


_DONE = object()


def prefetch(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Iterate `items` in a background thread, at most `depth` ahead of the consumer.

    NumPy and Pillow release the GIL in their kernels, so the next frame is drawn while
    x264 encodes this one; the bound keeps memory at a few frames even at 4k.
    """
    slots: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(_DONE)
        except BaseException as error:  # handed to the consumer, which re-raises it
            slots.put(error)

    worker = threading.Thread(target=produce, name="video-frames", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield cast(T, item)
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                slots.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)
        close = getattr(items, "close", None)
        if callable(close):  # a generator left part way: release its files now
            close()
