"""Index on notify_outbox.event_id: deleting old events must not scan the outbox once per event.

SQLite looks up the rows that reference a deleted event (``ON DELETE CASCADE``) through an index
on the referencing column, or else scans the whole table for every deleted event; the retention
(:func:`app.store.maintenance.prune`) deletes hundreds of thousands of events.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index("ix_notify_outbox_event_id", "notify_outbox", ["event_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_notify_outbox_event_id", table_name="notify_outbox")
