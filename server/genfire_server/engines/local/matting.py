"""Background removal for the local engine: a colour-key seed refined by GrabCut.

The local engines run offline on the CPU without model weights, so there is no learned
segmentation here; instead this relies on what a product or portrait shot usually gives:
a background that reaches the image border and differs in colour from the subject. The
border is sampled to model the background, pixels are labelled by their distance to that
model, and OpenCV's GrabCut (colour mixtures plus a graph cut that prefers boundaries on
image edges) settles the labels.

The background model is a per-pixel colour estimate, three ways, because one alone fails
on common backdrops; a pixel's distance to it is the smallest of the three:
- interpolated between opposite border points along each row (a wall meeting a floor,
  a left-right gradient);
- the same along each column (a top-bottom gradient, a two-tone split side by side);
- a quadratic surface fitted to the whole border (a vignette or spotlight, brighter in
  the middle than anywhere on the border).
Border pixels of a colour that covers little of the border are the subject touching the
edge: they stay out of the model and are not forced to background. Backdrop-coloured
pixels far from any subject-coloured region are fixed as background, so GrabCut, which
otherwise judges by colour, cannot claim distant backdrop that shares the subject's
colours (a grey object on a grey gradient).

GrabCut runs on a copy whose longest side is about 576 px (its cost grows with pixels,
and the colour models need no more); the mask is brought back to full size and its edge
re-fitted to the full-resolution picture with a guided filter, processed in row strips so
memory stays bounded at 40 megapixels.
"""

from __future__ import annotations

import struct
import warnings
import zlib
from pathlib import Path
from typing import cast

import cv2
import numpy as np
from numpy.typing import NDArray

from genfire_server.engines.local._video_io import load_image

MAX_PIXELS = 40_000_000
MAX_SIDE = 16_384
MAX_ASPECT = 20.0

U8 = NDArray[np.uint8]
F32 = NDArray[np.float32]
Mask = NDArray[np.bool_]
Labels = NDArray[np.int32]

_WORK_SIDE = 576
_GRABCUT_ITERATIONS = 5
# Border colours covering less of the border than this are the subject touching the edge.
_MIN_BORDER_SHARE = 0.08
_CLUSTERS = 6
# Bounds of the Lab distance (CIE76) separating "probably background" from "probably
# subject": 5 is a just-visible shade apart, 20 a clearly different colour. Within them it
# follows the border's own noise.
_MIN_THRESHOLD = 5.0
_MAX_THRESHOLD = 20.0
_STRIP_ROWS = 512
# Widest edge band, in full-size pixels either side of the coarse outline (a 16384 px
# image on a 576 px work copy needs 30).
_MAX_REACH = 64


def remove_background(source: Path) -> bytes:
    """A PNG of the picture with its background made transparent.

    The PNG is RGBA, the same size as the source after its EXIF orientation is applied,
    with the source's own colours; the background has alpha 0, the subject 255, with a
    soft edge of a pixel or two between them. A source that already has transparency
    keeps it: its transparent pixels stay transparent, and so does an RGB ICC profile,
    written into the PNG. 16-bit and float greyscale are scaled to 8 bits.

    Raises ValueError for a file that is not a PNG, JPEG, WebP, GIF, BMP, TIFF or AVIF
    image, or one over 40 megapixels, over 16384 px on its longest side, or longer than
    20:1 either way.
    """
    rgb, given_alpha, profile = _load(source)
    height, width = rgb.shape[:2]
    scale = min(1.0, _WORK_SIDE / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = _shrink(rgb, size)
    small_alpha = None if given_alpha is None else _shrink(given_alpha, size)

    mask = _segment(small, small_alpha)
    if mask is None:  # a cut-out already: nothing opaque reaches the border
        assert given_alpha is not None
        alpha = given_alpha
    else:
        alpha = _full_resolution_alpha(rgb, mask)
        if given_alpha is not None:
            alpha = np.minimum(alpha, given_alpha)
    return _png(rgb, alpha, profile)


def _shrink(pixels: U8, size: tuple[int, int]) -> U8:
    if pixels.shape[1::-1] == size:
        return pixels
    return cast(U8, cv2.resize(pixels, size, interpolation=cv2.INTER_AREA))


def _load(path: Path) -> tuple[U8, U8 | None, bytes | None]:
    """Upright 8-bit RGB pixels, the alpha when the file has transparency, and its RGB
    ICC profile if it has one.

    Sizes are refused on the header, before any pixel is decoded: over 40 megapixels,
    over 16384 px on the longest side, or longer than 20:1. Very thin images are refused
    because the work copy would squash their short side to a pixel or two, which the
    mask's edge cannot be fitted back from.
    """
    image = load_image(
        path,
        keep_alpha=True,
        max_pixels=MAX_PIXELS,
        max_side=MAX_SIDE,
        max_aspect=MAX_ASPECT,
    )
    profile = image.info.get("icc_profile")
    pixels = np.asarray(image)
    icc = profile if isinstance(profile, bytes) else None
    if image.mode == "RGBA":
        return np.ascontiguousarray(pixels[..., :3]), np.ascontiguousarray(pixels[..., 3]), icc
    return np.ascontiguousarray(pixels), None, icc


# ---------------------------------------------------------------------------- seed


def _segment(rgb: U8, alpha: U8 | None) -> Mask | None:
    """The subject mask at work size, or None when the border is all transparent."""
    height, width = rgb.shape[:2]
    opaque = np.ones((height, width), dtype=bool) if alpha is None else alpha >= 128
    band = max(2, min(height, width) // 48)
    ring = np.zeros((height, width), dtype=bool)
    ring[:band], ring[-band:], ring[:, :band], ring[:, -band:] = True, True, True, True
    if min(height, width) <= 2 * band:  # all border: nothing can stand in front of it
        return np.zeros((height, width), dtype=bool)
    samples = ring & opaque
    if alpha is not None and samples.sum() < max(8, ring.sum() // 20):
        return None

    lab = _lab(cast(U8, cv2.GaussianBlur(rgb, (0, 0), 1.2)))
    # Border pixels of a rare border colour are the subject touching the edge.
    inliers = np.zeros_like(samples)
    inliers[samples] = _frequent_colours(lab[samples])
    distance = np.minimum(
        _interpolated_distance(lab, inliers, band), _surface_distance(lab, inliers)
    )
    # Noise-adaptive: a grainy or textured backdrop spreads further from its model.
    spread = float(np.percentile(distance[inliers], 90))
    threshold = float(np.clip(2.5 * spread, _MIN_THRESHOLD, _MAX_THRESHOLD))
    labels = np.where(distance > threshold, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    labels[_far_background(distance <= threshold)] = cv2.GC_BGD
    edge = max(1, band // 3)
    outer = np.zeros_like(ring)
    outer[:edge], outer[-edge:], outer[:, :edge], outer[:, -edge:] = True, True, True, True
    labels[outer & inliers] = cv2.GC_BGD
    labels[~opaque] = cv2.GC_BGD
    if not (labels == cv2.GC_PR_FGD).any():
        return np.zeros((height, width), dtype=bool)

    picture = rgb if alpha is None else rgb.copy()
    if alpha is not None:
        # Hidden pixels hold arbitrary colours; shown to GrabCut as the backdrop's colour
        # they cannot teach its background model the subject's colours.
        picture[~opaque] = np.median(rgb[inliers], axis=0).astype(np.uint8)
    background = np.zeros((1, 65), dtype=np.float64)
    foreground = np.zeros((1, 65), dtype=np.float64)
    cv2.setRNGSeed(0x5EED)  # GrabCut seeds its mixtures with k-means: same input, same mask
    cv2.grabCut(
        cv2.cvtColor(picture, cv2.COLOR_RGB2BGR),
        labels,
        (0, 0, 0, 0),  # unused: the labels give the initial guess
        background,
        foreground,
        _GRABCUT_ITERATIONS,
        cv2.GC_INIT_WITH_MASK,
    )
    subject = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    return _clean(subject & opaque)


def _far_background(backdrop: Mask) -> Mask:
    """Backdrop-coloured pixels well away from any subject-coloured region, and reached
    from the border: certain background.

    GrabCut judges by colour alone apart from its edge term, so where the subject's
    colours also occur in the backdrop (a grey object on a grey gradient) it would claim
    distant backdrop for the subject; the colour-key seed's placement is trusted instead,
    leaving GrabCut the band around the subject to decide.
    """
    height, width = backdrop.shape
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    subject = cv2.morphologyEx((~backdrop).astype(np.uint8), cv2.MORPH_OPEN, kernel)
    reach = max(3, round(0.05 * max(height, width)))
    around = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    far = backdrop & (cv2.dilate(subject, around) == 0)
    count, found = cv2.connectedComponents(far.astype(np.uint8), connectivity=4)
    components = cast(Labels, found)
    if count <= 1:
        return cast(Mask, far)
    touching = _border_labels(components)
    return np.isin(components, touching[touching > 0])


def _lab(rgb: U8) -> F32:
    """CIE L*a*b*, so distances follow perceived colour difference."""
    return cast(F32, cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab))


def _frequent_colours(samples: F32) -> Mask:
    """Which border samples belong to a colour covering enough of the border."""
    count = min(_CLUSTERS, len(samples))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
    cv2.setRNGSeed(0x5EED)  # k-means++ starts are random: same input, same clusters
    _, assigned, _ = cv2.kmeans(
        np.ascontiguousarray(samples, dtype=np.float32),
        count,
        np.empty(0),  # no initial labels
        criteria,
        2,
        cv2.KMEANS_PP_CENTERS,
    )
    labels = assigned.ravel()
    shares = np.bincount(labels, minlength=count) / len(samples)
    frequent = shares >= _MIN_BORDER_SHARE
    if not frequent.any():
        frequent[int(np.argmax(shares))] = True
    return cast(Mask, frequent[labels])


def _surface_distance(lab: F32, inliers: Mask) -> F32:
    """Distance to a quadratic colour surface fitted to the border.

    The surface follows what interpolating between edges cannot: a vignette or a
    spotlight, brighter in the middle than anywhere on the border.
    """
    height, width = lab.shape[:2]
    rows, cols = np.nonzero(inliers)
    step = max(1, len(rows) // 6000)  # a few thousand points pin six coefficients
    rows, cols = rows[::step], cols[::step]
    values = lab[rows, cols].astype(np.float64)

    def terms(y: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=-1)

    design = terms(rows / max(height - 1, 1), cols / max(width - 1, 1))
    coefficients = np.linalg.lstsq(design, values, rcond=None)[0]
    # Refit without the worst fifth: stray subject pixels must not bend the surface.
    residual = np.linalg.norm(design @ coefficients - values, axis=1)
    keep = residual <= np.percentile(residual, 80)
    if keep.sum() >= 6:
        coefficients = np.linalg.lstsq(design[keep], values[keep], rcond=None)[0]
    y = np.linspace(0.0, 1.0, height)[:, None]
    x = np.linspace(0.0, 1.0, width)[None, :]
    surface = terms(*np.broadcast_arrays(y, x)) @ coefficients
    return cast(F32, np.linalg.norm(lab - surface.astype(np.float32), axis=2))


def _interpolated_distance(lab: F32, inliers: Mask, band: int) -> F32:
    """Distance to the background interpolated across the image from opposite borders."""
    height, width = lab.shape[:2]
    best = np.full((height, width), np.inf, dtype=np.float32)
    pairs = (
        (lab[:band], inliers[:band], lab[-band:], inliers[-band:], 0),
        (lab[:, :band], inliers[:, :band], lab[:, -band:], inliers[:, -band:], 1),
    )
    for near, near_in, far, far_in, axis in pairs:
        start = _edge_profile(near, near_in, axis)
        end = _edge_profile(far, far_in, axis)
        # An edge with no background on it (all subject, or transparent) borrows the
        # opposite one: a flat estimate is better than none.
        start = end if start is None else start
        end = start if end is None else end
        if start is None or end is None:
            continue
        if axis == 0:  # top to bottom, per column
            weight = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
            estimate = start[None] * (1 - weight) + end[None] * weight
        else:  # left to right, per row
            weight = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :, None]
            estimate = start[:, None] * (1 - weight) + end[:, None] * weight
        np.minimum(best, np.linalg.norm(lab - estimate, axis=2), out=best)
    return best


def _edge_profile(strip: F32, inliers: Mask, axis: int) -> F32 | None:
    """The border's colour along one edge, with subject-covered stretches bridged over.

    `axis` is the strip's depth direction; the result has one colour per position along
    the edge, the median of the strip's background pixels there (None if it has none).
    """
    depth_first = strip if axis == 0 else strip.transpose(1, 0, 2)
    keep = inliers if axis == 0 else inliers.T
    masked = np.where(keep[..., None], depth_first, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN positions are bridged
        profile = np.nanmedian(masked, axis=0)
    known = ~np.isnan(profile[:, 0])
    if not known.any():
        return None
    positions = np.arange(len(profile))
    for channel in range(3):
        profile[:, channel] = np.interp(positions, positions[known], profile[known, channel])
    return profile.astype(np.float32)


def _clean(subject: Mask) -> Mask:
    """Drop specks and stray fragments, fill pinholes: the subject as a few solid shapes."""
    pixels = subject.size
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    mask = cv2.morphologyEx(subject.astype(np.uint8), cv2.MORPH_OPEN, kernel)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    components, areas = _components(cast(U8, mask), connectivity=8)
    if not len(areas):
        return np.zeros_like(subject)
    # Several people in a shot are kept; crumbs of background texture are not.
    keep = np.flatnonzero(areas >= max(0.15 * areas.max(), 0.0005 * pixels)) + 1
    solid = np.isin(components, keep)
    # Holes that do not reach the border and are tiny are noise inside the subject;
    # larger ones (the inside of a ring, the gap under an arm) are real background.
    holes, areas = _components((~solid).astype(np.uint8), connectivity=4)
    small = np.setdiff1d(np.flatnonzero(areas < 0.0005 * pixels) + 1, _border_labels(holes))
    if len(small):
        solid |= np.isin(holes, small)
    return solid


def _components(mask: U8, connectivity: int) -> tuple[Labels, NDArray[np.int32]]:
    """Connected regions' label image (0 = outside) and the area of regions 1, 2, ..."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=connectivity)
    return cast(Labels, labels), cast(NDArray[np.int32], stats[1:, cv2.CC_STAT_AREA])


def _border_labels(components: Labels) -> Labels:
    """The labels found on the image border."""
    edges = [components[0], components[-1], components[:, 0], components[:, -1]]
    return np.unique(np.concatenate(edges))


# ---------------------------------------------------------------------------- edges


def _full_resolution_alpha(rgb: U8, mask: Mask) -> U8:
    """The work-size mask at full size, its edge fitted to the picture and softened."""
    height, width = rgb.shape[:2]
    coarse = mask.astype(np.uint8) * np.uint8(255)
    if coarse.shape != (height, width):
        # Bilinear then a cut at half way: a smooth outline rather than work-size steps.
        coarse = cast(U8, cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR))
    hard = (coarse >= 128).astype(np.uint8)
    del coarse
    # The band where the edge may lie: up to one work pixel either side of the coarse one.
    # Measured on the long sides, which set the work scale: a short side rounded to a
    # pixel or two says nothing about it. Capped, since OpenCV's dilate with a kernel of
    # thousands of pixels can crash the process.
    factor = max(height, width) / max(mask.shape)
    reach = min(_MAX_REACH, max(2, int(np.ceil(factor)) + 1))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    band = cast(U8, cv2.dilate(hard, kernel)) != cast(U8, cv2.erode(hard, kernel))
    alpha = hard * np.uint8(255)
    margin = 2 * reach + 2  # a guided filter reads two box radii around each pixel
    for top in range(0, height, _STRIP_ROWS):
        bottom = min(height, top + _STRIP_ROWS)
        if not band[top:bottom].any():
            continue
        start, stop = max(0, top - margin), min(height, bottom + margin)
        grey = cast(U8, cv2.cvtColor(rgb[start:stop], cv2.COLOR_RGB2GRAY))
        guide = grey.astype(np.float32) / np.float32(255.0)
        fitted = _guided_filter(guide, hard[start:stop].astype(np.float32), reach, 1e-3)
        # A light feather, so a hard-edged fit still blends into a new background.
        fitted = cast(F32, cv2.GaussianBlur(fitted, (0, 0), 0.7))
        inner = slice(top - start, top - start + (bottom - top))
        rows = np.clip(fitted[inner] * 255.0 + 0.5, 0, 255).astype(np.uint8)
        strip_band = band[top:bottom]
        alpha[top:bottom][strip_band] = rows[strip_band]
    return alpha


def _guided_filter(guide: F32, source: F32, radius: int, eps: float) -> F32:
    """He et al.'s guided filter: `source` smoothed, but keeping the edges of `guide`."""
    window = (2 * radius + 1, 2 * radius + 1)

    def mean(values: F32) -> F32:
        return cast(F32, cv2.boxFilter(values, -1, window, borderType=cv2.BORDER_REFLECT))

    mean_guide = mean(guide)
    mean_source = mean(source)
    covariance = mean(guide * source) - mean_guide * mean_source
    variance = mean(guide * guide) - mean_guide * mean_guide
    gain = cast(F32, covariance / (variance + np.float32(eps)))
    offset = mean_source - gain * mean_guide
    return cast(F32, mean(gain) * guide + mean(offset))


def _png(rgb: U8, alpha: U8, profile: bytes | None) -> bytes:
    bgra = np.dstack([rgb[..., ::-1], alpha])
    # OpenCV's encoder at level 1: measured at 4000x3000 0.88 s against Pillow's 1.8 s at
    # its level 3, and the file came out 2% smaller; photos' grain defeats higher levels.
    try:
        ok, encoded = cv2.imencode(".png", bgra, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    except cv2.error as error:
        raise ValueError(f"the image could not be encoded as PNG ({error.msg})") from None
    if not ok:
        raise ValueError("the image could not be encoded as PNG")
    png = bytes(encoded)
    return png if profile is None else _with_icc(png, profile)


def _with_icc(png: bytes, profile: bytes) -> bytes:
    """`png` with an iCCP chunk carrying `profile`, placed right after IHDR as the PNG
    specification requires (OpenCV's encoder cannot write one)."""
    data = b"icc\0\0" + zlib.compress(profile)  # name, terminator, method 0 (zlib)
    chunk = struct.pack(">I", len(data)) + b"iCCP" + data
    chunk += struct.pack(">I", zlib.crc32(b"iCCP" + data))
    ihdr_end = 8 + 8 + 13 + 4  # signature, IHDR length and type, its data, its CRC
    return png[:ihdr_end] + chunk + png[ihdr_end:]
