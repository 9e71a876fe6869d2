"""The one-time Telegram link for a patient, shown as a link and a QR code to scan.

The code is shown once, in the response to the POST that made it: it never goes
into a flash (the session cookie is signed, not encrypted) or a URL.
"""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.channels.base import SendError
from bot.channels.telegram import TelegramSender
from bot.logs import log
from bot.routing.telegram_link import LINK_TTL, issue_code, start_link
from bot.services import Services
from bot.web.admin.auth import OFFICE, check_csrf, require, services_of
from bot.web.admin.pages import render
from bot.web.api_schemas import RowId
from storage.models import Patient, StaffUser

router = APIRouter(prefix="/admin/patients")

Office = Annotated[StaffUser, Depends(require(*OFFICE))]


def qr_svg(text: str, title: str) -> Markup:
    """`text` as a QR code in inline SVG, drawn here (no image service, no script)."""
    svg = segno.make(text, error="m").svg_inline(scale=5, title=title, svgclass="qr")
    return Markup(svg)  # noqa: S704 - segno's own markup; the text is a t.me URL of digits


async def _bot_username(services: Services) -> str | None:
    sender = services.senders.get("telegram")
    if not isinstance(sender, TelegramSender):
        return None
    try:
        return await sender.username()
    except SendError as exc:
        log.warning("telegram_username_unavailable", reason=exc.reason)
        return None


async def new_link(
    session: AsyncSession, services: Services, patient: Patient, user: StaffUser
) -> str:
    """Issue a code for `patient` (older unused ones stop working) and audit who did."""
    now = services.clock()
    code = await issue_code(session, now=now, patient_id=patient.id)
    audit.record(
        session,
        at=now,
        actor=f"staff:{user.id}",
        action="telegram_code_issued",
        subject=f"patient:{patient.id}",
    )
    return code


async def link_page(
    request: Request, user: StaffUser, patient: Patient, code: str, *, enrolled: bool
) -> Response:
    username = await _bot_username(services_of(request))
    link = start_link(username, code) if username else None
    return render(
        request,
        "admin/telegram_link.html",
        {
            "user": user,
            "patient": patient,
            "code": code,
            "link": link,
            "qr": qr_svg(link, f"QR code: Telegram link for {patient.name}") if link else None,
            "hours": int(LINK_TTL.total_seconds() // 3600),
            "enrolled": enrolled,
        },
    )


@router.post("/{patient_id}/telegram-link", dependencies=[Depends(check_csrf)])
async def reissue(request: Request, patient_id: RowId, user: Office) -> Response:
    services = services_of(request)
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        if patient is None:
            raise HTTPException(404, "No such patient.")
        code = await new_link(session, services, patient, user)
    return await link_page(request, user, patient, code, enrolled=False)
