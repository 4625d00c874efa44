"""Endpoints whose input is media the client already has: transcription, background
removal, video upscaling and lip-sync. Requests, rules, and the runs they become.

Runs priced per second of that media are held at what the request lets us know: the
exact length when the media is one of this server's own files (probed from storage),
otherwise an estimate. The engine measures the real length and settles the difference
before the heavy work (see `RunContext.settle_usage`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from genfire_server import youtube
from genfire_server.context import AppContext
from genfire_server.credits import service as credits
from genfire_server.credits.amounts import to_public
from genfire_server.engines.local import audio_io, lipsync
from genfire_server.engines.local.lipsync import SYNC_MODES
from genfire_server.generation import rules
from genfire_server.inputs import check_input_url
from genfire_server.kit.errors import GenFireError, InsufficientCredits, ValidationFailed
from genfire_server.runs.pricing import quote
from genfire_server.runs.service import RunSpec
from genfire_server.storage import service as storage_service

TRANSCRIPTION = "transcription"
BACKGROUND_REMOVAL = "image_editing"
UPSCALE = "video_upscaling"
LIPSYNC = "lipsync_generation"
# What a run holds for media whose length only the engine can measure.
ESTIMATED_SECONDS = 10.0
MAX_INLINE_AUDIO_BYTES = 25 * 1024 * 1024
DEFAULT_LIPSYNC_TITLE = "AI Lip-sync Video"


async def known_seconds(ctx: AppContext, account_id: str, url: str) -> float | None:
    """The length of `url`'s media when it is one of this server's files, else None."""
    asset = await storage_service.resolve_own_url(ctx, url, account_id=account_id)
    if asset is None:
        return None
    async with storage_service.asset_file(ctx, asset) as path:
        return await asyncio.to_thread(audio_io.probe_seconds, path)


# --- transcription --------------------------------------------------------------------


class TranscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audio_url: rules.InputUrl | None = Field(
        default=None,
        description="A direct audio file (mp3, wav, m4a, aac, ogg, flac, opus, webm, wma).",
        examples=["https://cdn.genfire.ai/uploads/interview.mp3"],
    )
    video_url: rules.InputUrl | None = Field(
        default=None, description="A direct video file; its audio track is transcribed."
    )
    youtube_url: rules.InputUrl | None = Field(
        default=None, description="A YouTube video (at most 2 hours)."
    )
    model: str | None = Field(
        default=None, description="Transcription model alias. Default: transcription.whisper_v1."
    )


async def transcription_spec(
    ctx: AppContext, account_id: str, body: TranscriptionCreate
) -> RunSpec:
    model = rules.model_for(ctx.catalog, body.model, TRANSCRIPTION)
    given = {
        name: value
        for name, value in (
            ("audio_url", body.audio_url),
            ("video_url", body.video_url),
            ("youtube_url", body.youtube_url),
        )
        if value is not None
    }
    if len(given) != 1:
        named = ", ".join(given) if given else "none"
        raise ValidationFailed(
            f"Send exactly one of audio_url, video_url and youtube_url (got {named})."
        )
    (source, url), *_ = given.items()
    seconds: float | None = None
    if source == "youtube_url":
        if youtube.video_id(url) is None:
            raise ValidationFailed(
                "youtube_url must be a YouTube video URL (youtube.com/watch?v=..., youtu.be/...)."
            )
    else:
        await check_input_url(ctx, url, account_id)
        seconds = await known_seconds(ctx, account_id, url)
    max_seconds = float(model.limits.get("max_duration_seconds", 7200))
    if seconds is not None and seconds > max_seconds:
        raise GenFireError(
            f"The media lasts {seconds:.0f} s; {model.id} takes at most {max_seconds:.0f} s.",
            code="invalid_duration",
        )
    return RunSpec(
        capability=TRANSCRIPTION,
        endpoint="audio.transcriptions.create",
        model=model.id,
        engine=ctx.routing.get(model.id).engine,
        input={"model": model.id, source: url},
        input_summary={"model": model.id, "source": source.removesuffix("_url")},
        price_milli=quote(ctx.catalog, model.id, seconds or ESTIMATED_SECONDS),
    )


# --- background removal ---------------------------------------------------------------


class BackgroundRemovalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image_url: rules.InputUrl = Field(
        description="Absolute URL of the source image.",
        examples=["https://example.com/photo.jpg"],
    )


async def background_removal_spec(
    ctx: AppContext, account_id: str, body: BackgroundRemovalCreate
) -> RunSpec:
    model = rules.model_for(ctx.catalog, None, BACKGROUND_REMOVAL)
    await check_input_url(ctx, body.image_url, account_id)
    return RunSpec(
        capability=BACKGROUND_REMOVAL,
        endpoint="images.background_remove.create",
        model=model.id,
        engine=ctx.routing.get(model.id).engine,
        input={"image_url": body.image_url},
        input_summary={"model": model.id, "image_url": body.image_url[:500]},
        price_milli=quote(ctx.catalog, model.id, 1),
    )


# --- upscale --------------------------------------------------------------------------


class VideoUpscaleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_video_url: rules.InputUrl = Field(
        description="Absolute URL of the source video.",
        examples=["https://cdn.genfire.ai/video.mp4"],
    )
    scale_factor: int = Field(default=2, description="Either 2 or 4.")


async def upscale_spec(ctx: AppContext, account_id: str, body: VideoUpscaleCreate) -> RunSpec:
    model = rules.model_for(ctx.catalog, None, UPSCALE)
    factors = [int(value) for value in model.limits.get("scale_factors", [2, 4])]
    if body.scale_factor not in factors:
        raise ValidationFailed(
            f"scale_factor must be one of {', '.join(map(str, factors))}; got {body.scale_factor}."
        )
    await check_input_url(ctx, body.source_video_url, account_id)
    seconds = await known_seconds(ctx, account_id, body.source_video_url)
    options = {"scale_factor": body.scale_factor}
    return RunSpec(
        capability=UPSCALE,
        endpoint="videos.upscale.create",
        model=model.id,
        engine=ctx.routing.get(model.id).engine,
        input={"source_video_url": body.source_video_url, "scale_factor": body.scale_factor},
        input_summary={"model": model.id, "scale_factor": body.scale_factor},
        price_milli=quote(ctx.catalog, model.id, seconds or ESTIMATED_SECONDS, options),
    )


# --- lip-sync -------------------------------------------------------------------------


class LipsyncCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    video_url: rules.InputUrl = Field(
        description="Absolute URL of the source video.",
        examples=["https://example.com/source-video.mp4"],
    )
    audio_url: rules.InputUrl | None = Field(
        default=None, description="Absolute URL of the audio. Or send `audio_base64`."
    )
    audio_base64: str | None = Field(
        default=None, description="Base64-encoded audio (at most 25 MB), instead of audio_url."
    )
    audio_file_name: str | None = Field(
        default=None, max_length=255, description="File name for the inline audio."
    )
    title: str = Field(
        default=DEFAULT_LIPSYNC_TITLE, max_length=200, description="Title of the video record."
    )
    description: str | None = Field(
        default=None, max_length=2000, description="Description of the video record."
    )
    sync_mode: str = Field(
        default="cut_off",
        description="When the lengths differ: cut_off, loop, bounce, silence or remap.",
    )
    model: str | None = Field(
        default=None, description="Lip-sync model alias. Default: lipsync.lipsync_2_pro."
    )
    duration: float | None = Field(
        default=None, description="Longest output wanted, 1 to 300 seconds."
    )
    resolution: Literal["480p", "720p"] | None = Field(
        default=None, description="Output resolution, one of the model's (default 720p)."
    )


def decoded_audio(body: LipsyncCreate) -> bytes:
    assert body.audio_base64 is not None
    text = body.audio_base64.strip()
    if text.startswith("data:"):  # a data URL, as browsers make them
        text = text.partition(",")[2]
    # MIME encoders (the base64 tool, Java, OpenSSL) wrap lines at 64 to 76 characters.
    text = "".join(text.split())
    if len(text) > MAX_INLINE_AUDIO_BYTES * 4 // 3 + 4:
        raise ValidationFailed("audio_base64 is over 25 MB; upload the file and send audio_url.")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("audio_base64 is not valid base64.") from None
    if not data:
        raise ValidationFailed("audio_base64 is empty.")
    return data


def check_lipsync(ctx: AppContext, body: LipsyncCreate) -> bytes | None:
    """The request's own rules, before any idempotency key is taken (400s for malformed
    requests are not remembered against the key). Returns the inline audio, decoded."""
    model = rules.model_for(ctx.catalog, body.model, LIPSYNC)
    if (body.audio_url is None) == (body.audio_base64 is None):
        raise ValidationFailed("Send exactly one of audio_url and audio_base64.")
    rules.choice(
        body.sync_mode, SYNC_MODES, field="sync_mode", model=model.id, code="validation_error"
    )
    resolution = body.resolution or "720p"
    rules.choice(
        resolution,
        model.limits.get("resolutions", ["480p", "720p"]),
        field="resolution",
        model=model.id,
        code="invalid_resolution",
    )
    if body.duration is not None and not 1 <= body.duration <= 300:
        raise GenFireError(
            f"duration must be from 1 to 300 seconds; got {body.duration:g}.",
            code="invalid_duration",
        )
    return decoded_audio(body) if body.audio_base64 is not None else None


def lipsync_seconds(
    video: float | None, audio: float | None, sync_mode: str, cap: float | None
) -> float:
    """What to hold for a lip-sync run: its exact output length when both inputs' lengths
    are known, else the `duration` cap, else the estimate."""
    if video is not None and audio is not None:
        exact = lipsync.output_duration(video, audio, sync_mode, cap)
        if exact > 0:
            return exact
    return cap if cap is not None else ESTIMATED_SECONDS


async def lipsync_spec(
    ctx: AppContext, account_id: str, body: LipsyncCreate, inline: bytes | None
) -> RunSpec:
    """The run of a request `check_lipsync` passed (`inline` is what it returned). Stores
    the inline audio, so call it once per run created."""
    model = rules.model_for(ctx.catalog, body.model, LIPSYNC)
    resolution = body.resolution or "720p"
    await check_input_url(ctx, body.video_url, account_id)
    video_seconds = await known_seconds(ctx, account_id, body.video_url)
    if body.audio_url is not None:
        await check_input_url(ctx, body.audio_url, account_id)
        audio_seconds = await known_seconds(ctx, account_id, body.audio_url)
    else:
        assert inline is not None  # check_lipsync decoded it
        audio_seconds = await asyncio.to_thread(audio_io.probe_seconds, io.BytesIO(inline))
    seconds = lipsync_seconds(video_seconds, audio_seconds, body.sync_mode, body.duration)
    price = quote(ctx.catalog, model.id, seconds)
    audio_url = body.audio_url
    if inline is not None:
        # Refused before the audio is stored: a request that cannot run leaves nothing.
        balance = await credits.current_balance(ctx.db, account_id)
        if balance < price:
            raise InsufficientCredits(
                f"This needs {to_public(price)} credits; the balance is {to_public(balance)}."
            )
        stored = await storage_service.save_inline_upload(
            ctx, account_id=account_id, filename=body.audio_file_name or "audio", data=inline
        )
        audio_url = stored.url
    summary: dict[str, Any] = {
        "model": model.id,
        "sync_mode": body.sync_mode,
        "resolution": resolution,
        "audio_source": "audio_url" if body.audio_url is not None else "audio_base64",
    }
    if body.duration is not None:
        summary["duration"] = body.duration
    return RunSpec(
        capability=LIPSYNC,
        endpoint="lipsync.generations.create",
        model=model.id,
        engine=ctx.routing.get(model.id).engine,
        input={
            "video_url": body.video_url,
            "audio_url": audio_url,
            "sync_mode": body.sync_mode,
            "resolution": resolution,
            "duration": body.duration,
            "title": body.title,
            "description": body.description,
        },
        input_summary=summary,
        price_milli=price,
    )
