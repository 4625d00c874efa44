"""Which engine executes which run: engine keys to engine instances.

The routing table (data) maps each public alias to an engine key; this registry turns
keys into the engines configured in this process.
"""

from __future__ import annotations

from genfire_server.engines.base import Engine
from genfire_server.kit.db import Database
from genfire_server.settings import Settings

TEST_ENGINE = "testing"
LOCAL_IMAGE = "local.image"
LOCAL_VIDEO = "local.video"
LOCAL_SPEECH = "local.speech"
LOCAL_MUSIC = "local.music"
LOCAL_SFX = "local.sfx"
LOCAL_TRANSCRIPTION = "local.transcription"
LOCAL_BACKGROUND_REMOVAL = "local.background_removal"
LOCAL_UPSCALE = "local.video_upscale"
LOCAL_LIPSYNC = "local.lipsync"
LOCAL_PRODUCTS = "local.products"
LOCAL_WRITER = "local.writer"


class EngineRegistry:
    def __init__(self, engines: dict[str, Engine] | None = None) -> None:
        self._engines: dict[str, Engine] = dict(engines or {})

    def get(self, key: str) -> Engine | None:
        return self._engines.get(key)

    def register(self, key: str, engine: Engine) -> None:
        self._engines[key] = engine

    @classmethod
    def from_settings(cls, settings: Settings, db: Database) -> EngineRegistry:
        from genfire_server.engines.local import audio_engines, media_engines
        from genfire_server.engines.local.image_engine import LocalImageEngine
        from genfire_server.engines.local.video_engine import LocalVideoEngine
        from genfire_server.products.engine import ProductExtractionEngine
        from genfire_server.workflows.engine import WorkflowEngine

        registry = cls(
            {
                LOCAL_IMAGE: LocalImageEngine(),
                LOCAL_VIDEO: LocalVideoEngine(),
                LOCAL_SPEECH: audio_engines.LocalSpeechEngine(),
                LOCAL_MUSIC: audio_engines.LocalMusicEngine(),
                LOCAL_SFX: audio_engines.LocalSoundEffectEngine(),
                LOCAL_TRANSCRIPTION: audio_engines.LocalTranscriptionEngine(),
                LOCAL_BACKGROUND_REMOVAL: media_engines.LocalBackgroundRemovalEngine(),
                LOCAL_UPSCALE: media_engines.LocalUpscaleEngine(),
                LOCAL_LIPSYNC: media_engines.LocalLipsyncEngine(),
                LOCAL_PRODUCTS: ProductExtractionEngine(settings, db),
                LOCAL_WRITER: WorkflowEngine(settings, db),
            }
        )
        if settings.enable_test_engine:
            from genfire_server.engines.testing import TestEngine

            registry.register(TEST_ENGINE, TestEngine())
        return registry
