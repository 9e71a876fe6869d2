"""infusions.new_episode: staff start a new episode of treatment at an infusion

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("infusions") as batch:
        batch.add_column(
            sa.Column("new_episode", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("infusions") as batch:
        batch.drop_column("new_episode")
