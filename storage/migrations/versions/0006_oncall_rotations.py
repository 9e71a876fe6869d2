"""weekly on-call rotations

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 21:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oncall_rotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("clinician_ids", sa.JSON(), nullable=False),
        sa.Column("handover_weekday", sa.Integer(), nullable=False),
        sa.Column("handover_time", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("starts_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_rotations")),
    )
    with op.batch_alter_table("oncall_rotations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oncall_rotations_role"), ["role"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("oncall_rotations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oncall_rotations_role"))
    op.drop_table("oncall_rotations")
