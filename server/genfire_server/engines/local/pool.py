"""A process pool for CPU-heavy engine work, so the event loop never renders or encodes.

Processes, not threads: Pillow, NumPy and x264 release the GIL only in parts, and a
render must never stall the API. The pool is created on first use and shut down with the
executor; `spawn` keeps worker processes free of the parent's event loop and sockets.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")

_pool: ProcessPoolExecutor | None = None


def _size() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def get_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        context = multiprocessing.get_context("spawn")
        _pool = ProcessPoolExecutor(max_workers=_size(), mp_context=context)
    return _pool


class WorkerCrashed(Exception):
    """A pool process died mid-task (a native library crashed on some input)."""


async def run_cpu(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a module-level function in the pool and await its result.

    A worker process that dies (a segfault in a native library on a hostile input) breaks
    the whole `ProcessPoolExecutor`: every later submission would fail. The broken pool is
    dropped, so the next call starts a fresh one, and the caller gets `WorkerCrashed`.
    """
    global _pool
    loop = asyncio.get_running_loop()
    executor = get_pool()
    try:
        return await loop.run_in_executor(executor, partial(function, *args, **kwargs))
    except BrokenProcessPool as error:
        if _pool is executor:
            _pool = None
            executor.shutdown(wait=False, cancel_futures=True)
        raise WorkerCrashed(f"a worker process died running {function.__name__}") from error


def shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None
