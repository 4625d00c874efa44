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


async def run_cpu(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a module-level function in the pool and await its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(get_pool(), partial(function, *args, **kwargs))


def shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None
