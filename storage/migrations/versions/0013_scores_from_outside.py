"""scores.source and a nullable scores.session_id: scores taken outside the bot

A PHQ-9 from intake paper or a clinic visit has no flow session. ``source`` says where a
score came from: ``checkin`` for one the bot computed, else what staff recorded.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 14:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scores") as batch:
        batch.add_column(
            sa.Column("source", sa.String(32), nullable=False, server_default="checkin")
        )
        batch.alter_column("session_id", existing_type=sa.Integer(), nullable=True)
        batch.create_index("ix_scores_patient_recorded", ["patient_id", "recorded_at"])


def downgrade() -> None:
    op.execute("DELETE FROM scores WHERE session_id IS NULL")
    with op.batch_alter_table("scores") as batch:
        batch.drop_index("ix_scores_patient_recorded")
        batch.alter_column("session_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("source")
