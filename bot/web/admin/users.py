"""`/admin/users`: staff accounts (admins only): list, add with a temporary password, deactivate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import (
    MIN_PASSWORD_LENGTH,
    AccountError,
    change_role,
    create_user,
    deactivate_user,
    reactivate_user,
    reset_password,
)
from bot.web.admin.auth import check_csrf, require, services_of
from bot.web.admin.pages import ask_first, flash, render, see_other
from bot.web.api_schemas import RowId
from storage.models import Clinician, StaffRole, StaffUser

router = APIRouter(prefix="/admin/users")

Admin = Annotated[StaffUser, Depends(require(StaffRole.ADMIN))]
ROLE_HELP = {
    StaffRole.ADMIN: "everything, including accounts and the audit log",
    StaffRole.STAFF: "enroll patients, record infusions, keep the rota",
    StaffRole.CLINICIAN: "view; acknowledge and resolve when linked to a clinician",
    StaffRole.FLOW_EDITOR: "view; edit, try and publish conversation flows",
}


async def _page(
    request: Request, user: StaffUser, form: dict[str, str], error: str | None, status: int
) -> Response:
    async with services_of(request).sessions() as session:
        users = (await session.scalars(select(StaffUser).order_by(StaffUser.email))).all()
        clinicians = (await session.scalars(select(Clinician).order_by(Clinician.name))).all()
    names = {c.id: c.name for c in clinicians}
    return render(
        request,
        "admin/users.html",
        {
            "user": user,
            "users": users,
            "clinicians": [c for c in clinicians if c.active],
            "names": names,
            "roles": ROLE_HELP,
            "form": form,
            "error": error,
            "min_password": MIN_PASSWORD_LENGTH,
        },
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
async def users_page(request: Request, user: Admin) -> Response:
    return await _page(request, user, {"role": StaffRole.STAFF}, None, 200)


@router.post("", dependencies=[Depends(check_csrf)])
async def add_user(
    request: Request,
    user: Admin,
    email: Annotated[str, Form(max_length=254)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    clinician_id: Annotated[str, Form(max_length=16)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    services = services_of(request)
    form = {"email": email, "role": role, "clinician_id": clinician_id}
    try:
        async with services.sessions() as session, session.begin():
            added = await create_user(
                session,
                email=email,
                password=password,
                role=role,
                clinician_id=int(clinician_id) if clinician_id.isdigit() else None,
                now=services.clock(),
                actor=f"staff:{user.id}",
            )
            shown = added.email
    except AccountError as problem:
        # The password is never sent back into the page.
        return await _page(request, user, form, f"Not added: {problem}.", 422)
    flash(
        request,
        f"Added {shown} ({role}). Give them the temporary password by phone or in person, "
        "never by email, and ask them to keep it private.",
    )
    return see_other("/admin/users")


@router.post("/{user_id}/deactivate", dependencies=[Depends(check_csrf)])
async def deactivate(
    request: Request,
    user_id: RowId,
    user: Admin,
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    services = services_of(request)
    async with services.sessions() as session, session.begin():
        target = await session.get(StaffUser, user_id)
        if target is None:
            raise HTTPException(404, "No such account.")
        if target.id == user.id:
            flash(request, "You cannot deactivate your own account.", "error")
            return see_other("/admin/users")
        if target.active and confirmed != "yes":  # the button asks first
            return ask_first(
                request,
                user,
                title=f"Deactivate {target.email}?",
                question=f"Deactivate the {target.role} account {target.email}?",
                consequence=(
                    "They are signed out everywhere and can no longer sign in. "
                    "Their past actions stay in the audit log."
                ),
                action=f"/admin/users/{target.id}/deactivate",
                yes="Yes, deactivate",
                no="No, keep the account",
                back="/admin/users",
            )
        if target.active:
            await deactivate_user(session, target, now=services.clock(), actor=f"staff:{user.id}")
        email = target.email
    flash(request, f"Deactivated {email}: they can no longer sign in.")
    return see_other("/admin/users")


async def _account(session: AsyncSession, user_id: int) -> StaffUser:
    target = await session.get(StaffUser, user_id)
    if target is None:
        raise HTTPException(404, "No such account.")
    return target


@router.post("/{user_id}/role", dependencies=[Depends(check_csrf)])
async def set_role(
    request: Request,
    user_id: RowId,
    user: Admin,
    role: Annotated[str, Form(max_length=16)] = "",
    clinician_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    services = services_of(request)
    link = int(clinician_id) if clinician_id.strip().isdigit() else None
    async with services.sessions() as session, session.begin():
        target = await _account(session, user_id)
        if target.id == user.id and role != StaffRole.ADMIN:
            flash(request, "You cannot take the admin role from your own account.", "error")
            return see_other("/admin/users")
        try:
            changed = await change_role(
                session,
                target,
                role=role,
                clinician_id=link,
                now=services.clock(),
                actor=f"staff:{user.id}",
            )
        except AccountError as problem:
            flash(request, f"Not changed: {problem}.", "error")
            return see_other("/admin/users")
        email = target.email
    words = " and ".join(changed) if changed else "nothing"
    flash(request, f"Changed the {words} of {email}." if changed else f"{email}: nothing changed.")
    return see_other("/admin/users")


@router.post("/{user_id}/reactivate", dependencies=[Depends(check_csrf)])
async def reactivate(request: Request, user_id: RowId, user: Admin) -> Response:
    services = services_of(request)
    async with services.sessions() as session, session.begin():
        target = await _account(session, user_id)
        if not target.active:
            await reactivate_user(session, target, now=services.clock(), actor=f"staff:{user.id}")
        email = target.email
    flash(request, f"Reactivated {email}: they can sign in again with their password.")
    return see_other("/admin/users")


@router.post("/{user_id}/password", dependencies=[Depends(check_csrf)])
async def reset(
    request: Request,
    user_id: RowId,
    user: Admin,
    temporary: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    services = services_of(request)
    async with services.sessions() as session, session.begin():
        target = await _account(session, user_id)
        if target.id == user.id:
            flash(request, "Change your own password under Password.", "error")
            return see_other("/admin/users")
        try:
            await reset_password(
                session, target, temporary=temporary, now=services.clock(), actor=f"staff:{user.id}"
            )
        except AccountError as problem:
            flash(request, f"Not reset: {problem}.", "error")
            return see_other("/admin/users")
        email = target.email
    flash(
        request,
        f"Reset the password of {email}. Tell them the temporary password by phone or in "
        "person; they choose their own at their next sign-in.",
    )
    return see_other("/admin/users")
