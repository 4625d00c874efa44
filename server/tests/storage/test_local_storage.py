"""LocalStorage on real files: round trips, capped streams, hostile keys, atomic writes."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from genfire_server.storage import InvalidKey, LocalStorage, ObjectNotFound, ObjectTooLarge
from genfire_server.storage.local import CHUNK_SIZE


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        await asyncio.sleep(0)
        yield part


async def _read(storage: LocalStorage, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in storage.open_stream(key, start, end)])


def _leftovers(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


async def test_bytes_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    assert await storage.put_bytes("outputs/a/r/image.png", b"\x89PNG data") == 9
    assert await _read(storage, "outputs/a/r/image.png") == b"\x89PNG data"
    assert await storage.size("outputs/a/r/image.png") == 9
    assert storage.local_path("outputs/a/r/image.png") == tmp_path / "outputs/a/r/image.png"
    assert (tmp_path / "outputs/a/r/image.png").read_bytes() == b"\x89PNG data"


async def test_file_round_trip_copies(tmp_path: Path) -> None:
    source = tmp_path / "source.wav"
    data = os.urandom(3 * CHUNK_SIZE + 17)
    source.write_bytes(data)
    storage = LocalStorage(tmp_path / "root")
    assert await storage.put_file("outputs/a/r/audio.wav", source) == len(data)
    assert await _read(storage, "outputs/a/r/audio.wav") == data
    assert source.exists()  # copied, not moved


async def test_streamed_put_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    parts = [os.urandom(700_000) for _ in range(5)]  # crosses the write buffer size
    size = await storage.put_stream("uploads/a/x/clip.mp4", _chunks(*parts), max_bytes=10**9)
    assert size == sum(len(part) for part in parts)
    assert await _read(storage, "uploads/a/x/clip.mp4") == b"".join(parts)


async def test_streamed_put_over_the_cap_fails_and_leaves_nothing(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    consumed = []

    async def body() -> AsyncIterator[bytes]:
        for index in range(10):
            consumed.append(index)
            yield b"x" * 400

    with pytest.raises(ObjectTooLarge) as raised:
        await storage.put_stream("uploads/a/x/big.bin", body(), max_bytes=1000)
    assert raised.value.limit == 1000
    assert len(consumed) == 3  # stopped reading as soon as the cap was passed
    assert await storage.size("uploads/a/x/big.bin") is None
    assert _leftovers(tmp_path) == []


async def test_streamed_put_exactly_at_the_cap_is_accepted(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    assert await storage.put_stream("k/v.bin", _chunks(b"a" * 600, b"b" * 400), max_bytes=1000)
    assert await storage.size("k/v.bin") == 1000


async def test_a_failing_stream_leaves_nothing(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)

    async def broken() -> AsyncIterator[bytes]:
        yield b"partial"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await storage.put_stream("uploads/a/x/file.png", broken(), max_bytes=10**6)
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "key",
    [
        "../x",
        "/abs",
        "/etc/passwd",
        "a/../../b",
        "a/./b",
        "a//b",
        "a/",
        "",
        "a\\..\\b",
        "a/.hidden",
        "a/b\x00c",
        "a/b\nc",
        "x" * 501,
    ],
)
async def test_traversal_and_odd_keys_are_refused(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path / "root")
    with pytest.raises(InvalidKey):
        await storage.put_bytes(key, b"data")
    with pytest.raises(InvalidKey):
        await storage.size(key)
    with pytest.raises(InvalidKey):
        await _read(storage, key)
    with pytest.raises(InvalidKey):
        await storage.delete(key)
    with pytest.raises(InvalidKey):
        storage.local_path(key)
    assert not (tmp_path / "x").exists() and not (tmp_path / "b").exists()


async def test_replacing_is_atomic_for_readers(tmp_path: Path) -> None:
    """A reader that opened the old object keeps reading the old bytes; the next reader
    gets the new ones; at no point is a half-written file visible under the key."""
    storage = LocalStorage(tmp_path)
    old, new = b"A" * (3 * CHUNK_SIZE), b"B" * (3 * CHUNK_SIZE)
    await storage.put_bytes("k/file.bin", old)
    reader = storage.open_stream("k/file.bin")
    first = await anext(reader)
    seen_during_write: list[int | None] = []

    async def slow_body() -> AsyncIterator[bytes]:
        for _ in range(3):
            seen_during_write.append(await storage.size("k/file.bin"))
            yield b"B" * CHUNK_SIZE

    await storage.put_stream("k/file.bin", slow_body(), max_bytes=10**9)
    rest = b"".join([chunk async for chunk in reader])
    assert first + rest == old
    assert seen_during_write == [len(old)] * 3  # the old object, whole, while writing
    assert await _read(storage, "k/file.bin") == new
    assert [path.name for path in _leftovers(tmp_path)] == ["file.bin"]


async def test_range_reads(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    data = bytes(range(256)) * (CHUNK_SIZE // 128)  # two chunks and more
    await storage.put_bytes("k/data.bin", data)
    assert await _read(storage, "k/data.bin", 10, 20) == data[10:20]
    assert (
        await _read(storage, "k/data.bin", CHUNK_SIZE - 5, CHUNK_SIZE + 5)
        == (data[CHUNK_SIZE - 5 : CHUNK_SIZE + 5])
    )
    assert await _read(storage, "k/data.bin", len(data) - 3) == data[-3:]
    assert await _read(storage, "k/data.bin", 5, 5) == b""
    assert await _read(storage, "k/data.bin", 0, len(data) + 100) == data
    with pytest.raises(ValueError, match="range"):
        await _read(storage, "k/data.bin", 20, 10)


async def test_missing_objects(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    assert await storage.size("k/none.png") is None
    with pytest.raises(ObjectNotFound):
        await _read(storage, "k/none.png")
    await storage.delete("k/none.png")  # not an error


async def test_delete_removes_the_file_and_empty_folders(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    await storage.put_bytes("outputs/a/r1/one.png", b"1")
    await storage.put_bytes("outputs/a/r2/two.png", b"2")
    await storage.delete("outputs/a/r1/one.png")
    assert await storage.size("outputs/a/r1/one.png") is None
    assert not (tmp_path / "outputs/a/r1").exists()
    assert (tmp_path / "outputs/a/r2/two.png").exists()
    await storage.delete("outputs/a/r2/two.png")
    assert _leftovers(tmp_path) == []
    assert not (tmp_path / "outputs").exists()
