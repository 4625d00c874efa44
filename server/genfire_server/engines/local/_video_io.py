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
from collections.abc import Callable, Iterable, Iterator
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

RGBArray = NDArray[np.uint8]
T = TypeVar("T")


def load_image(path: Path, *, role: str = "image") -> Image.Image:
    """Open an input image as upright RGB, refusing files that are not images or too large."""
    Image.init()
    known = [f for f in _IMAGE_FORMATS if f in Image.OPEN]
    limit = f"{MAX_IMAGE_PIXELS // 1_000_000} megapixel limit"
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own two bomb limits; here that is a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(path, formats=known)
        with opened:
            width, height = opened.size
            # Checked on the header, before the pixels are decoded.
            if width * height > MAX_IMAGE_PIXELS:
                raise ValueError(f"the {role} is {width}x{height}, over the {limit}")
            upright = ImageOps.exif_transpose(opened)
            return upright.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValueError(f"the {role} is over the {limit}") from None
    except UnidentifiedImageError:
        raise ValueError(f"the {role} is not a readable image (PNG, JPEG, WebP, ...)") from None
    except OSError as error:  # truncated or corrupt pixel data
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(f"the {role} could not be decoded ({error})") from None


class SourceVideo:
    """A validated input video: its size, duration, and a fresh frame iterator per pass."""

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
            return container.duration / 1_000_000
        # Neither the stream nor the container says: walk the packets (no decoding).
        end = 0.0
        try:
            for packet in container.demux(stream):
                if packet.pts is not None and packet.time_base is not None:
                    step = packet.duration or 0
                    end = max(end, float((packet.pts + step) * packet.time_base))
                if end > MAX_SOURCE_SECONDS:
                    break
        except av.error.FFmpegError as error:
            raise ValueError(f"the {self.role} is not a decodable video ({error})") from None
        if end <= 0:
            raise ValueError(f"the {self.role} has no frames")
        return end

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


def frame_to_rgb(frame: VideoFrame) -> RGBArray:
    """An upright RGB array of a decoded frame (phone videos carry a display rotation)."""
    rgb = cast(RGBArray, frame.to_ndarray(format="rgb24"))
    turns = round(frame.rotation / 90) % 4
    # The display matrix rotates counterclockwise, as np.rot90 does for positive turns.
    return np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb


def resample_times(
    source: SourceVideo, count: int, fps: int, *, loop: bool
) -> Iterator[VideoFrame]:
    """`count` frames at `fps` showing, for each output time, the latest source frame.

    With `loop`, the source starts over when it ends; otherwise its last frame is held.
    The same VideoFrame object repeats while it stays on screen, so callers can cache
    whatever they compute from it.
    """
    produced = 0
    last: VideoFrame | None = None
    while produced < count:
        base = produced
        for stamp, frame in source.frames():
            # Output frames up to this frame's time still show the previous frame.
            while last is not None and produced < count and (produced - base) / fps < stamp - 1e-6:
                yield last
                produced += 1
            if produced >= count:
                return
            last = frame
        assert last is not None  # frames() raises on a video without frames
        while produced < count and (produced - base) / fps < source.duration - 1e-6:
            yield last
            produced += 1
        if not loop or produced == base:
            break
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
        yuv = frame.reformat(
            width=self.width,
            height=self.height,
            format="yuv420p",
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
