"""Relapse and early non-response as signals on the review list: for staff, never a page.

``raise_signals`` runs on the outcomes tick. It reads every active patient's complete
PHQ-9 scores, infusions and recent daily moods in three queries, applies the definitions,
and inserts a signal for each flag not raised before. A signal is raised once for what it
is about (a relapse's first score, an episode's start): marking it seen does not bring it
back on the next tick, and a new relapse later is a new signal.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.logs import log
from bot.outbox import enqueue
from bot.outcomes.definitions import Outcome
from bot.outcomes.store import load_inputs
from bot.safety.page_channels import clinician_route
from bot.safety.rota import on_call
from storage.inserts import insert_many_ignoring_conflict
from storage.models import OutcomeSignal, Patient, PatientStatus, Priority, SignalKind

INSTRUMENT = "phq9"


def signals_of(patient_id: int, result: Outcome, now: datetime) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    base = {"patient_id": patient_id, "raised_at": now, "created_at": now}
    if result.relapse.flag and result.relapse.since is not None:
        rows.append(
            base
            | {
                "kind": SignalKind.RELAPSE,
                "since": result.relapse.since,
                "evidence": list(result.relapse.evidence),
            }
        )
    if result.early_non_response and result.episode is not None:
        rows.append(
            base
            | {
                "kind": SignalKind.EARLY_NON_RESPONSE,
                "since": result.episode.start,
                "evidence": [result.early_evidence or ""],
            }
        )
    return rows


async def raise_signals(session: AsyncSession, *, now: datetime) -> int:
    """Insert the signals the patients' outcomes call for; return how many flags were found."""
    active = select(Patient.id).where(
        Patient.status == PatientStatus.ACTIVE, Patient.test.is_(False)
    )
    loaded = await load_inputs(session, active, instrument=INSTRUMENT, now=now)
    found = [
        row
        for patient_id, inputs in loaded.items()
        for row in signals_of(patient_id, inputs.outcome(INSTRUMENT, now), now)
    ]
    await insert_many_ignoring_conflict(
        session, OutcomeSignal, found, ["patient_id", "kind", "since"]
    )
    if found:
        log.info("outcome_signals", flags=len(found))
    return len(found)


async def unseen(session: AsyncSession) -> list[tuple[OutcomeSignal, Patient]]:
    rows = await session.execute(
        select(OutcomeSignal, Patient)
        .join(Patient, Patient.id == OutcomeSignal.patient_id)
        .where(OutcomeSignal.seen_at.is_(None))
        .order_by(OutcomeSignal.raised_at.desc(), OutcomeSignal.id.desc())
    )
    return [(signal, patient) for signal, patient in rows]


DIGEST_NAMES = 5  # patients named in the text; the rest are counted


def digest_text(clinic: str, rows: list[tuple[OutcomeSignal, Patient]]) -> str:
    words = {SignalKind.RELAPSE: "relapse", SignalKind.EARLY_NON_RESPONSE: "early non-response"}
    named = [f"{patient.name} ({words.get(s.kind, s.kind)})" for s, patient in rows[:DIGEST_NAMES]]
    more = f" and {len(rows) - DIGEST_NAMES} more" if len(rows) > DIGEST_NAMES else ""
    count = f"{len(rows)} treatment signal{'s' if len(rows) != 1 else ''}"
    return (
        f"{clinic} daily summary, not urgent: {count} to review: {', '.join(named)}{more}. "
        "See To review in the dashboard."
    )


async def send_digest(
    session: AsyncSession, *, clinic: str, zone: str, at: str, now: datetime
) -> int | None:
    """Once a day from ``at`` (clinic-local HH:MM), text the primary on call what signals
    wait unseen; never a page. Returns the outbox id, or None (not yet, none, or sent)."""
    if not at:
        return None
    local = now.astimezone(ZoneInfo(zone))
    hour, minute = (int(p) for p in at.split(":"))
    if (local.hour, local.minute) < (hour, minute):
        return None
    rows = await unseen(session)
    clinician = await on_call(session, role="primary", at=now)
    if not rows or clinician is None:
        return None
    channel, address = clinician_route(clinician, telegram=clinician.telegram_chat_id is not None)
    return await enqueue(
        session,
        key=f"digest:{local.date().isoformat()}",  # one a day, however many ticks
        channel=channel,
        address=address,
        body=digest_text(clinic, rows),
        now=now,
        purpose="alert",
        priority=Priority.REPLY,
        clinician_id=clinician.id,
    )
