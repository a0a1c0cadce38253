"""referrals

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 14:52:07.078333
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401 - autogenerate renders JSONB(astext_type=Text())
from sqlalchemy.dialects import postgresql

import service.models  # noqa: F401 - custom column types (UTCDateTime)

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", service.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(length=254), nullable=True),
        sa.Column("submitted_at", service.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=254), nullable=True),
        sa.Column("approved_at", service.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=254), nullable=True),
        sa.Column("withdrawn_at", service.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("queued_at", service.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", service.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", service.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", service.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivery_reference", sa.Text(), nullable=True),
        sa.Column("failed_at", service.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("listed_at", service.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("listed_version_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["listed_version_id"],
            ["list_version.id"],
            name=op.f("fk_referral_listed_version_id_list_version"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["supplier.id"], name=op.f("fk_referral_supplier_id_supplier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
        sa.UniqueConstraint("key", name=op.f("uq_referral_key")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index("ix_referral_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_referral_status", ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "referral_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("started_at", service.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", service.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_referral_attempt_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_attempt")),
    )
    with op.batch_alter_table("referral_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_referral_attempt_referral", ["referral_id", "number"], unique=False)

    op.create_table(
        "referral_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("at", service.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_referral_event_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_event")),
    )
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.create_index("ix_referral_event_referral", ["referral_id", "id"], unique=False)

    op.create_table(
        "referral_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["finding.id"], name=op.f("fk_referral_finding_finding_id_finding")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_referral_finding_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_finding")),
        sa.UniqueConstraint("referral_id", "finding_id", name="uq_referral_finding_pair"),
    )
    with op.batch_alter_table("referral_finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_finding_finding_id"), ["finding_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("referral_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_finding_finding_id"))

    op.drop_table("referral_finding")
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_event_referral")

    op.drop_table("referral_event")
    with op.batch_alter_table("referral_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_attempt_referral")

    op.drop_table("referral_attempt")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_supplier_id"))
        batch_op.drop_index("ix_referral_status")
        batch_op.drop_index("ix_referral_due")

    op.drop_table("referral")
