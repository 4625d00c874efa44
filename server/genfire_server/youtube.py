"""YouTube sources for transcription: recognising their URLs and fetching their audio.

yt-dlp does the fetching, limited to its YouTube extractor so a URL can never make it
crawl an arbitrary host; only the audio-only stream is downloaded (no FFmpeg
post-processing needed: PyAV decodes what YouTube serves). Length and size are checked
from the metadata before a byte of media is fetched. An operator whose servers reach
the internet through a proxy sets `GENFIRE_YOUTUBE_PROXY`.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from genfire_server.inputs import InputUnavailable

_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"}
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


def video_id(url: str) -> str | None:
    """The video id of a YouTube watch, short, shorts or live URL; None if it is not one."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"}:
        return None
    host = (parts.hostname or "").lower()
    candidate: str | None = None
    if host == "youtu.be":
        candidate = parts.path.strip("/").split("/")[0]
    elif host in _HOSTS:
        segments = [segment for segment in parts.path.split("/") if segment]
        if segments == ["watch"]:
            candidate = (parse_qs(parts.query).get("v") or [""])[0]
        elif len(segments) == 2 and segments[0] in {"shorts", "live", "embed", "v"}:
            candidate = segments[1]
    if candidate and _VIDEO_ID.match(candidate):
        return candidate
    return None


class _QuietLogger:
    """yt-dlp prints to stderr unless given a logger; its messages end up in our errors."""

    def debug(self, message: str) -> None:
        pass

    def info(self, message: str) -> None:
        pass

    def warning(self, message: str) -> None:
        pass

    def error(self, message: str) -> None:
        pass


def _download(
    video: str,
    dest_dir: Path,
    *,
    max_bytes: int,
    max_seconds: float,
    proxy: str | None,
    timeout_seconds: float,
) -> Path:
    import yt_dlp

    options: dict[str, Any] = {
        "quiet": True,
        "no_warnings": True,
        "logger": _QuietLogger(),
        "format": "bestaudio/best",
        "allowed_extractors": ["youtube"],
        "noplaylist": True,
        "socket_timeout": timeout_seconds,
        "retries": 1,
        "extractor_retries": 0,
        "max_filesize": max_bytes,
        "outtmpl": str(dest_dir / "youtube-%(id)s.%(ext)s"),
        "cachedir": False,
    }
    if proxy:
        options["proxy"] = proxy
    url = f"https://www.youtube.com/watch?v={video}"
    try:
        with yt_dlp.YoutubeDL(options) as downloader:
            info = downloader.extract_info(url, download=False)
            if info.get("is_live") or not info.get("duration"):
                raise InputUnavailable(
                    "The YouTube video is a live stream or has no known length; only "
                    "finished videos can be transcribed."
                )
            seconds = float(info["duration"])
            if seconds > max_seconds:
                raise InputUnavailable(
                    f"The YouTube video lasts {seconds / 60:.0f} minutes; the limit is "
                    f"{max_seconds / 60:.0f} minutes."
                )
            info = downloader.process_ie_result(info, download=True)
            files = [Path(item["filepath"]) for item in info.get("requested_downloads") or []]
    except yt_dlp.utils.DownloadError as error:
        reason = re.sub(r"^ERROR:\s*", "", str(error)).strip()
        raise InputUnavailable(f"The YouTube video could not be fetched: {reason}") from error
    found = [path for path in files if path.is_file()]
    if not found:
        raise InputUnavailable(
            "The YouTube video could not be fetched: it is larger than "
            f"{max_bytes // (1024 * 1024)} MB or has no audio stream."
        )
    return found[0]


async def download_audio(
    url: str,
    dest_dir: Path,
    *,
    max_bytes: int,
    max_seconds: float,
    proxy: str | None,
    timeout_seconds: float,
) -> Path:
    """The audio of a YouTube video as a local file in `dest_dir`.

    Raises `InputUnavailable` with a message for the client when the URL is not a
    YouTube video, cannot be reached, or is too long or too large.
    """
    video = video_id(url)
    if video is None:
        raise InputUnavailable("That is not a YouTube video URL.")
    return await asyncio.to_thread(
        _download,
        video,
        dest_dir,
        max_bytes=max_bytes,
        max_seconds=max_seconds,
        proxy=proxy,
        timeout_seconds=timeout_seconds,
    )
