"""audit head row created with the schema

The audit chain's head row used to be created by the first event appended. Two first
events appended at once (jobs catching up in parallel on a new database) both inserted it,
and one transaction failed on its primary key. The row now exists before any event, so
every append locks the same row.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 19:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64  # service.audit.GENESIS_HASH, frozen as this migration wrote it


def upgrade() -> None:
    op.execute(
        "INSERT INTO audit_head (id, last_hash) "
        f"SELECT 1, '{GENESIS_HASH}' WHERE NOT EXISTS (SELECT 1 FROM audit_head WHERE id = 1)"
    )


def downgrade() -> None:
    # An empty chain's head may go again (the first event would recreate it); a used one stays.
    op.execute(f"DELETE FROM audit_head WHERE id = 1 AND last_hash = '{GENESIS_HASH}'")
