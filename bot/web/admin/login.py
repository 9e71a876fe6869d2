"""`/admin/login` and `/admin/logout`."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import update

from bot import audit
from bot.accounts import authenticate
from bot.web.admin.auth import check_csrf, csrf_token, services_of
from bot.web.admin.pages import render, see_other
from bot.web.admin.throttle import LoginThrottle, minutes
from storage.models import StaffUser

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


async def _check_password(
    request: Request, email: str, password: str, refused: bool
) -> StaffUser | None:
    """The account, if sign-in is not paused and the password is right; audited either way."""
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        if refused:
            # Not even checked while paused: there is nothing to learn from trying.
            audit.record(
                session, at=now, actor="anonymous", action="staff_login_throttled", email=email
            )
            return None
        user = await authenticate(session, email=email, password=password, now=now)
        if user is None:
            audit.record(
                session, at=now, actor="anonymous", action="staff_login_failed", email=email
            )
        else:
            audit.record(session, at=now, actor=f"staff:{user.id}", action="staff_login")
        return user


@router.post("/login", dependencies=[Depends(check_csrf)])
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/admin",
) -> Response:
    now = services_of(request).clock()
    throttle = _throttle(request)
    address = request.client.host if request.client else None
    wait = throttle.wait(email, address, now)
    user = await _check_password(request, email, password, refused=wait is not None)
    page = {"next": _safe_next(next), "email": email}
    if wait is not None:
        error = (
            "Too many failed sign-ins for this account or from this network. "
            f"Sign-in is paused; try again in {minutes(wait)} minutes."
        )
        return render(request, "admin/login.html", {**page, "error": error}, status_code=429)
    if user is None:
        throttle.failed(email, address, now)
        error = "Email or password is wrong."
        return render(request, "admin/login.html", {**page, "error": error}, status_code=401)
    throttle.succeeded(email)
    # A fresh session on sign-in: nothing from before the login carries over.
    request.session.clear()
    request.session.update(
        {
            "uid": user.id,
            "seen": now.timestamp(),
            "since": now.timestamp(),
            "epoch": user.session_epoch,
        }
    )
    csrf_token(request)
    return see_other(_safe_next(next))


@router.post("/logout", dependencies=[Depends(check_csrf)])
async def logout(request: Request) -> Response:
    """Sign out: this account's sessions end everywhere, not only this browser's copy."""
    uid = request.session.get("uid")
    if isinstance(uid, int):
        services = services_of(request)
        async with services.sessions() as session, session.begin():
            await session.execute(
                update(StaffUser)
                .where(StaffUser.id == uid)
                .values(session_epoch=StaffUser.session_epoch + 1)
            )
    request.session.clear()
    return see_other("/admin/login")
