"""The process pool survives a worker that dies: the next task gets a fresh pool."""

from __future__ import annotations

import os

import pytest

from genfire_server.engines.local import pool


def _die() -> int:
    os._exit(11)  # what a segfaulting native library looks like to the pool


def _square(value: int) -> int:
    return value * value


async def test_a_crashed_worker_is_reported_and_the_pool_recovers() -> None:
    with pytest.raises(pool.WorkerCrashed, match="_die"):
        await pool.run_cpu(_die)
    assert await pool.run_cpu(_square, 7) == 49
