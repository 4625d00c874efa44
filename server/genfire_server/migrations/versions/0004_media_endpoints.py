"""media endpoints: product page cache; runs without a model alias

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_pages",
        sa.Column("url_digest", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column(
            "product",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("url_digest", name=op.f("pk_product_pages")),
    )
    with op.batch_alter_table("product_pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_pages_expires_at"), ["expires_at"])
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.alter_column("model", existing_type=sa.String(length=80), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.alter_column("model", existing_type=sa.String(length=80), nullable=False)
    with op.batch_alter_table("product_pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_pages_expires_at"))
    op.drop_table("product_pages")
