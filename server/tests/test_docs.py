"""The operator docs stay in step with the code."""

from __future__ import annotations

from pathlib import Path

from genfire_server.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "operations.md").read_text()
    missing = [
        f"GENFIRE_{name.upper()}"
        for name in Settings.model_fields
        if f"GENFIRE_{name.upper()}`" not in text
    ]
    assert missing == []
