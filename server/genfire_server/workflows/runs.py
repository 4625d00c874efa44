"""The run `POST /workflows/{key}/runs` becomes; shared with workflow batches."""

from __future__ import annotations

from typing import Any

from genfire_server.context import AppContext
from genfire_server.inputs import check_input_url
from genfire_server.runs.service import RunSpec
from genfire_server.workflows import rules
from genfire_server.workflows.catalog import Workflow

CAPABILITY = "workflow"


async def workflow_run_spec(
    ctx: AppContext, account_id: str, workflow: Workflow, body: Any
) -> RunSpec:
    """Validate `body` against the workflow's input schema (400 naming the failing path)
    and refuse unsafe URLs before any run exists. Workflows are free."""
    inputs = rules.validate(workflow, body)
    for url in rules.urls_of(workflow, inputs):
        await check_input_url(ctx, url, account_id)
    return RunSpec(
        capability=f"{CAPABILITY}.{workflow.key}",
        endpoint=f"workflows.{workflow.key}.run",
        model=None,
        engine=ctx.routing.for_capability(CAPABILITY).engine,
        input={"workflow": workflow.key, "inputs": inputs},
        input_summary={"workflow": workflow.key, **inputs},
        price_milli=0,
    )
