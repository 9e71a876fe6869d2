"""`/admin/flows`: the flow library with its validation errors, and a preview to play a flow.

The files are read on every request to the list (FLOWS_DIR, else the built-in one), so a
file just edited shows its errors here, file and line; a file whose text changed and loads
is imported as the flow's new published version (`bot.flow_versions.sync`), and a broken
file never breaks the page. The versions themselves live in the database; editing them is
`flow_edit`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

import flows
from bot import flow_versions as fv
from bot.web.admin import flow_preview
from bot.web.admin.auth import VIEWERS, check_csrf, require, services_of
from bot.web.admin.flow_preview import MAX_REPLIES, Preview
from bot.web.admin.pages import flash, render, see_other
from bot.web.api_schemas import MAX_ID
from flows.segments import long_texts
from storage.models import FlowVersionStatus, StaffUser

router = APIRouter(prefix="/admin/flows")

Viewer = Annotated[StaffUser, Depends(require(*VIEWERS))]
LANGUAGES = {"en": "English", "es": "Spanish"}


def _on_disk(request: Request) -> tuple[list[flows.Flow], list[flows.FlowError]]:
    return flows.check_path(services_of(request).settings.flows_dir)


@router.get("", response_class=HTMLResponse)
async def flows_page(request: Request, user: Viewer) -> Response:
    services = services_of(request)
    loaded, errors = _on_disk(request)
    await fv.sync(services)
    async with services.sessions() as session:
        rows = await fv.all_versions(session)
    published = {r.flow_id: r for r in rows if r.status == FlowVersionStatus.PUBLISHED}
    drafts: dict[str, int] = {}
    for r in rows:
        if r.status == FlowVersionStatus.DRAFT:
            drafts[r.flow_id] = drafts.get(r.flow_id, 0) + 1
    shown: list[flows.Flow] = []
    for r in published.values():
        try:
            shown.append(fv.compiled(r))
        except fv.DraftRejected as broken:  # a stored version that no longer loads: say so
            errors = [*errors, *broken.errors]
    shown = shown if published else loaded
    running = {f.id: f.version for f in services.flows}
    return render(
        request,
        "admin/flows.html",
        {
            "user": user,
            "flows": sorted(shown, key=lambda f: f.id),
            "published": published,
            "drafts": drafts,
            "errors": errors,
            "warnings": long_texts(shown),
            "running": running,
            "can_edit": user.role in fv.EDITORS,
            "where": "FLOWS_DIR" if services.settings.flows_dir else "the built-in library",
        },
    )


async def _flow(request: Request, flow_id: str, version: int | None = None) -> flows.Flow:
    """That version of a flow (the published one when None), from the database; from the
    files when the database holds no version of it."""
    async with services_of(request).sessions() as session:
        if version is None:
            row = await fv.published_row(session, flow_id)
        else:
            try:
                row = await fv.get_version(session, flow_id, version)
            except fv.UnknownVersion:
                row = None
    if row is not None:
        return fv.compiled(row)
    loaded, _ = _on_disk(request)
    for flow in loaded:
        if flow.id == flow_id and version in (None, flow.version):
            return flow
    raise HTTPException(404, "No such flow (or its file no longer loads).")


def _show(request: Request, user: StaffUser, flow: flows.Flow, preview: Preview) -> Response:
    services = services_of(request)
    settings = services.settings
    context = preview.context(
        settings.clinic_name, settings.clinic_phone, services.escalation.emergency_number
    )
    waiting, lines = flow_preview.play(flow, preview, context)
    return render(
        request,
        "admin/flow_preview.html",
        {
            "user": user,
            "flow": flow,
            "lines": lines,
            "waiting": waiting and len(preview.replies) < MAX_REPLIES,
            "token": flow_preview.sign(preview, settings.session_secret),
            "language": preview.language,
            "languages": LANGUAGES,
        },
    )


def _said(value: object) -> str:
    """A label as written: one text, or its languages side by side ("worst / peor")."""
    if isinstance(value, dict):
        return " / ".join(str(v) for v in value.values())
    return str(value)


def answer_words(answer: dict[str, Any] | None) -> str:
    """A step's ``answer:`` as staff would say it: "a number from 0 to 3 (0 Not at all, ...)"."""
    if not answer:
        return ""
    kind = str(answer.get("type", ""))
    if kind == "scale":
        labels = answer.get("labels") or {}
        named = ", ".join(f"{k} {_said(v)}" for k, v in labels.items())
        span = f"a number from {answer.get('min')} to {answer.get('max')}"
        return f"{span} ({named})" if named else span
    if kind in ("choice", "multi_choice"):
        options = answer.get("choices") or {}
        shown = [
            _said(o.get("label", key)) if isinstance(o, dict) and "label" in o else _said(o)
            for key, o in (options.items() if isinstance(options, dict) else enumerate(options))
        ]
        many = "one or more of" if kind == "multi_choice" else "one of"
        return f"{many}: {'; '.join(shown)}"
    if kind == "yes_no":
        return "yes or no"
    if kind == "text":
        return "free text"
    if kind == "number":
        return f"a number from {answer.get('min', 'any')} to {answer.get('max', 'any')}"
    return kind.replace("_", " ")


@router.get("/{flow_id}", response_class=HTMLResponse)
async def flow_page(request: Request, user: Viewer, flow_id: str) -> Response:
    """One flow in words: its questions, answers, branches and escalations, for staff who
    do not read YAML."""
    await fv.sync(services_of(request))
    flow = await _flow(request, flow_id)
    async with services_of(request).sessions() as session:
        versions = await fv.versions_of(session, flow_id)
    return render(
        request,
        "admin/flow.html",
        {
            "user": user,
            "flow": flow,
            "published": next(
                (v for v in versions if v.status == FlowVersionStatus.PUBLISHED), None
            ),
            "drafts": [v for v in versions if v.status == FlowVersionStatus.DRAFT],
            "can_edit": user.role in fv.EDITORS and bool(versions),
            "spec": flow.spec,
            "warnings": long_texts([flow]),
            "languages": LANGUAGES,
            "answer_words": answer_words,
        },
    )


@router.get("/{flow_id}/preview", response_class=HTMLResponse)
async def start_preview(
    request: Request,
    flow_id: str,
    user: Viewer,
    language: Annotated[str, Query(max_length=8)] = "en",
    version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Play the published version, or any other (a draft) with `version`."""
    flow = await _flow(request, flow_id, version)
    preview = Preview(
        flow_id=flow.id,
        version=flow.version,
        language=language if language in LANGUAGES else "en",
        started=services_of(request).clock(),
    )
    return _show(request, user, flow, preview)


@router.post("/{flow_id}/preview", dependencies=[Depends(check_csrf)])
async def answer_preview(
    request: Request,
    flow_id: str,
    user: Viewer,
    reply: Annotated[str, Form(max_length=2000)] = "",
    preview: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    await _flow(request, flow_id)  # an unknown flow is a 404 whatever was posted
    played = flow_preview.unsign(preview, services_of(request).settings.session_secret)
    if played is None or played.flow_id != flow_id:
        flash(request, "This preview could not be continued; it has started again.", "error")
        return see_other(f"/admin/flows/{flow_id}/preview")
    try:
        flow = await _flow(request, flow_id, played.version)
    except HTTPException:
        flash(request, "The flow changed while you were trying it; it has started again.", "error")
        return see_other(f"/admin/flows/{flow_id}/preview?language={played.language}")
    answered = Preview(
        flow_id=played.flow_id,
        version=played.version,
        language=played.language,
        started=played.started,
        replies=(*played.replies, reply)[:MAX_REPLIES],
    )
    return _show(request, user, flow, answered)
