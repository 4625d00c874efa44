"""Decoding what the generation endpoints produce, and making inputs for them."""

from __future__ import annotations

import io
import tempfile
import uuid
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
from PIL import Image

from tests.conftest import Caller


async def post(
    client: httpx.AsyncClient, caller: Caller, path: str, body: dict[str, Any]
) -> httpx.Response:
    headers = {**caller.headers, "Idempotency-Key": uuid.uuid4().hex}
    return await client.post(path, json=body, headers=headers)


async def png_size(client: httpx.AsyncClient, url: str) -> tuple[int, int]:
    response = await client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.format == "PNG"
        return image.size


async def mp4_facts(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    """Width, height, fps, duration, decoded frame count and audio presence of an MP4."""
    response = await client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "video/mp4"
    with av.open(io.BytesIO(response.content), mode="r") as container:
        stream = container.streams.video[0]
        frames = len(list(container.decode(stream)))
        has_audio = bool(container.streams.audio)
        return {
            "width": stream.codec_context.width,
            "height": stream.codec_context.height,
            "fps": float(stream.average_rate or 0),
            "frames": frames,
            "duration": frames / float(stream.average_rate or 24),
            "codec": stream.codec_context.name,
            "audio": has_audio,
        }


def png_bytes(
    width: int = 320, height: int = 240, color: tuple[int, int, int] = (200, 40, 40)
) -> bytes:
    image = Image.new("RGB", (width, height), color)
    for x in range(0, width, 20):
        for y in range(0, height, 20):
            if (x // 20 + y // 20) % 2 == 0:
                image.paste((20, 20, 20), (x, y, x + 20, y + 20))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


async def upload(
    client: httpx.AsyncClient, caller: Caller, data: bytes, name: str, content_type: str
) -> str:
    created = (
        await client.post(
            "/v1/uploads",
            json={"filename": name, "content_type": content_type, "size_bytes": len(data)},
            headers=caller.headers,
        )
    ).json()
    put = await client.put(
        created["upload_url"], content=data, headers={"content-type": content_type}
    )
    assert put.status_code == 200, put.text
    return str(created["asset_url"])


async def audio_facts(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    """Codec, sample rate, channels and decoded duration of an audio file the API made."""
    response = await client.get(url)
    assert response.status_code == 200, response.text
    with av.open(io.BytesIO(response.content), mode="r") as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return {
            "codec": stream.codec_context.name,
            "rate": stream.rate,
            "channels": stream.channels,
            "duration": samples / stream.rate,
            "content_type": response.headers["content-type"],
            "extension": url.split("?")[0].rsplit(".", 1)[-1],
            "bytes": response.content,
        }


def mp4_bytes(
    width: int = 160,
    height: int = 90,
    seconds: float = 1.0,
    fps: int = 24,
    *,
    audio: bool = True,
    tmp_dir: Path | None = None,
) -> bytes:
    """A small real H.264 (+ AAC tone) MP4: moving colour bars, for inputs of video runs."""
    rate = 48_000
    target = Path(tempfile.mkdtemp(dir=tmp_dir)) / "input.mp4"
    with av.open(str(target), "w") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        sound = container.add_stream("aac", rate=rate) if audio else None
        if sound is not None:
            sound.layout = "stereo"
        frames = round(seconds * fps)
        columns = np.arange(width)[np.newaxis, :, np.newaxis]
        for index in range(frames):
            shade = (columns * 3 + index * 8) % 256
            bars = np.concatenate([shade, shade // 2, shade // 4], axis=2)
            image = np.repeat(bars, height, axis=0).astype(np.uint8)
            container.mux(video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(video.encode(None))
        if sound is not None:
            total = round(seconds * rate)
            t = np.arange(total) / rate
            tone = (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
            size = sound.codec_context.frame_size
            for start in range(0, total, size):
                chunk = np.ascontiguousarray(np.stack([tone[start : start + size]] * 2))
                frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
                frame.sample_rate = rate
                frame.pts = start
                container.mux(sound.encode(frame))
            container.mux(sound.encode(None))
    data = target.read_bytes()
    target.unlink()
    target.parent.rmdir()
    return data
