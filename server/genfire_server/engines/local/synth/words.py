"""Prompt text to words, the same way for music and for sound effects."""

from __future__ import annotations

import re


def tokens(text: str) -> list[str]:
    """Lower-case words; hyphens split ("lo-fi" -> "lo", "fi") so phrases match either way.

    "&" and "#" stay inside words, so "r&b" is one word; standing alone, "&" is a word too,
    and reads as "and".
    """
    return re.findall(r"[a-z0-9&#']+", text.lower().replace("-", " "))
