"""Scores taken outside the bot, check-ins staff start now, and whether the treatment is
working (docs/outcomes.md)."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response

from bot.outcomes.definitions import Outcome, Point
from bot.outcomes.store import ScoreProblem, patient_outcome, record_score
from bot.scheduling.plan import QuietHours
from bot.scheduling.requested import CannotStart, request_checkin
from bot.web.admin.auth import services_of
from bot.web.api_schemas import (
    CheckinRequestIn,
    CheckinRequestOut,
    EpisodeOut,
    OutcomeOut,
    PatientId,
    PointOut,
    RelapseOut,
    ScoreIn,
    ScoreOut,
)
from storage.models import Patient, Score

router = APIRouter()


@router.post("/patients/{patient_id}/scores", status_code=201, response_model=ScoreOut)
async def add_score(patient_id: PatientId, body: ScoreIn, request: Request) -> Score:
    """Record a PHQ-9 or GAD-7 taken outside the bot (intake paper, a visit): 422 for a total
    the instrument cannot have. The last one before the first infusion is the baseline."""
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        if await session.get(Patient, patient_id) is None:
            raise HTTPException(404, "No such patient.")
        try:
            score = await record_score(
                session,
                services.flows,
                patient_id=patient_id,
                instrument=body.instrument,
                total=body.total,
                at=body.at.astimezone(UTC),
                source=body.source,
                now=now,
                actor="api",
            )
        except ScoreProblem as exc:
            raise HTTPException(422, {exc.field: str(exc)}) from None
        return score


def outcome_out(result: Outcome) -> OutcomeOut:
    def point(p: Point | None) -> PointOut | None:
        return None if p is None else PointOut(total=p.total, at=p.at)

    episode = result.episode
    return OutcomeOut(
        instrument=result.instrument,
        status=result.status,
        baseline=point(result.baseline),
        latest=point(result.latest),
        nadir=point(result.nadir),
        change_percent=result.change_percent,
        early_non_response=result.early_non_response,
        early_evidence=result.early_evidence,
        relapse=RelapseOut(
            flag=result.relapse.flag,
            since=result.relapse.since,
            evidence=list(result.relapse.evidence),
        ),
        episode=None
        if episode is None
        else EpisodeOut(
            number=episode.number,
            started_at=episode.start,
            phase=episode.phase,
            infusions=len(episode.infusions),
            boosters=len(episode.boosters),
        ),
    )


@router.get("/patients/{patient_id}/outcomes", response_model=OutcomeOut)
async def outcomes(
    patient_id: PatientId,
    request: Request,
    instrument: Annotated[Literal["phq9", "gad7"], Query()] = "phq9",
) -> OutcomeOut:
    """Baseline, latest and lowest score, % change, status, early non-response and relapse
    for the patient's current episode, from complete stored scores alone."""
    services = services_of(request)
    async with services.sessions() as session:
        if await session.get(Patient, patient_id) is None:
            raise HTTPException(404, "No such patient.")
        result = await patient_outcome(
            session, patient_id=patient_id, instrument=instrument, now=services.clock()
        )
    return outcome_out(result)


@router.post(
    "/patients/{patient_id}/checkins",
    status_code=201,
    response_model=CheckinRequestOut,
    responses={
        202: {"model": CheckinRequestOut, "description": "Planned, but it waits (see waiting)"},
        409: {"description": "The patient cannot be sent one now (paused, escalated...)"},
    },
)
async def start_checkin(
    patient_id: PatientId, body: CheckinRequestIn, request: Request, response: Response
) -> CheckinRequestOut:
    """Start a flow now, for example a baseline PHQ-9 at intake: 201 when it goes out at the
    next dispatcher tick, 202 when it waits for quiet hours or another conversation."""
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        if patient is None:
            raise HTTPException(404, "No such patient.")
        try:
            planned = await request_checkin(
                session,
                services.flows,
                patient,
                body.flow,
                quiet=QuietHours(*services.settings.quiet_hours),
                now=now,
                actor="api",
            )
        except CannotStart as exc:
            if exc.field:
                raise HTTPException(422, {exc.field: str(exc)}) from None
            raise HTTPException(409, str(exc)) from None
        if planned.waiting:
            response.status_code = 202
        return CheckinRequestOut(
            id=planned.row.id,
            patient_id=patient_id,
            flow_id=body.flow,
            goes_out=planned.goes_out,
            waiting=planned.waiting,
        )
