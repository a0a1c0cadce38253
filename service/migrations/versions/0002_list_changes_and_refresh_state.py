"""list changes and refresh state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 11:31:25.276028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import service.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "list_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_version_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=255), nullable=False),
        sa.Column("change", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_version_id"],
            ["list_version.id"],
            name=op.f("fk_list_change_list_version_id_list_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_change")),
    )
    with op.batch_alter_table("list_change", schema=None) as batch_op:
        batch_op.create_index("ix_list_change_version", ["list_version_id", "change"], unique=False)

    with op.batch_alter_table("source_status", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_outcome", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column(
                "http_cache",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default=sa.text("'{}'"),
            )
        )
        batch_op.add_column(
            sa.Column("refreshing_since", service.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("source_status", schema=None) as batch_op:
        batch_op.drop_column("refreshing_since")
        batch_op.drop_column("http_cache")
        batch_op.drop_column("last_outcome")

    with op.batch_alter_table("list_change", schema=None) as batch_op:
        batch_op.drop_index("ix_list_change_version")

    op.drop_table("list_change")
