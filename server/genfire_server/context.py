"""What a running process shares with every request: settings, database, catalog."""

from __future__ import annotations

from dataclasses import dataclass, field

from genfire_server.catalog.service import Catalog
from genfire_server.kit.background import BackgroundWork
from genfire_server.kit.db import Database
from genfire_server.settings import Settings
from genfire_server.voices.stock import StockVoice, load_stock_voices


@dataclass
class AppContext:
    settings: Settings
    db: Database
    catalog: Catalog
    stock_voices: list[StockVoice]
    background: BackgroundWork = field(default_factory=BackgroundWork)

    @classmethod
    def create(cls, settings: Settings, db: Database | None = None) -> AppContext:
        return cls(
            settings=settings,
            db=db or Database.from_settings(settings),
            catalog=Catalog.load(),
            stock_voices=load_stock_voices(),
        )
