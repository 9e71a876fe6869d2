"""`/admin/password`: every signed-in user changes their own password (a temporary one first)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot.accounts import MIN_PASSWORD_LENGTH, AccountError, change_password
from bot.web.admin.auth import VIEWERS, check_csrf, require, services_of
from bot.web.admin.pages import flash, render, see_other
from storage.models import StaffUser

router = APIRouter(prefix="/admin/password")

Viewer = Annotated[StaffUser, Depends(require(*VIEWERS))]
Secret = Annotated[str, Form(max_length=1024)]


def _page(request: Request, user: StaffUser, error: str | None = None) -> Response:
    return render(
        request,
        "admin/password.html",
        {"user": user, "error": error, "min_password": MIN_PASSWORD_LENGTH},
        status_code=422 if error else 200,
    )


@router.get("", response_class=HTMLResponse)
async def password_page(request: Request, user: Viewer) -> Response:
    return _page(request, user)


@router.post("", dependencies=[Depends(check_csrf)])
async def new_password(
    request: Request, user: Viewer, current: Secret = "", new: Secret = "", again: Secret = ""
) -> Response:
    if new != again:
        return _page(request, user, "The two new passwords are not the same.")
    services = services_of(request)
    try:
        async with services.sessions() as session, session.begin():
            account = await session.get(StaffUser, user.id)
            assert account is not None  # signed in a moment ago
            await change_password(session, account, current=current, new=new, now=services.clock())
            epoch = account.session_epoch
    except AccountError as problem:
        return _page(request, user, f"Not changed: {problem}.")
    request.session["epoch"] = epoch  # this browser stays signed in; the others do not
    flash(request, "Your password has been changed.")
    return see_other("/admin")
