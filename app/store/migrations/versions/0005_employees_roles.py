"""Staff and customers: employees' schedule and workstations, uniform examples, role labels, track → employee.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "uniform_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("features", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_uniform_examples_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uniform_examples")),
    )
    with op.batch_alter_table("uniform_examples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_uniform_examples_employee_id"), ["employee_id"], unique=False)

    op.create_table(
        "role_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_role_labels_employee_id_employees"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_role_labels_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_labels")),
        sa.UniqueConstraint("track_id", name=op.f("uq_role_labels_track_id")),
    )
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("schedule", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True)
        )
        batch_op.add_column(
            sa.Column("workstations", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True)
        )

    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employee_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tracks_employee_id"), ["employee_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_tracks_employee_id_employees"),
            "employees",
            ["employee_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tracks_employee_id_employees"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tracks_employee_id"))
        batch_op.drop_column("employee_id")

    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_column("workstations")
        batch_op.drop_column("schedule")

    op.drop_table("role_labels")
    with op.batch_alter_table("uniform_examples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uniform_examples_employee_id"))

    op.drop_table("uniform_examples")
