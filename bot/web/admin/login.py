"""`/admin/login` and `/admin/logout`."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot import audit
from bot.accounts import authenticate
from bot.web.admin.auth import check_csrf, csrf_token, services_of
from bot.web.admin.pages import render, see_other
from bot.web.admin.throttle import LoginThrottle, minutes

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


def _throttle(request: Request) -> LoginThrottle:
    """This app's counts of failed sign-ins (one per app, made on first use)."""
    throttle = getattr(request.app.state, "login_throttle", None)
    if not isinstance(throttle, LoginThrottle):
        settings = services_of(request).settings
        throttle = LoginThrottle(
            max_failures=settings.login_max_failures,
            window=timedelta(minutes=settings.login_lockout_minutes),
        )
        request.app.state.login_throttle = throttle
    return throttle


@router.post("/login", dependencies=[Depends(check_csrf)])
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/admin",
) -> Response:
    services = services_of(request)
    now = services.clock()
    throttle = _throttle(request)
    address = request.client.host if request.client else None
    wait = throttle.wait(email, address, now)
    async with services.sessions() as session, session.begin():
        if wait is not None:
            # Refused without checking the password: nothing to learn from trying.
            user = None
            audit.record(
                session, at=now, actor="anonymous", action="staff_login_throttled", email=email
            )
        else:
            user = await authenticate(session, email=email, password=password, now=now)
        if user is not None:
            audit.record(session, at=now, actor=f"staff:{user.id}", action="staff_login")
        elif wait is None:
            audit.record(
                session, at=now, actor="anonymous", action="staff_login_failed", email=email
            )
    if wait is not None:
        return render(
            request,
            "admin/login.html",
            {
                "next": _safe_next(next),
                "error": f"Too many failed sign-ins for this account or from this network. "
                f"Sign-in is paused; try again in {minutes(wait)} minutes.",
                "email": email,
            },
            status_code=429,
        )
    if user is None:
        throttle.failed(email, address, now)
        return render(
            request,
            "admin/login.html",
            {"next": _safe_next(next), "error": "Email or password is wrong.", "email": email},
            status_code=401,
        )
    throttle.succeeded(email)
    # A fresh session on sign-in: nothing from before the login carries over.
    request.session.clear()
    request.session.update({"uid": user.id, "seen": now.timestamp()})
    csrf_token(request)
    return see_other(_safe_next(next))


@router.post("/logout", dependencies=[Depends(check_csrf)])
async def logout(request: Request) -> Response:
    request.session.clear()
    return see_other("/admin/login")
