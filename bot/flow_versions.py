"""Flow versions in the database: import from files, drafts, publishing with checks, roll back.

One service for the dashboard, the API and the CLI. Every version is immutable once
written; publishing one retires the one before, and the running process's library
(`Services.flows`) takes it at once; other processes take it at their next check-in tick
(`refresh`). Conversations keep the version they started with (its snapshot is stored
beside them), so publishing never changes one already under way.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import structlog
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

import flows
from bot.audit import record
from bot.checkins.runner import start_flow
from bot.services import Services
from flows.changes import LOCKED_INSTRUMENTS, Problem, compare
from flows.loader import BUILTIN_DIR
from storage.models import (
    FlowSession,
    FlowSessionStatus,
    FlowVersion,
    FlowVersionStatus,
    Patient,
    PatientStatus,
    StaffRole,
    StaffUser,
)

log = structlog.get_logger(__name__)

MAX_YAML = 200_000
EDITORS = (StaffRole.ADMIN, StaffRole.FLOW_EDITOR)
_VERSION_LINE = re.compile(r"^version:[^\n#]*", re.M)
_ID_LINE = re.compile(r"^id:[^\n#]*", re.M)


class DraftRejected(ValueError):
    """The text is not a flow that loads: every error, with its line."""

    def __init__(self, errors: list[flows.FlowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


class PublishRefused(ValueError):
    """Publishing would break something: every problem, by name."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class UnknownVersion(LookupError):
    pass


@dataclass(frozen=True)
class Author:
    """Who wrote or published a version: a dashboard account, or a named tool."""

    name: str
    user_id: int | None = None
    role: str | None = None

    @classmethod
    def of(cls, user: StaffUser) -> Author:
        return cls(user.email, user.id, user.role)


@dataclass
class Imported:
    added: list[str] = field(default_factory=list)
    errors: list[flows.FlowError] = field(default_factory=list)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def numbered(text: str, version: int) -> str:
    """The YAML with its top-level `version:` set to `version` (added if missing)."""
    if _VERSION_LINE.search(text):
        return _VERSION_LINE.sub(lambda _: f"version: {version}", text, count=1)
    if _ID_LINE.search(text):
        return _ID_LINE.sub(lambda m: f"{m.group(0)}\nversion: {version}", text, count=1)
    return f"version: {version}\n{text}"


def renamed(text: str, flow_id: str) -> str:
    """The YAML with its top-level `id:` set to `flow_id`."""
    if _ID_LINE.search(text):
        return _ID_LINE.sub(lambda _: f"id: {flow_id}", text, count=1)
    return f"id: {flow_id}\n{text}"


_TITLE_LINE = re.compile(r"^title:[^\n]*", re.M)


def retitled(text: str, title: str) -> str:
    """The YAML with its top-level `title:` set to `title` (quoted for YAML)."""
    quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if _TITLE_LINE.search(text):
        return _TITLE_LINE.sub(lambda _: f"title: {quoted}", text, count=1)
    return f"{text.rstrip()}\ntitle: {quoted}\n"


def source_name(row: FlowVersion) -> str:
    """What errors and warnings about a version name: its file, or the flow and version."""
    kind, _, name = row.source.partition(" ")
    if kind in ("file", "built-in") and name:
        return name
    return f"{row.flow_id} version {row.version}"


def compiled(row: FlowVersion) -> flows.Flow:
    flow, errors = flows.parse_flow(row.yaml, source=source_name(row))
    if flow is None:
        raise DraftRejected(errors)
    return flow


def check_text(
    text: str, flow_id: str, *, source: str
) -> tuple[flows.Flow | None, list[flows.FlowError]]:
    """Parse a draft for `flow_id`: the loader's errors, and one if it names another flow."""
    if len(text) > MAX_YAML:
        return None, [flows.FlowError(source, 1, "", f"longer than {MAX_YAML} characters")]
    flow, errors = flows.parse_flow(text, source=source)
    if flow is not None and flow.id != flow_id:
        found = _ID_LINE.search(text)
        line = text[: found.start()].count("\n") + 1 if found else 1
        message = f"is {flow.id!r}, but this is a version of {flow_id!r}"
        return None, [flows.FlowError(source, line, "id", message)]
    return flow, errors


async def all_versions(session: AsyncSession) -> list[FlowVersion]:
    rows = await session.scalars(
        select(FlowVersion).order_by(FlowVersion.flow_id, FlowVersion.version)
    )
    return list(rows)


async def versions_of(session: AsyncSession, flow_id: str) -> list[FlowVersion]:
    rows = await session.scalars(
        select(FlowVersion).where(FlowVersion.flow_id == flow_id).order_by(FlowVersion.version)
    )
    return list(rows)


async def get_version(session: AsyncSession, flow_id: str, version: int) -> FlowVersion:
    row = await session.scalar(
        select(FlowVersion).where(FlowVersion.flow_id == flow_id, FlowVersion.version == version)
    )
    if row is None:
        raise UnknownVersion(f"no version {version} of flow {flow_id!r}")
    return row


async def published_row(session: AsyncSession, flow_id: str) -> FlowVersion | None:
    return await session.scalar(
        select(FlowVersion).where(
            FlowVersion.flow_id == flow_id, FlowVersion.status == FlowVersionStatus.PUBLISHED
        )
    )


async def _next_version(session: AsyncSession, flow_id: str, at_least: int = 1) -> int:
    top = await session.scalar(
        select(func.max(FlowVersion.version)).where(FlowVersion.flow_id == flow_id)
    )
    return max(at_least, (top or 0) + 1)


async def import_files(
    session: AsyncSession, path: str | Path | None, *, now: datetime
) -> Imported:
    """Import each flow file (FLOWS_DIR, else the built-in library) whose text is new as
    the published version of its flow. The file's own version number is kept when it is
    above every stored one; otherwise the next number is used (a file edited without a new
    number, or after edits on the dashboard). A file that does not load is left out, and
    its errors returned: the published version stays."""
    root = Path(path) if path is not None else BUILTIN_DIR
    kind = "built-in" if path is None else "file"
    # The loader's own reading: the same errors as at start-up (a file that does not load,
    # two files claiming one id and version), and each flow named by its file.
    loaded, errors = flows.check_path(root)
    result = Imported(errors=errors)
    known = set(
        await session.scalars(
            select(FlowVersion.file_digest).where(FlowVersion.file_digest.is_not(None))
        )
    )
    for flow in loaded:
        file = root / flow.source if root.is_dir() else root
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as problem:  # gone since it was read
            result.errors.append(flows.FlowError(file.name, 0, "", f"cannot be read: {problem}"))
            continue
        text_digest = digest(text)
        if text_digest in known:
            continue
        stored, found = flows.parse_flow(text, source=file.name)  # the text as stored
        if stored is None:  # edited into a broken state since the loader read it
            result.errors += found
            continue
        flow = stored
        version = await _next_version(session, flow.id, at_least=flow.version)
        row = FlowVersion(
            flow_id=flow.id,
            version=version,
            yaml=text if version == flow.version else numbered(text, version),
            status=FlowVersionStatus.DRAFT,
            source=f"{kind} {file.name}",
            file_digest=text_digest,
            author=f"{kind} {file.name}",
            note=None if version == flow.version else f"the file says version {flow.version}",
            created_at=now,
        )
        session.add(row)
        await _make_published(session, row, by=row.author, note=None, now=now)
        known.add(text_digest)
        result.added.append(f"{flow.id} version {version} from {row.source}")
        record(
            session,
            at=now,
            actor="system",
            action="flow.imported",
            subject=f"flow {flow.id}",
            version=version,
            source=row.source,
        )
    return result


async def _make_published(
    session: AsyncSession, row: FlowVersion, *, by: str, note: str | None, now: datetime
) -> FlowVersion | None:
    before = await published_row(session, row.flow_id)
    if before is not None and before is not row:
        before.status = FlowVersionStatus.RETIRED
        await session.flush()  # one published row per flow, even mid-transaction
    row.status = FlowVersionStatus.PUBLISHED
    row.published_at = now
    row.published_by = by
    row.publish_note = note
    await session.flush()
    return before


async def refresh(session: AsyncSession, library: flows.FlowLibrary) -> None:
    """Give the library every stored published and retired version, and which is
    published. Drafts stay out: nothing starts on a draft but a test conversation."""
    rows = (
        await session.execute(
            select(FlowVersion.flow_id, FlowVersion.version, FlowVersion.status).where(
                FlowVersion.status != FlowVersionStatus.DRAFT
            )
        )
    ).all()
    published = {r.flow_id: r.version for r in rows if r.status == FlowVersionStatus.PUBLISHED}
    if all(library.published(f) == v for f, v in published.items()) and all(
        library.has(r.flow_id, r.version) for r in rows
    ):
        return
    stored = await session.scalars(
        select(FlowVersion).where(FlowVersion.status != FlowVersionStatus.DRAFT)
    )
    loaded: list[flows.Flow] = []
    for row in stored:
        try:
            loaded.append(compiled(row))
        except DraftRejected as broken:  # a stored version no longer loads: say so, go on
            log.error(
                "stored_flow_does_not_load",
                flow=row.flow_id,
                version=row.version,
                errors=str(broken),
            )
    library.adopt(loaded, published)


async def sync(services: Services) -> Imported:
    """At start-up (and on the flows page): import changed files, then refresh the library.
    When the library was handed in already built (tests, tools), files are not imported."""
    now = services.clock()
    result = Imported()
    async with services.sessions() as session, session.begin():
        if services.extras.get(FILES_OWN_LIBRARY, False):
            result = await import_files(session, services.settings.flows_dir, now=now)
        await refresh(session, services.flows)
    for line in result.added:
        log.info("flow_imported", what=line)
    for error in result.errors:
        log.error("flow_file_not_imported", error=str(error))
    return result


async def sync_or_log(services: Services) -> None:
    """`sync` for start-up: a failure (say, a database not yet upgraded) is logged and the
    service runs on the flows it loaded from the files; it never stops it starting."""
    try:
        await sync(services)
    except Exception:  # noqa: BLE001 - any failure here must leave the service running
        log.exception("flow_versions_sync_failed", effect="running on the flow files as loaded")


async def refresh_or_log(services: Services) -> None:
    """`refresh` for the check-in tick, in its own transaction; a failure is logged and the
    tick goes on with the library as it was."""
    try:
        async with services.sessions() as session, session.begin():
            await refresh(session, services.flows)
    except Exception:  # noqa: BLE001 - the tick that starts check-ins must not stop here
        log.exception("flow_versions_refresh_failed")


# Set to False in Services.extras when the library was built by the caller, not from files.
FILES_OWN_LIBRARY = "flow_files_own_library"


async def save_draft(
    session: AsyncSession,
    flow_id: str,
    text: str,
    *,
    author: Author,
    source: str = "edit",
    note: str | None = None,
    now: datetime,
    new_flow: bool = False,
) -> FlowVersion:
    """Store the text as the next version of `flow_id`, a draft, or raise DraftRejected.

    The text's `version:` is set to the number it is stored under. `new_flow` refuses an id
    that is already taken; otherwise the flow must exist."""
    existing = await versions_of(session, flow_id)
    source_name = f"{flow_id} (draft)"
    if new_flow and existing:
        raise DraftRejected(
            [flows.FlowError(source_name, 1, "id", f"{flow_id!r} is already a flow")]
        )
    if not new_flow and not existing:
        raise UnknownVersion(f"no flow with id {flow_id!r}")
    version = await _next_version(session, flow_id)
    typed = text.replace("\r\n", "\n")
    text = numbered(typed, version)
    flow, errors = check_text(text, flow_id, source=source_name)
    if flow is None or errors:
        if text.count("\n") != typed.count("\n"):  # a version line was added: lines as typed
            _, errors = check_text(typed, flow_id, source=source_name)
            errors = [e for e in errors if e.field != "version"] or errors
        raise DraftRejected(errors)
    row = FlowVersion(
        flow_id=flow_id,
        version=version,
        yaml=text,
        status=FlowVersionStatus.DRAFT,
        source=source,
        author_id=author.user_id,
        author=author.name,
        note=note or None,
        created_at=now,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:  # another draft took this number a moment ago
        raise DraftRejected(
            [
                flows.FlowError(
                    source_name, 1, "", "another version was saved at the same moment: save again"
                )
            ]
        ) from None
    record(
        session,
        at=now,
        actor=author.name,
        action="flow.draft_saved",
        subject=f"flow {flow_id}",
        version=version,
        source=source,
    )
    return row


async def problems(
    session: AsyncSession, row: FlowVersion, library: flows.FlowLibrary
) -> list[Problem]:
    """Everything that stands in the way of publishing `row`."""
    try:
        new = compiled(row)
    except DraftRejected as broken:
        return [Problem("error", "invalid", str(e)) for e in broken.errors]
    current = await published_row(session, row.flow_id)
    old = compiled(current) if current is not None and current is not row else None
    reference = _reference(new.spec.instrument or (old.spec.instrument if old else None))
    found = compare(old, new, reference)
    waiting = await session.execute(
        select(FlowSession.current_step, func.count())
        .where(
            FlowSession.flow_id == row.flow_id,
            FlowSession.status == FlowSessionStatus.ACTIVE,
            FlowSession.current_step.is_not(None),
        )
        .group_by(FlowSession.current_step)
    )
    for step_id, count in waiting.all():
        if step_id not in new.steps:
            many = "conversation is" if count == 1 else "conversations are"
            found.append(
                Problem(
                    "warning",
                    "running_step_removed",
                    f"{count} running {many} waiting at step {step_id}, which this version "
                    "removes: they will finish on the version they started with; publish "
                    "once they end, or override with a note",
                )
            )
    return sorted(set(found))


@functools.cache
def _reference(instrument: str | None) -> flows.Flow | None:
    """The built-in flow of a locked instrument, read once: the package's files are fixed."""
    if instrument not in LOCKED_INSTRUMENTS:
        return None
    for flow in flows.builtin_library():
        if flow.spec.instrument == instrument:
            return flow
    return None


async def publish(
    session: AsyncSession,
    library: flows.FlowLibrary,
    row: FlowVersion,
    *,
    author: Author,
    note: str | None,
    override: bool = False,
    now: datetime,
) -> FlowVersion:
    """Publish `row`, or raise PublishRefused naming every problem. Errors always refuse;
    warnings refuse unless an administrator overrides them with a note."""
    if row.status != FlowVersionStatus.DRAFT:
        said = {
            FlowVersionStatus.PUBLISHED: "is already published",
            FlowVersionStatus.RETIRED: "was retired: roll back to it, which publishes its text "
            "as a new version",
        }[row.status]
        raise PublishRefused([Problem("error", "not_a_draft", f"version {row.version} {said}")])
    found = await problems(session, row, library)
    errors = [p for p in found if p.severity == "error"]
    warnings = [p for p in found if p.severity == "warning"]
    if errors:
        raise PublishRefused(errors + warnings)
    if warnings and not override:
        raise PublishRefused(warnings)
    if warnings and author.role != StaffRole.ADMIN:
        raise PublishRefused(
            [
                Problem(
                    "error",
                    "override_not_allowed",
                    "only an administrator can publish over a warning",
                )
            ]
            + warnings
        )
    if warnings and not (note or "").strip():
        raise PublishRefused(
            [
                Problem(
                    "error",
                    "override_needs_note",
                    "publishing over a warning needs a note saying why",
                )
            ]
            + warnings
        )
    before = await _make_published(session, row, by=author.name, note=note or None, now=now)
    record(
        session,
        at=now,
        actor=author.name,
        action="flow.published",
        subject=f"flow {row.flow_id}",
        version=row.version,
        replaced=before.version if before else None,
        note=note or None,
        overridden=[p.message for p in warnings] or None,
        diff=line_diff_text(before, row),
    )
    await refresh(session, library)
    return row


async def rollback(
    session: AsyncSession,
    library: flows.FlowLibrary,
    flow_id: str,
    version: int,
    *,
    author: Author,
    note: str | None,
    override: bool = False,
    now: datetime,
) -> FlowVersion:
    """Publish an earlier version again, as a new version (history only grows)."""
    earlier = await get_version(session, flow_id, version)
    copy = await save_draft(
        session,
        flow_id,
        earlier.yaml,
        author=author,
        source=f"rollback to version {version}",
        note=note,
        now=now,
    )
    return await publish(
        session,
        library,
        copy,
        author=author,
        note=note or f"roll back to version {version}",
        override=override,
        now=now,
    )


async def publish_or_roll_back(
    session: AsyncSession,
    library: flows.FlowLibrary,
    row: FlowVersion,
    *,
    author: Author,
    note: str | None,
    override: bool = False,
    now: datetime,
) -> FlowVersion:
    """For the API and the CLI: a draft is published; a retired version is rolled back to
    (its text published as a new version, which is returned)."""
    if row.status == FlowVersionStatus.RETIRED:
        return await rollback(
            session,
            library,
            row.flow_id,
            row.version,
            author=author,
            note=note,
            override=override,
            now=now,
        )
    return await publish(
        session, library, row, author=author, note=note, override=override, now=now
    )


def line_diff_text(left: FlowVersion | None, right: FlowVersion) -> str:
    """A unified diff from `left` (None: nothing before) to `right`, for the audit log."""
    name = f"{right.flow_id} version"
    lines = difflib.unified_diff(
        left.yaml.splitlines() if left else [],
        right.yaml.splitlines(),
        fromfile=f"{name} {left.version}" if left else "(none)",
        tofile=f"{name} {right.version}",
        lineterm="",
    )
    return "\n".join(lines)


@dataclass(frozen=True)
class DiffRow:
    """One row of a side-by-side diff: line numbers and text on each side, and how it differs."""

    kind: str  # "same", "changed", "removed", "added"
    left_no: int | None
    left: str
    right_no: int | None
    right: str


def side_by_side(a: str, b: str, context: int | None = None) -> list[DiffRow]:
    """The two texts line by line; with `context`, only the changed lines and that many
    around them, each skipped run one "gap" row."""
    left, right = a.splitlines(), b.splitlines()
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    Opcode = tuple[str, int, int, int, int]
    groups: list[list[Opcode]] = (
        [list(matcher.get_opcodes())]
        if context is None
        else [list(g) for g in matcher.get_grouped_opcodes(context)]
    )
    rows: list[DiffRow] = []
    for n, group in enumerate(groups):
        if context is not None and (n or group[0][1] > 0):
            rows.append(DiffRow("gap", None, "", None, ""))
        for tag, i1, i2, j1, j2 in group:
            rows += _rows(tag, left, right, i1, i2, j1, j2)
    if context is not None and rows and groups and groups[-1][-1][2] < len(left):
        rows.append(DiffRow("gap", None, "", None, ""))
    return rows


def _rows(
    tag: str, left: list[str], right: list[str], i1: int, i2: int, j1: int, j2: int
) -> list[DiffRow]:
    if tag == "equal":
        return [
            DiffRow("same", i + 1, left[i], j + 1, right[j])
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
        ]
    rows = []
    for k in range(max(i2 - i1, j2 - j1)):
        i, j = i1 + k, j1 + k
        has_left, has_right = i < i2, j < j2
        kind = "changed" if has_left and has_right else ("removed" if has_left else "added")
        rows.append(
            DiffRow(
                kind,
                i + 1 if has_left else None,
                left[i] if has_left else "",
                j + 1 if has_right else None,
                right[j] if has_right else "",
            )
        )
    return rows


class NotATestPatient(PermissionError):
    pass


async def test_patients(session: AsyncSession) -> list[Patient]:
    rows = await session.scalars(
        select(Patient)
        .where(Patient.test.is_(True), Patient.status == PatientStatus.ACTIVE)
        .order_by(Patient.name)
    )
    return list(rows)


async def send_to_test_patient(
    session: AsyncSession,
    services: Services,
    row: FlowVersion,
    patient_id: int,
    *,
    author: Author,
    now: datetime,
) -> Patient:
    """Start this version (a draft, or any other) for a test patient now: its first
    message goes out as a real check-in would. Refused for anyone not enrolled as a test
    patient, whatever the caller: the check is also made where conversations start."""
    patient = await session.get(Patient, patient_id)
    if patient is None or not patient.test:
        raise NotATestPatient("only a test patient can be sent a draft")
    await start_flow(session, services, patient, row.flow_id, now=now, draft=compiled(row))
    record(
        session,
        at=now,
        actor=author.name,
        action="flow.sent_to_test_patient",
        subject=f"flow {row.flow_id}",
        version=row.version,
        patient=patient.id,
    )
    return patient
