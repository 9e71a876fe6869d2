"""The staff dashboard (`/admin`): sign-in, escalations, patients."""

from __future__ import annotations

import secrets

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from starlette.middleware.sessions import SessionMiddleware

from bot.config import Settings
from bot.logs import log
from bot.web.admin.audit_page import router as audit_router
from bot.web.admin.auth import LoginRequired
from bot.web.admin.escalations import router as escalations_router
from bot.web.admin.exports import router as exports_router
from bot.web.admin.flows_page import router as flows_router
from bot.web.admin.infusions import router as infusions_router
from bot.web.admin.login import router as login_router
from bot.web.admin.password import router as password_router
from bot.web.admin.patient_page import router as patient_page_router
from bot.web.admin.patients import router as patients_router
from bot.web.admin.rota_page import router as rota_router
from bot.web.admin.telegram_enrollment import router as telegram_link_router
from bot.web.admin.users import router as users_router

SESSION_COOKIE = "checkin_session"


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the dashboard's routes and its signed session cookie to `app`."""
    secret = settings.session_secret
    if not secret:
        secret = secrets.token_urlsafe(32)
        log.warning("session_secret_unset", effect="dashboard logins end when this process does")
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=12 * 3600,  # absolute cap; the idle timeout is checked on every request
        same_site="lax",
        https_only=settings.public_base_url.startswith("https://"),
    )

    async def to_login(request: Request, exc: Exception) -> RedirectResponse:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse(exc.login_url(), status_code=303)

    app.add_exception_handler(LoginRequired, to_login)
    for router in (login_router, escalations_router, patients_router, patient_page_router):
        app.include_router(router)
    app.include_router(infusions_router)
    app.include_router(users_router)
    app.include_router(rota_router)
    app.include_router(audit_router)
    app.include_router(flows_router)
    app.include_router(telegram_link_router)
    app.include_router(exports_router)
    app.include_router(password_router)
