"""patients: mrn, date_of_birth, treating_clinician_id, consent_recorded_at

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 07:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs, not a batch: SQLite would rebuild the patients table, which the
    # rows of many others reference. There the foreign key goes inline, which SQLite
    # allows on an added column that defaults to NULL.
    op.add_column("patients", sa.Column("mrn", sa.String(64), nullable=True))
    op.add_column("patients", sa.Column("date_of_birth", sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE patients ADD COLUMN treating_clinician_id INTEGER "
            "CONSTRAINT fk_patients_treating_clinician_id_clinicians REFERENCES clinicians (id)"
        )
    else:
        op.add_column("patients", sa.Column("treating_clinician_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_patients_treating_clinician_id_clinicians",
            "patients",
            "clinicians",
            ["treating_clinician_id"],
            ["id"],
        )
    op.add_column(
        "patients", sa.Column("consent_recorded_at", UTCDateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("consent_recorded_at")
        batch.drop_column("treating_clinician_id")
        batch.drop_column("date_of_birth")
        batch.drop_column("mrn")
