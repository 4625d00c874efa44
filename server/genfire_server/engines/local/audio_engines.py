"""The local audio engines: speech, music, sound effects and transcription.

Each reads the validated request the endpoint stored on the run (`Job.input`), does the
CPU work in the process pool (audio_jobs) and stores the file it made. Outputs have the
contract's audio shape `{audio_id, audio_url, duration}`; music adds `details` when asked,
transcription its transcript.
"""

from __future__ import annotations

from typing import Any

from genfire_server.engines.base import EngineError, EngineResult, Job, Progress, RunContext
from genfire_server.engines.local import audio_io, audio_jobs, pool, transcription
from genfire_server.kit.ids import new_id

MAX_MEDIA_BYTES = 500 * 1024 * 1024  # the transcription limit of the reference
MAX_MEDIA_SECONDS = transcription.MAX_SECONDS
MAX_IMAGE_BYTES = 50 * 1024 * 1024


async def _store(ctx: RunContext, stem: str, audio: audio_jobs.EncodedAudio) -> dict[str, Any]:
    """Keep the file; the contract's audio output `{audio_id, audio_url, duration}`."""
    stored = await ctx.store_output(
        f"{stem}.{audio.extension}", audio.content_type, data=audio.data
    )
    return {"audio_id": new_id("audio"), "audio_url": stored.url, "duration": audio.duration}


class LocalSpeechEngine:
    async def run(self, job: Job, ctx: RunContext) -> EngineResult:
        spec = job.input
        style = spec["style"]
        await ctx.report_progress(Progress(10, "synthesising", 0, 2, ["synthesise", "store"]))
        try:
            spoken = await pool.run_cpu(
                audio_jobs.speak,
                spec["text"],
                float(style["length_scale"]),
                str(style["espeak_variant"]),
                spec["output_format"],
            )
        except ValueError as error:
            raise EngineError("provider_error", str(error)) from error
        output = await _store(ctx, "speech", spoken.audio)
        return EngineResult(output=output)


class LocalMusicEngine:
    async def run(self, job: Job, ctx: RunContext) -> EngineResult:
        spec = job.input
        prompt = spec["prompt"]
        if spec.get("image_url"):
            # Lyria matches the image's mood: its light, colour and warmth become words.
            from genfire_server.engines.local import image_mood

            path = await ctx.fetch_input(spec["image_url"], max_bytes=MAX_IMAGE_BYTES)
            try:
                words = await pool.run_cpu(image_mood.mood_words, path)
            except ValueError as error:
                raise EngineError("input_fetch_failed", str(error)) from error
            prompt = f"{prompt}, {', '.join(words)}"
        await ctx.report_progress(Progress(10, "composing", 0, 2, ["compose", "store"]))
        composed = await pool.run_cpu(
            audio_jobs.compose,
            prompt,
            float(spec["duration_seconds"]),
            bool(spec["instrumental"]),
            spec.get("negative_prompt"),
            spec["output_format"],
        )
        output = await _store(ctx, "music", composed.audio)
        if spec.get("include_details"):
            output["details"] = _details(composed.plan, timestamps=bool(spec["with_timestamps"]))
        return EngineResult(output=output)


def _details(plan: dict[str, Any], *, timestamps: bool) -> dict[str, Any]:
    sections = []
    for section in plan["sections"]:
        entry: dict[str, Any] = {
            "name": section["name"],
            "duration": round(section["end"] - section["start"], 3),
            "styles": section["styles"],
        }
        if timestamps:
            entry["start"] = round(section["start"], 3)
            entry["end"] = round(section["end"], 3)
        sections.append(entry)
    return {
        "title": plan["title"],
        "bpm": plan["bpm"],
        "key": plan["key"],
        "genres": plan["genres"],
        "moods": plan["moods"],
        "instruments": plan["instruments"],
        "vocals": plan["vocals"],
        "sections": sections,
    }


class LocalSoundEffectEngine:
    async def run(self, job: Job, ctx: RunContext) -> EngineResult:
        spec = job.input
        await ctx.report_progress(Progress(10, "synthesising", 0, 2, ["synthesise", "store"]))
        effect = await pool.run_cpu(
            audio_jobs.sound_effect,
            spec["prompt"],
            spec.get("duration_seconds"),
            bool(spec["loop"]),
            float(spec["prompt_influence"]),
            spec["output_format"],
        )
        charge = await ctx.settle_usage(effect.audio.duration)
        output = await _store(ctx, "sfx", effect.audio)
        return EngineResult(output=output, charged_milli=charge)


class LocalTranscriptionEngine:
    async def run(self, job: Job, ctx: RunContext) -> EngineResult:
        spec = job.input
        stages = ["fetch", "transcribe", "store"]
        await ctx.report_progress(Progress(5, "fetching", 0, 3, stages))
        source_url: str | None = spec.get("audio_url") or spec.get("video_url")
        if spec.get("youtube_url"):
            path = await ctx.fetch_youtube_audio(
                spec["youtube_url"], max_bytes=MAX_MEDIA_BYTES, max_seconds=MAX_MEDIA_SECONDS
            )
            role = "YouTube video"
        else:
            assert source_url is not None
            path = await ctx.fetch_input(source_url, max_bytes=MAX_MEDIA_BYTES, timeout_seconds=600)
            role = "audio" if spec.get("audio_url") else "video"
        try:
            seconds = await pool.run_cpu(
                audio_io.decoded_seconds, path, max_seconds=MAX_MEDIA_SECONDS, role=role
            )
        except ValueError as error:
            raise EngineError("input_fetch_failed", str(error)) from error
        charge = await ctx.settle_usage(max(seconds, 0.001))
        await ctx.report_progress(Progress(20, "transcribing", 1, 3, stages))
        extract = not spec.get("audio_url")
        try:
            result = await pool.run_cpu(audio_jobs.transcribe, path, role, extract)
        except ValueError as error:
            raise EngineError("input_fetch_failed", str(error)) from error
        output: dict[str, Any] = {"transcript_id": new_id("audio_txn"), **result.transcript}
        if result.extracted_mp3 is not None:
            stored = await ctx.store_output("audio.mp3", "audio/mpeg", data=result.extracted_mp3)
            output["audio_url"] = stored.url
        else:
            output["audio_url"] = source_url
        return EngineResult(output=output, charged_milli=charge)
