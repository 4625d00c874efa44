"""Cloned voices as the cloning flow leaves them (the API has no clone endpoint)."""

from __future__ import annotations

from genfire_server.kit.clock import utcnow
from genfire_server.kit.db import Database
from genfire_server.models import Voice


async def add_cloned_voice(
    db: Database, account_id: str, voice_id: str, name: str = "My Cloned Voice"
) -> None:
    async with db.write() as session:
        session.add(
            Voice(
                id=voice_id,
                account_id=account_id,
                name=name,
                provider="fal_qwen3",
                preview_url=None,
                created_at=utcnow(),
            )
        )
