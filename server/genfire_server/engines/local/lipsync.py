"""Lip sync for the local engine: a video aligned to a new soundtrack and muxed with it.

The local engines run offline on the CPU without model weights, so the mouth is not
re-animated. The rest of the job a lip-sync model's caller relies on is done: the output
is an H.264 MP4 at the requested height, the new audio as its only sound, and the two
inputs made the same length according to `sync_mode`. When the lengths differ:

- cut_off: output = the shorter of the two; the longer is cut.
- loop: output = the longer; the shorter input repeats from its start (video loops, or
  audio loops).
- bounce: output = the longer; the shorter plays forward then backward, ping-pong (for
  audio: the audio is repeated reversed/forward likewise).
- silence: output = the video's length; audio shorter than the video is padded with
  silence, longer is cut at the video's end.
- remap: output = the audio's length; the video is time-stretched (frames resampled
  evenly) to fit it exactly.

A caller's `max_duration` then cuts the output if it is shorter.

Everything streams. The audio is decoded once to 48 kHz stereo float samples in a
temporary file beside the output, which gives its exact length (container headers guess
for VBR MP3) and lets loop and bounce read it in any order without holding it in memory.
A bounced video is first resampled to the output size and frame rate into short H.264
chunk files, so playing it backwards holds one chunk of frames, not the whole video.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import av
import av.error
import numpy as np
from av.container import OutputContainer
from av.video.frame import VideoFrame
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc
from av.video.stream import VideoStream
from numpy.typing import NDArray

from genfire_server.engines.local._video_io import (
    AUDIO_RATE,
    MAX_SOURCE_SECONDS,
    STAMP_SLACK,
    Progress,
    SourceVideo,
    VideoWriter,
    prefetch,
    resample_times,
    source_matrix,
    turned,
)

SYNC_MODES = ("cut_off", "loop", "bounce", "silence", "remap")
OUTPUT_HEIGHTS = (480, 720)
MAX_FPS = 30
MIN_MAX_DURATION = 1.0
MAX_MAX_DURATION = 300.0

# Frames per temporary chunk of a bounced video: playing backwards holds one chunk
# (24 frames of 720p is about 33 MB) and each chunk costs one encoder start-up.
_CHUNK_FRAMES = 24
_CHANNELS = 2
F32 = NDArray[np.float32]


@dataclass(frozen=True)
class LipsyncResult:
    """What was written (size, seconds, frame rate, frames) and the two inputs' lengths."""

    width: int
    height: int
    duration: float
    fps: float
    frames: int
    video_seconds: float
    audio_seconds: float


def output_duration(
    video_seconds: float,
    audio_seconds: float,
    sync_mode: str,
    max_duration: float | None = None,
) -> float:
    """The output's length in seconds for inputs of these lengths (see the module docstring).

    cut_off gives the shorter, loop and bounce the longer, silence the video's length and
    remap the audio's; `max_duration` then caps it. An empty input can give 0, which
    callers refuse. Raises ValueError for an unknown mode, a negative or non-finite length,
    or a cap outside 1 to 300 seconds.
    """
    _check_mode(sync_mode)
    _check_max_duration(max_duration)
    for name, seconds in (("video", video_seconds), ("audio", audio_seconds)):
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"the {name} length must be a number of seconds, 0 or more")
    length = {
        "cut_off": min(video_seconds, audio_seconds),
        "loop": max(video_seconds, audio_seconds),
        "bounce": max(video_seconds, audio_seconds),
        "silence": video_seconds,
        "remap": audio_seconds,
    }[sync_mode]
    return length if max_duration is None else min(length, max_duration)


def lipsync(
    video: Path,
    audio: Path,
    dest: Path,
    *,
    sync_mode: str,
    output_height: int = 720,
    max_duration: float | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> LipsyncResult:
    """Write `video` with `audio` as its soundtrack to `dest`, aligned per `sync_mode`.

    The output is an H.264 MP4 exactly `output_height` (480 or 720) pixels high, as wide
    as the video's display aspect ratio gives (rounded to even: non-square pixels are
    stretched to square, a display rotation applied), at the video's frame rate rounded
    to whole frames and capped at 30 fps, with AAC 48 kHz stereo sound. Its video and
    audio both last `output_duration(...)` to within a frame. `audio` may be any file
    FFmpeg decodes (MP3, WAV, M4A, Ogg/Opus, FLAC) or a video, whose sound is used.
    `on_progress` receives the fraction done, 0 to 1.

    Raises ValueError for an unknown mode or height, a `max_duration` outside 1 to 300 s,
    a video without a video stream (or one over 4096 px a side, 10 minutes, or outside
    1:4 to 4:1), or an audio file without sound or longer than 10 minutes.
    """
    _check_mode(sync_mode)
    _check_max_duration(max_duration)
    if output_height not in OUTPUT_HEIGHTS:
        raise ValueError(f"output height must be 480 or 720, not {output_height!r}")
    source = SourceVideo(video, role="video")
    fps, turns = _inspect(source)
    width = _output_width(source, turns, output_height)

    with tempfile.TemporaryDirectory(prefix=".lipsync-", dir=dest.parent) as scratch:
        work = Path(scratch)
        with _Pcm.decode(audio, work / "audio.f32") as pcm:
            audio_seconds = pcm.samples / AUDIO_RATE
            duration = output_duration(source.duration, audio_seconds, sync_mode, max_duration)
            count = max(1, round(duration * fps))
            # Seconds the whole output would last uncut: loop and bounce need it to know
            # which input repeats, remap to know how far to stretch the video.
            full = output_duration(source.duration, audio_seconds, sync_mode)
            repeat_audio = sync_mode in ("loop", "bounce") and audio_seconds < full
            sound = _Soundtrack(pcm, bounce=sync_mode == "bounce", repeat=repeat_audio)

            report = Progress(on_progress)
            size = (width, output_height)
            frames = _plan_frames(source, sync_mode, count, fps, full, size, turns, work, report)
            with VideoWriter(dest, width, output_height, fps, audio=sound) as writer:
                for frame in prefetch(frames):
                    writer.write_frame(frame)
                    report.step(writer.frames / count)
                if writer.frames != count:  # a bug, not an input problem: fail loudly
                    raise RuntimeError(f"wrote {writer.frames} frames, planned {count}")
            report.done()
    return LipsyncResult(
        width=width,
        height=output_height,
        duration=count / fps,
        fps=float(fps),
        frames=count,
        video_seconds=source.duration,
        audio_seconds=audio_seconds,
    )


def _check_mode(sync_mode: str) -> None:
    if sync_mode not in SYNC_MODES:
        raise ValueError(
            f"unknown sync mode {sync_mode!r}; expected one of {', '.join(SYNC_MODES)}"
        )


def _check_max_duration(max_duration: float | None) -> None:
    if max_duration is None:
        return
    if not math.isfinite(max_duration) or not MIN_MAX_DURATION <= max_duration <= MAX_MAX_DURATION:
        raise ValueError(
            f"max duration must be {MIN_MAX_DURATION:.0f} to {MAX_MAX_DURATION:.0f} seconds, "
            f"not {max_duration}"
        )


def _inspect(source: SourceVideo) -> tuple[int, int]:
    """The output frame rate and the display rotation in counterclockwise quarter turns
    (the first frame's, held for all)."""
    try:
        with av.open(str(source.path), mode="r") as container:
            stream = container.streams.video[0]
            if stream.disposition & av.stream.Disposition.attached_pic:
                raise ValueError("the video is an audio file with cover art, not a video")
            rate = stream.average_rate or stream.guessed_rate or Fraction(24)
    except av.error.FFmpegError as error:
        raise ValueError(f"the video is not a decodable video ({error})") from None
    # Whole frames per second (29.97 -> 30): frames are picked by timestamp, so rounding
    # the rate never drifts against the audio.
    fps = min(max(round(float(rate)), 1), MAX_FPS)
    return fps, source.turns()


def _output_width(source: SourceVideo, turns: int, height: int) -> int:
    """The output width for `height`: the video's shape as shown (a 720x576 PAL frame
    of 64:45 pixels is 16:9, not 5:4)."""
    aspect = source.display_aspect(turns)
    if not 0.25 <= aspect <= 4.0:
        raise ValueError(
            f"the video is {source.width}x{source.height}, shown at {aspect:.3g}:1; "
            "aspect ratios from 1:4 to 4:1 are supported"
        )
    return max(2, 2 * math.floor(height * aspect / 2 + 0.5))


# ---------------------------------------------------------------------------- video


def _plan_frames(
    source: SourceVideo,
    sync_mode: str,
    count: int,
    fps: int,
    full: float,
    size: tuple[int, int],
    turns: int,
    work: Path,
    report: Progress,
) -> Iterator[VideoFrame]:
    """The `count` output frames, upright, one per 1/fps seconds, for the mode."""
    video_short = source.duration < full - 0.5 / fps
    if sync_mode == "bounce" and video_short:
        # Only as much of the source as the output reaches: with a short max_duration,
        # encoding the whole of a long video forwards would be wasted work.
        forward = min(max(1, round(source.duration * fps)), count)
        store = _FrameStore(work, size, fps, turns)
        # The pre-pass is about as much work as the output's own frames.
        report.span = forward / (forward + count)
        try:
            for index, frame in enumerate(resample_times(source, forward, fps, loop=False)):
                store.add(frame)
                report.step((index + 1) / forward)
        finally:
            store.close()
        report.offset, report.span = report.span, 1.0 - report.span
        return _ping_pong(store, count)
    if sync_mode == "remap":
        # Frame k of the full-length output shows the source at k/total of its length.
        total = max(1, round(full * fps))
        frames = _stretched(source, count, source.duration / total)
    else:
        frames = resample_times(source, count, fps, loop=sync_mode == "loop" and video_short)
    return _turn_each(frames, turns) if turns else frames


def _turn_each(frames: Iterator[VideoFrame], turns: int) -> Iterator[VideoFrame]:
    """Frames turned upright; a frame repeated while it stays on screen is turned once."""
    last: tuple[VideoFrame, VideoFrame] | None = None
    for frame in frames:
        if last is None or last[0] is not frame:
            last = (frame, turned(frame, turns))
        yield last[1]


def _stretched(source: SourceVideo, count: int, step: float) -> Iterator[VideoFrame]:
    """`count` frames showing the source at times 0, step, 2*step, ... (latest frame)."""
    produced = 0
    last: VideoFrame | None = None
    for stamp, frame in source.frames():
        while last is not None and produced < count and produced * step < stamp - STAMP_SLACK:
            yield last
            produced += 1
        if produced >= count:
            return
        last = frame
    while produced < count:  # the source's last frame covers the end
        assert last is not None  # frames() raises on a video without frames
        yield last
        produced += 1


def _ping_pong(store: _FrameStore, count: int) -> Iterator[VideoFrame]:
    """Frames 0, 1, ..., n-1, n-2, ..., 1, 0, 1, ... of the store, `count` of them."""
    period = 2 * (store.count - 1)
    for k in range(count):
        phase = k % period if period else 0
        yield store.get(phase if phase < store.count else period - phase)


class _FrameStore:
    """Frames at output size kept as short H.264 files, readable in either direction."""

    def __init__(self, work: Path, size: tuple[int, int], fps: int, turns: int) -> None:
        self._work = work
        self._turns = turns
        self._size = size
        self._fps = fps
        self.count = 0
        self._writer: tuple[OutputContainer, VideoStream] | None = None
        self._cached: tuple[int, list[VideoFrame]] | None = None

    def _chunk_path(self, chunk: int) -> Path:
        return self._work / f"frames-{chunk:05d}.mp4"

    def add(self, frame: VideoFrame) -> None:
        if self.count % _CHUNK_FRAMES == 0:
            self._finish_chunk()
            container = av.open(str(self._chunk_path(self.count // _CHUNK_FRAMES)), mode="w")
            # Near-transparent quality: these frames are encoded again for the output.
            options = {"preset": "veryfast", "crf": "14", "x264-params": "mbtree=0"}
            stream = container.add_stream("libx264", rate=self._fps, options=options)
            stream.width, stream.height = self._size
            stream.pix_fmt = "yuv420p"
            # Tagged as converted, so VideoWriter's BT.709 conversion is a no-op on them.
            stream.codec_context.colorspace = int(Colorspace.ITU709)
            stream.codec_context.color_primaries = int(ColorPrimaries.BT709)
            stream.codec_context.color_trc = int(ColorTrc.BT709)
            stream.codec_context.color_range = int(ColorRange.MPEG)
            self._writer = (container, stream)
        assert self._writer is not None
        container, stream = self._writer
        if self._turns:
            frame = turned(frame, self._turns)
        sized = frame.reformat(
            width=self._size[0],
            height=self._size[1],
            format="yuv420p",
            src_colorspace=source_matrix(frame),
            dst_colorspace=Colorspace.ITU709,
            dst_color_range=ColorRange.MPEG,
            interpolation="BICUBIC",
        )
        sized.pts = self.count % _CHUNK_FRAMES
        sized.time_base = Fraction(1, self._fps)
        container.mux(stream.encode(sized))
        self.count += 1

    def _finish_chunk(self) -> None:
        if self._writer is not None:
            container, stream = self._writer
            container.mux(stream.encode(None))
            container.close()
            self._writer = None

    def close(self) -> None:
        self._finish_chunk()

    def get(self, index: int) -> VideoFrame:
        chunk = index // _CHUNK_FRAMES
        if self._cached is None or self._cached[0] != chunk:
            self._cached = None  # release the old chunk before decoding the next
            with av.open(str(self._chunk_path(chunk)), mode="r") as container:
                decoded = list(container.decode(container.streams.video[0]))
            self._cached = (chunk, decoded)
        frames = self._cached[1]
        return frames[min(index % _CHUNK_FRAMES, len(frames) - 1)]


# ---------------------------------------------------------------------------- audio


class _Pcm:
    """Decoded audio as 48 kHz stereo float32 samples in a file, read by sample index."""

    def __init__(self, path: Path, samples: int) -> None:
        self.samples = samples
        self._file: BinaryIO = path.open("rb")

    @classmethod
    def decode(cls, audio: Path, path: Path) -> _Pcm:
        """Decode the first audio stream of `audio` (any format FFmpeg reads) to `path`."""
        if not audio.is_file():
            raise FileNotFoundError(audio)
        try:
            container = av.open(str(audio), mode="r")
        except av.error.FFmpegError as error:
            raise ValueError(f"the audio is not a decodable audio file ({error})") from None
        limit = MAX_SOURCE_SECONDS * AUDIO_RATE
        written = 0
        with container, path.open("wb") as out:
            if not container.streams.audio:
                raise ValueError("the audio file has no audio stream")
            stream = container.streams.audio[0]
            if container.duration and container.duration / 1_000_000 > MAX_SOURCE_SECONDS + 1:
                raise ValueError(_too_long(container.duration / 1_000_000))
            # Packed float: one write per decoded frame, and the file reads back as
            # (samples, 2) rows.
            resampler = av.AudioResampler(format="flt", layout="stereo", rate=AUDIO_RATE)
            try:
                for frame in container.decode(stream):
                    for chunk in resampler.resample(frame):
                        out.write(chunk.to_ndarray().astype(np.float32).tobytes())
                        written += chunk.samples
                    if written > limit:
                        raise ValueError(_too_long(written / AUDIO_RATE))
                for chunk in resampler.resample(None):
                    out.write(chunk.to_ndarray().astype(np.float32).tobytes())
                    written += chunk.samples
            except av.error.FFmpegError as error:
                raise ValueError(f"the audio could not be decoded ({error})") from None
        if written == 0:
            raise ValueError("the audio file has no decodable sound")
        return cls(path, written)

    def read(self, start: int, count: int) -> F32:
        """Samples [start, start + count) as (count, 2), silence past the end."""
        out = np.zeros((count, _CHANNELS), dtype=np.float32)
        have = max(0, min(count, self.samples - start))
        if have:
            self._file.seek(start * _CHANNELS * 4)
            data = np.fromfile(self._file, dtype=np.float32, count=have * _CHANNELS)
            out[: data.size // _CHANNELS] = data.reshape(-1, _CHANNELS)
        return out

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> _Pcm:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _too_long(seconds: float) -> str:
    return (
        f"the audio lasts {seconds:.0f} s; at most "
        f"{MAX_SOURCE_SECONDS / 60:.0f} minutes is supported"
    )


class _Soundtrack:
    """The output's audio, as VideoWriter asks for it: the next `count` samples, planar.

    Played straight, the audio ends in silence; with `repeat` it starts over (loop) or
    turns round (bounce) at its end.
    """

    def __init__(self, pcm: _Pcm, *, bounce: bool, repeat: bool) -> None:
        self._pcm = pcm
        self._bounce = bounce
        self._repeat = repeat
        self._position = 0

    def __call__(self, count: int) -> F32:
        parts: list[F32] = []
        remaining = count
        total = self._pcm.samples
        while remaining > 0:
            if not self._repeat:
                parts.append(self._pcm.read(self._position, remaining))
                taken = remaining
            elif not self._bounce:
                phase = self._position % total
                taken = min(remaining, total - phase)
                parts.append(self._pcm.read(phase, taken))
            else:
                phase = self._position % (2 * total)
                if phase < total:
                    taken = min(remaining, total - phase)
                    parts.append(self._pcm.read(phase, taken))
                else:
                    back = phase - total  # samples already played backwards
                    taken = min(remaining, total - back)
                    parts.append(self._pcm.read(total - back - taken, taken)[::-1])
            self._position += taken
            remaining -= taken
        samples = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return np.ascontiguousarray(samples.T)
