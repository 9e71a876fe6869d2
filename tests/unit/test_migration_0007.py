"""Migration 0007 gives check-ins already planned the precedence of their kind.

A clinic upgrading with rows due tomorrow must see them start in the same order
as before: post-infusion first, then the daily check-in, then questionnaires.
(On SQLite, whose batch mode rebuilds the table; PostgreSQL runs the same UPDATE.)
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from storage.migrate import alembic_config

KINDS = ["cadence", "daily", "post_infusion", "something_new"]


def test_rows_planned_before_the_upgrade_get_the_precedence_of_their_kind(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'clinic.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0006")
        conn.execute(
            text(
                "INSERT INTO patients (id, name, phone, channel, timezone, checkin_time,"
                " language, status, created_at) VALUES (1, 'P', '+12025550111', 'sms',"
                " 'America/New_York', '09:00', 'en', 'active', '2026-11-27 10:00:00')"
            )
        )
        for n, kind in enumerate(KINDS):
            conn.execute(
                text(
                    "INSERT INTO scheduled_checkins (patient_id, kind, flow_id, slot, due_at,"
                    " status, attempts, created_at) VALUES (1, :kind, 'f', :slot,"
                    " '2026-11-28 14:00:00', 'due', 0, '2026-11-27 10:00:00')"
                ),
                {"kind": kind, "slot": f"slot{n}"},
            )
        command.upgrade(alembic_config(conn), "head")
        rows = conn.execute(text("SELECT kind, precedence FROM scheduled_checkins ORDER BY id"))
        assert dict(rows.all()) == {
            "cadence": 2,
            "daily": 1,
            "post_infusion": 0,
            "something_new": 2,
        }
    engine.dispose()
