"""The staff dashboard (`/admin`): sign-in, escalations, patients."""

from __future__ import annotations

import secrets

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.middleware.sessions import SessionMiddleware

from bot.config import Settings
from bot.logs import log
from bot.web.admin.audit_page import router as audit_router
from bot.web.admin.auth import LoginRequired, PasswordChangeRequired, RoleRefused
from bot.web.admin.escalations import router as escalations_router
from bot.web.admin.exports import router as exports_router
from bot.web.admin.flow_edit import router as flow_edit_router
from bot.web.admin.flows_page import router as flows_router
from bot.web.admin.infusions import router as infusions_router
from bot.web.admin.login import router as login_router
from bot.web.admin.outcomes_page import router as outcomes_router
from bot.web.admin.pages import render
from bot.web.admin.password import router as password_router
from bot.web.admin.patient_page import router as patient_page_router
from bot.web.admin.patients import router as patients_router
from bot.web.admin.review import router as review_router
from bot.web.admin.rota_page import router as rota_router
from bot.web.admin.scores_page import router as scores_router
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
        max_age=12 * 3600,  # the cookie's life; auth.SESSION_ABSOLUTE_SECONDS caps from sign-in
        same_site="lax",
        https_only=settings.public_base_url.startswith("https://"),
    )

    async def to_login(request: Request, exc: Exception) -> RedirectResponse:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse(exc.login_url(), status_code=303)

    app.add_exception_handler(LoginRequired, to_login)

    async def to_password(request: Request, exc: Exception) -> RedirectResponse:
        return RedirectResponse("/admin/password", status_code=303)

    app.add_exception_handler(PasswordChangeRequired, to_password)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RoleRefused)
        if request.method != "GET":
            return JSONResponse({"detail": exc.detail}, status_code=403)
        return render(
            request,
            "admin/refused.html",
            {"user": exc.user, "roles": list(exc.roles)},
            status_code=403,
        )

    app.add_exception_handler(RoleRefused, refused)

    async def unknown_row(request: Request, exc: Exception) -> Response:
        # A dashboard link with an id no row can have (0, or past the database's integer)
        # is a missing page to a person, as an unknown id is; the API keeps its 422.
        assert isinstance(exc, RequestValidationError)
        if request.url.path.startswith("/admin/") and any(
            error["loc"][:1] == ("path",) for error in exc.errors()
        ):
            return JSONResponse({"detail": "Not found."}, status_code=404)
        return await request_validation_exception_handler(request, exc)

    app.add_exception_handler(RequestValidationError, unknown_row)
    for router in (login_router, escalations_router, patients_router, patient_page_router):
        app.include_router(router)
    app.include_router(infusions_router)
    app.include_router(scores_router)
    app.include_router(users_router)
    app.include_router(rota_router)
    app.include_router(audit_router)
    app.include_router(review_router)
    app.include_router(flows_router)
    app.include_router(flow_edit_router)
    app.include_router(telegram_link_router)
    app.include_router(exports_router)
    app.include_router(password_router)
    app.include_router(outcomes_router)
