"""What a running process shares with every request: settings, database, catalog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from genfire_server.catalog.service import Catalog
from genfire_server.engines.registry import EngineRegistry
from genfire_server.engines.routing import RoutingTable
from genfire_server.kit.background import BackgroundWork
from genfire_server.kit.clock import utcnow
from genfire_server.kit.db import Database
from genfire_server.runs.cache import TerminalRunCache
from genfire_server.settings import Settings
from genfire_server.storage import LocalStorage, Storage
from genfire_server.voices.stock import StockVoice, load_stock_voices
from genfire_server.workflows.catalog import WorkflowCatalog

if TYPE_CHECKING:
    from genfire_server.batches.progress import BatchProgress
    from genfire_server.runs.executor import RunExecutor
    from genfire_server.webhooks.deliveries import WebhookEvents
    from genfire_server.webhooks.sender import WebhookSender


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
    # What webhook schedules are computed with; tests replace it to move time forward.
    clock: Callable[[], datetime] = utcnow
    # The process's workers and sweeper; created with the context, started by the app.
    executor: RunExecutor = field(init=False)
    # Starts batch items as slots free up; told by the executor when their runs finish.
    batches: BatchProgress = field(init=False)
    # Deliveries for finished runs and batches, and the loop that sends them (workers).
    webhook_events: WebhookEvents = field(init=False)
    webhook_sender: WebhookSender = field(init=False)
    routing: RoutingTable = field(init=False)

    def __post_init__(self) -> None:
        # Both need the context itself.
        from genfire_server.batches.progress import BatchProgress
        from genfire_server.runs.executor import RunExecutor
        from genfire_server.webhooks.deliveries import WebhookEvents
        from genfire_server.webhooks.sender import WebhookSender

        self.routing = RoutingTable.load(self.catalog)
        self.executor = RunExecutor(self)
        self.batches = BatchProgress(self)
        self.webhook_events = WebhookEvents(self)
        self.webhook_sender = WebhookSender(self)
        self.executor.listeners += [self.batches, self.webhook_events]
        self.executor.sweepers.append(self.batches.sweep)
        self.executor.companions.append(self.webhook_sender)

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
