"""`GET /audio/voices`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.dependencies import Context, Session
from genfire_server.kit.errors import ValidationFailed
from genfire_server.kit.responses import errors
from genfire_server.models import Voice
from genfire_server.voices.schemas import VoiceList, VoiceOut

router = APIRouter(tags=["Discovery"])
ModelsRead = Annotated[Principal, Depends(require("models:read"))]
_INCLUDES = ("stock",)


@router.get(
    "/audio/voices",
    summary="List voices for speech generation",
    response_model=VoiceList,
    responses=errors(400, 401, 403),
)
async def list_voices(
    ctx: Context,
    session: Session,
    principal: ModelsRead,
    include: Annotated[
        str | None,
        Query(description="Comma-separated extra sources. `stock` adds the built-in voices."),
    ] = None,
) -> VoiceList:
    """Voice ids accepted by `voice_id` on `/audio/speech`.

    Your cloned voices; with `include=stock`, also the built-in voices of the speech engines.
    """
    extras = [part.strip() for part in (include or "").split(",") if part.strip()]
    unknown = [part for part in extras if part not in _INCLUDES]
    if unknown:
        raise ValidationFailed(
            f"include: unknown source(s) {', '.join(unknown)}; supported: {', '.join(_INCLUDES)}."
        )
    cloned = await session.scalars(
        select(Voice)
        .where(Voice.account_id == principal.account_id)
        .order_by(Voice.created_at.desc(), Voice.id)
    )
    data = [
        VoiceOut(
            id=voice.id,
            name=voice.name,
            type="cloned",
            provider=voice.provider,
            preview_url=voice.preview_url,
            created_at=voice.created_at,
        )
        for voice in cloned
    ]
    if "stock" in extras:
        data += [
            VoiceOut(id=voice.id, name=voice.name, type="stock", provider=voice.provider)
            for voice in ctx.stock_voices
        ]
    return VoiceList(data=data)
