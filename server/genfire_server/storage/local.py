"""`LocalStorage`: objects as files under one root folder (`<data_dir>/files` by default).

Every blocking call runs in a worker thread, one chunk at a time, so streaming a 5 GB
upload or download never stalls the event loop. Writes go to a hidden temporary file in
the object's own folder and are renamed over the final name (`os.replace`, atomic on
POSIX), so a reader sees the old object or the new one, never part of one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from genfire_server.storage.base import InvalidKey, ObjectNotFound, ObjectTooLarge

# Reads and writes move this much per thread hop: few hops, bounded memory.
CHUNK_SIZE = 1024 * 1024
MAX_KEY_LENGTH = 500  # the assets.storage_key column


def check_key(key: str) -> PurePosixPath:
    """The key as a relative path, or `InvalidKey` if it could leave the root.

    Segments starting with a dot are refused too: temporary files are named that way, so
    no key can ever address one.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"storage key must be 1 to {MAX_KEY_LENGTH} characters")
    if any(ord(char) < 32 or char in "\\\x7f" for char in key):
        raise InvalidKey("storage key contains a backslash or a control character")
    if key.startswith("/"):
        raise InvalidKey("storage key must be relative")
    segments = key.split("/")
    for segment in segments:
        if segment == "" or segment.startswith("."):
            raise InvalidKey(f"storage key has an empty, '.', '..' or hidden segment: {key!r}")
    return PurePosixPath(*segments)


class LocalStorage:
    """The `Storage` protocol on a local folder."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).absolute()

    def _path(self, key: str) -> Path:
        # Lexical checks only (no filesystem calls on the event loop): the root is the
        # operator's, and a symlink they place inside it is theirs to follow.
        return self.root.joinpath(*check_key(key).parts)

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    # Writing

    async def put_stream(self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int) -> int:
        path = self._path(key)
        handle, tmp = await asyncio.to_thread(_open_temp, path)
        total = 0
        buffer = bytearray()
        try:
            async for chunk in chunks:
                total += len(chunk)
                if total > max_bytes:
                    raise ObjectTooLarge(max_bytes)
                buffer += chunk
                if len(buffer) >= CHUNK_SIZE:
                    await asyncio.to_thread(handle.write, buffer)
                    buffer.clear()
            if buffer:
                await asyncio.to_thread(handle.write, buffer)
            await asyncio.to_thread(_commit, handle, tmp, path)
        except BaseException:
            # Also on cancellation: close and unlink are quick, and nothing may be left.
            _discard(handle, tmp)
            raise
        return total

    async def put_bytes(self, key: str, data: bytes) -> int:
        path = self._path(key)
        return await asyncio.to_thread(_write_bytes, path, data)

    async def put_file(self, key: str, path: Path) -> int:
        target = self._path(key)
        return await asyncio.to_thread(_copy_file, Path(path), target)

    # Reading

    async def open_stream(
        self, key: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        path = self._path(key)
        if start < 0 or (end is not None and end < start):
            raise ValueError(f"bad byte range [{start}, {end})")
        try:
            handle = await asyncio.to_thread(_open_read, path)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as error:
            raise ObjectNotFound(key) from error
        try:
            if start:
                await asyncio.to_thread(handle.seek, start)
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                wanted = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
                chunk = await asyncio.to_thread(handle.read, wanted)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            handle.close()

    async def size(self, key: str) -> int | None:
        path = self._path(key)
        return await asyncio.to_thread(_file_size, path)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(_delete, path, self.root)


def _open_temp(path: Path) -> tuple[BinaryIO, Path]:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    for attempt in range(3):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileNotFoundError:
            # A concurrent delete pruned the folder we just made; make it again.
            if attempt == 2:
                raise
            continue
        return os.fdopen(fd, "wb"), tmp
    raise AssertionError("unreachable")


def _commit(handle: BinaryIO, tmp: Path, path: Path) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()
    os.replace(tmp, path)


def _discard(handle: BinaryIO, tmp: Path) -> None:
    with contextlib.suppress(OSError):
        handle.close()
    tmp.unlink(missing_ok=True)


def _write_bytes(path: Path, data: bytes) -> int:
    handle, tmp = _open_temp(path)
    try:
        handle.write(data)
        _commit(handle, tmp, path)
    except BaseException:
        _discard(handle, tmp)
        raise
    return len(data)


def _copy_file(source: Path, path: Path) -> int:
    handle, tmp = _open_temp(path)
    try:
        with source.open("rb") as src:
            shutil.copyfileobj(src, handle, CHUNK_SIZE)
        size = handle.tell()
        _commit(handle, tmp, path)
    except BaseException:
        _discard(handle, tmp)
        raise
    return size


def _open_read(path: Path) -> BinaryIO:
    return path.open("rb")


def _file_size(path: Path) -> int | None:
    try:
        stat = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return stat.st_size if path.is_file() else None


def _delete(path: Path, root: Path) -> None:
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        path.unlink()
    # Drop folders left empty (a run's, an account's), never the root itself.
    parent = path.parent
    while parent != root and root in parent.parents:
        try:
            parent.rmdir()
        except OSError:  # not empty, or already gone
            break
        parent = parent.parent
