"""`/admin/login` and `/admin/logout`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot import audit
from bot.accounts import authenticate
from bot.web.admin.auth import check_csrf, csrf_token, services_of
from bot.web.admin.pages import render, see_other

router = APIRouter(prefix="/admin")

REASONS = {"idle": "You were signed out after a period of inactivity. Please sign in again."}


def _safe_next(raw: str | None) -> str:
    """Only ever redirect inside the dashboard (no `//evil.example`)."""
    if raw and raw.startswith("/admin") and not raw.startswith("/admin/log"):
        return raw
    return "/admin"


@router.get("/login", response_class=HTMLResponse)
async def login_page(
    request: Request, next: str | None = None, reason: str | None = None
) -> Response:
    return render(
        request,
        "admin/login.html",
        {"next": _safe_next(next), "notice": REASONS.get(reason or ""), "email": ""},
    )


@router.post("/login", dependencies=[Depends(check_csrf)])
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/admin",
) -> Response:
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        user = await authenticate(session, email=email, password=password, now=now)
        if user is None:
            audit.record(session, at=now, actor="anonymous", action="staff_login_failed")
        else:
            audit.record(session, at=now, actor=f"staff:{user.id}", action="staff_login")
    if user is None:
        return render(
            request,
            "admin/login.html",
            {"next": _safe_next(next), "error": "Email or password is wrong.", "email": email},
            status_code=401,
        )
    # A fresh session on sign-in: nothing from before the login carries over.
    request.session.clear()
    request.session.update({"uid": user.id, "seen": now.timestamp()})
    csrf_token(request)
    return see_other(_safe_next(next))


@router.post("/logout", dependencies=[Depends(check_csrf)])
async def logout(request: Request) -> Response:
    request.session.clear()
    return see_other("/admin/login")
