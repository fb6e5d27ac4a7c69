"""Site opening hours: ``sites.opening_hours`` (the config's ``site.opening_hours`` as JSON).

Hourly views fold the hours outside opening hours and label data stored in them
(:mod:`app.opening_hours`). NULL: every hour is open.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("opening_hours", sa.Text(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("opening_hours")
