"""The local image engine's rendering core, checked on decoded pixels: sizes, determinism,
prompt and model influence, and edits that keep their source recognisable."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import struct
import subprocess
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw, ImageOps

from genfire_server.engines.local.images import (
    ASPECT_SIZES,
    MAX_SOURCE_PIXELS,
    RESOLUTION_SCALE,
    output_size,
    render_image,
)

MODEL = "image.genfire_v1"
BASE_PROMPT = "a perfume bottle on a podium"
Array = npt.NDArray[np.float32]

# Mean absolute difference (0..255, over every pixel and channel) above which two renders
# count as different pictures. Measured minimum between index 0 and 1, or between two
# catalog models, is about 10; re-graining alone moves about 3; a moved layout moves 20+.
DIFFERENT = 6.0


def render(
    prompt: str = BASE_PROMPT,
    *,
    model: str = MODEL,
    aspect_ratio: str = "1:1",
    index: int = 0,
    resolution: str | None = None,
    sources: Sequence[Path] = (),
) -> bytes:
    return render_image(
        prompt=prompt,
        model=model,
        aspect_ratio=aspect_ratio,
        index=index,
        resolution=resolution,
        sources=sources,
    )


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    image.load()
    return image


def rgb(png: bytes) -> Array:
    image = decode(png)
    assert image.mode == "RGB"
    return np.asarray(image, dtype=np.float32)


def grey(image: Image.Image | bytes) -> Array:
    if isinstance(image, bytes):
        image = decode(image)
    return np.asarray(image.convert("L"), dtype=np.float32)


def mad(a: Array, b: Array) -> float:
    return float(np.abs(a - b).mean())


def correlation(a: Array, b: Array) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def cover(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The reference cover-fit, done independently of the engine (Pillow's ImageOps.fit)."""
    return ImageOps.fit(image.convert("RGB"), size, Image.Resampling.LANCZOS)


def checkerboard(width: int, height: int, squares: int) -> Image.Image:
    y, x = np.mgrid[0:height, 0:width]
    cell = width // squares
    values = ((x // cell + y // cell) % 2 * 255).astype(np.uint8)
    image = Image.fromarray(values).convert("RGB")
    ImageDraw.Draw(image).text(
        (width // 10, height // 3), "EDIT", fill=(210, 30, 30), font_size=160
    )
    return image


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG that claims a huge size: the shape of a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def checker_path(tmp_path: Path) -> Path:
    path = tmp_path / "checker.png"
    checkerboard(1200, 900, 8).save(path)
    return path


# ---- sizes and format

# Every aspect ratio, each with a different scene so every layout runs at an odd ratio too.
SCENE_PROMPTS = [
    ("1:1", "matte black perfume bottle with gold accents"),
    ("16:9", "portrait of a founder"),
    ("9:16", "neon city skyline at night"),
    ("4:3", "ocean waves"),
    ("3:4", "sunset"),
    ("21:9", "misty pine forest"),
    ("9:21", "snowy mountains"),
]


@pytest.mark.parametrize(("aspect_ratio", "prompt"), SCENE_PROMPTS)
def test_every_aspect_ratio_renders_at_its_exact_size(aspect_ratio: str, prompt: str) -> None:
    image = decode(render(prompt, aspect_ratio=aspect_ratio))
    assert image.size == ASPECT_SIZES[aspect_ratio]
    assert image.mode == "RGB"
    # A composition, not a flat fill: real tonal range.
    assert float(np.asarray(image.convert("L"), dtype=np.float32).std()) > 12


def test_abstract_prompt_renders() -> None:
    pixels = rgb(render("bold geometric shapes", aspect_ratio="1:1"))
    assert pixels.shape == (1024, 1024, 3)
    assert float(pixels.std()) > 12


def test_resolution_tiers_scale_every_base_size() -> None:
    for aspect_ratio, (width, height) in ASPECT_SIZES.items():
        assert output_size(aspect_ratio) == (width, height)
        for tier, scale in RESOLUTION_SCALE.items():
            assert output_size(aspect_ratio, tier) == (width * scale, height * scale)
    assert output_size("1:1", "4K") == (4096, 4096)


def test_2k_render_has_twice_the_pixels_per_side() -> None:
    image = decode(render("ocean", aspect_ratio="21:9", resolution="2K"))
    assert image.size == (3072, 1344)
    assert image.mode == "RGB"


def test_4k_render_is_4096_square() -> None:
    image = decode(render(resolution="4K"))
    assert image.size == (4096, 4096)
    assert image.mode == "RGB"


@pytest.mark.parametrize(
    ("aspect_ratio", "resolution", "named"),
    [("5:4", None, "'5:4'"), ("", None, "''"), ("1:1", "8K", "'8K'"), ("1:1", "2k", "'2k'")],
)
def test_unsupported_values_raise_value_error_naming_them(
    aspect_ratio: str, resolution: str | None, named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        output_size(aspect_ratio, resolution)
    with pytest.raises(ValueError, match=named):
        render(aspect_ratio=aspect_ratio, resolution=resolution)


# ---- determinism and variation


def test_same_inputs_give_identical_bytes(checker_path: Path) -> None:
    assert render(index=3) == render(index=3)
    assert render(sources=[checker_path]) == render(sources=[checker_path])


def test_output_does_not_depend_on_the_process() -> None:
    """Another interpreter with another hash seed renders the same bytes."""
    code = (
        "import hashlib, sys\n"
        "from genfire_server.engines.local.images import render_image\n"
        "png = render_image(prompt='teal ocean at dusk', model='m', aspect_ratio='9:16', index=2)\n"
        "sys.stdout.write(hashlib.sha256(png).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    server_dir = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=server_dir,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    here = render("teal ocean at dusk", model="m", aspect_ratio="9:16", index=2)
    assert done.stdout == hashlib.sha256(here).hexdigest()


@functools.cache
def base_pixels() -> Array:
    return rgb(render())


@pytest.mark.parametrize(
    ("prompt", "model", "index"),
    [
        (BASE_PROMPT, MODEL, 1),
        (BASE_PROMPT, MODEL, 7),
        ("city skyline at night", MODEL, 0),
        (BASE_PROMPT + ", pastel pink", MODEL, 0),
        (BASE_PROMPT, "image.nano_banana_pro", 0),
        (BASE_PROMPT, "image.gpt_image_2", 0),
    ],
)
def test_index_prompt_and_model_each_change_the_picture(
    prompt: str, model: str, index: int
) -> None:
    assert mad(base_pixels(), rgb(render(prompt, model=model, index=index))) > DIFFERENT


@pytest.mark.parametrize("model", ["image.genfire_v1", "image.nano_banana_pro"])
@pytest.mark.parametrize("subject", ["perfume bottle", "abstract poster", "city skyline"])
def test_colour_words_steer_the_palette(model: str, subject: str) -> None:
    red = rgb(render(f"deep red {subject}", model=model)).mean(axis=(0, 1))
    blue = rgb(render(f"ocean blue {subject}", model=model)).mean(axis=(0, 1))
    # Mean channel levels (0..255): the named colour leads by a clear margin, not by noise.
    assert red[0] - red[2] > 10
    assert blue[2] - blue[0] > 10


# ---- edits


def test_edit_keeps_the_source_recognisable(checker_path: Path) -> None:
    source = Image.open(checker_path)
    for aspect_ratio in ("1:1", "16:9"):
        png = render("warm golden grade", aspect_ratio=aspect_ratio, sources=[checker_path])
        out = decode(png)
        assert out.size == ASPECT_SIZES[aspect_ratio]
        assert out.mode == "RGB"
        reference = grey(cover(source, out.size))
        # The treatment is low-frequency (a corner light leak, vignette, gentle curve) plus
        # light grain. Measured over six style families and three ratios it moves grey levels
        # by 8-23 on average with correlation >= 0.989. A different picture would differ by
        # ~127 on a black-and-white checkerboard, and the inverted board correlates at -1.
        assert mad(grey(out), reference) < 40
        assert correlation(grey(out), reference) > 0.9
        assert correlation(grey(out), 255 - reference) < -0.9
        assert mad(grey(out), reference) > 1  # the treatment did something


def test_several_sources_make_a_layout_using_each(tmp_path: Path, checker_path: Path) -> None:
    green, magenta = tmp_path / "green.png", tmp_path / "magenta.jpg"
    Image.new("RGB", (600, 800), (20, 170, 60)).save(green)
    Image.new("RGB", (900, 600), (200, 30, 190)).save(magenta, quality=95)
    png = render("campaign layout", aspect_ratio="16:9", sources=[checker_path, green, magenta])
    out = rgb(png)
    assert out.shape == (768, 1344, 3)
    r, g, b = out[..., 0], out[..., 1], out[..., 2]
    green_share = float(((g > r + 60) & (g > b + 60)).mean())
    magenta_share = float(((r > g + 60) & (b > g + 60)).mean())
    # Each extra source shows as an inset panel: present, but not taking over the frame.
    assert 0.01 < green_share < 0.3
    assert 0.01 < magenta_share < 0.3
    # The first source is still the picture.
    reference = grey(cover(Image.open(checker_path), (1344, 768)))
    assert correlation(grey(png), reference) > 0.6


def test_edit_applies_exif_orientation(tmp_path: Path) -> None:
    stored = Image.new("RGB", (600, 400), "white")
    ImageDraw.Draw(stored).rectangle((0, 0, 299, 399), fill="black")  # left half black
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    path = tmp_path / "phone.jpg"
    stored.save(path, "JPEG", quality=95, exif=exif)
    upright = ImageOps.exif_transpose(Image.open(path))
    assert upright.size == (400, 600)  # displayed: black on top, white below

    out = grey(render("grade", sources=[path]))
    third = out.shape[0] // 3
    assert out[-third:].mean() - out[:third].mean() > 100
    assert correlation(out, grey(cover(upright, (1024, 1024)))) > 0.9


def test_edit_accepts_rgba_palette_and_cmyk_sources(tmp_path: Path) -> None:
    # RGBA cut-out: a black disk on transparency, as background removal produces.
    cutout = Image.new("RGBA", (800, 800), (0, 0, 0, 0))
    ImageDraw.Draw(cutout).ellipse((200, 200, 600, 600), fill=(10, 10, 10, 255))
    cutout_path = tmp_path / "cutout.png"
    cutout.save(cutout_path)
    # Palette PNG whose red background index is transparent, with a blue square.
    paletted = Image.new("RGB", (800, 800), (255, 0, 0))
    ImageDraw.Draw(paletted).rectangle((250, 250, 550, 550), fill=(0, 0, 255))
    p_image = paletted.convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    p_path = tmp_path / "paletted.png"
    background_index = p_image.getpixel((0, 0))
    assert isinstance(background_index, int)
    p_image.save(p_path, transparency=background_index)
    # CMYK JPEG (print workflows): a red bar on white.
    cmyk = Image.new("CMYK", (800, 600), (0, 0, 0, 0))
    ImageDraw.Draw(cmyk).rectangle((100, 250, 700, 350), fill=(0, 255, 255, 0))
    cmyk_path = tmp_path / "print.jpg"
    cmyk.save(cmyk_path, quality=95)

    for path in (cutout_path, p_path, cmyk_path):
        out = rgb(render("clean studio grade", sources=[path]))
        assert out.shape == (1024, 1024, 3)
    # Transparent areas sit on a light matte, not on black; the opaque shape stays.
    out = grey(render("clean studio grade", sources=[cutout_path]))
    alpha = np.asarray(cover(cutout.getchannel("A"), (1024, 1024)).convert("L"), np.float32)
    assert out[alpha < 10].mean() > 150
    assert out[alpha > 245].mean() < 70
    assert correlation(out, 255 - alpha) > 0.9
    blue = rgb(render("clean studio grade", sources=[p_path]))
    centre, corner = blue[400:600, 400:600].mean(axis=(0, 1)), blue[:150, :150].mean(axis=(0, 1))
    assert centre[2] - centre[0] > 80  # the square is still blue
    assert corner.mean() > 150  # the transparent red became a light matte
    red = rgb(render("clean studio grade", sources=[cmyk_path]))
    reference = np.asarray(cover(Image.open(cmyk_path), (1024, 1024)), dtype=np.float32)
    bar = reference[..., 0] - reference[..., 2] > 100
    assert bar.mean() > 0.1
    assert float((red[bar][:, 0] - red[bar][:, 2]).mean()) > 60  # still a red bar
    assert float(red[~bar].mean()) > 150  # on white


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (8200, 8200),  # 67 MP: over our 64 MP limit, under Pillow's own warning threshold
        (20000, 20000),  # 400 MP: Pillow itself refuses to open it
    ],
)
def test_decompression_bombs_are_refused(
    tmp_path: Path, checker_path: Path, width: int, height: int
) -> None:
    assert width * height > MAX_SOURCE_PIXELS
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header(width, height))
    with pytest.raises(ValueError, match="source image 1"):
        render(sources=[bomb])
    with pytest.raises(ValueError, match="source image 2"):  # also as an inset source
        render(sources=[checker_path, bomb])


def test_a_source_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "notes.png"
    junk.write_bytes(b"these are not the pixels you are looking for")
    with pytest.raises(ValueError, match="source image 1"):
        render(sources=[junk])
