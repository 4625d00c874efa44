"""What else happens when a run finishes: batch progress and webhook deliveries.

Listeners act inside the transaction that finishes the run, so their effects commit with
it (a batch's counts never disagree with its runs; a delivery exists as soon as the run
is finished). Each runs in a savepoint: one that fails loses only its own writes, the
run still finishes, and its name is kept on the run (`runs.unannounced`) for the sweeper
to tell it again. Work that must wait for the commit (dispatching the runs a freed slot
lets start, waking the webhook sender) is returned as a callable.
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
    # Recorded on the run when the listener fails, so the sweeper can tell it again.
    name: str

    async def run_finished(self, session: AsyncSession, event: RunFinished) -> AfterCommit | None:
        """Record what the finished run means, in its transaction; raise to roll it back."""
        ...
