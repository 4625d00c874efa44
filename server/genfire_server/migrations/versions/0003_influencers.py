"""influencers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "influencers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("handle", sa.String(length=40), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source_type", sa.String(length=20), nullable=False),
        sa.Column(
            "photo_asset_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_influencers_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_influencers")),
        sa.UniqueConstraint("account_id", "handle", name="uq_influencers_account_handle"),
    )
    with op.batch_alter_table("influencers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_influencers_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("influencers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_influencers_account_id"))

    op.drop_table("influencers")
