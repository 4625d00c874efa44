"""The runs `POST /images/generations` and `POST /videos/generations` become.

Shared by the endpoints and by operation batches, whose items are validated exactly as
the endpoint would validate them.
"""

from __future__ import annotations

from genfire_server.context import AppContext
from genfire_server.generation import images, influencer_mentions, videos
from genfire_server.inputs import check_input_url
from genfire_server.runs.service import RunSpec


async def image_run_spec(
    ctx: AppContext, account_id: str, body: images.ImageGenerationCreate
) -> RunSpec:
    """Validate an image request against its model (400s as documented) and price it."""
    prepared = images.prepare(body, ctx.catalog, ctx.routing)
    for url in prepared.source_urls:
        await check_input_url(ctx, url, account_id)
    if body.mentions:
        prepared = await influencer_mentions.apply(ctx, account_id, prepared, body.mentions[0])
    return images.run_spec(prepared, ctx.catalog, ctx.routing)


async def video_run_spec(
    ctx: AppContext, account_id: str, body: videos.VideoGenerationCreate
) -> RunSpec:
    """Validate a video request: its input mode, the model's limits and its input URLs."""
    prepared = videos.prepare(body, ctx.catalog)
    urls = [
        prepared.image_url,
        prepared.source_video_url,
        prepared.first_frame_url,
        prepared.last_frame_url,
        *prepared.reference_image_urls,
    ]
    for url in urls:
        if url:
            await check_input_url(ctx, url, account_id)
    return videos.run_spec(prepared, ctx.catalog, ctx.routing)
