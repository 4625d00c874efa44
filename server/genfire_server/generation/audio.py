"""`POST /audio/speech`, `/audio/music`, `/audio/sfx`: requests, rules, and their runs.

Transcription lives in generation/media.py: its input is media, not words.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from genfire_server.context import AppContext
from genfire_server.engines.local import audio_io
from genfire_server.generation import rules
from genfire_server.kit.errors import GenFireError, ValidationFailed
from genfire_server.models import Voice
from genfire_server.runs.pricing import quote
from genfire_server.runs.service import RunSpec

SPEECH = "speech_generation"
MUSIC = "music_generation"
SFX = "sound_effect_generation"
DEFAULT_MUSIC_SECONDS = 30.0
DEFAULT_PROMPT_INFLUENCE = 0.3
SFX_MAX_SECONDS = 30.0
VOICES_HINT = "List voices with GET /v1/audio/voices?include=stock."


def output_format_of(value: str | None) -> str:
    """The requested `output_format`, checked; MP3 at 44.1 kHz, 128 kbps by default."""
    name = value if value is not None else audio_io.DEFAULT_OUTPUT_FORMAT
    if audio_io.parse_output_format(name) is None:
        raise ValidationFailed(
            f"output_format {name[:40]!r} is not supported. Use one of: "
            f"{audio_io.summary_of_formats()}."
        )
    return name


# --- speech ---------------------------------------------------------------------------


class SpeechCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        description="The text to speak, up to the model's `max_characters`.",
        examples=["Introducing the new GenFire creative workflow."],
    )
    voice_id: str = Field(
        min_length=1,
        max_length=100,
        description="A stock voice id or one of your cloned voice ids (`fal_cloned_<id>`). "
        "List options via `/audio/voices`.",
    )
    model: str | None = Field(
        default=None, description="Speech model alias. Default: speech.elevenlabs_turbo_v2_5."
    )
    voice_name: str | None = Field(
        default=None, max_length=100, description="A human-readable voice name, passed through."
    )
    output_format: str | None = Field(
        default=None, description="e.g. `mp3_44100_128` (default), `pcm_16000`, `opus_48000_64`."
    )


class InvalidVoice(GenFireError):
    code = "invalid_voice"


async def voice_style(ctx: AppContext, account_id: str, voice_id: str) -> dict[str, Any]:
    """How the local engine speaks `voice_id`; 400 `invalid_voice` if it is not a voice
    this account may use."""
    for voice in ctx.stock_voices:
        if voice.id == voice_id:
            return {"length_scale": voice.length_scale, "espeak_variant": voice.espeak_variant}
    async with ctx.db.read() as session:
        cloned = await session.scalar(
            select(Voice.id).where(Voice.id == voice_id, Voice.account_id == account_id)
        )
    if cloned is None:
        raise InvalidVoice(f"voice_id {voice_id!r} is not a voice you can use. {VOICES_HINT}")
    # A clone's timbre needs the cloning provider; locally it is spoken by the default voice.
    return {"length_scale": 1.0, "espeak_variant": "m3"}


async def speech_spec(ctx: AppContext, account_id: str, body: SpeechCreate) -> RunSpec:
    model = rules.model_for(ctx.catalog, body.model, SPEECH)
    text = body.text.strip()
    if not any(character.isalnum() for character in text):
        raise ValidationFailed("text is required: send the words to speak.")
    limit = int(model.limits.get("max_characters", 40_000))
    if len(text) > limit:
        raise ValidationFailed(f"text is {len(text)} characters; {model.id} takes at most {limit}.")
    style = await voice_style(ctx, account_id, body.voice_id)
    output_format = output_format_of(body.output_format)
    summary: dict[str, Any] = {
        "model": model.id,
        "voice_id": body.voice_id,
        "characters": len(text),
        "output_format": output_format,
    }
    if body.voice_name:
        summary["voice_name"] = body.voice_name
    return RunSpec(
        capability=SPEECH,
        endpoint="audio.speech.create",
        model=model.id,
        engine=ctx.routing.get(model.id).engine,
        input={
            "text": text,
            "voice_id": body.voice_id,
            "voice_name": body.voice_name,
            "style": style,
            "output_format": output_format,
        },
        input_summary=summary,
        price_milli=quote(ctx.catalog, model.id, len(text)),
    )


# --- music ----------------------------------------------------------------------------


class MusicCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(
        description="Description of the music.",
        examples=["Confident electronic music bed for a product launch video"],
    )
    model: str | None = Field(
        default=None, description="Music model alias. Default: music.elevenlabs_music_v1."
    )
    duration_seconds: float | None = Field(
        default=None,
        description="Length in seconds (ElevenLabs: 10 to 300; default 30). Ignored by Lyria 3 "
        "Pro, which makes a fixed-length song.",
    )
    include_details: bool = Field(
        default=False, description="Add `details` (title, tempo, key, sections). ElevenLabs only."
    )
    with_timestamps: bool = Field(
        default=False,
        description="Give each section its start and end time (needs include_details; "
        "ignored without it).",
    )
    force_instrumental: bool | None = Field(default=None, description="No vocals. ElevenLabs only.")
    image_url: rules.InputUrl | None = Field(
        default=None, description="An image whose mood the music follows. Lyria 3 Pro only."
    )
    negative_prompt: str | None = Field(
        default=None, max_length=2000, description="What to leave out. Lyria 3 Pro only."
    )
    output_format: str | None = Field(default=None, description="e.g. `mp3_44100_128` (default).")


def music_spec(ctx: AppContext, body: MusicCreate) -> RunSpec:
    model = rules.model_for(ctx.catalog, body.model, MUSIC)
    params = ctx.routing.get(model.id).params
    prompt_limit = int(model.limits.get("prompt_max_length", rules.PROMPT_MAX_CHARACTERS))
    prompt = rules.prompt_text(body.prompt, max_characters=prompt_limit)
    if body.image_url is not None and not params.get("image_url"):
        raise rules.not_for_this_model("image_url", model.id, "Only music.lyria3_pro takes one.")
    if body.negative_prompt is not None and not params.get("negative_prompt"):
        raise rules.not_for_this_model(
            "negative_prompt", model.id, "Only music.lyria3_pro takes one."
        )
    fixed = params.get("fixed_duration_seconds")
    if fixed is not None:
        duration = float(fixed)  # Lyria's songs have one length, whatever was asked
    else:
        duration = DEFAULT_MUSIC_SECONDS if body.duration_seconds is None else body.duration_seconds
        low = float(params.get("min_duration_seconds", 1))
        high = float(model.limits.get("max_duration_seconds", 300))
        rules.seconds_within(duration, low, high, field="duration_seconds", model=model.id)
    output_format = output_format_of(body.output_format)
    details = bool(params.get("details")) and body.include_details
    summary: dict[str, Any] = {
        "prompt": prompt[:500],
        "model": model.id,
        "duration_seconds": duration,
        "output_format": output_format,
    }
    if details:
        summary["include_details"] = True
    if body.image_url is not None:
        summary["has_image"] = True
    instrumental = bool(body.force_instrumental) and bool(params.get("instrumental_option"))
    return RunSpec(
        capability=MUSIC,
        endpoint="audio.music.create",
        model=model.id,
        engine=ctx.routing.get(model.id).engine,
        input={
            "prompt": prompt,
            "duration_seconds": duration,
            "include_details": details,
            "with_timestamps": details and body.with_timestamps,
            "instrumental": instrumental,
            "image_url": body.image_url,
            "negative_prompt": body.negative_prompt,
            "output_format": output_format,
        },
        input_summary=summary,
        price_milli=quote(ctx.catalog, model.id, duration),
    )


# --- sound effects --------------------------------------------------------------------


class SoundEffectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(
        description="The sound effect to make.",
        examples=["Heavy metal door slam in a large warehouse"],
    )
    model: str | None = Field(
        default=None, description="Sound effect model alias. Default: sfx.elevenlabs_v1."
    )
    duration_seconds: float | None = Field(
        default=None,
        description="Length in seconds, 0.5 to 30. Default: a natural length for the sound.",
    )
    output_format: str | None = Field(default=None, description="e.g. `mp3_44100_128` (default).")
    prompt_influence: float | None = Field(
        default=None,
        description="0 to 1: how closely to follow the prompt (default 0.3).",
    )
    loop: bool = Field(default=False, description="Make a seamless loop.")


def sfx_spec(ctx: AppContext, body: SoundEffectCreate) -> RunSpec:
    model = rules.model_for(ctx.catalog, body.model, SFX)
    params = ctx.routing.get(model.id).params
    prompt = rules.prompt_text(body.prompt)
    high = float(model.limits.get("max_duration_seconds", SFX_MAX_SECONDS))
    if body.duration_seconds is not None:
        low = float(params.get("min_duration_seconds", 0.5))
        rules.seconds_within(
            body.duration_seconds, low, high, field="duration_seconds", model=model.id
        )
    influence = DEFAULT_PROMPT_INFLUENCE if body.prompt_influence is None else body.prompt_influence
    if not 0.0 <= influence <= 1.0:
        raise ValidationFailed(f"prompt_influence must be from 0 to 1; got {influence:g}.")
    output_format = output_format_of(body.output_format)
    summary: dict[str, Any] = {
        "prompt": prompt[:500],
        "model": model.id,
        "output_format": output_format,
        "loop": body.loop,
    }
    if body.duration_seconds is not None:
        summary["duration_seconds"] = body.duration_seconds
    # Without a duration the sound picks its own length: hold the longest, charge the real.
    held_seconds = body.duration_seconds if body.duration_seconds is not None else high
    return RunSpec(
        capability=SFX,
        endpoint="audio.sfx.create",
        model=model.id,
        engine=ctx.routing.get(model.id).engine,
        input={
            "prompt": prompt,
            "duration_seconds": body.duration_seconds,
            "prompt_influence": influence,
            "loop": body.loop,
            "output_format": output_format,
        },
        input_summary=summary,
        price_milli=quote(ctx.catalog, model.id, held_seconds),
    )
