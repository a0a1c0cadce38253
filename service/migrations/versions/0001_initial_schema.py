"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 11:04:06.837952
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import service.models

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", service.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", service.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", service.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", service.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_key_prefix")),
    )
    op.create_table(
        "list_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("fetched_at", service.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.String(length=40), nullable=True),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column(
            "parse_stats",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_version")),
        sa.UniqueConstraint("source", "version", name="uq_list_version_source_version"),
    )
    with op.batch_alter_table("list_version", schema=None) as batch_op:
        batch_op.create_index("ix_list_version_source_current", ["source", "is_current"], unique=False)

    op.create_table(
        "screening",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", service.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("algorithm", sa.String(length=64), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column(
            "list_versions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "request",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "response",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("alert_count", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening")),
    )
    with op.batch_alter_table("screening", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screening_created_at"), ["created_at"], unique=False)

    op.create_table(
        "list_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_version_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("primary_name", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["list_version_id"],
            ["list_version.id"],
            name=op.f("fk_list_entry_list_version_id_list_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_entry")),
        sa.UniqueConstraint("list_version_id", "entry_id", name="uq_list_entry_version_entry"),
    )
    with op.batch_alter_table("list_entry", schema=None) as batch_op:
        batch_op.create_index("ix_list_entry_source_entry", ["source", "entry_id"], unique=False)

    op.create_table(
        "source_status",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.Column("last_attempt_at", service.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", service.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["current_version_id"],
            ["list_version.id"],
            name=op.f("fk_source_status_current_version_id_list_version"),
        ),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_source_status")),
    )


def downgrade() -> None:

    op.drop_table("source_status")
    with op.batch_alter_table("list_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_list_entry_source_entry")

    op.drop_table("list_entry")
    with op.batch_alter_table("screening", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_created_at"))

    op.drop_table("screening")
    with op.batch_alter_table("list_version", schema=None) as batch_op:
        batch_op.drop_index("ix_list_version_source_current")

    op.drop_table("list_version")
    op.drop_table("api_key")
