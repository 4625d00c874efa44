"""`POST /images/generations`: the request, its rules, and the run it becomes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from genfire_server.catalog.service import Catalog
from genfire_server.engines.routing import RoutingTable
from genfire_server.generation import rules
from genfire_server.kit.errors import GenFireError
from genfire_server.runs.pricing import quote
from genfire_server.runs.service import RunSpec

CAPABILITY = "image_generation"
ENDPOINT = "images.generations.create"
DEFAULT_QUALITY = "high"


class Mention(BaseModel):
    handle: str = Field(min_length=1, max_length=40)
    influencer_id: str = Field(min_length=1, max_length=64)


class ImageGenerationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(
        description="The image prompt. May include @<handle> mentions when paired with `mentions`.",
        examples=["Studio product photo of a matte black water bottle on dark stone"],
    )
    model: str | None = Field(
        default=None, description="Image model alias from `/models`. Default: image.nano_banana_2."
    )
    aspect_ratio: str = Field(default="1:1", description="One of the model's `aspect_ratios`.")
    count: int = Field(default=1, description="Number of images, from 1 to the model's max_count.")
    image_url: rules.InputUrl | None = Field(
        default=None,
        description="A source image: routes through the model's edit variant.",
    )
    image_urls: list[rules.InputUrl] | None = Field(
        default=None, description="Up to 14 source images for a multi-image edit (Grok: first 3)."
    )
    mentions: list[Mention] | None = Field(
        default=None, description="`[{handle, influencer_id}]`, one influencer per request."
    )
    quality: Literal["low", "medium", "high", "auto"] | None = Field(
        default=None, description="image.gpt_image_2 only. Default: high."
    )
    resolution: Literal["1K", "2K", "4K"] | None = Field(
        default=None,
        description="Nano Banana family edits only (needs image_url or mentions).",
    )


class PreparedImages(BaseModel):
    """What the engine receives: everything resolved, nothing left to decide."""

    prompt: str
    model: str
    aspect_ratio: str
    count: int
    resolution: str | None
    quality: str | None
    source_urls: list[str]
    influencer: dict[str, Any] | None = None


def source_urls_of(body: ImageGenerationCreate, params: dict[str, Any], model: str) -> list[str]:
    urls = [body.image_url] if body.image_url else []
    if body.image_urls:
        limit = int(params.get("max_image_urls", 0))
        if limit == 0:
            raise rules.not_for_this_model(
                "image_urls", model, "Send a single image_url, or use a multi-image edit model."
            )
        if len(body.image_urls) > 14:
            raise GenFireError("image_urls takes at most 14 URLs.", code="validation_error")
        urls += body.image_urls[:limit]  # Grok reads only its first 3
    return urls


def prepare(body: ImageGenerationCreate, catalog: Catalog, routing: RoutingTable) -> PreparedImages:
    """Check the request against the model's limits; raise the documented 400 if it fails."""
    prompt = rules.prompt_text(body.prompt)
    model = rules.model_for(catalog, body.model, CAPABILITY)
    params = routing.get(model.id).params
    limits = model.limits
    rules.choice(
        body.aspect_ratio,
        limits.get("aspect_ratios", []),
        field="aspect_ratio",
        model=model.id,
        code="invalid_aspect_ratio",
    )
    rules.count_within(body.count, int(limits.get("max_count", 1)), model=model.id)
    sources = source_urls_of(body, params, model.id)
    if (sources or body.mentions) and not rules.supports(model, "image_to_output"):
        raise GenFireError(
            f"{model.id} generates from text only; it takes no image_url, image_urls or "
            "mentions (it has no edit variant).",
            code="unsupported_input_combination",
        )
    if body.mentions is not None and len(body.mentions) != 1:
        raise GenFireError(
            "mentions takes exactly one influencer per request.", code="validation_error"
        )
    quality: str | None = body.quality
    if params.get("quality"):
        quality = quality or DEFAULT_QUALITY
    elif quality is not None:
        raise rules.not_for_this_model(
            "quality", model.id, "Only image.gpt_image_2 has quality tiers."
        )
    resolution = body.resolution
    if resolution is not None:
        allowed = params.get("edit_resolutions")
        if not allowed:
            raise rules.not_for_this_model(
                "resolution", model.id, "Only Nano Banana models take resolution, for edits."
            )
        if not sources and not body.mentions:
            raise GenFireError(
                "resolution applies to edits: send image_url or mentions with it.",
                code="validation_error",
            )
        rules.choice(
            resolution, allowed, field="resolution", model=model.id, code="invalid_resolution"
        )
    return PreparedImages(
        prompt=prompt,
        model=model.id,
        aspect_ratio=body.aspect_ratio,
        count=body.count,
        resolution=resolution,
        quality=quality,
        source_urls=sources,
    )


def run_spec(prepared: PreparedImages, catalog: Catalog, routing: RoutingTable) -> RunSpec:
    options: dict[str, object] = {}
    if prepared.quality is not None:
        options["quality"] = prepared.quality
    if prepared.resolution is not None:
        options["resolution"] = prepared.resolution
    summary: dict[str, Any] = {
        "prompt": prepared.prompt[:500],
        "model": prepared.model,
        "aspect_ratio": prepared.aspect_ratio,
        "count": prepared.count,
    }
    if prepared.source_urls or prepared.influencer:
        summary["has_image"] = True
    if prepared.quality is not None:
        summary["quality"] = prepared.quality
    if prepared.resolution is not None:
        summary["resolution"] = prepared.resolution
    if prepared.influencer:
        summary["mentions"] = [prepared.influencer["handle"]]
    return RunSpec(
        capability=CAPABILITY,
        endpoint=ENDPOINT,
        model=prepared.model,
        engine=routing.get(prepared.model).engine,
        input=prepared.model_dump(),
        input_summary=summary,
        price_milli=quote(catalog, prepared.model, prepared.count, options),
    )
