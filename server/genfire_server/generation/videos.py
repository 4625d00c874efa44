"""`POST /videos/generations`: the request, its input mode, and the run it becomes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from genfire_server.catalog.service import Catalog, CatalogModel
from genfire_server.engines.routing import RoutingTable
from genfire_server.generation import rules
from genfire_server.kit.errors import GenFireError
from genfire_server.runs.pricing import quote
from genfire_server.runs.service import RunSpec

CAPABILITY = "video_generation"
ENDPOINT = "videos.generations.create"
DEFAULT_DURATION = 5
DEFAULT_RESOLUTION = "720p"
# The catalog's capability flag each input mode needs, and the local engine's name for it.
MODES: dict[str, str] = {
    "text_to_output": "text",
    "image_to_output": "image",
    "reference_images": "reference",
    "source_video": "edit",
    "motion_control": "motion",
    "first_last_frame": "interpolate",
}


class VideoGenerationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(examples=["Cinematic close-up of a luxury watch with soft lighting"])
    model: str | None = Field(
        default=None, description="Video model alias. Default: video.veo_3_1."
    )
    aspect_ratio: str = Field(default="16:9", description="One of the model's `aspect_ratios`.")
    duration: int | None = Field(
        default=None,
        description="Seconds, from the model's `duration_seconds`. Default: 5 (or the model's "
        "nearest allowed duration when 5 is not one).",
    )
    resolution: str | None = Field(
        default=None, description="One of the model's `resolutions` (default 720p)."
    )
    image_url: rules.InputUrl | None = None
    source_video_url: rules.InputUrl | None = None
    reference_image_urls: list[rules.InputUrl] | None = Field(
        default=None, description="Up to 9 images."
    )
    first_frame_url: rules.InputUrl | None = None
    last_frame_url: rules.InputUrl | None = None
    generate_audio: bool | None = Field(
        default=None, description="Default: true where the model supports audio."
    )


class PreparedVideo(BaseModel):
    prompt: str
    model: str
    mode: Literal["text", "image", "reference", "edit", "extend", "motion", "interpolate"]
    input_mode: str
    aspect_ratio: str
    duration: int
    resolution: str
    generate_audio: bool
    image_url: str | None
    source_video_url: str | None
    reference_image_urls: list[str]
    first_frame_url: str | None
    last_frame_url: str | None


def input_mode(body: VideoGenerationCreate) -> str:
    """The mode the reference derives from which inputs are present."""
    if (body.first_frame_url is None) != (body.last_frame_url is None):
        raise GenFireError(
            "first_frame_url and last_frame_url go together: send both for interpolation.",
            code="validation_error",
        )
    frames = body.first_frame_url is not None
    others = [body.image_url, body.source_video_url, body.reference_image_urls]
    if frames:
        if any(others):
            raise GenFireError(
                "first_frame_url/last_frame_url cannot be combined with other inputs.",
                code="unsupported_input_combination",
            )
        return "first_last_frame"
    if body.image_url and body.source_video_url:
        return "motion_control"
    if body.source_video_url:
        return "source_video"
    if body.reference_image_urls:
        if body.image_url:
            raise GenFireError(
                "image_url and reference_image_urls are different modes; send one of them.",
                code="unsupported_input_combination",
            )
        return "reference_images"
    if body.image_url:
        return "image_to_output"
    return "text_to_output"


def _allowed_resolutions(model: CatalogModel) -> list[str]:
    limits = model.limits
    if limits.get("resolutions"):
        return [str(r) for r in limits["resolutions"]]
    if limits.get("resolution"):
        return [str(limits["resolution"])]
    return [DEFAULT_RESOLUTION]


def _duration(requested: int | None, allowed: list[int], model: str) -> int:
    if requested is None:
        if DEFAULT_DURATION in allowed:
            return DEFAULT_DURATION
        return min(allowed, key=lambda seconds: (abs(seconds - DEFAULT_DURATION), seconds))
    rules.choice(requested, allowed, field="duration", model=model, code="invalid_duration")
    return requested


def prepare(body: VideoGenerationCreate, catalog: Catalog) -> PreparedVideo:
    prompt = rules.prompt_text(body.prompt)
    model = rules.model_for(catalog, body.model, CAPABILITY)
    limits = model.limits
    rules.choice(
        body.aspect_ratio,
        limits.get("aspect_ratios", []),
        field="aspect_ratio",
        model=model.id,
        code="invalid_aspect_ratio",
    )
    allowed_durations = [int(seconds) for seconds in limits.get("duration_seconds", [])]
    duration = _duration(body.duration, allowed_durations, model.id)
    resolutions = _allowed_resolutions(model)
    resolution = body.resolution or (
        DEFAULT_RESOLUTION if DEFAULT_RESOLUTION in resolutions else resolutions[0]
    )
    rules.choice(
        resolution, resolutions, field="resolution", model=model.id, code="invalid_resolution"
    )
    references = body.reference_image_urls or []
    if len(references) > 9:
        raise GenFireError("reference_image_urls takes at most 9 URLs.", code="validation_error")
    mode = input_mode(body)
    if not rules.supports(model, mode):
        declared = [name for name in MODES if rules.supports(model, name)]
        raise GenFireError(
            f"{model.id} does not support {mode.replace('_', ' ')} (the inputs you sent). "
            f"It supports: {', '.join(declared)}.",
            code="unsupported_input_combination",
        )
    # "Whether to include generated audio when supported": a silent model ignores it
    # (clients send the default, true, to every model) and the run says it is silent.
    audio_ok = bool(limits.get("supports_audio"))
    engine_mode = MODES[mode]
    if mode == "source_video" and "extend" in model.id:
        engine_mode = "extend"
    return PreparedVideo(
        prompt=prompt,
        model=model.id,
        mode=engine_mode,
        input_mode=mode,
        aspect_ratio=body.aspect_ratio,
        duration=duration,
        resolution=resolution,
        generate_audio=audio_ok and body.generate_audio is not False,
        image_url=body.image_url,
        source_video_url=body.source_video_url,
        reference_image_urls=references,
        first_frame_url=body.first_frame_url,
        last_frame_url=body.last_frame_url,
    )


def run_spec(prepared: PreparedVideo, catalog: Catalog, routing: RoutingTable) -> RunSpec:
    options: dict[str, object] = {"generate_audio": prepared.generate_audio}
    price = catalog.price_of(prepared.model)
    if "resolution" in price.multipliers:
        options["resolution"] = prepared.resolution
    summary: dict[str, Any] = {
        "prompt": prepared.prompt[:500],
        "model": prepared.model,
        "aspect_ratio": prepared.aspect_ratio,
        "duration": prepared.duration,
        "has_image": bool(
            prepared.image_url or prepared.first_frame_url or prepared.reference_image_urls
        ),
        "generate_audio": prepared.generate_audio,
    }
    if prepared.input_mode != "text_to_output":
        summary["input_mode"] = prepared.input_mode
    if prepared.resolution != DEFAULT_RESOLUTION:
        summary["resolution"] = prepared.resolution
    return RunSpec(
        capability=CAPABILITY,
        endpoint=ENDPOINT,
        model=prepared.model,
        engine=routing.get(prepared.model).engine,
        input=prepared.model_dump(),
        input_summary=summary,
        price_milli=quote(catalog, prepared.model, prepared.duration, options),
    )
