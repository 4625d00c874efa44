"""Which engine executes which run: engine keys to engine instances.

The routing table (data) maps each public alias to an engine key; this registry turns
keys into the engines configured in this process.
"""

from __future__ import annotations

from genfire_server.engines.base import Engine
from genfire_server.settings import Settings

TEST_ENGINE = "testing"
LOCAL_IMAGE = "local.image"
LOCAL_VIDEO = "local.video"


class EngineRegistry:
    def __init__(self, engines: dict[str, Engine] | None = None) -> None:
        self._engines: dict[str, Engine] = dict(engines or {})

    def get(self, key: str) -> Engine | None:
        return self._engines.get(key)

    def register(self, key: str, engine: Engine) -> None:
        self._engines[key] = engine

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineRegistry:
        from genfire_server.engines.local.image_engine import LocalImageEngine
        from genfire_server.engines.local.video_engine import LocalVideoEngine

        registry = cls({LOCAL_IMAGE: LocalImageEngine(), LOCAL_VIDEO: LocalVideoEngine()})
        if settings.enable_test_engine:
            from genfire_server.engines.testing import TestEngine

            registry.register(TEST_ENGINE, TestEngine())
        return registry
