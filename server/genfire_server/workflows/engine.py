"""The workflow engine: turns a validated workflow request into its output document.

The local writer (workflows/writer) drafts every document; when an LLM is configured it
rewrites the draft (workflows/llm), and the draft stands whenever its answer is unusable.
`creative_pack` with a `product_url` reads the page first, through the product
extraction service (safe fetching, shared cache). `storyboard` stores a project the
client reads with `GET /projects/{projectId}`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from genfire_server.engines.base import EngineError, EngineResult, Job, Progress, RunContext
from genfire_server.kit.clock import utcnow
from genfire_server.kit.db import Database
from genfire_server.models import Project
from genfire_server.products.engine import ProductPages
from genfire_server.settings import Settings
from genfire_server.workflows.catalog import WorkflowCatalog
from genfire_server.workflows.llm import LlmUnusable, LlmWriter
from genfire_server.workflows.writer import local
from genfire_server.workflows.writer.local import ProductFacts, spoken_seconds

log = logging.getLogger(__name__)

STORYBOARD_STATUS = "needs_approval"
STORYBOARD_STAGE = "storyboard"
STORYBOARD_NEXT = "approve_storyboard"


def project_id_for(run_id: str) -> str:
    # Derived from the run, so an attempt retried after a crash finds the same project.
    return "proj_" + run_id.removeprefix("run_")


def _recount(document: dict[str, Any]) -> None:
    """word_count and estimated_duration always describe the final script."""
    script = document.get("full_script")
    if isinstance(script, str) and "word_count" in document:
        words = len(script.split())
        document["word_count"] = words
        document["estimated_duration"] = round(spoken_seconds(script))
    for variant in document.get("variants") or []:
        if isinstance(variant, dict):
            _recount(variant)
    script_doc = document.get("script")
    if isinstance(script_doc, dict):
        _recount(script_doc)


class WorkflowEngine:
    def __init__(self, settings: Settings, db: Database) -> None:
        self._db = db
        self._pages = ProductPages(settings, db)
        self._llm = LlmWriter.from_settings(settings)
        self._catalog = WorkflowCatalog.load()

    async def _product(self, inputs: dict[str, Any]) -> ProductFacts | None:
        url = inputs.get("product_url")
        if not url:
            return None
        described = bool(inputs.get("product_name") or inputs.get("prompt"))
        try:
            page, _cached = await self._pages.extract(str(url))
        except EngineError:
            if described:
                return None  # the request's own fields describe the product
            raise
        title = page.get("title")
        if not page.get("success") or not isinstance(title, str):
            if described:
                return None
            raise EngineError(
                "input_fetch_failed",
                "The product_url page has no product data that could be read; send "
                "product_name and product_description instead.",
            )
        images = page.get("images")
        return ProductFacts(
            name=title,
            description=_text(page.get("description")),
            category=_text(page.get("category")),
            price=_text(page.get("price")),
            images=[str(image) for image in images] if isinstance(images, list) else [],
        )

    async def run(self, job: Job, ctx: RunContext) -> EngineResult:
        key = str(job.input["workflow"])
        inputs = dict(job.input["inputs"])
        stages = ["read", "write", "finish"]
        await ctx.report_progress(Progress(5, "reading the brief", 0, 3, stages))
        product = await self._product(inputs) if key == "creative_pack" else None
        await ctx.report_progress(Progress(30, "writing", 1, 3, stages))
        draft = await asyncio.to_thread(local.write, key, inputs, product=product)
        document, writer = draft, {"source": "local"}
        if self._llm is not None:
            workflow = self._catalog.get(key)
            assert workflow is not None
            try:
                document = await self._llm.rewrite(
                    key, inputs, draft, workflow.document["output_schema"]
                )
                writer = {"source": "llm", "model": self._llm.model}
            except LlmUnusable as reason:
                writer = {"source": "local", "fallback_reason": str(reason)}
            except Exception as error:  # a model's answer must never fail the run
                log.warning("the LLM writer failed", exc_info=True)
                writer = {
                    "source": "local",
                    "fallback_reason": f"the LLM writer failed ({type(error).__name__})",
                }
        _recount(document)
        if key == "storyboard":
            return await self._storyboard(job, document, inputs, writer)
        return EngineResult(output={**document, "writer": writer})

    async def _storyboard(
        self, job: Job, plan: dict[str, Any], inputs: dict[str, Any], writer: dict[str, Any]
    ) -> EngineResult:
        project_id = project_id_for(job.run_id)
        now = utcnow()
        # The client's own title wins over any writer's.
        title = str(inputs.get("title") or plan.get("title") or inputs["prompt"])[:300]
        documents = {
            name: value for name, value in plan.items() if name not in {"workflow", "title"}
        }
        async with self._db.write() as session:
            if await session.get(Project, project_id) is None:
                session.add(
                    Project(
                        id=project_id,
                        account_id=job.account_id,
                        run_id=job.run_id,
                        title=title,
                        status=STORYBOARD_STATUS,
                        current_stage=STORYBOARD_STAGE,
                        next_action=STORYBOARD_NEXT,
                        aspect_ratio=str(inputs.get("aspect_ratio") or "16:9"),
                        plan=documents,
                        created_at=now,
                        updated_at=now,
                    )
                )
        output = {
            "workflow": "storyboard",
            "project_id": project_id,
            # The example output says project_status, the output schema says status: both.
            "project_status": STORYBOARD_STATUS,
            "status": STORYBOARD_STATUS,
            "current_stage": STORYBOARD_STAGE,
            "next_action": STORYBOARD_NEXT,
            "writer": writer,
        }
        return EngineResult(output=output, resource_id=project_id)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
