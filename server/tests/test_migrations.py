"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from genfire_server import migrations
from genfire_server.kit.db import Database
from genfire_server.models import Base


async def test_migrated_schema_matches_models(db: Database) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with db.read_engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_database_is_at_head(db: Database) -> None:
    from sqlalchemy import text

    async with db.read() as session:
        revision = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    assert revision == migrations.current_head()
