"""What an export contains: check-in sessions with their answers and scores, filtered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

import flows
from flows.texts import render
from storage.models import Answer, FlowSession, Patient, Score


@dataclass(frozen=True)
class ExportFilter:
    """Which check-ins: one patient or all, started in [since, until) (UTC)."""

    patient_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, query: Select[Any], patient: Any, when: Any) -> Select[Any]:
        """``query`` narrowed to the filter: ``patient`` and ``when`` are its columns."""
        if self.patient_id is not None:
            query = query.where(patient == self.patient_id)
        if self.since is not None:
            query = query.where(when >= self.since)
        if self.until is not None:
            query = query.where(when < self.until)
        return query

    def describe(self) -> dict[str, Any]:
        """The filter as the audit log records it."""
        return {
            "patient": self.patient_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


@dataclass
class SessionRecord:
    """One check-in conversation as exported: its answers in the order given."""

    flow_session: FlowSession
    language: str
    flow: flows.Flow | None
    answers: list[Answer] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)

    def question(self, step_id: str, language: str | None = None) -> str:
        """The question as the patient read it (no first name), or '' if the flow is gone."""
        step = self.flow.steps.get(step_id) if self.flow else None
        if step is None:
            return ""
        return render(step.text, flows.Context(language=language or self.language))


def _sessions(filt: ExportFilter) -> Select[Any]:
    query = select(FlowSession).where(exists().where(Answer.session_id == FlowSession.id))
    return filt.apply(query, FlowSession.patient_id, FlowSession.started_at)


def _flow_of(library: flows.FlowLibrary, fs: FlowSession) -> flows.Flow | None:
    """The definition the conversation ran on: its snapshot, else the library's version."""
    if fs.flow_snapshot:
        try:
            return flows.from_snapshot(fs.flow_snapshot)
        except flows.FlowLoadError:
            pass
    try:
        return library.get(fs.flow_id, fs.flow_version)
    except flows.UnknownFlow:
        return None


async def load(
    session: AsyncSession, filt: ExportFilter, library: flows.FlowLibrary
) -> list[SessionRecord]:
    """Every matching session that has at least one answer, oldest first."""
    chosen = _sessions(filt).subquery()
    sessions = (
        await session.scalars(
            select(FlowSession)
            .join(chosen, chosen.c.id == FlowSession.id)
            .order_by(FlowSession.started_at, FlowSession.id)
        )
    ).all()
    answers = (
        await session.scalars(
            select(Answer)
            .join(chosen, chosen.c.id == Answer.session_id)
            .order_by(Answer.recorded_at, Answer.id)
        )
    ).all()
    scores = (
        await session.scalars(
            select(Score).join(chosen, chosen.c.id == Score.session_id).order_by(Score.id)
        )
    ).all()
    rows = await session.execute(select(Patient.id, Patient.language))
    languages = {patient_id: language for patient_id, language in rows.all()}
    versions: dict[tuple[str, int], flows.Flow | None] = {}
    records: dict[int, SessionRecord] = {}
    for fs in sessions:
        key = (fs.flow_id, fs.flow_version)
        if key not in versions:
            versions[key] = _flow_of(library, fs)
        records[fs.id] = SessionRecord(fs, languages.get(fs.patient_id, "en"), versions[key])
    for answer in answers:
        records[answer.session_id].answers.append(answer)
    for score in scores:
        if score.session_id is not None:  # always, by the join: recorded scores are not here
            records[score.session_id].scores.append(score)
    return list(records.values())


def parse_bound(raw: str) -> datetime:
    """`2026-11-01` (midnight UTC) or an ISO 8601 time with an offset; ValueError otherwise."""
    text = raw.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{raw!r} is not a date (2026-11-01) or an ISO 8601 time") from None
    if value.tzinfo is None:
        raise ValueError(f"{raw!r} needs a UTC offset or Z (e.g. 2026-11-01T09:00-05:00)")
    return value.astimezone(UTC)


async def recorded_scores(session: AsyncSession, filt: ExportFilter) -> list[Score]:
    """Scores staff recorded from outside the bot (no session), within the filter's times
    (taken on or after ``since``, before ``until``)."""
    query = filt.apply(
        select(Score).where(Score.session_id.is_(None)), Score.patient_id, Score.recorded_at
    )
    return list((await session.scalars(query.order_by(Score.recorded_at, Score.id))).all())
