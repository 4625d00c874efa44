"""Fetching a URL into memory or a file: `fetch_bytes`, `fetch_to_file`.

Redirects are followed by hand, each one checked like a new URL, with a size cap while
streaming and one time limit over the whole fetch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import httpx

from genfire_server.kit.safe_http.addresses import AllowList
from genfire_server.kit.safe_http.transport import _Refused, safe_async_client
from genfire_server.kit.safe_http.urls import _check_target, _parse, _Reject, _shown

_WRITE_BUFFER_BYTES = 1024 * 1024


class FetchFailed(Exception):
    """A fetch that was attempted and failed; the run fails with `input_fetch_failed`."""

    code: ClassVar[str] = "input_fetch_failed"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FetchLimits:
    """Per-capability limits on one fetch; the timeout covers every redirect hop."""

    max_bytes: int
    timeout_seconds: float
    max_redirects: int = 5


@dataclass(frozen=True)
class Fetched:
    """What a fetch produced: a file (`fetch_to_file`) or bytes (`fetch_bytes`)."""

    path: Path | None
    content: bytes | None
    content_type: str | None
    size_bytes: int
    final_url: str


def human_size(size: int) -> str:
    """A byte count as people read it in messages: "500 MB", "1.5 GB"."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{round(size / factor, 1):g} {unit}"
    return f"{size} bytes"


class _Fetch:
    """One fetch: follows redirects by hand and remembers the hop it is on for messages."""

    def __init__(self, url: str, allow: AllowList, limits: FetchLimits) -> None:
        self.current = url
        self.allow = allow
        self.limits = limits

    async def run(self, sink: Callable[[bytes], Awaitable[None]]) -> tuple[str, str | None, int]:
        limits = self.limits
        try:
            async with asyncio.timeout(limits.timeout_seconds):
                return await self._hops(sink)
        except TimeoutError:
            raise FetchFailed(
                f"{_shown(self.current)} timed out after {limits.timeout_seconds:g} s"
            ) from None
        except _Refused as exc:
            raise FetchFailed(str(exc)) from None
        except httpx.TimeoutException:
            raise FetchFailed(
                f"{_shown(self.current)} timed out after {limits.timeout_seconds:g} s"
            ) from None
        except httpx.ConnectError as exc:
            raise FetchFailed(
                f"{_shown(self.current)} could not be reached ({str(exc)[:100] or 'no answer'})"
            ) from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
            raise FetchFailed(
                f"fetching {_shown(self.current)} failed ({type(exc).__name__})"
            ) from None

    async def _hops(self, sink: Callable[[bytes], Awaitable[None]]) -> tuple[str, str | None, int]:
        limits = self.limits
        headers = {"Accept": "*/*", "Accept-Encoding": "identity"}
        async with safe_async_client(self.allow, timeout=limits.timeout_seconds) as client:
            url = _parse_checked(self.current, self.allow, None)
            for hop in range(limits.max_redirects + 1):
                async with client.stream("GET", url, headers=headers) as response:
                    if response.is_redirect:
                        if hop == limits.max_redirects:
                            raise FetchFailed(
                                f"{_shown(self.current)}: too many redirects "
                                f"(more than {limits.max_redirects})"
                            )
                        location = response.headers["location"]
                        try:
                            following = url.join(location)
                        except (httpx.InvalidURL, ValueError, UnicodeError):
                            following = None
                        previous, self.current = self.current, str(following or location)
                        next_url = _parse_checked(self.current, self.allow, previous)
                        if next_url.host != url.host:
                            client.cookies.clear()  # cookies stay with the host that set them
                        url = next_url
                        continue
                    if not response.is_success:
                        reason = f" ({response.reason_phrase})" if response.reason_phrase else ""
                        raise FetchFailed(
                            f"{_shown(self.current)} answered {response.status_code}{reason}"
                        )
                    size = await self._stream_body(response, sink)
                    return str(url), response.headers.get("content-type"), size
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    async def _stream_body(
        self, response: httpx.Response, sink: Callable[[bytes], Awaitable[None]]
    ) -> int:
        max_bytes = self.limits.max_bytes
        too_large = f"{_shown(self.current)} is larger than {human_size(max_bytes)}"
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchFailed(too_large)
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            # Checked while streaming: Content-Length may be absent or a lie.
            if size > max_bytes:
                raise FetchFailed(too_large)
            await sink(chunk)
        return size


def _parse_checked(url: str, allow: AllowList, redirected_from: str | None) -> httpx.URL:
    try:
        parsed = _parse(url)
        _check_target(parsed, allow)
    except _Reject as exc:
        if redirected_from is None:
            raise FetchFailed(f"{_shown(url)} is refused: {exc}") from None
        raise FetchFailed(
            f"{_shown(redirected_from)} redirected to {_shown(url)}, which is refused: {exc}"
        ) from None
    return parsed


async def fetch_bytes(url: str, *, allow: AllowList, limits: FetchLimits) -> Fetched:
    """Fetch a URL into memory, within `limits`. Raises FetchFailed, never an httpx error."""
    body = bytearray()

    async def collect(chunk: bytes) -> None:
        body.extend(chunk)

    final_url, content_type, size = await _Fetch(url, allow, limits).run(collect)
    return Fetched(
        path=None,
        content=bytes(body),
        content_type=content_type,
        size_bytes=size,
        final_url=final_url,
    )


async def fetch_to_file(url: str, dest: Path, *, allow: AllowList, limits: FetchLimits) -> Fetched:
    """Stream a URL into `dest`, within `limits`; on any failure `dest` is removed.

    Raises FetchFailed for every problem with the URL or the remote side.
    """
    _parse_checked(url, allow, None)  # refuse before creating the file
    handle = await asyncio.to_thread(dest.open, "wb")
    buffer = bytearray()
    done = False

    async def write(chunk: bytes) -> None:
        buffer.extend(chunk)
        # File writes block, so they go to a thread, batched to keep the hops few.
        if len(buffer) >= _WRITE_BUFFER_BYTES:
            data = bytes(buffer)
            buffer.clear()
            await asyncio.to_thread(handle.write, data)

    try:
        final_url, content_type, size = await _Fetch(url, allow, limits).run(write)
        if buffer:
            await asyncio.to_thread(handle.write, bytes(buffer))
        await asyncio.to_thread(handle.close)
        done = True
    finally:
        if not done:
            # Synchronous on purpose: this also runs on cancellation, where awaiting a thread
            # could be interrupted and leave the partial file behind.
            handle.close()
            dest.unlink(missing_ok=True)  # noqa: ASYNC240
    return Fetched(
        path=dest,
        content=None,
        content_type=content_type,
        size_bytes=size,
        final_url=final_url,
    )
