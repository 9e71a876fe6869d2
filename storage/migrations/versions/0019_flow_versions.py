"""flow_versions table; patients.test

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flow_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("flow_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("yaml", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("file_digest", sa.String(64), nullable=True),
        sa.Column(
            "author_id",
            sa.Integer(),
            sa.ForeignKey("staff_users.id", name="fk_flow_versions_author_id_staff_users"),
            nullable=True,
        ),
        sa.Column("author", sa.String(254), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(254), nullable=True),
        sa.Column("publish_note", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("flow_id", "version", name="uq_flow_versions_flow_version"),
    )
    op.create_index("ix_flow_versions_status", "flow_versions", ["status"])
    op.add_column(
        "patients", sa.Column("test", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("test")
    op.drop_index("ix_flow_versions_status", "flow_versions")
    op.drop_table("flow_versions")
