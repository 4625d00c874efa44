"""Fire-and-forget work that must still be finished, logged and awaited at shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Hashable
from typing import Any

log = logging.getLogger("genfire.background")


class BackgroundWork:
    """Runs small side effects (such as recording `last_used_at`) off the request path."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._running: set[Hashable] = set()

    def spawn_once(self, key: Hashable, work: Coroutine[Any, Any, Any]) -> None:
        """Start `work` unless work with the same key is still running (then drop it)."""
        if key in self._running:
            work.close()
            return
        self._running.add(key)
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)

        def finished(done: asyncio.Task[Any]) -> None:
            self._tasks.discard(done)
            self._running.discard(key)
            if not done.cancelled() and done.exception() is not None:
                log.error(
                    "background work failed", exc_info=done.exception(), extra={"work": str(key)}
                )

        task.add_done_callback(finished)

    async def drain(self) -> None:
        """Wait for everything started so far."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
