"""Local engines: time per image and per second of video, and image runs/s through the API.

1. `render_image` at 1024x1024 (text and edit), median of `--repeat` renders, one process;
2. `render_video` of 5 s text video at 720p with and without audio, and 1080p; reported
   as seconds of render time per second of video;
3. image runs through the whole API path (POST /v1/images/generations, synchronous, on a
   server started like `make run`): `--connections` clients for `--seconds`; runs/s and
   p50/p99 latency of the completed response.

    .venv/bin/python bench/engines.py [--repeat 5] [--connections 4] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from genfire_server.engines.local import images, video
from run_loops import drive_api, summary


def _timed(function: Callable[..., object], repeat: int, **kwargs: Any) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function(**kwargs)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


PATH = "/v1/images/generations"
BODY = b'{"prompt": "a red apple on a wooden table"}'


def engine_timings(repeat: int, scratch: Path) -> None:
    source = scratch / "source.png"
    Image.new("RGB", (1600, 1200), (120, 60, 30)).save(source)
    text = _timed(
        images.render_image,
        repeat,
        prompt="matte black bottle on stone, gold light",
        model="image.nano_banana_2",
        aspect_ratio="1:1",
        index=0,
    )
    edit = _timed(
        images.render_image,
        repeat,
        prompt="golden hour",
        model="image.nano_banana_2",
        aspect_ratio="1:1",
        index=0,
        sources=(source,),
    )
    print(f"image 1024x1024, text to image: {text * 1000:.0f} ms (median of {repeat})")
    print(f"image 1024x1024, edit:          {edit * 1000:.0f} ms")
    for resolution, audio in (("720p", False), ("720p", True), ("1080p", False)):
        seconds = _timed(
            video.render_video,
            max(1, repeat // 2),
            mode="text",
            dest=scratch / "out.mp4",
            prompt="harbour at dawn",
            model="video.veo_3_1",
            aspect_ratio="16:9",
            resolution=resolution,
            duration_seconds=5.0,
            audio=audio,
        )
        label = f"video {resolution} 16:9{' + audio' if audio else ''}"
        print(f"{label:<26} {seconds / 5:.2f} s of rendering per second of video")


async def api_throughput(connections: int, seconds: float) -> None:
    latencies, elapsed = await drive_api(
        PATH,
        BODY,
        connections=connections,
        seconds=seconds,
        warm_up=3,  # warm the pool
    )
    print(summary(f"image runs through the API ({connections} connections)", latencies, elapsed))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {len(os.sched_getaffinity(0))} cores")
    with tempfile.TemporaryDirectory() as tmp:
        engine_timings(args.repeat, Path(tmp))
    asyncio.run(api_throughput(args.connections, args.seconds))


if __name__ == "__main__":
    main()
