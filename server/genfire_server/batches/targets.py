"""What a batch can run: every workflow, and the generation operations the reference lists.

A target validates one item's input exactly as its endpoint would validate a request, and
turns it into the `RunSpec` the item's run will be created from.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from genfire_server.context import AppContext
from genfire_server.generation import images, operations, videos
from genfire_server.kit.errors import ValidationFailed
from genfire_server.runs.service import RunSpec
from genfire_server.testing import endpoints as testing
from genfire_server.workflows.catalog import Workflow
from genfire_server.workflows.runs import workflow_run_spec

Body = TypeVar("Body", bound=BaseModel)
# (ctx, account id, item input) -> the run's spec, and what the item shows of its input.
Build = Callable[[AppContext, str, dict[str, Any]], Awaitable[tuple[RunSpec, dict[str, Any]]]]


@dataclass(frozen=True)
class Target:
    mode: str
    key: str
    scope: str  # what a direct request to the target needs, besides batches:write
    build: Build


def _workflow_target(workflow: Workflow) -> Target:
    async def build(
        ctx: AppContext, account_id: str, body: dict[str, Any]
    ) -> tuple[RunSpec, dict[str, Any]]:
        spec = await workflow_run_spec(ctx, account_id, workflow, body)
        return spec, dict(spec.input["inputs"])

    return Target("workflow", workflow.key, "workflows:write", build)


def _operation(
    key: str,
    scope: str,
    model: type[Body],
    make: Callable[[AppContext, str, Body], Awaitable[RunSpec]],
) -> Target:
    async def build(
        ctx: AppContext, account_id: str, body: dict[str, Any]
    ) -> tuple[RunSpec, dict[str, Any]]:
        spec = await make(ctx, account_id, model.model_validate(body))
        return spec, spec.input_summary

    return Target("operation", key, scope, build)


_OPERATIONS = {
    images.ENDPOINT: _operation(
        images.ENDPOINT, "images:write", images.ImageGenerationCreate, operations.image_run_spec
    ),
    videos.ENDPOINT: _operation(
        videos.ENDPOINT, "videos:write", videos.VideoGenerationCreate, operations.video_run_spec
    ),
}
# Only where the test engine is enabled: drives batch tests and benchmarks.
_TESTING = _operation(testing.ENDPOINT, "*", testing.TestRunCreate, testing.testing_run_spec)


def resolve(ctx: AppContext, mode: str, key: str) -> Target:
    """The target a batch names, or 400 `validation_error` listing what there is."""
    if mode == "workflow":
        workflow = ctx.workflows.get(key)
        if workflow is None:
            known = ", ".join(ctx.workflows.keys())
            raise ValidationFailed(f"target: no workflow '{key[:80]}'. Workflows: {known}.")
        return _workflow_target(workflow)
    operations_here = dict(_OPERATIONS)
    if ctx.settings.enable_test_engine:
        operations_here[_TESTING.key] = _TESTING
    target = operations_here.get(key)
    if target is None:
        known = ", ".join(sorted(operations_here))
        raise ValidationFailed(
            f"target: '{key[:80]}' is not an operation batches support. Operations: {known}."
        )
    return target
