"""Editing flows on the dashboard: drafts, checks, a test patient, publish, history, roll back.

Administrators and flow editors change flows; everyone who may read the dashboard can read
every version, its differences and its history. Each action goes through
`bot.flow_versions`, as the API and the CLI do.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

import flows
from bot import flow_versions as fv
from bot.web.admin.auth import VIEWERS, check_csrf, require, services_of
from bot.web.admin.flows_page import LANGUAGES, answer_words
from bot.web.admin.pages import flash, render, see_other
from bot.web.api_schemas import MAX_ID
from flows.segments import long_texts
from storage.models import FlowVersion, FlowVersionStatus, StaffRole, StaffUser

router = APIRouter(prefix="/admin/flows")

Viewer = Annotated[StaffUser, Depends(require(*VIEWERS))]
Editor = Annotated[StaffUser, Depends(require(*fv.EDITORS))]

FlowText = Annotated[str, Form(max_length=fv.MAX_YAML)]
Note = Annotated[str, Form(max_length=2000)]


async def _row(session: AsyncSession, flow_id: str, version: int) -> FlowVersion:
    if not 1 <= version <= MAX_ID:
        raise HTTPException(404, "No such version of this flow.")
    try:
        return await fv.get_version(session, flow_id, version)
    except fv.UnknownVersion:
        raise HTTPException(404, "No such version of this flow.") from None


def _lines_with_errors(
    text: str, errors: list[flows.FlowError]
) -> list[tuple[int, str, list[str]]]:
    """Each line of the text with the errors found on it, for the editor's marked copy."""
    by_line: dict[int, list[str]] = {}
    for error in errors:
        said = f"{error.field}: {error.message}" if error.field else error.message
        by_line.setdefault(max(error.line, 1), []).append(said)
    lines = text.splitlines() or [""]
    shown = [(n, line, by_line.pop(n, [])) for n, line in enumerate(lines, start=1)]
    if by_line:  # an error past the last line (end of file): on the last one
        shown[-1][2].extend(m for ms in by_line.values() for m in ms)
    return shown


def _editor(
    request: Request,
    user: StaffUser,
    flow_id: str,
    text: str,
    *,
    based_on: int | None,
    errors: list[flows.FlowError] | None = None,
    note: str = "",
    status_code: int = 200,
) -> Response:
    errors = errors or []
    flow, _ = flows.parse_flow(text, source=flow_id) if not errors else (None, [])
    return render(
        request,
        "admin/flow_edit.html",
        {
            "user": user,
            "flow_id": flow_id,
            "text": text,
            "based_on": based_on,
            "errors": errors,
            "marked": _lines_with_errors(text, errors) if errors else [],
            "warnings": long_texts([flow]) if flow is not None else [],
            "note": note,
        },
        status_code=status_code,
    )


@router.get("/{flow_id}/edit", response_class=HTMLResponse)
async def edit_page(
    request: Request,
    flow_id: str,
    user: Editor,
    from_version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """The YAML of a version (the published one unless `from_version`), to edit as a draft."""
    services = services_of(request)
    await fv.sync(services)
    async with services.sessions() as session:
        row = (
            await _row(session, flow_id, from_version)
            if from_version is not None
            else await fv.published_row(session, flow_id)
        )
        if row is None:
            raise HTTPException(404, "No such flow.")
    return _editor(request, user, flow_id, row.yaml, based_on=row.version)


@router.post("/{flow_id}/drafts", dependencies=[Depends(check_csrf)])
async def save_draft(
    request: Request,
    flow_id: str,
    user: Editor,
    text: FlowText = "",
    note: Note = "",
    based_on: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Save the text as a new draft version; with errors, the editor comes back with the
    text as typed and each error beside its line (nothing typed is lost)."""
    services = services_of(request)
    now = services.clock()
    try:
        async with services.sessions() as session, session.begin():
            row = await fv.save_draft(
                session, flow_id, text, author=fv.Author.of(user), note=note, now=now
            )
    except fv.UnknownVersion:
        raise HTTPException(404, "No such flow.") from None
    except fv.DraftRejected as rejected:
        return _editor(
            request,
            user,
            flow_id,
            text,
            based_on=based_on,
            errors=rejected.errors,
            note=note,
            status_code=422,
        )
    flash(
        request,
        f"Saved as draft version {row.version}. Nothing reaches a patient until it is published.",
    )
    return see_other(f"/admin/flows/{flow_id}/versions/{row.version}")


@router.post("/{flow_id}/copy", dependencies=[Depends(check_csrf)])
async def copy_flow(
    request: Request,
    flow_id: str,
    user: Editor,
    new_id: Annotated[str, Form(max_length=64)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """A new flow, from a copy of this one's published version, as its first draft."""
    services = services_of(request)
    await fv.sync(services)
    now = services.clock()
    new_id = new_id.strip()
    async with services.sessions() as session, session.begin():
        source = await fv.published_row(session, flow_id)
        if source is None:
            raise HTTPException(404, "No such flow.")
        text = fv.renamed(source.yaml, new_id)
        if title.strip():
            text = fv.retitled(text, title.strip())
        try:
            row = await fv.save_draft(
                session,
                new_id,
                text,
                author=fv.Author.of(user),
                source=f"copy of {flow_id} version {source.version}",
                now=now,
                new_flow=True,
            )
        except fv.DraftRejected as rejected:
            flash(
                request,
                "Not copied: "
                + "; ".join(
                    e.message if not e.field else f"{e.field}: {e.message}" for e in rejected.errors
                ),
                "error",
            )
            return see_other(f"/admin/flows/{flow_id}#copy")
    flash(request, f"{new_id} created as a draft from {flow_id}. Edit it, try it, then publish it.")
    return see_other(f"/admin/flows/{new_id}/versions/{row.version}")


@router.get("/{flow_id}/versions/{version}", response_class=HTMLResponse)
async def version_page(request: Request, flow_id: str, version: int, user: Viewer) -> Response:
    """One version: what it says, the problems publishing it would meet, and its actions."""
    services = services_of(request)
    async with services.sessions() as session:
        row = await _row(session, flow_id, version)
        try:
            flow = fv.compiled(row)
        except fv.DraftRejected as broken:  # stored when it loaded; a later change broke it
            flash(request, f"Version {version} no longer loads; fix it in a new draft.", "error")
            return _editor(request, user, flow_id, row.yaml, based_on=version, errors=broken.errors)
        published = await fv.published_row(session, flow_id)
        problems = (
            await fv.problems(session, row, services.flows)
            if row.status != FlowVersionStatus.PUBLISHED
            else []
        )
        testers = await fv.test_patients(session)
    return render(
        request,
        "admin/flow_version.html",
        {
            "user": user,
            "row": row,
            "flow": flow,
            "published": published,
            "problems": problems,
            "errors": [p for p in problems if p.severity == "error"],
            "warnings": long_texts([flow]),
            "testers": testers,
            "can_edit": user.role in fv.EDITORS,
            "is_admin": user.role == StaffRole.ADMIN,
            "languages": LANGUAGES,
            "answer_words": answer_words,
            "diff": fv.side_by_side(published.yaml, row.yaml, context=3)
            if published and published is not row
            else [],
        },
    )


@router.post("/{flow_id}/versions/{version}/publish", dependencies=[Depends(check_csrf)])
async def publish(
    request: Request,
    flow_id: str,
    version: int,
    user: Editor,
    note: Note = "",
    override: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    return await _publishing(request, user, flow_id, version, note, override == "yes")


@router.post("/{flow_id}/versions/{version}/rollback", dependencies=[Depends(check_csrf)])
async def rollback(
    request: Request,
    flow_id: str,
    version: int,
    user: Editor,
    note: Note = "",
    override: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Publish an earlier version again, as a new version."""
    return await _publishing(request, user, flow_id, version, note, override == "yes", again=True)


async def _publishing(
    request: Request,
    user: StaffUser,
    flow_id: str,
    version: int,
    note: str,
    override: bool,
    *,
    again: bool = False,
) -> Response:
    """Publish the version (a draft), or with `again` its text as a new version; a refusal
    comes back to the version's page with each problem."""
    services = services_of(request)
    now = services.clock()
    author, why = fv.Author.of(user), note.strip() or None
    try:
        async with services.sessions() as session, session.begin():
            row = await _row(session, flow_id, version)
            if again:
                row = await fv.rollback(
                    session,
                    services.flows,
                    flow_id,
                    version,
                    author=author,
                    note=why,
                    override=override,
                    now=now,
                )
            else:
                await fv.publish(
                    session,
                    services.flows,
                    row,
                    author=author,
                    note=why,
                    override=override,
                    now=now,
                )
    except fv.PublishRefused as refused:
        for problem in refused.problems:
            verb = "rolled back" if again else "published"
            flash(request, f"Not {verb}: {problem.message}", "error")
        return see_other(f"/admin/flows/{flow_id}/versions/{version}#publish")
    if again:
        flash(request, f"Version {version} is published again, as version {row.version}.")
    else:
        flash(
            request,
            f"Version {version} is published: new conversations start on it; those under way"
            " finish on theirs.",
        )
    return see_other(f"/admin/flows/{flow_id}/history")


@router.post("/{flow_id}/versions/{version}/test", dependencies=[Depends(check_csrf)])
async def send_to_test_patient(
    request: Request,
    flow_id: str,
    version: int,
    user: Editor,
    patient_id: Annotated[int, Form(ge=0, le=MAX_ID)] = 0,
) -> Response:
    """Start this version for a test patient now (a staff member's own phone)."""
    services = services_of(request)
    now = services.clock()
    try:
        async with services.sessions() as session, session.begin():
            row = await _row(session, flow_id, version)
            patient = await fv.send_to_test_patient(
                session, services, row, patient_id, author=fv.Author.of(user), now=now
            )
            name = patient.name
    except fv.NotATestPatient as refused:
        flash(request, f"Not sent: {refused}.", "error")
        return see_other(f"/admin/flows/{flow_id}/versions/{version}#test")
    services.outbox.wake()
    flash(
        request,
        f"Version {version} sent to the test patient {name}: its first message goes out now.",
    )
    return see_other(f"/admin/flows/{flow_id}/versions/{version}#test")


@router.get("/{flow_id}/history", response_class=HTMLResponse)
async def history(request: Request, flow_id: str, user: Viewer) -> Response:
    services = services_of(request)
    async with services.sessions() as session:
        rows = await fv.versions_of(session, flow_id)
    if not rows:
        raise HTTPException(404, "No such flow.")
    return render(
        request,
        "admin/flow_history.html",
        {
            "user": user,
            "flow_id": flow_id,
            "rows": list(reversed(rows)),
            "can_edit": user.role in fv.EDITORS,
        },
    )


@router.get("/{flow_id}/diff", response_class=HTMLResponse)
async def diff(
    request: Request,
    flow_id: str,
    user: Viewer,
    a: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    b: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    full: Annotated[bool, Query()] = False,
) -> Response:
    """Two versions side by side, line by line (by default the newest two)."""
    services = services_of(request)
    async with services.sessions() as session:
        rows = await fv.versions_of(session, flow_id)
        if not rows:
            raise HTTPException(404, "No such flow.")
        newest = [r.version for r in rows][-2:]
        a = a if a is not None else newest[0]
        b = b if b is not None else newest[-1]
        left, right = await _row(session, flow_id, a), await _row(session, flow_id, b)
    return render(
        request,
        "admin/flow_diff.html",
        {
            "user": user,
            "left": left,
            "right": right,
            "rows": fv.side_by_side(left.yaml, right.yaml, context=None if full else 3),
            "full": full,
        },
    )
