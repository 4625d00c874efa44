"""Background removal on real image files: the alpha matches the true subject, the colours
are the source's, orientation and existing transparency are respected, bad files refused."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image, ImageCms

from genfire_server.engines.local.matting import MAX_PIXELS, remove_background
from tests.engines.local.media_fixtures import U8, photo_scene, png_header_only

Mask = NDArray[np.bool_]


def matte(png: bytes, size: tuple[int, int]) -> NDArray[np.uint8]:
    """The decoded RGBA output, checked to be a PNG of `size`."""
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.mode == "RGBA"
    assert image.size == size
    return np.asarray(image)


def iou(alpha: U8, truth: Mask) -> float:
    shown = alpha > 127
    return float((shown & truth).sum() / (shown | truth).sum())


def away_from_edge(mask: Mask, pixels: int) -> Mask:
    """The part of `mask` more than `pixels` from its outline."""
    distance = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    return np.asarray(distance > pixels)


def save(path: Path, pixels: U8) -> Path:
    Image.fromarray(pixels).save(path)
    return path


def test_removes_a_gradient_background(tmp_path: Path) -> None:
    picture, subject = photo_scene(800, 600)
    rgba = matte(remove_background(save(tmp_path / "photo.png", picture)), (800, 600))
    alpha = rgba[..., 3]
    assert iou(alpha, subject) >= 0.95
    assert (alpha[away_from_edge(~subject, 10)] == 0).all()
    assert (alpha[away_from_edge(subject, 10)] == 255).all()
    # The colours are the source's own, not premultiplied or recoloured.
    assert np.array_equal(rgba[..., :3], picture)
    # The edge is feathered, not a staircase: some partial alpha along the outline.
    partial = (alpha > 0) & (alpha < 255)
    assert 0 < partial.sum() < 0.02 * alpha.size


@pytest.mark.parametrize("backdrop", ["two_tone", "touching"])
def test_two_tone_backdrops_and_subjects_at_the_edge(tmp_path: Path, backdrop: str) -> None:
    picture, subject = photo_scene(640, 480, backdrop=backdrop)
    alpha = matte(remove_background(save(tmp_path / "photo.png", picture)), (640, 480))[..., 3]
    assert iou(alpha, subject) >= 0.95
    assert (alpha[away_from_edge(~subject, 10)] == 0).all()


def test_keeps_a_subject_close_to_the_background_colour(tmp_path: Path) -> None:
    picture, subject = photo_scene(640, 480, near=True)
    alpha = matte(remove_background(save(tmp_path / "near.png", picture)), (640, 480))[..., 3]
    assert iou(alpha, subject) >= 0.9


def test_large_images_keep_their_size(tmp_path: Path) -> None:
    picture, subject = photo_scene(1920, 1080)
    alpha = matte(remove_background(save(tmp_path / "big.png", picture)), (1920, 1080))[..., 3]
    assert iou(alpha, subject) >= 0.95


def test_exif_rotation_is_applied_first(tmp_path: Path) -> None:
    picture, subject = photo_scene(400, 300)
    # Stored landscape, shown portrait: orientation 6 means "rotate 90 degrees clockwise".
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "portrait.jpg"
    Image.fromarray(picture).save(path, quality=95, exif=exif.tobytes())
    alpha = matte(remove_background(path), (300, 400))[..., 3]
    upright = np.rot90(subject, k=-1)
    assert upright.shape == (400, 300)
    assert iou(alpha, upright) >= 0.9


def test_existing_transparency_is_kept(tmp_path: Path) -> None:
    picture, subject = photo_scene(400, 300)
    rgba = np.dstack([picture, np.full((300, 400), 255, np.uint8)])
    rgba[:, :60] = 0  # a transparent strip whose hidden colour is black
    alpha = matte(remove_background(save(tmp_path / "strip.png", rgba)), (400, 300))[..., 3]
    assert (alpha[:, :60] == 0).all()
    assert iou(alpha, subject) >= 0.95


def test_a_cut_out_stays_as_it_is(tmp_path: Path) -> None:
    sticker = np.zeros((200, 300, 4), np.uint8)
    sticker[50:150, 100:200] = (200, 30, 30, 255)
    alpha = matte(remove_background(save(tmp_path / "sticker.png", sticker)), (300, 200))[..., 3]
    assert np.array_equal(alpha, sticker[..., 3])


def test_a_plain_picture_is_all_background(tmp_path: Path) -> None:
    plain = np.full((120, 160, 3), (40, 90, 200), np.uint8)
    alpha = matte(remove_background(save(tmp_path / "plain.png", plain)), (160, 120))[..., 3]
    assert (alpha == 0).all()


@pytest.mark.parametrize("size", [(1, 1), (5, 3)])
def test_tiny_pictures(tmp_path: Path, size: tuple[int, int]) -> None:
    pixels = np.full((size[1], size[0], 3), 128, np.uint8)
    matte(remove_background(save(tmp_path / "tiny.png", pixels)), size)


def test_same_picture_same_bytes(tmp_path: Path) -> None:
    picture, _ = photo_scene(320, 240, seed=5)
    path = save(tmp_path / "photo.png", picture)
    assert remove_background(path) == remove_background(path)


def test_not_an_image_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("these are not pixels")
    with pytest.raises(ValueError, match="not a readable image"):
        remove_background(path)


def test_too_many_pixels_is_refused_from_the_header(tmp_path: Path) -> None:
    path = png_header_only(tmp_path / "huge.png", 8000, MAX_PIXELS // 8000 + 1)
    with pytest.raises(ValueError, match="megapixel limit"):
        remove_background(path)


def test_a_missing_file_is_not_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        remove_background(tmp_path / "absent.png")


# ---------------------------------------------------------------------------- shapes


@pytest.mark.parametrize("size", [(1_000_001, 1), (1, 1_000_001), (16_385, 900)])
def test_overlong_sides_are_refused_from_the_header(tmp_path: Path, size: tuple[int, int]) -> None:
    # A kilobyte PNG of a million-pixel line once crashed OpenCV, and the process with it.
    path = png_header_only(tmp_path / "line.png", *size)
    with pytest.raises(ValueError, match="at most 16384 px on a side"):
        remove_background(path)


@pytest.mark.parametrize("size", [(2_100, 100), (30, 700)])
def test_shapes_longer_than_20_to_1_are_refused(tmp_path: Path, size: tuple[int, int]) -> None:
    path = save(tmp_path / "strip.png", np.full((size[1], size[0], 3), 128, np.uint8))
    with pytest.raises(ValueError, match="shapes up to 20:1"):
        remove_background(path)


def test_a_20_to_1_banner_is_matted(tmp_path: Path) -> None:
    banner = np.full((100, 2000, 3), (200, 205, 215), np.uint8)
    banner[30:70, 900:1100] = (220, 30, 30)
    alpha = matte(remove_background(save(tmp_path / "banner.png", banner)), (2000, 100))[..., 3]
    assert (alpha[40:60, 920:1080] == 255).all()
    assert (alpha[:, :800] == 0).all()


def test_an_encoder_failure_is_a_value_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_: object) -> tuple[bool, NDArray[np.uint8]]:
        raise cv2.error("imencode refused the image")

    monkeypatch.setattr(cv2, "imencode", fail)
    plain = save(tmp_path / "plain.png", np.full((40, 60, 3), 90, np.uint8))
    with pytest.raises(ValueError, match="could not be encoded"):
        remove_background(plain)


# ---------------------------------------------------------------------------- colour


def test_16_bit_greyscale_is_scaled_not_clipped(tmp_path: Path) -> None:
    grey = np.full((200, 300), 40_000, np.uint16)  # a light backdrop
    grey[50:150, 100:200] = 12_000  # a dark square
    path = tmp_path / "grey16.png"
    Image.fromarray(grey).save(path)
    assert Image.open(path).mode == "I;16"
    rgba = matte(remove_background(path), (300, 200))
    assert (rgba[100, 150, :3] == round(12_000 / 257)).all()
    assert (rgba[10, 10, :3] == round(40_000 / 257)).all()
    alpha = rgba[..., 3]
    assert (alpha[60:140, 110:190] == 255).all()
    assert (alpha[:40] == 0).all()


def test_the_colour_profile_is_kept(tmp_path: Path) -> None:
    picture, _ = photo_scene(320, 240)
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = tmp_path / "tagged.jpg"
    Image.fromarray(picture).save(path, quality=95, icc_profile=profile)
    with Image.open(io.BytesIO(remove_background(path))) as out:
        out.load()
        assert out.info.get("icc_profile") == profile


def test_a_profile_for_other_channels_is_not_attached(tmp_path: Path) -> None:
    # A Lab profile cannot describe the RGB pixels written out; better none than wrong.
    picture, _ = photo_scene(160, 120)
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    path = tmp_path / "lab.png"
    Image.fromarray(picture).save(path, icc_profile=profile)
    with Image.open(io.BytesIO(remove_background(path))) as out:
        out.load()
        assert "icc_profile" not in out.info
