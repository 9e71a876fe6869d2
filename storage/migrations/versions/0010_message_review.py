"""messages: who read a message screened `review`, and when; the raw text's digest

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("reviewed_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("raw_sha256", sa.String(length=64), nullable=True))
    # The review list reads inbound `review` messages nobody has read yet.
    op.create_index("ix_messages_review", "messages", ["screening_level", "reviewed_at"])


def downgrade() -> None:
    op.drop_index("ix_messages_review", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("raw_sha256")
        batch.drop_column("reviewed_by")
        batch.drop_column("reviewed_at")
