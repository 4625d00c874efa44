"""A clock tests move by hand, for the webhook retry schedule (`AppContext.clock`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from genfire_server.kit.clock import utcnow


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
