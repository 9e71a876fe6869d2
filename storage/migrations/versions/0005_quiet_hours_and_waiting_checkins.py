"""per-patient quiet hours; check-ins waiting for an open conversation

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 21:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        # "HH:MM-HH:MM" in the patient's time zone; null = the clinic's window.
        batch_op.add_column(sa.Column("quiet_hours", sa.String(length=11), nullable=True))
    with op.batch_alter_table("scheduled_checkins", schema=None) as batch_op:
        # A due check-in held back (mid-conversation, quiet hours) until this time;
        # due_at keeps the planned time, which its window is measured from.
        batch_op.add_column(
            sa.Column("not_before", storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("scheduled_checkins", schema=None) as batch_op:
        batch_op.drop_column("not_before")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_column("quiet_hours")
