"""The local video engine's rendering core: real H.264 MP4 files, no model weights.

No PyPI package ships video-diffusion weights, so local output is procedural: an MP4 of
exactly the requested size, frame rate and duration, deterministic for a given request
(the seed is a SHA-256 of the prompt, model, mode and input file contents). Frames are
drawn with NumPy and Pillow, converted and encoded by PyAV's bundled FFmpeg (libx264,
AAC), and streamed to the encoder one at a time, so memory stays at a few frames even
for 4k output. No system ffmpeg is used.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import av
import av.error
import numpy as np

from genfire_server.engines.local import _video_modes as modes
from genfire_server.engines.local._video_audio import Ambience
from genfire_server.engines.local._video_io import (
    AUDIO_RATE,
    MAX_SOURCE_SECONDS,
    VideoWriter,
    prefetch,
)
from genfire_server.engines.local._video_look import words_of

FPS = 24
RESOLUTION_HEIGHTS: dict[str, int] = {"480p": 480, "720p": 720, "1080p": 1080, "4k": 2160}
MAX_DURATION_SECONDS = MAX_SOURCE_SECONDS
MAX_REFERENCE_IMAGES = 8

Mode = Literal["text", "image", "reference", "edit", "extend", "motion", "interpolate"]
MODES: tuple[str, ...] = get_args(Mode)


@dataclass(frozen=True)
class VideoInfo:
    """A video file's shape: pixels, whole frames per second, seconds, frames, sound."""

    width: int
    height: int
    fps: int
    duration: float
    frames: int
    has_audio: bool


def frame_size(aspect_ratio: str, resolution: str = "720p") -> tuple[int, int]:
    """Output (width, height): the short side is the resolution's height, both even.

    16:9 at 720p is 1280x720, 9:16 is 720x1280, 1:1 is 720x720; 16:9 at 480p is
    854x480 (853.3 rounded to even, as H.264 with 4:2:0 chroma needs).
    """
    height = RESOLUTION_HEIGHTS.get(resolution.strip().lower())
    if height is None:
        known = ", ".join(RESOLUTION_HEIGHTS)
        raise ValueError(f"unknown resolution {resolution!r}; expected one of {known}")
    match = re.fullmatch(r"\s*(\d{1,4})\s*:\s*(\d{1,4})\s*", aspect_ratio)
    if match is None or int(match[1]) == 0 or int(match[2]) == 0:
        raise ValueError(f"aspect ratio {aspect_ratio!r} is not of the form W:H, like 16:9")
    across, down = int(match[1]), int(match[2])
    if not 0.25 <= across / down <= 4.0:
        raise ValueError(f"aspect ratio {aspect_ratio!r} is outside 1:4 to 4:1")

    def even(value: float) -> int:
        return 2 * math.floor(value / 2 + 0.5)

    if across >= down:
        return even(height * across / down), height
    return height, even(height * down / across)


def render_video(
    *,
    mode: Mode,
    dest: Path,
    prompt: str,
    model: str,
    aspect_ratio: str,
    resolution: str,
    duration_seconds: float,
    audio: bool,
    image: Path | None = None,
    reference_images: Sequence[Path] = (),
    source_video: Path | None = None,
    first_frame: Path | None = None,
    last_frame: Path | None = None,
) -> VideoInfo:
    """Render an H.264 MP4 to `dest` and return what was written (read back with `probe`).

    Every mode writes round(duration_seconds * 24) frames at 24 fps (so the duration is
    exact to the frame), except `extend`, whose output is the source video followed by
    `duration_seconds` of continuation: source duration + duration_seconds in total.

    - text: a procedural scene steered by the prompt's colour and scene words.
    - image: `image` with a slow eased Ken Burns pan and zoom.
    - reference: the text scene in the references' colours, the references drifting by
      as cards.
    - edit: `source_video` cover-fit to the frame with a prompt-led colour grade, looped
      or cut to the requested duration.
    - extend: `source_video` re-encoded to the frame size, then a slow push-in on its
      last frame.
    - motion: `image` (the character) as an inset card that moves with the global motion
      of `source_video`, over that video, lightly graded.
    - interpolate: `first_frame` to `last_frame`, an eased cross-fade with a slight zoom.

    With `audio`, an AAC stereo track of the same duration carries a soft procedural
    ambience; a source video's own sound is never kept (the whole track is regenerated,
    so it spans continuation and loops seamlessly). Without `audio` there is no audio
    stream. Bad requests raise ValueError: an unknown mode or size, a duration under one
    frame or over 10 minutes, a missing input for the mode, an unreadable image or video,
    an image over 64 megapixels, a source video over 4096 px on a side or 10 minutes.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    size = frame_size(aspect_ratio, resolution)
    if not math.isfinite(duration_seconds) or duration_seconds <= 0:
        raise ValueError(f"duration must be a positive number of seconds, not {duration_seconds}")
    if duration_seconds > MAX_DURATION_SECONDS:
        raise ValueError(f"duration is over the {MAX_DURATION_SECONDS:.0f} s limit")
    count = round(duration_seconds * FPS)
    if count < 1:
        raise ValueError(f"duration {duration_seconds} s is shorter than one frame")
    inputs = _required_inputs(
        mode, image, list(reference_images), source_video, first_frame, last_frame
    )

    digest = _seed(mode, prompt, model, inputs)
    rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))
    words = words_of(prompt)
    plan = modes.plan(mode, rng, words, size, count, inputs, FPS)

    ambience = None
    if audio:
        seed = int.from_bytes(digest[8:16], "big")
        ambience = Ambience(seed, set(words), plan.frames * (AUDIO_RATE // FPS), AUDIO_RATE)
    writer = VideoWriter(dest, size[0], size[1], FPS, audio=ambience, saturation=plan.saturation)
    with writer:
        for frame in prefetch(plan.source):
            writer.write(frame)
        if writer.frames != plan.frames:  # a bug, not an input problem: fail loudly
            raise RuntimeError(f"rendered {writer.frames} frames, planned {plan.frames}")
    return probe(dest)


def probe(path: Path) -> VideoInfo:
    """Read a video file's shape back with PyAV: size, frame rate, duration, frames, audio."""
    try:
        container = av.open(str(path), mode="r")
    except av.error.FFmpegError as error:
        raise ValueError(f"{path.name} is not a readable video ({error})") from None
    with container:
        if not container.streams.video:
            raise ValueError(f"{path.name} has no video stream")
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        if stream.duration and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        else:
            # container.duration runs from time 0, not from the first timestamp (Matroska).
            start = container.start_time or 0
            duration = max((container.duration or 0) - start, 0) / 1_000_000
        frames = stream.frames
        if frames <= 0:  # not in the header: count packets (no decoding)
            frames = sum(1 for packet in container.demux(stream) if packet.size)
        return VideoInfo(
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            fps=round(float(rate)) if rate else 0,
            duration=duration,
            frames=frames,
            has_audio=bool(container.streams.audio),
        )


def _required_inputs(
    mode: str,
    image: Path | None,
    references: list[Path],
    source: Path | None,
    first: Path | None,
    last: Path | None,
) -> modes.Inputs:
    """Keep the inputs `mode` uses, refusing a request that lacks one."""
    needs = {
        "text": (),
        "image": ("image",),
        "reference": ("reference_images",),
        "edit": ("source_video",),
        "extend": ("source_video",),
        "motion": ("image", "source_video"),
        "interpolate": ("first_frame", "last_frame"),
    }[mode]
    given = {
        "image": image,
        "reference_images": references or None,
        "source_video": source,
        "first_frame": first,
        "last_frame": last,
    }
    missing = [name for name in needs if given[name] is None]
    if missing:
        raise ValueError(f"mode {mode!r} needs {' and '.join(missing)}")
    if len(references) > MAX_REFERENCE_IMAGES and "reference_images" in needs:
        raise ValueError(f"at most {MAX_REFERENCE_IMAGES} reference images are supported")
    return modes.Inputs(
        image=image if "image" in needs else None,
        references=references if "reference_images" in needs else [],
        source=source if "source_video" in needs else None,
        first=first if "first_frame" in needs else None,
        last=last if "last_frame" in needs else None,
    )


def _seed(mode: str, prompt: str, model: str, inputs: modes.Inputs) -> bytes:
    """SHA-256 over the request: the same request renders the same video.

    Inputs count by content, not path, since engines fetch them to fresh temporary files.
    Fields are length-prefixed so no two requests can concatenate to the same bytes.
    """
    digest = hashlib.sha256(b"genfire-local-video-1")
    for field in (mode, prompt, model):
        data = field.encode()
        digest.update(len(data).to_bytes(8, "big") + data)
    for role, path in inputs.files():
        content = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                content.update(block)
        digest.update(role.encode() + b"\0" + content.digest())
    return digest.digest()
