"""messages.for_staff: what a patient wrote outside any question, for the care team

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 15:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column("for_staff", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index("ix_messages_inbox", ["for_staff", "reviewed_at"])


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_inbox")
        batch.drop_column("for_staff")
