"""`POST /audio/speech`, `/audio/music`, `/audio/sfx`, `/audio/transcriptions`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.dependencies import Context
from genfire_server.generation import audio, media
from genfire_server.kit.responses import errors
from genfire_server.runs.schemas import RunOut
from genfire_server.runs.submission import check_input_url, respond_with_run

router = APIRouter(tags=["Generation"])
AudioWrite = Annotated[Principal, Depends(require("audio:write"))]
_ERRORS = errors(400, 401, 402, 403, 409, 422)


@router.post(
    "/audio/speech", summary="Generate speech audio", response_model=RunOut, responses=_ERRORS
)
async def create_speech(
    body: audio.SpeechCreate, request: Request, ctx: Context, principal: AudioWrite
) -> Response:
    """Text to speech with a speech model alias and a voice from `/audio/voices`. Priced
    per character. Usually answers with the completed run (`output.audio_url`)."""
    spec = await audio.speech_spec(ctx, principal.account_id, body)
    wait = ctx.settings.sync_wait_seconds
    return await respond_with_run(request, ctx, principal, spec, wait_seconds=wait)


@router.post("/audio/music", summary="Generate music", response_model=RunOut, responses=_ERRORS)
async def create_music(
    body: audio.MusicCreate, request: Request, ctx: Context, principal: AudioWrite
) -> Response:
    """Music from a prompt; with `include_details`, its title, tempo, key and sections
    (`with_timestamps` adds each section's start and end). Priced per second."""
    spec = audio.music_spec(ctx, body)
    if body.image_url is not None:
        await check_input_url(ctx, body.image_url, principal.account_id)
    wait = ctx.settings.sync_wait_seconds
    return await respond_with_run(request, ctx, principal, spec, wait_seconds=wait)


@router.post(
    "/audio/sfx", summary="Generate sound effects", response_model=RunOut, responses=_ERRORS
)
async def create_sound_effect(
    body: audio.SoundEffectCreate, request: Request, ctx: Context, principal: AudioWrite
) -> Response:
    """A sound effect from a prompt, up to 30 s; `loop` makes it loop seamlessly. Priced
    per second of the result."""
    spec = audio.sfx_spec(ctx, body)
    wait = ctx.settings.sync_wait_seconds
    return await respond_with_run(request, ctx, principal, spec, wait_seconds=wait)


@router.post(
    "/audio/transcriptions",
    summary="Transcribe audio or video (speech-to-text)",
    response_model=RunOut,
    responses=_ERRORS,
)
async def create_transcription(
    body: media.TranscriptionCreate, request: Request, ctx: Context, principal: AudioWrite
) -> Response:
    """Speech to text with word and segment timings, from exactly one of `audio_url`,
    `video_url` and `youtube_url` (500 MB, 2 hours at most). Billed per second of media.
    Answers with the queued run: poll it for `output.text`, `words` and `segments`."""
    spec = await media.transcription_spec(ctx, principal.account_id, body)
    return await respond_with_run(request, ctx, principal, spec)
