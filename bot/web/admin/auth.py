"""Who is signed in, what their role lets them do, and the CSRF token on every form.

The session is a signed cookie (Starlette's SessionMiddleware) holding the user id,
the time of the last request the user made, and the CSRF token. A login idle for
longer than SESSION_IDLE_MINUTES is signed out. The escalations list's background
poll does not count as activity: a screen left open does not stay signed in forever.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import HTTPException, Request

from bot.services import Services
from storage.models import StaffRole, StaffUser

CSRF_FIELD = "csrf_token"
# Who may do what. Everyone signed in may look; changing a patient is for the office;
# acknowledging and resolving is for clinicians (and admins linked to a clinician).
VIEWERS = StaffRole.ALL
OFFICE = (StaffRole.ADMIN, StaffRole.STAFF)
RESPONDERS = (StaffRole.ADMIN, StaffRole.CLINICIAN)


class LoginRequired(Exception):
    """Anonymous, expired or disabled: send the browser to the login page."""

    def __init__(self, next_path: str, reason: str | None = None) -> None:
        super().__init__(reason)
        self.next_path = next_path
        self.reason = reason

    def login_url(self) -> str:
        url = "/admin/login?next=" + quote(self.next_path, safe="/")
        return url + ("&reason=" + self.reason if self.reason else "")


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def csrf_token(request: Request) -> str:
    """This browser session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse a POST whose form does not carry this session's token."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    expected = request.session.get("csrf")
    if not (
        isinstance(given, str)
        and isinstance(expected, str)
        and hmac.compare_digest(given.encode(), expected.encode())
    ):
        raise HTTPException(403, "This form has expired or was not sent by this site. Reload.")


# However active, a dashboard session ends this long after its sign-in.
SESSION_ABSOLUTE_SECONDS = 12 * 3600


async def _signed_in(request: Request, *, touch: bool) -> StaffUser:
    services = services_of(request)
    uid = request.session.get("uid")
    path = request.url.path if request.method == "GET" else "/admin"
    if not isinstance(uid, int):
        raise LoginRequired(path)
    now = services.clock().timestamp()
    seen = request.session.get("seen")
    idle_limit = services.settings.session_idle_minutes * 60
    if not isinstance(seen, int | float) or now - seen > idle_limit:
        request.session.clear()
        raise LoginRequired(path, "idle")
    since = request.session.get("since")
    if not isinstance(since, int | float) or now - since > SESSION_ABSOLUTE_SECONDS:
        request.session.clear()  # counted from sign-in: re-signing the cookie never extends it
        raise LoginRequired(path, "idle")
    async with services.sessions() as session:
        user = await session.get(StaffUser, uid)
    if user is None or not user.active or request.session.get("epoch") != user.session_epoch:
        request.session.clear()
        raise LoginRequired(path)
    if touch:
        request.session["seen"] = now
    if user.must_change_password and request.url.path not in _BEFORE_A_NEW_PASSWORD:
        raise PasswordChangeRequired()
    return user


class PasswordChangeRequired(Exception):
    """The password was reset by an administrator: the password page comes first."""


# What an account with a reset password may still open.
_BEFORE_A_NEW_PASSWORD = frozenset({"/admin/password", "/admin/logout"})


class RoleRefused(HTTPException):
    """Signed in, but the role may not do this: a page that says so, not raw JSON."""

    def __init__(self, user: StaffUser, roles: tuple[str, ...]) -> None:
        super().__init__(403, "Your role does not allow this.")
        self.user = user
        self.roles = roles


def require(*roles: str, touch: bool = True) -> Callable[[Request], Awaitable[StaffUser]]:
    """A dependency: the signed-in user, if their role is one of `roles` (else 403)."""

    async def dependency(request: Request) -> StaffUser:
        user = await _signed_in(request, touch=touch)
        if user.role not in roles:
            raise RoleRefused(user, roles)
        return user

    return dependency


def can_respond(user: StaffUser) -> bool:
    """Whether this account may acknowledge and resolve (a role and a clinician link)."""
    return user.role in RESPONDERS and user.clinician_id is not None
