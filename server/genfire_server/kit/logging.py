"""Structured logging: one JSON object per line, with whatever `extra` a call passes."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from genfire_server.kit.clock import isoformat, utcnow

# Attributes every LogRecord has; anything else came from `extra=` and is logged as a field
# (except uvicorn's terminal-coloured copy of its message).
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": isoformat(utcnow()),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(
            f"{key}={value}"
            for key, value in record.__dict__.items()
            if key not in _STANDARD and not key.startswith("_")
        )
        line = (
            f"{record.levelname.lower():7} {record.name}: {record.getMessage()} {fields}".rstrip()
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # We write our own access line (with request id and account); uvicorn's would repeat it.
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every request's full URL at INFO; webhook and input URLs may carry tokens.
    logging.getLogger("httpx").setLevel(logging.WARNING)
