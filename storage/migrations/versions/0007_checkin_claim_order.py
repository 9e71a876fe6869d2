"""check-ins carry their precedence; the claim reads due rows in index order; indexes for
the conversations tick

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 00:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scheduled_checkins", schema=None) as batch_op:
        # Among rows due at one minute, which starts first: post-infusion 0, daily 1, else 2.
        batch_op.add_column(
            sa.Column("precedence", sa.SmallInteger(), nullable=False, server_default="2")
        )
    op.execute(
        "UPDATE scheduled_checkins SET precedence = CASE kind "
        "WHEN 'post_infusion' THEN 0 WHEN 'daily' THEN 1 ELSE 2 END"
    )
    with op.batch_alter_table("scheduled_checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_checkins_due")
        batch_op.create_index(
            "ix_scheduled_checkins_claim", ["status", "due_at", "precedence", "id"], unique=False
        )
    with op.batch_alter_table("flow_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_flow_sessions_expiry", ["status", "expires_at"], unique=False)
        batch_op.create_index("ix_flow_sessions_reminder", ["status", "reminder_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("flow_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_flow_sessions_reminder")
        batch_op.drop_index("ix_flow_sessions_expiry")
    with op.batch_alter_table("scheduled_checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_checkins_claim")
        batch_op.create_index("ix_scheduled_checkins_due", ["status", "due_at"], unique=False)
        batch_op.drop_column("precedence")
