"""`/admin/audit`: who did what and when (admins only), newest first, filtered, paged."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from bot.web.admin import audit_views
from bot.web.admin.auth import require, services_of
from bot.web.admin.pages import render
from storage.models import StaffRole, StaffUser

router = APIRouter(prefix="/admin/audit")

Admin = Annotated[StaffUser, Depends(require(StaffRole.ADMIN))]


@router.get("", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    user: Admin,
    action: Annotated[str, Query(max_length=48)] = "",
    actor: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    async with services_of(request).sessions() as session:
        actions, actors = await audit_views.choices(session)
        shown = await audit_views.events_page(
            session,
            action=action,
            actor=actor,
            page=page,
            zone=services_of(request).settings.clinic_timezone,
        )

    def link(to: int) -> str:
        params = {k: v for k, v in (("action", action), ("actor", actor)) if v}
        return "/admin/audit?" + urlencode({**params, "page": to})

    return render(
        request,
        "admin/audit.html",
        {
            "user": user,
            "shown": shown,
            "actions": actions,
            "actors": actors,
            "action": action,
            "actor": actor,
            "newer": link(shown.page - 1) if shown.page > 1 else None,
            "older": link(shown.page + 1) if shown.page < shown.pages else None,
        },
    )
