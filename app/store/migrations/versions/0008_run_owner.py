"""Run owner: ``analysis_runs.pid``, ``host`` and ``heartbeat_at`` (issue 19).

A run still ``running`` whose process is gone (same host, PID not alive) or whose heartbeat
stopped long ago (any host) is marked ``incomplete`` by the next start of any command
(:func:`app.store.runs.close_dead_runs`). NULL on runs stored before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("analysis_runs") as batch:
        batch.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("analysis_runs") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("host")
        batch.drop_column("pid")
