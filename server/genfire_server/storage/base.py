"""The `Storage` protocol every backend implements (a local folder today, a bucket later).

Keys are relative POSIX paths (`outputs/acct_1/run_1/image.png`) that end in the file's
real extension. A write is all or nothing: readers see the old object or the new one,
never half a file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol


class StorageError(Exception):
    """Base of the errors a backend raises; endpoints turn them into problems."""


class InvalidKey(StorageError, ValueError):
    """The key is not a safe relative path (absolute, `..`, empty segment, control chars)."""


class ObjectNotFound(StorageError):
    """No object is stored under the key."""


class ObjectTooLarge(StorageError):
    """A streamed write went past its `max_bytes`; nothing was stored."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the object is larger than the limit of {limit} bytes")
        self.limit = limit


class Storage(Protocol):
    async def put_stream(self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int) -> int:
        """Store the chunks under `key` and return the size written.

        Raises `ObjectTooLarge` as soon as more than `max_bytes` arrive (the rest is not
        read) and leaves nothing behind; any other failure leaves nothing behind either.
        """
        ...

    async def put_bytes(self, key: str, data: bytes) -> int:
        """Store `data` under `key` (replacing any object there); return its size."""
        ...

    async def put_file(self, key: str, path: Path) -> int:
        """Store a copy of the local file `path` under `key`; return its size."""
        ...

    def open_stream(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes `[start, end)` of the object (`end=None`: to its end), in chunks.

        Raises `ObjectNotFound` on first iteration when there is no such object.
        """
        ...

    async def size(self, key: str) -> int | None:
        """The object's size in bytes, or None when there is no such object."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""
        ...

    def local_path(self, key: str) -> Path | None:
        """Where the object lives on this machine's disk, for engines that read files
        directly; None for remote backends. The file may not exist."""
        ...
