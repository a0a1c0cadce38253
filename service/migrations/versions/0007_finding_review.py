"""finding review: assignment, four-eyes proposals, history, attachments

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401 - autogenerate renders JSONB(astext_type=Text())
from sqlalchemy.dialects import postgresql

import service.models  # noqa: F401 - custom column types (UTCDateTime)

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    # "pending_confirmation" does not fit the old 16 characters.
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.alter_column(
            "status", existing_type=sa.String(length=16), type_=sa.String(length=32), existing_nullable=False
        )
        batch_op.add_column(sa.Column("supplier_snapshot", JSON_TYPE, nullable=True))
        batch_op.add_column(sa.Column("assignee", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("proposed_by", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("proposed_action", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("needs_review", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("decided_at", service.models.UTCDateTime(timezone=True), nullable=True))
    # The server default only filled the existing rows; the model sets the value from now on.
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.alter_column("needs_review", existing_type=sa.Boolean(), server_default=None)

    op.create_table(
        "finding_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("at", service.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["finding.id"], name=op.f("fk_finding_event_finding_id_finding")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_event")),
    )
    with op.batch_alter_table("finding_event", schema=None) as batch_op:
        batch_op.create_index("ix_finding_event_finding", ["finding_id", "id"], unique=False)

    op.create_table(
        "finding_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=254), nullable=False),
        sa.Column("uploaded_at", service.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["finding.id"], name=op.f("fk_finding_attachment_finding_id_finding")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_attachment")),
    )
    with op.batch_alter_table("finding_attachment", schema=None) as batch_op:
        batch_op.create_index("ix_finding_attachment_finding", ["finding_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("finding_attachment", schema=None) as batch_op:
        batch_op.drop_index("ix_finding_attachment_finding")
    op.drop_table("finding_attachment")
    with op.batch_alter_table("finding_event", schema=None) as batch_op:
        batch_op.drop_index("ix_finding_event_finding")
    op.drop_table("finding_event")
    # Statuses that did not exist before this revision go back to the nearest old one.
    op.execute(
        "UPDATE finding SET status = CASE status "
        "WHEN 'pending_confirmation' THEN 'in_review' WHEN 'pending_reversal' THEN 'confirmed' "
        "ELSE status END"
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_column("decided_at")
        batch_op.drop_column("needs_review")
        batch_op.drop_column("proposed_action")
        batch_op.drop_column("proposed_by")
        batch_op.drop_column("assignee")
        batch_op.drop_column("supplier_snapshot")
        batch_op.alter_column(
            "status", existing_type=sa.String(length=32), type_=sa.String(length=16), existing_nullable=False
        )
