"""An engine for tests and benchmarks: completes at once, fails on demand, or sleeps.

Reachable only through `POST /v1/testing/runs` when `GENFIRE_ENABLE_TEST_ENGINE` is on;
no public model alias routes to it. It exercises everything real engines use (progress,
stored outputs, input fetching, partial charges) so the run machinery is tested before
any real engine exists.
"""

from __future__ import annotations

import asyncio
import json

from genfire_server.engines.base import EngineError, EngineResult, Job, Progress, RunContext


class TestEngine:
    __test__ = False  # not a pytest test class, whatever its name says

    async def run(self, job: Job, ctx: RunContext) -> EngineResult:
        mode = job.input.get("mode", "instant")
        if mode == "fail":
            raise EngineError(
                str(job.input.get("error_code", "provider_error")),
                str(job.input.get("error_message", "The test engine failed as asked.")),
            )
        if mode == "crash":
            raise RuntimeError("the test engine crashed as asked")
        seconds = float(job.input.get("seconds", 0))
        steps = max(1, min(20, int(seconds * 4)))
        stages = ["prepare", "work", "finish"]
        for step in range(steps):
            await ctx.report_progress(
                Progress(100 * step / steps, "working", min(step * 3 // steps, 2), 3, stages)
            )
            await asyncio.sleep(seconds / steps)
        inputs = {}
        if job.input.get("input_url"):
            path = await ctx.fetch_input(str(job.input["input_url"]), max_bytes=10 * 1024 * 1024)
            inputs = {"input_bytes": path.stat().st_size}
        document = json.dumps({"run_id": job.run_id, "echo": job.input.get("echo"), **inputs})
        stored = await ctx.store_output("result.json", "application/json", data=document.encode())
        charged = job.input.get("charge_milli")
        return EngineResult(
            output={
                "result": {"url": stored.url, "size_bytes": stored.size_bytes},
                "output_url": stored.url,
                **inputs,
            },
            charged_milli=int(charged) if charged is not None else None,
            provider_request_id=f"test_{job.run_id}",
        )
