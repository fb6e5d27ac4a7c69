"""Faces: embeddings (encrypted), returning visitors, the consent register and the face audit log.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.store.schema import UTCDateTime

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "face_visitors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_ts", sa.Double(), nullable=False),
        sa.Column("last_ts", sa.Double(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_face_visitors")),
    )
    op.create_table(
        "face_embeddings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("crop_path", sa.String(length=400), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"], name=op.f("fk_face_embeddings_employee_id_employees"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["visitor_id"], ["face_visitors.id"], name=op.f("fk_face_embeddings_visitor_id_face_visitors"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_face_embeddings")),
    )  # fmt: skip
    op.create_index(op.f("ix_face_embeddings_employee_id"), "face_embeddings", ["employee_id"])
    op.create_index(op.f("ix_face_embeddings_visitor_id"), "face_embeddings", ["visitor_id"])
    op.create_table(
        "face_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("basis", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"], name=op.f("fk_face_consents_employee_id_employees"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_face_consents")),
    )  # fmt: skip
    op.create_index(op.f("ix_face_consents_employee_id"), "face_consents", ["employee_id"])
    op.create_table(
        "face_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_face_audit")),
    )
    op.create_index(op.f("ix_face_audit_at"), "face_audit", ["at"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_face_audit_at"), table_name="face_audit")
    op.drop_table("face_audit")
    op.drop_index(op.f("ix_face_consents_employee_id"), table_name="face_consents")
    op.drop_table("face_consents")
    op.drop_index(op.f("ix_face_embeddings_visitor_id"), table_name="face_embeddings")
    op.drop_index(op.f("ix_face_embeddings_employee_id"), table_name="face_embeddings")
    op.drop_table("face_embeddings")
    op.drop_table("face_visitors")
