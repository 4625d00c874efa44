"""Rendered terminal runs, kept in memory.

A completed or failed run never changes again (the executor's updates are all conditional
on `processing`), so its rendered document can be kept without invalidation, in any
number of processes. Runs still queued or processing are never cached.
"""

from __future__ import annotations

from collections import OrderedDict

DEFAULT_ENTRIES = 5000


class TerminalRunCache:
    def __init__(self, max_entries: int = DEFAULT_ENTRIES) -> None:
        self._entries: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._max = max_entries

    def get(self, account_id: str, run_id: str) -> bytes | None:
        key = (account_id, run_id)
        body = self._entries.get(key)
        if body is not None:
            self._entries.move_to_end(key)
        return body

    def put(self, account_id: str, run_id: str, body: bytes) -> None:
        self._entries[(account_id, run_id)] = body
        self._entries.move_to_end((account_id, run_id))
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
