"""`/admin/review`: messages a clinician should read though nobody was paged.

Screening gives ``review`` to a third person's suicide, a past attempt, or thoughts that
have stopped (``bot/safety/screening.py``). Each waits here, newest first, with the
sentences that decided it highlighted, until a clinician or admin marks it read; marking is
audited. Staff may look but only a clinician or admin can mark a message read.

Treatment signals (a relapse, an early non-response: ``bot/outcomes/signals.py``) wait
here too, with their evidence, until marked seen; that is audited as well.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.outcomes.signals import unseen
from bot.safety import model_tier
from bot.safety.screening import Level
from bot.web.admin.auth import RESPONDERS, VIEWERS, check_csrf, require, services_of
from bot.web.admin.pages import flash, render, see_other
from bot.web.api_schemas import RowId
from storage.models import Message, OutcomeSignal, Patient, StaffUser

router = APIRouter(prefix="/admin/review")

Viewer = Annotated[StaffUser, Depends(require(*VIEWERS))]
Responder = Annotated[StaffUser, Depends(require(*RESPONDERS))]
PAGE = 100


@dataclass(frozen=True)
class ReviewItem:
    message: Message
    patient: Patient | None
    before: str
    highlighted: str
    after: str


def split_on_window(body: str) -> tuple[str, str, str]:
    """``body`` cut around the window the model decided on (the whole when not found)."""
    model = model_tier.loaded()
    window = model.verdict(body).window if model is not None else ""
    start = body.find(window) if window else -1
    if start < 0:
        return "", body, ""
    return body[:start], window, body[start + len(window) :]


async def inbox(session: AsyncSession) -> list[tuple[Message, Patient | None]]:
    """What patients wrote to the care team outside any question, not yet read."""
    rows = await session.execute(
        select(Message, Patient)
        .outerjoin(Patient, Patient.id == Message.patient_id)
        .where(Message.for_staff.is_(True), Message.reviewed_at.is_(None))
        .order_by(Message.id.desc())
        .limit(PAGE)
    )
    return [(m, p) for m, p in rows]


async def waiting(session: AsyncSession) -> list[ReviewItem]:
    rows = await session.execute(
        select(Message, Patient)
        .outerjoin(Patient, Patient.id == Message.patient_id)
        .where(
            Message.direction == "in",
            Message.screening_level == Level.REVIEW.value,
            Message.reviewed_at.is_(None),
        )
        .order_by(Message.id.desc())
        .limit(PAGE)
    )
    found = [(m, p) for m, p in rows]
    # The model reads each body again to find its deciding sentences: off the event loop.
    splits = await asyncio.to_thread(lambda: [split_on_window(m.body) for m, _ in found])
    return [ReviewItem(m, p, *cut) for (m, p), cut in zip(found, splits, strict=True)]


@router.get("", response_class=HTMLResponse)
async def review_page(request: Request, user: Viewer) -> Response:
    async with services_of(request).sessions() as session:
        items = await waiting(session)
        signals = await unseen(session)
        letters = await inbox(session)
    return render(
        request,
        "admin/review.html",
        {"user": user, "items": items, "signals": signals, "inbox": letters},
    )


@router.post("/{message_id}/read", dependencies=[Depends(check_csrf)])
async def mark_read(request: Request, message_id: RowId, user: Responder) -> Response:
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        message = await session.get(Message, message_id)
        listed = message is not None and (
            message.screening_level == Level.REVIEW.value or message.for_staff
        )
        if message is None or not listed:
            raise HTTPException(404, "No such message on the review list.")
        if message.reviewed_at is None:
            message.reviewed_at, message.reviewed_by = now, f"staff:{user.id}"
            audit.record(
                session,
                at=now,
                actor=f"staff:{user.id}",
                action="inbox_read" if message.for_staff else "review_read",
                subject=f"patient:{message.patient_id}" if message.patient_id else None,
                message=message.id,
            )
    flash(request, "Marked as read.")
    return see_other("/admin/review")


@router.post("/signals/{signal_id}/seen", dependencies=[Depends(check_csrf)])
async def mark_signal_seen(request: Request, signal_id: RowId, user: Responder) -> Response:
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        signal = await session.get(OutcomeSignal, signal_id)
        if signal is None:
            raise HTTPException(404, "No such signal.")
        if signal.seen_at is None:
            signal.seen_at, signal.seen_by = now, f"staff:{user.id}"
            audit.record(
                session,
                at=now,
                actor=f"staff:{user.id}",
                action="outcome_signal_seen",
                subject=f"patient:{signal.patient_id}",
                signal=signal.id,
                kind=signal.kind,
            )
    flash(request, "Marked as seen.")
    return see_other("/admin/review#signals")
