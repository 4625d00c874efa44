"""The local engines that transform media the client sends: background removal, video
upscaling and lip-sync (align and mux; see lipsync.py for what it does not do).

Upscale and lip-sync are priced per second of media the request could only estimate:
each engine measures the real length first and settles the price before the heavy work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genfire_server.engines.base import EngineError, EngineResult, Job, Progress, RunContext
from genfire_server.engines.local import audio_io, lipsync, matting, pool, video, video_upscale
from genfire_server.kit.ids import new_id

MAX_IMAGE_BYTES = 50 * 1024 * 1024
MAX_VIDEO_BYTES = 500 * 1024 * 1024
MAX_AUDIO_BYTES = 200 * 1024 * 1024
MAX_AUDIO_SECONDS = 600.0  # as long as a source video may be (_video_io.MAX_SOURCE_SECONDS)


def _video_output(url: str, duration: float, width: int, height: int) -> dict[str, Any]:
    document = {"url": url, "duration": round(duration, 3), "width": width, "height": height}
    return {"video": document, "output_url": url}


class LocalBackgroundRemovalEngine:
    async def run(self, job: Job, ctx: RunContext) -> EngineResult:
        source = await ctx.fetch_input(
            job.input["image_url"], max_bytes=MAX_IMAGE_BYTES, timeout_seconds=60
        )
        await ctx.report_progress(Progress(10, "matting", 0, 2, ["matte", "store"]))
        try:
            png, (width, height) = await pool.run_cpu(_matte, source)
        except ValueError as error:
            raise EngineError("input_fetch_failed", str(error)) from error
        stored = await ctx.store_output("background-removed.png", "image/png", data=png)
        image = {"url": stored.url, "width": width, "height": height}
        return EngineResult(output={"images": [image], "output_url": stored.url})


def _matte(source: Path) -> tuple[bytes, tuple[int, int]]:
    import io

    from PIL import Image

    png = matting.remove_background(source)
    with Image.open(io.BytesIO(png)) as image:
        return png, image.size


async def _probe_video(path: Path, role: str) -> video.VideoInfo:
    try:
        return await pool.run_cpu(video.probe, path)
    except ValueError as error:
        raise EngineError("input_fetch_failed", f"The {role} is not a readable video.") from error


class LocalUpscaleEngine:
    async def run(self, job: Job, ctx: RunContext) -> EngineResult:
        spec = job.input
        factor = int(spec["scale_factor"])
        source = await ctx.fetch_input(
            spec["source_video_url"], max_bytes=MAX_VIDEO_BYTES, timeout_seconds=300
        )
        info = await _probe_video(source, "source video")
        charge = await ctx.settle_usage(max(info.duration, 0.001), {"scale_factor": factor})
        await ctx.report_progress(Progress(10, "upscaling", 0, 2, ["upscale", "store"]))
        dest = ctx.workdir / "upscaled.mp4"
        try:
            result = await pool.run_cpu(video_upscale.upscale_video, source, dest, factor)
        except ValueError as error:
            raise EngineError("input_fetch_failed", str(error)) from error
        stored = await ctx.store_output("upscaled.mp4", "video/mp4", path=dest)
        output = _video_output(stored.url, result.duration, result.width, result.height)
        return EngineResult(output=output, charged_milli=charge)


class LocalLipsyncEngine:
    async def run(self, job: Job, ctx: RunContext) -> EngineResult:
        spec = job.input
        stages = ["fetch", "align", "store"]
        await ctx.report_progress(Progress(5, "fetching", 0, 3, stages))
        source = await ctx.fetch_input(
            spec["video_url"], max_bytes=MAX_VIDEO_BYTES, timeout_seconds=300
        )
        audio = await ctx.fetch_input(
            spec["audio_url"], max_bytes=MAX_AUDIO_BYTES, timeout_seconds=300
        )
        info = await _probe_video(source, "video")
        try:
            audio_seconds = await pool.run_cpu(
                audio_io.decoded_seconds, audio, max_seconds=MAX_AUDIO_SECONDS, role="audio"
            )
        except ValueError as error:
            raise EngineError("input_fetch_failed", str(error)) from error
        cap = spec.get("duration")
        seconds = lipsync.output_duration(info.duration, audio_seconds, spec["sync_mode"], cap)
        if seconds <= 0:
            raise EngineError("input_fetch_failed", "The video or the audio is empty.")
        charge = await ctx.settle_usage(seconds)
        await ctx.report_progress(Progress(20, "aligning", 1, 3, stages))
        dest = ctx.workdir / "lipsync.mp4"
        try:
            result = await pool.run_cpu(
                lipsync.lipsync,
                source,
                audio,
                dest,
                sync_mode=spec["sync_mode"],
                output_height=int(spec["resolution"].removesuffix("p")),
                max_duration=cap,
            )
        except ValueError as error:
            raise EngineError("input_fetch_failed", str(error)) from error
        stored = await ctx.store_output("lipsync.mp4", "video/mp4", path=dest)
        output = _video_output(stored.url, result.duration, result.width, result.height)
        output["title"] = spec["title"]
        output["description"] = spec.get("description")
        return EngineResult(output=output, charged_milli=charge, resource_id=new_id("video"))
