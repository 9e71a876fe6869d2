"""outcome_signals: relapse and early non-response, for staff to read (never pages)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outcome_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("since", UTCDateTime(timezone=True), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("raised_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("seen_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_outcome_signals_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_signals")),
        sa.UniqueConstraint(
            "patient_id", "kind", "since", name=op.f("uq_outcome_signals_patient_id_kind_since")
        ),
    )
    op.create_index("ix_outcome_signals_unseen", "outcome_signals", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_outcome_signals_unseen", table_name="outcome_signals")
    op.drop_table("outcome_signals")
