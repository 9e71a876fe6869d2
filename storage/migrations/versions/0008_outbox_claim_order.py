"""the outbox claim reads pending rows in index order

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 04:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The claim orders by priority, next_attempt_at and id. Without id in the index,
    # every pending row sharing a send time (a whole 09:00 batch) was read and sorted
    # at each claim.
    with op.batch_alter_table("outbox_items", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_due")
        batch_op.create_index(
            "ix_outbox_claim", ["status", "priority", "next_attempt_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_items", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_claim")
        batch_op.create_index(
            "ix_outbox_due", ["status", "priority", "next_attempt_at"], unique=False
        )
