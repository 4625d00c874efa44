"""Decoding what the generation endpoints produce, and making inputs for them."""

from __future__ import annotations

import io
import uuid
from typing import Any

import av
import httpx
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
