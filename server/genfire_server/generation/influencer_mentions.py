"""`mentions`: put a trained influencer into an image through the model's edit variant."""

from __future__ import annotations

import re

from genfire_server.context import AppContext
from genfire_server.generation.images import Mention, PreparedImages
from genfire_server.influencers import service as influencers
from genfire_server.kit.errors import NotFound, ValidationFailed

IDENTITY_DIRECTIVE = (
    "Keep the character's identity exactly as in the reference photos: the same face, "
    "features, skin tone and hair."
)


def mention_prompt(prompt: str, handle: str) -> str:
    """`@handle` becomes "the character", and the identity directive is appended."""
    pattern = re.compile(rf"@{re.escape(handle)}\b", re.IGNORECASE)
    replaced = pattern.sub("the character", prompt)
    return f"{replaced.rstrip()} {IDENTITY_DIRECTIVE}"


async def apply(
    ctx: AppContext, account_id: str, prepared: PreparedImages, mention: Mention
) -> PreparedImages:
    async with ctx.db.read() as session:
        try:
            influencer = await influencers.get(session, account_id, mention.influencer_id)
        except NotFound as error:
            raise ValidationFailed(
                f"mentions[0].influencer_id: no influencer {mention.influencer_id[:64]} in "
                "this account."
            ) from error
    if influencer.handle != mention.handle.lstrip("@").lower():
        raise ValidationFailed(
            f"mentions[0].handle: influencer {influencer.id} is @{influencer.handle}."
        )
    if influencer.status != "ready":
        raise ValidationFailed(
            f"mentions[0]: influencer @{influencer.handle} is {influencer.status}; only ready "
            "influencers can be referenced."
        )
    photos = await influencers.photo_urls(ctx, influencer)
    return prepared.model_copy(
        update={
            "prompt": mention_prompt(prepared.prompt, influencer.handle),
            "influencer": {"id": influencer.id, "handle": influencer.handle, "photo_urls": photos},
        }
    )
