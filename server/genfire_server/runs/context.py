"""The `RunContext` a worker hands to an engine."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from genfire_server import inputs, youtube
from genfire_server.credits import service as credits
from genfire_server.credits.amounts import to_public
from genfire_server.engines.base import EngineError, Job, Progress, StoredOutput
from genfire_server.kit.clock import utcnow
from genfire_server.kit.errors import InsufficientCredits
from genfire_server.models import Run
from genfire_server.runs.pricing import quote
from genfire_server.storage import service as storage_service

if TYPE_CHECKING:
    from genfire_server.context import AppContext

# Progress is shown, not logged: at most a couple of writes a second per run.
_PROGRESS_INTERVAL_SECONDS = 0.5


class WorkerRunContext:
    def __init__(self, ctx: AppContext, job: Job, workdir: Path, worker_id: str) -> None:
        self._ctx = ctx
        self._job = job
        self._workdir = workdir
        self._worker_id = worker_id
        self._last_progress = 0.0
        self._fetched = 0

    @property
    def workdir(self) -> Path:
        return self._workdir

    async def store_output(
        self,
        filename: str,
        content_type: str,
        *,
        data: bytes | None = None,
        path: Path | None = None,
    ) -> StoredOutput:
        stored = await storage_service.save_output(
            self._ctx,
            account_id=self._job.account_id,
            run_id=self._job.run_id,
            filename=filename,
            content_type=content_type,
            data=data,
            path=path,
        )
        return StoredOutput(stored.asset_id, stored.url, stored.size_bytes, stored.content_type)

    async def report_progress(self, progress: Progress) -> None:
        now = time.monotonic()
        final = progress.percent >= 100
        if not final and now - self._last_progress < _PROGRESS_INTERVAL_SECONDS:
            return
        self._last_progress = now
        document = {
            "percent": round(max(0.0, min(100.0, progress.percent)), 1),
            "label": progress.label,
            "step_index": progress.step_index,
            "step_count": progress.step_count,
            "stages": list(progress.stages),
        }
        async with self._ctx.db.write() as session:
            await session.execute(
                update(Run)
                .where(
                    Run.id == self._job.run_id,
                    Run.status == "processing",
                    Run.lease_owner == self._worker_id,
                )
                .values(progress=document, updated_at=utcnow())
            )

    async def settle_usage(
        self, quantity: float, options: Mapping[str, object] | None = None
    ) -> int:
        model = self._job.model
        if model is None:
            return 0
        price = quote(self._ctx.catalog, model, quantity, options)
        mine = (
            Run.id == self._job.run_id,
            Run.status == "processing",
            Run.lease_owner == self._worker_id,
        )
        async with self._ctx.db.write() as session:
            row = (
                await session.execute(select(Run.price_milli, Run.hold_id).where(*mine))
            ).one_or_none()
            if row is None:
                raise EngineError("internal_error", "The run was taken over by another worker.")
            held, hold_id = row
            if price <= held or hold_id is None:
                return price
            try:
                await credits.extend_hold(session, hold_id, price - held)
            except InsufficientCredits as error:
                unit = self._ctx.catalog.price_of(model).unit.removeprefix("per_")
                raise EngineError(
                    "insufficient_credits",
                    f"The input needs {quantity:g} {unit}(s) of work, which costs "
                    f"{to_public(price)} credits; {to_public(held)} were held when the run "
                    "was created and the balance cannot cover the rest.",
                ) from error
            await session.execute(update(Run).where(*mine).values(price_milli=price))
        return price

    async def fetch_youtube_audio(self, url: str, *, max_bytes: int, max_seconds: float) -> Path:
        settings = self._ctx.settings
        try:
            return await youtube.download_audio(
                url,
                self._workdir,
                max_bytes=max_bytes,
                max_seconds=max_seconds,
                proxy=settings.youtube_proxy,
                timeout_seconds=settings.fetch_timeout_seconds,
            )
        except inputs.InputUnavailable as error:
            raise EngineError("input_fetch_failed", error.message) from error

    async def fetch_input(
        self, url: str, *, max_bytes: int, timeout_seconds: float | None = None
    ) -> Path:
        self._fetched += 1
        try:
            return await inputs.fetch_input(
                self._ctx,
                url,
                account_id=self._job.account_id,
                dest=self._workdir / f"input-{self._fetched}",
                max_bytes=max_bytes,
                timeout_seconds=timeout_seconds,
            )
        except inputs.InputUnavailable as error:
            raise EngineError("input_fetch_failed", error.message) from error
