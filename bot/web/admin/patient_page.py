"""One patient at a glance: mood chart with infusions, scores, answers, check-ins, messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select, true

import flows
from bot.outcomes.definitions import Point, episode_outcomes
from bot.outcomes.store import MOOD_STEPS, Inputs, load_moods, mood_of
from bot.web.admin import escalation_views
from bot.web.admin.auth import OFFICE, VIEWERS, require, services_of
from bot.web.admin.charts import mood_chart, phq9_chart
from bot.web.admin.pages import render
from bot.web.api_schemas import MAX_ID, RowId
from flows.texts import render as render_text
from storage.models import (
    Answer,
    CheckinStatus,
    Clinician,
    Infusion,
    Message,
    Patient,
    ScheduledCheckin,
    Score,
    StaffUser,
)

router = APIRouter(prefix="/admin/patients")

Viewer = Annotated[StaffUser, Depends(require(*VIEWERS))]
SHOWN = 200  # rows per table: enough for months of daily check-ins
# The multi-choice steps where the library's flows ask about side effects.
EFFECT_STEPS = frozenset({"effects", "side_effects"})
OUTCOME_WORDS = {
    "remission": "remission",
    "response": "response",
    "partial_response": "partial response",
    "non_response": "non-response",
    "no_baseline": "no baseline",
    "no_followup": "no score since the first infusion",
}


@dataclass
class EffectsGrid:
    """Side effects over time: one row per answer, one column per effect ever reported."""

    effects: list[str]
    rows: list[tuple[datetime, str, set[str]]]  # when, flow, the effects reported


def effects_grid(answers: Sequence[Answer]) -> EffectsGrid:
    rows = [
        (a.recorded_at, a.flow_id, {str(v) for v in a.value} - {"none"})
        for a in answers
        if a.step_id in EFFECT_STEPS and isinstance(a.value, list)
    ]
    effects = sorted({effect for _, _, reported in rows for effect in reported})
    return EffectsGrid(effects, rows)


# What each post-infusion check-in is, in words (the slot names of bot/scheduling/plan.py).
AFTER_INFUSION = {
    "evening": "the evening after the infusion",
    "next_morning": "the morning after the infusion",
    "72h": "72 hours after the infusion",
    "7d": "7 days after the infusion",
}


def checkin_label(library: flows.FlowLibrary, row: ScheduledCheckin) -> str:
    """ "Daily check-in, 7 days after the infusion": the flow's title and why it is due."""
    title = library.get(row.flow_id).title if row.flow_id in library else row.flow_id
    if row.slot.startswith("infusion:"):
        # A flow written for the slot says so in its title; the 7-day one is the daily flow.
        when = AFTER_INFUSION.get(row.slot.split(":")[2].split("@")[0])
        return f"{title}, {when}" if when and "infusion" not in title.lower() else title
    if row.kind == "daily":
        return f"{title}, every day"
    return title


def question_label(library: flows.FlowLibrary, answer: Answer, language: str) -> tuple[str, str]:
    """(short label, full question) for an answer: the question's own line, not its step id.

    A questionnaire item reads "Over the last 2 weeks...? / Little interest... / 0 Not at
    all, ...": its label is the last line that is not the answer options.
    """
    try:
        flow = library.get(answer.flow_id, answer.flow_version)
    except flows.UnknownFlow:
        try:
            flow = library.get(answer.flow_id)
        except flows.UnknownFlow:
            return answer.step_id, answer.step_id
    step = flow.steps.get(answer.step_id)
    if step is None:
        return answer.step_id, answer.step_id
    full = render_text(step.text, flows.Context(language=language)).strip()
    lines = [line.strip() for line in full.splitlines() if line.strip()]
    worded = [line for line in lines if not line[:1].isdigit()] or lines or [answer.step_id]
    return worded[-1], full


@router.get("/{patient_id}", response_class=HTMLResponse)
async def patient_page(
    request: Request,
    patient_id: RowId,
    user: Viewer,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """The patient at a glance; ``before`` pages the transcript back (messages older
    than that message id)."""
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session:
        patient = await session.get(Patient, patient_id)
        if patient is None:
            raise HTTPException(404, "No such patient.")
        answers = (
            await session.scalars(
                select(Answer)
                .where(Answer.patient_id == patient_id)
                .order_by(Answer.recorded_at.desc(), Answer.id.desc())
                .limit(SHOWN)
            )
        ).all()
        infusions = (
            await session.scalars(
                select(Infusion)
                .where(Infusion.patient_id == patient_id, Infusion.status != "cancelled")
                .order_by(Infusion.at)
            )
        ).all()
        scores = (
            await session.scalars(
                select(Score)
                .where(Score.patient_id == patient_id)
                .order_by(Score.recorded_at.desc())
            )
        ).all()
        checkins = (
            await session.scalars(
                select(ScheduledCheckin)
                .where(
                    ScheduledCheckin.patient_id == patient_id,
                    ScheduledCheckin.status.in_([CheckinStatus.DUE, CheckinStatus.MISSED]),
                )
                .order_by(ScheduledCheckin.due_at.desc())
                .limit(SHOWN)
            )
        ).all()
        messages = (
            await session.scalars(
                select(Message)
                .where(
                    Message.patient_id == patient_id,
                    Message.id < before if before is not None else true(),
                )
                .order_by(Message.id.desc())
                .limit(SHOWN + 1)
            )
        ).all()
        escalations = await escalation_views.for_patient(session, patient_id)
        treating = (
            await session.get(Clinician, patient.treating_clinician_id)
            if patient.treating_clinician_id
            else None
        )
        # The outcome from the scores and infusions loaded above, and the recent moods.
        phq9 = Inputs(
            scores=[
                Point(s.total, s.recorded_at)
                for s in reversed(scores)
                if s.name == "phq9" and s.complete
            ],
            infusions=[i.at for i in infusions],
            moods=(await load_moods(session, [patient_id], now=now)).get(patient_id, []),
            episode_starts=[i.at for i in infusions if i.new_episode],
        )
    outcome = phq9.outcome("phq9", now)
    moods = [
        (a.recorded_at, mood)
        for a in reversed(answers)
        if a.step_id in MOOD_STEPS and (mood := mood_of(a.value)) is not None
    ]
    return render(
        request,
        "admin/patient.html",
        {
            "user": user,
            "can_edit": user.role in OFFICE,
            "patient": patient,
            "treating": treating.name if treating else None,
            "chart": mood_chart(moods, [i.at for i in infusions], now=now, zone=patient.timezone),
            "moods": moods,
            "infusions": infusions,
            "scores": scores,
            "answers": answers,
            "questions": {
                a.id: question_label(services.flows, a, patient.language) for a in answers
            },
            "effects": effects_grid(answers),
            "upcoming": sorted(
                (c for c in checkins if c.status == CheckinStatus.DUE), key=lambda c: c.due_at
            ),
            "missed": [c for c in checkins if c.status == CheckinStatus.MISSED],
            "checkin_labels": {c.id: checkin_label(services.flows, c) for c in checkins},
            "messages": list(reversed(messages[:SHOWN])),
            "older": messages[SHOWN - 1].id if len(messages) > SHOWN else None,
            "paged": before is not None,
            "escalations": escalations,
            "outcome": outcome,
            "episodes": episode_outcomes(
                "phq9",
                phq9.scores,
                phq9.infusions,
                phq9.moods,
                now=now,
                starts=phq9.episode_starts,
            ),
            "phq9_chart": phq9_chart(
                [(p.at, float(p.total)) for p in phq9.scores],
                phq9.infusions,
                baseline=None if outcome.baseline is None else float(outcome.baseline.total),
                now=now,
                zone=patient.timezone,
            ),
            "flow_choices": sorted(services.flows, key=lambda f: f.title),
            "outcome_words": OUTCOME_WORDS,
        },
    )
