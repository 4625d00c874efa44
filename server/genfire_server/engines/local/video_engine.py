"""The local video engine: H.264 MP4 at the exact duration and size (engines/local/video)."""

from __future__ import annotations

from pathlib import Path

from genfire_server.engines.base import EngineError, EngineResult, Job, Progress, RunContext
from genfire_server.engines.local import pool, video

MAX_IMAGE_BYTES = 50 * 1024 * 1024
MAX_VIDEO_BYTES = 500 * 1024 * 1024


class LocalVideoEngine:
    async def run(self, job: Job, ctx: RunContext) -> EngineResult:
        spec = job.input

        async def image(url: str | None) -> Path | None:
            if not url:
                return None
            return await ctx.fetch_input(url, max_bytes=MAX_IMAGE_BYTES, timeout_seconds=60)

        source = None
        if spec.get("source_video_url"):
            source = await ctx.fetch_input(
                spec["source_video_url"], max_bytes=MAX_VIDEO_BYTES, timeout_seconds=300
            )
        references = [
            await ctx.fetch_input(url, max_bytes=MAX_IMAGE_BYTES, timeout_seconds=60)
            for url in spec.get("reference_image_urls") or []
        ]
        await ctx.report_progress(Progress(10, "rendering", 0, 2, ["render", "store"]))
        dest = ctx.workdir / "video.mp4"
        try:
            info = await pool.run_cpu(
                video.render_video,
                mode=spec["mode"],
                dest=dest,
                prompt=spec["prompt"],
                model=spec["model"],
                aspect_ratio=spec["aspect_ratio"],
                resolution=spec["resolution"],
                duration_seconds=float(spec["duration"]),
                audio=bool(spec["generate_audio"]),
                image=await image(spec.get("image_url")),
                reference_images=tuple(references),
                source_video=source,
                first_frame=await image(spec.get("first_frame_url")),
                last_frame=await image(spec.get("last_frame_url")),
            )
        except ValueError as error:  # an input that is not a usable image or video
            raise EngineError("input_fetch_failed", str(error)) from error
        stored = await ctx.store_output("video.mp4", "video/mp4", path=dest)
        await ctx.report_progress(Progress(100, "done", 2, 2, ["render", "store"]))
        document = {
            "url": stored.url,
            "duration": round(info.duration, 3),
            "width": info.width,
            "height": info.height,
        }
        return EngineResult(output={"video": document, "output_url": stored.url})
