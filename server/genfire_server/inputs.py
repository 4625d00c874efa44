"""Input URLs named by requests: checked at request time, fetched when needed.

A URL of this server's own storage (an upload's `asset_url`, a run's output URL) is read
from storage directly, so runs chain without re-uploading; any other URL goes through the
SSRF-guarded fetcher (kit/safe_http).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from genfire_server.context import AppContext
from genfire_server.kit import safe_http
from genfire_server.kit.errors import GenFireError
from genfire_server.storage import service as storage_service


class InputUnavailable(Exception):
    """The input could not be had; `message` says why, for the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def check_input_url(ctx: AppContext, url: str, account_id: str) -> None:
    """Refuse at request time a URL that can never work: 400 `unsafe_url` for a target that
    is unsafe on its face, 400 `invalid_input_url` for a file URL of this server that is
    expired, tampered with or someone else's. Reachability is checked when fetching."""
    if await storage_service.resolve_own_url(ctx, url, account_id=account_id) is not None:
        return
    safe_http.check_url(url, ctx.settings.fetch_allow)


async def fetch_input(
    ctx: AppContext,
    url: str,
    *,
    account_id: str,
    dest: Path,
    max_bytes: int,
    timeout_seconds: float | None = None,
) -> Path:
    """A local file with the URL's content: the stored file itself for own URLs, else
    `dest` (its suffix completed from the URL). Raises `InputUnavailable`."""
    try:
        own = await storage_service.resolve_own_url(ctx, url, account_id=account_id)
        if own is not None:
            # The same cap as a fetch: an upload may be 5 GB, an input of this kind may not.
            if own.size_bytes is not None and own.size_bytes > max_bytes:
                raise InputUnavailable(
                    f"The file is {safe_http.human_size(own.size_bytes)}; this input takes "
                    f"at most {safe_http.human_size(max_bytes)}."
                )
            return await storage_service.open_asset_path(ctx, own)
    except GenFireError as error:
        raise InputUnavailable(error.detail) from error
    target = dest.with_suffix(Path(urlsplit(url).path).suffix[:10])
    limits = safe_http.FetchLimits(
        max_bytes=max_bytes,
        timeout_seconds=timeout_seconds or ctx.settings.fetch_timeout_seconds,
    )
    try:
        safe_http.check_url(url, ctx.settings.fetch_allow)
        await safe_http.fetch_to_file(url, target, allow=ctx.settings.fetch_allow, limits=limits)
    except safe_http.UnsafeUrl as error:
        raise InputUnavailable(error.detail) from error
    except safe_http.FetchFailed as error:
        raise InputUnavailable(error.message) from error
    return target
