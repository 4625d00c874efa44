from __future__ import annotations

import time

from genfire_server.kit.ids import new_id


def test_ids_carry_prefix_and_sort_by_creation_time() -> None:
    first = new_id("run")
    time.sleep(0.002)
    later = [new_id("run") for _ in range(200)]
    assert first.startswith("run_") and len(first) == len("run_") + 26
    assert all(first < other for other in later)
    assert len(set(later)) == len(later)
