"""Staff accounts: argon2 password hashes, creation and sign-in checks."""

from __future__ import annotations

import functools
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from storage.models import Clinician, StaffRole, StaffUser

MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a wrong email costs as long as a
    wrong password and response time does not tell which accounts exist. Made at the
    first sign-in, not at import: hashing takes a fifth of a second, which every CLI
    command paid."""
    return _hasher.hash("not-a-real-password-used-for-timing")


class AccountError(ValueError):
    """The account cannot be created as asked; the message says why."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def normal_email(email: str) -> str:
    return email.strip().lower()


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    role: str,
    now: datetime,
    clinician_id: int | None = None,
    actor: str = "cli",
) -> StaffUser:
    """Add a staff account; raises AccountError on a bad role, email, password or link."""
    email = normal_email(email)
    if role not in StaffRole.ALL:
        raise AccountError(f"role must be one of {', '.join(StaffRole.ALL)}")
    if "@" not in email or len(email) > 254:
        raise AccountError(f"{email!r} is not an email address")
    if await session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise AccountError(f"an account for {email} already exists")
    if clinician_id is not None and await session.get(Clinician, clinician_id) is None:
        raise AccountError(f"no clinician with id {clinician_id}")
    user = StaffUser(
        email=email,
        password_hash=hash_password(password),
        role=role,
        clinician_id=clinician_id,
        created_at=now,
    )
    session.add(user)
    await session.flush()
    audit.record(
        session, at=now, actor=actor, action="staff_user_added", subject=f"staff:{user.id}"
    )
    return user


async def authenticate(
    session: AsyncSession, *, email: str, password: str, now: datetime
) -> StaffUser | None:
    """The active account with this email and password, or None; upgrades old hashes."""
    user = await session.scalar(select(StaffUser).where(StaffUser.email == normal_email(email)))
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    return user


async def deactivate_user(
    session: AsyncSession, user: StaffUser, *, now: datetime, actor: str
) -> None:
    """Stop an account signing in; its open sessions end on their next request."""
    user.active = False
    user.session_epoch += 1
    audit.record(
        session, at=now, actor=actor, action="staff_user_deactivated", subject=f"staff:{user.id}"
    )


async def change_password(
    session: AsyncSession, user: StaffUser, *, current: str, new: str, now: datetime
) -> None:
    """Replace a password (after a temporary one, say); the current one must be given."""
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise AccountError("the current password is wrong") from None
    if new == current:
        raise AccountError("the new password must differ from the current one")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_epoch += 1  # other devices signed in with the old password are signed out
    audit.record(
        session,
        at=now,
        actor=f"staff:{user.id}",
        action="staff_password_changed",
        subject=f"staff:{user.id}",
    )


async def reactivate_user(
    session: AsyncSession, user: StaffUser, *, now: datetime, actor: str
) -> None:
    """Let a deactivated account sign in again, with the password it had."""
    user.active = True
    audit.record(
        session, at=now, actor=actor, action="staff_user_reactivated", subject=f"staff:{user.id}"
    )


async def change_role(
    session: AsyncSession,
    user: StaffUser,
    *,
    role: str,
    clinician_id: int | None,
    now: datetime,
    actor: str,
) -> list[str]:
    """Set the account's role and clinician link; returns what changed (audited)."""
    if role not in StaffRole.ALL:
        raise AccountError(f"role must be one of {', '.join(StaffRole.ALL)}")
    if clinician_id is not None and await session.get(Clinician, clinician_id) is None:
        raise AccountError(f"no clinician with id {clinician_id}")
    changed = [
        name
        for name, old, new in (
            ("role", user.role, role),
            ("clinician", user.clinician_id, clinician_id),
        )
        if old != new
    ]
    user.role, user.clinician_id = role, clinician_id
    if changed:
        audit.record(
            session,
            at=now,
            actor=actor,
            action="staff_user_changed",
            subject=f"staff:{user.id}",
            changed=changed,
        )
    return changed


async def reset_password(
    session: AsyncSession, user: StaffUser, *, temporary: str, now: datetime, actor: str
) -> None:
    """An administrator sets a temporary password: the account's sessions end, and at its
    next sign-in it must choose its own before any other page opens."""
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    user.session_epoch += 1
    audit.record(
        session, at=now, actor=actor, action="staff_password_reset", subject=f"staff:{user.id}"
    )
