"""Rendering dashboard pages: Jinja2 templates with autoescape, the CSRF token, flashes."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from bot.safety import model_tier
from bot.safety.reason_words import describe
from bot.web.admin.auth import CSRF_FIELD, csrf_token, services_of
from bot.web.admin.times import local_input
from storage.models import StaffUser

TEMPLATES = Jinja2Templates(directory=str(resources.files("bot") / "templates"))


def age(delta: timedelta) -> str:
    """`3 min`, `2 h 5 min`, `4 d`: how long something has been waiting."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{minutes // (24 * 60)} d"


def local(value: datetime | None, zone: str) -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime("%a %d %b %H:%M")


TEMPLATES.env.filters["local"] = local
TEMPLATES.env.filters["age"] = age
TEMPLATES.env.filters["local_input"] = local_input
TEMPLATES.env.filters["reason_words"] = describe


def flash(request: Request, text: str, kind: str = "info") -> None:
    """A one-line message shown on the next page this browser sees."""
    request.session.setdefault("flash", []).append([kind, text])


def screening_problem() -> str | None:
    """What is wrong with screening, for the banner on every page (None when all is well)."""
    if model_tier.loaded() is not None:
        return None
    found = model_tier.status()
    return found.problem if found.degraded else None


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    services = services_of(request)
    full = {
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "flashes": request.session.pop("flash", []),
        "now": services.clock(),
        "clinic_name": services.settings.clinic_name,
        "clinic_tz": services.settings.clinic_timezone,
        # Loaded at start-up; None here only before then, and no page waits on a load.
        "screening_problem": screening_problem(),
        **context,
    }
    return TEMPLATES.TemplateResponse(request, name, full, status_code=status_code)


def fragment(request: Request, name: str, context: dict[str, Any]) -> str:
    """A piece of a page (for the live list), leaving pending flashes for the next page."""
    services = services_of(request)
    template = TEMPLATES.get_template(name)
    return template.render(
        request=request,
        csrf_field=CSRF_FIELD,
        csrf_token=csrf_token(request),
        now=services.clock(),
        clinic_tz=services.settings.clinic_timezone,
        **context,
    )


def ask_first(
    request: Request,
    user: StaffUser,
    *,
    title: str,
    question: str,
    consequence: str,
    action: str,
    yes: str,
    no: str,
    back: str,
) -> HTMLResponse:
    """The question a button that cancels, ends or deactivates leads to: what it will do,
    a Yes that posts ``confirmed=yes`` back to ``action``, and a No that goes to ``back``."""
    context = {"title": title, "question": question, "consequence": consequence}
    context |= {"action": action, "yes": yes, "no": no, "back": back}
    return render(request, "admin/confirm.html", {"user": user, **context})


def see_other(url: str) -> RedirectResponse:
    """Post/redirect/get: a reload never sends the form twice."""
    return RedirectResponse(url, status_code=303)
