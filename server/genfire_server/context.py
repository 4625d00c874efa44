"""What a running process shares with every request: settings, database, catalog."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from genfire_server.catalog.service import Catalog
from genfire_server.engines.registry import EngineRegistry
from genfire_server.engines.routing import RoutingTable
from genfire_server.kit.background import BackgroundWork
from genfire_server.kit.db import Database
from genfire_server.runs.cache import TerminalRunCache
from genfire_server.settings import Settings
from genfire_server.storage import LocalStorage, Storage
from genfire_server.voices.stock import StockVoice, load_stock_voices
from genfire_server.workflows.catalog import WorkflowCatalog

if TYPE_CHECKING:
    from genfire_server.batches.progress import BatchProgress
    from genfire_server.runs.executor import RunExecutor


@dataclass
class AppContext:
    settings: Settings
    db: Database
    catalog: Catalog
    stock_voices: list[StockVoice]
    storage: Storage
    background: BackgroundWork = field(default_factory=BackgroundWork)
    engines: EngineRegistry = field(default_factory=EngineRegistry)
    terminal_runs: TerminalRunCache = field(default_factory=TerminalRunCache)
    workflows: WorkflowCatalog = field(default_factory=WorkflowCatalog.load)
    # The process's workers and sweeper; created with the context, started by the app.
    executor: RunExecutor = field(init=False)
    # Starts batch items as slots free up; told by the executor when their runs finish.
    batches: BatchProgress = field(init=False)
    routing: RoutingTable = field(init=False)

    def __post_init__(self) -> None:
        # Both need the context itself.
        from genfire_server.batches.progress import BatchProgress
        from genfire_server.runs.executor import RunExecutor

        self.routing = RoutingTable.load(self.catalog)
        self.executor = RunExecutor(self)
        self.batches = BatchProgress(self)
        self.executor.listeners.append(self.batches)
        self.executor.sweepers.append(self.batches.sweep)

    @classmethod
    def create(cls, settings: Settings, db: Database | None = None) -> AppContext:
        database = db or Database.from_settings(settings)
        return cls(
            settings=settings,
            db=database,
            catalog=Catalog.load(),
            stock_voices=load_stock_voices(),
            storage=LocalStorage(settings.resolved_storage_dir),
            engines=EngineRegistry.from_settings(settings, database),
        )
