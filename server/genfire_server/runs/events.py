"""What else happens when a run finishes: batch progress now, webhook deliveries next.

Listeners act inside the transaction that finishes the run, so their effects commit or
roll back with it (a batch's counts never disagree with its runs). Work that must wait
for the commit (dispatching the runs a freed slot lets start) is returned as a callable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

AfterCommit = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class RunFinished:
    run_id: str
    account_id: str
    status: str  # completed | failed
    batch_item_id: str | None
    output: dict[str, Any] | None
    charged_milli: int
    error_code: str | None
    error_message: str | None


class RunListener(Protocol):
    async def run_finished(self, session: AsyncSession, event: RunFinished) -> AfterCommit | None:
        """Record what the finished run means, in its transaction; raise to roll it back."""
        ...
