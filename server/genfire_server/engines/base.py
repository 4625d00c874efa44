"""The contract between the run machinery and whatever executes a run.

An engine gets the validated request (`Job`) and a `RunContext` for everything that
touches the outside: storing outputs, reporting progress, reading inputs. It returns the
output document the API shows, or raises `EngineError` with one of the contract's
failed-run codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

# The failed-run codes existing clients know (spec/NOTES.md).
FAILED_RUN_CODES = frozenset(
    {
        "content_policy_violation",
        "provider_timeout",
        "provider_error",
        "input_fetch_failed",
        "insufficient_credits",
        "internal_error",
    }
)


@dataclass(frozen=True)
class Job:
    run_id: str
    account_id: str
    capability: str
    endpoint: str
    model: str | None
    input: dict[str, Any]


@dataclass
class EngineResult:
    output: dict[str, Any]
    # What to charge, at most what was held; None charges the quoted price.
    charged_milli: int | None = None
    provider_request_id: str | None = None
    resource_id: str | None = None


class EngineError(Exception):
    """The run failed for a reason the client should see (`error = {code, message}`)."""

    def __init__(self, code: str, message: str) -> None:
        if code not in FAILED_RUN_CODES:
            raise ValueError(f"{code} is not a failed-run code")
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class StoredOutput:
    asset_id: str
    url: str
    size_bytes: int
    content_type: str


@dataclass(frozen=True)
class Progress:
    percent: float
    label: str
    step_index: int = 0
    step_count: int = 1
    stages: list[str] = field(default_factory=list)


class RunContext(Protocol):
    """What an engine may do besides computing."""

    async def store_output(
        self,
        filename: str,
        content_type: str,
        *,
        data: bytes | None = None,
        path: Path | None = None,
    ) -> StoredOutput:
        """Keep a result file; returns its signed URL (the path ends in the file's extension)."""
        ...

    async def report_progress(self, progress: Progress) -> None:
        """Shown as `progress` on the run while it is processing (updates are throttled)."""
        ...

    async def fetch_input(
        self, url: str, *, max_bytes: int, timeout_seconds: float | None = None
    ) -> Path:
        """A local file holding the URL's content: this server's own files are read from
        storage directly; anything else goes through the SSRF-guarded fetcher, capped at
        `max_bytes` and `timeout_seconds` (default `GENFIRE_FETCH_TIMEOUT_SECONDS`), which
        each capability sets for its media. Failures raise
        `EngineError("input_fetch_failed", ...)`."""
        ...

    async def settle_usage(
        self, quantity: float, options: Mapping[str, object] | None = None
    ) -> int:
        """Price what the run really used (seconds of media, say) and return it, for
        `EngineResult.charged_milli`. When that is more than was held at creation (the
        request could only estimate), the difference is held now; if the balance cannot
        cover it this raises `EngineError("insufficient_credits", ...)`. Call it before
        the expensive part of the work."""
        ...

    async def fetch_youtube_audio(self, url: str, *, max_bytes: int, max_seconds: float) -> Path:
        """The audio track of a YouTube video, downloaded into the workdir. Failures
        (unreachable, too long, too large) raise `EngineError("input_fetch_failed", ...)`."""
        ...

    @property
    def workdir(self) -> Path:
        """A private scratch directory, deleted when the run ends."""
        ...


class Engine(Protocol):
    async def run(self, job: Job, ctx: RunContext) -> EngineResult: ...
