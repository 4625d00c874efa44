"""The local image engine: procedural PNGs at the model's real output size."""

from __future__ import annotations

import asyncio

from genfire_server.engines.base import EngineError, EngineResult, Job, Progress, RunContext
from genfire_server.engines.local import images, pool

MAX_SOURCE_BYTES = 50 * 1024 * 1024
# Influencer reference photos that join the inputs of a mention.
MAX_REFERENCE_PHOTOS = 4


class LocalImageEngine:
    async def run(self, job: Job, ctx: RunContext) -> EngineResult:
        spec = job.input
        urls = list(spec.get("source_urls") or [])
        influencer = spec.get("influencer") or {}
        urls += list(influencer.get("photo_urls") or [])[:MAX_REFERENCE_PHOTOS]
        sources = [
            await ctx.fetch_input(url, max_bytes=MAX_SOURCE_BYTES, timeout_seconds=60)
            for url in urls
        ]
        count = int(spec["count"])
        width, height = images.output_size(spec["aspect_ratio"], spec.get("resolution"))
        await ctx.report_progress(Progress(5, "rendering", 0, count, ["render", "store"]))
        try:
            rendered = await asyncio.gather(
                *(
                    pool.run_cpu(
                        images.render_image,
                        prompt=spec["prompt"],
                        model=spec["model"],
                        aspect_ratio=spec["aspect_ratio"],
                        index=index,
                        resolution=spec.get("resolution"),
                        sources=tuple(sources),
                    )
                    for index in range(count)
                )
            )
        except ValueError as error:  # an input that is not a usable image
            raise EngineError("input_fetch_failed", str(error)) from error
        outputs = []
        for index, png in enumerate(rendered):
            stored = await ctx.store_output(f"image-{index + 1:03d}.png", "image/png", data=png)
            outputs.append({"url": stored.url, "width": width, "height": height})
        await ctx.report_progress(Progress(100, "done", count, count, ["render", "store"]))
        return EngineResult(output={"images": outputs, "output_url": outputs[0]["url"]})
