"""How each mode of the local video engine turns its inputs into a stream of frames.

`plan` opens and checks every input up front, so a bad file fails before any output is
written, and returns a lazy iterator: frames are drawn one at a time as the encoder
takes them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from genfire_server.engines.local._video_frames import (
    CrossZoom,
    Follower,
    KenBurns,
    MotionTracker,
    character_sprite,
    cover_resize,
    progress,
    seeded_ken_burns,
)
from genfire_server.engines.local._video_io import (
    RGBArray,
    SourceVideo,
    frame_to_rgb,
    load_image,
    resample_times,
    scale_rgb,
)
from genfire_server.engines.local._video_look import (
    ABSTRACT_WORDS,
    HILLS_WORDS,
    SEA_WORDS,
    Palette,
    apply_grade,
    build_grade,
    build_palette,
    image_colours,
    prompt_colours,
)
from genfire_server.engines.local._video_scene import Panels, Scene

_NIGHT_WORDS = {"night", "stars", "starry", "space", "galaxy", "midnight", "cosmic"}


@dataclass(frozen=True)
class Inputs:
    """The input files a mode uses (the others are dropped before seeding)."""

    image: Path | None
    references: list[Path]
    source: Path | None
    first: Path | None
    last: Path | None

    def files(self) -> list[tuple[str, Path]]:
        named = [("image", self.image), ("source", self.source)]
        named += [("first", self.first), ("last", self.last)]
        named += [(f"reference{k}", p) for k, p in enumerate(self.references)]
        return [(role, path) for role, path in named if path is not None]


@dataclass(frozen=True)
class Plan:
    """What to encode: how many frames, the frames, and a saturation for the writer."""

    frames: int
    source: Iterator[RGBArray]
    saturation: float = 1.0


def plan(
    mode: str,
    rng: np.random.Generator,
    words: list[str],
    size: tuple[int, int],
    count: int,
    inputs: Inputs,
    fps: int,
) -> Plan:
    """Open and check the inputs up front (so bad ones fail before any output), then
    return the frame iterator for `mode`."""
    if mode == "text":
        night = bool(set(words) & _NIGHT_WORDS)
        palette = build_palette(prompt_colours(words), rng, night=night)
        scene = _scene(palette, rng, words, size, count, fps)
        return Plan(count, (scene.render(i) for i in range(count)))
    if mode == "reference":
        images = [
            load_image(path, role=f"reference image {k + 1}")
            for k, path in enumerate(inputs.references)
        ]
        colours = [c for picture in images for c in image_colours(picture)]
        colours += prompt_colours(words)
        night = bool(set(words) & _NIGHT_WORDS)
        palette = build_palette(colours, rng, night=night)
        scene = _scene(palette, rng, words, size, count, fps, "abstract")
        panels = Panels(images, size, rng)
        return Plan(count, _reference_frames(scene, panels, size, count))
    if mode == "image":
        assert inputs.image is not None
        still = load_image(inputs.image, role="image")
        moves = seeded_ken_burns(still, size, rng)
        return Plan(count, (_array(moves.frame(progress(i, count))) for i in range(count)))
    if mode == "interpolate":
        assert inputs.first is not None
        assert inputs.last is not None
        fade = CrossZoom(
            load_image(inputs.first, role="first frame"),
            load_image(inputs.last, role="last frame"),
            size,
        )
        return Plan(count, (_array(fade.frame(progress(i, count))) for i in range(count)))
    assert inputs.source is not None
    source = SourceVideo(inputs.source)
    if mode == "edit":
        grade = build_grade(words, rng)
        frames = _source_frames(source, size, count, fps, loop=True)
        graded = (_array(apply_grade(frame, grade)) for frame in frames)
        return Plan(count, graded, saturation=grade.saturation)
    if mode == "extend":
        head = max(1, round(source.duration * fps))
        return Plan(head + count, _extend_frames(source, size, head, count, fps))
    assert inputs.image is not None
    character = load_image(inputs.image, role="character image")
    return Plan(count, _motion_frames(source, character, words, rng, size, count, fps))


def _array(image: Image.Image) -> RGBArray:
    return np.asarray(image)


def _scene(
    palette: Palette,
    rng: np.random.Generator,
    words: list[str],
    size: tuple[int, int],
    count: int,
    fps: int,
    fallback: str | None = None,
) -> Scene:
    vocabulary = set(words)
    if vocabulary & SEA_WORDS:
        style = "sea"
    elif vocabulary & HILLS_WORDS:
        style = "hills"
    elif vocabulary & ABSTRACT_WORDS:
        style = "abstract"
    elif fallback is not None:
        style = fallback
    else:
        style = str(rng.choice(["hills", "sea", "abstract"], p=[0.45, 0.2, 0.35]))
    stars = bool(vocabulary & _NIGHT_WORDS)
    return Scene(palette, rng, size, count, fps, style, stars=stars)


def _reference_frames(
    scene: Scene, panels: Panels, size: tuple[int, int], count: int
) -> Iterator[RGBArray]:
    for i in range(count):
        backdrop = scale_rgb(scene.render(i), size)
        yield panels.composite(backdrop, progress(i, count))


def _source_frames(
    source: SourceVideo, size: tuple[int, int], count: int, fps: int, *, loop: bool
) -> Iterator[Image.Image]:
    """The source at `fps`, cover-fit to `size`; a frame held on screen is fitted once."""
    last: object = None
    fitted: Image.Image | None = None
    for frame in resample_times(source, count, fps, loop=loop):
        if frame is not last or fitted is None:
            fitted = cover_resize(Image.fromarray(frame_to_rgb(frame)), size)
            last = frame
        yield fitted


def _extend_frames(
    source: SourceVideo, size: tuple[int, int], head: int, tail: int, fps: int
) -> Iterator[RGBArray]:
    last: object = None
    still: Image.Image | None = None
    fitted: Image.Image | None = None
    for frame in resample_times(source, head, fps, loop=False):
        if frame is not last or fitted is None:
            still = Image.fromarray(frame_to_rgb(frame))
            fitted = cover_resize(still, size)
            last = frame
        yield _array(fitted)
    assert still is not None
    # The continuation starts where the source stopped (zoom 1 is the same crop) and
    # pushes in slowly; the easing starts at rest so the join does not jolt.
    centre = (0.5, 0.5)
    push = KenBurns(still, size, (1.0, 1.0 + 0.04 * min(tail / fps, 5.0)), centre, centre)
    for j in range(tail):
        yield _array(push.frame((j + 1) / tail))


def _motion_frames(
    source: SourceVideo,
    character: Image.Image,
    words: list[str],
    rng: np.random.Generator,
    size: tuple[int, int],
    count: int,
    fps: int,
) -> Iterator[RGBArray]:
    width, height = size
    grade = build_grade(words, rng, strength=0.5)
    card_height = round(height * 0.45)
    sprite, mask, margin = character_sprite(character, card_height)
    card = (sprite.width - 2 * margin, sprite.height - 2 * margin)
    tracker = MotionTracker(size)
    follower = Follower(size, card, home_x=width * float(rng.uniform(0.35, 0.65)))
    bob_phase = float(rng.uniform(0, 2 * math.pi))
    velocity = (0.0, 0.0)
    for i, background in enumerate(_source_frames(source, size, count, fps, loop=True)):
        dx, dy = tracker.shift(background)
        if math.hypot(dx, dy) > 0.15 * width:  # a cut or the loop point, not motion
            dx, dy = 0.0, 0.0
        # Light smoothing: a source slower than the output rate repeats frames, which would
        # otherwise make the character stop and jump.
        velocity = (0.6 * dx + 0.4 * velocity[0], 0.6 * dy + 0.4 * velocity[1])
        x, y = follower.step(*velocity)
        y += 0.006 * height * math.sin(2 * math.pi * 0.7 * i / fps + bob_phase)
        frame = apply_grade(background, grade)
        frame.paste(sprite, (round(x - sprite.width / 2), round(y - sprite.height / 2)), mask)
        yield _array(frame)
