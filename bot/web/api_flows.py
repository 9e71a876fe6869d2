"""Flows through the API: versions, drafts and publishing, with the dashboard's checks.

The bearer token is the clinic's administrator: an API caller may publish over a warning
when it sends `override` with a note, as an administrator can on the dashboard.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from bot import flow_versions as fv
from bot.web.admin.auth import services_of
from bot.web.api_schemas import MAX_ID, RequestProblems
from storage.models import FlowVersion, StaffRole

router = APIRouter()

FlowId = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
VersionNo = Annotated[int, Path(ge=1, le=MAX_ID)]
API_AUTHOR = fv.Author("api", None, StaffRole.ADMIN)


class VersionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    version: int
    status: str = Field(description="draft, published or retired")
    source: str = Field(description='Where it came from: "file x.yaml", "edit", ...')
    author: str
    note: str | None
    created_at: datetime
    published_at: datetime | None
    published_by: str | None
    publish_note: str | None


class VersionOut(VersionSummary):
    flow_id: str
    yaml: str


class FlowOut(BaseModel):
    id: str
    title: str
    published: int | None = Field(description="The version new conversations start on")
    versions: list[VersionSummary]


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yaml: str = Field(max_length=fv.MAX_YAML, description="The whole flow, as in a flow file")
    note: str | None = Field(default=None, max_length=2000)


class DraftOut(BaseModel):
    version: int


class LineProblem(BaseModel):
    line: int
    field: str
    message: str


class FlowProblems(BaseModel):
    """A 422 for a draft that does not load: each error with its line, as in the files."""

    detail: str
    errors: list[LineProblem]


class PublishProblem(BaseModel):
    severity: str = Field(description="error (never published) or warning (override)")
    code: str
    message: str


class PublishProblems(BaseModel):
    """A 409: what publishing would break, each by name."""

    detail: str
    problems: list[PublishProblem]


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=2000)
    override: bool = Field(default=False, description="Publish over warnings (needs a note)")


def _flow_out(flow_id: str, rows: list[FlowVersion]) -> FlowOut:
    published = next((r for r in rows if r.status == "published"), None)
    newest = published or rows[-1]
    try:
        title = fv.compiled(newest).title
    except fv.DraftRejected:
        title = flow_id
    return FlowOut(
        id=flow_id,
        title=title,
        published=published.version if published else None,
        versions=[VersionSummary.model_validate(r) for r in rows],
    )


async def _rows(request: Request, flow_id: str) -> list[FlowVersion]:
    async with services_of(request).sessions() as session:
        rows = await fv.versions_of(session, flow_id)
    if not rows:
        raise HTTPException(404, f"No flow {flow_id!r}.")
    return rows


@router.get("/flows", response_model=list[FlowOut])
async def list_flows(request: Request) -> list[FlowOut]:
    """Every flow, its versions, and which one is published."""
    services = services_of(request)
    await fv.sync(services)
    async with services.sessions() as session:
        stored = await fv.all_versions(session)  # by flow, then version
    by_id: dict[str, list[FlowVersion]] = {}
    for row in stored:
        by_id.setdefault(row.flow_id, []).append(row)
    return [_flow_out(i, rows) for i, rows in by_id.items()]


@router.get("/flows/{flow_id}", response_model=FlowOut)
async def get_flow(request: Request, flow_id: FlowId) -> FlowOut:
    return _flow_out(flow_id, await _rows(request, flow_id))


@router.get("/flows/{flow_id}/versions/{version}", response_model=VersionOut)
async def get_version(request: Request, flow_id: FlowId, version: VersionNo) -> FlowVersion:
    async with services_of(request).sessions() as session:
        try:
            return await fv.get_version(session, flow_id, version)
        except fv.UnknownVersion:
            raise HTTPException(404, f"No version {version} of flow {flow_id!r}.") from None


@router.post(
    "/flows/{flow_id}/drafts",
    status_code=201,
    response_model=DraftOut,
    responses={
        422: {
            "model": FlowProblems | RequestProblems,
            "description": "The YAML does not load: each error with its line and field",
        }
    },
)
async def create_draft(request: Request, flow_id: FlowId, body: DraftIn) -> DraftOut | JSONResponse:
    """Store the YAML as the next version of the flow, a draft. Its `version:` is set to
    the number it is stored under. 422 lists every error with its line."""
    services = services_of(request)
    try:
        async with services.sessions() as session, session.begin():
            row = await fv.save_draft(
                session,
                flow_id,
                body.yaml,
                author=API_AUTHOR,
                source="api",
                note=body.note,
                now=services.clock(),
            )
    except fv.UnknownVersion:
        raise HTTPException(404, f"No flow {flow_id!r}.") from None
    except fv.DraftRejected as rejected:
        errors = [{"line": e.line, "field": e.field, "message": e.message} for e in rejected.errors]
        return JSONResponse({"detail": "the flow does not load", "errors": errors}, status_code=422)
    return DraftOut(version=row.version)


@router.post(
    "/flows/{flow_id}/versions/{version}/publish",
    response_model=VersionOut,
    responses={409: {"model": PublishProblems, "description": "Refused: every problem, named"}},
)
async def publish_version(
    request: Request, flow_id: FlowId, version: VersionNo, body: PublishIn
) -> FlowVersion | JSONResponse:
    """Publish the version: new conversations start on it, running ones keep theirs (a
    retired version is rolled back to: its text is published as a new version). 409
    with `problems` when it would drop a safety escalation, change a validated instrument,
    strand running conversations or change scoring (the last two are warnings: `override`
    with a note publishes over them)."""
    services = services_of(request)
    try:
        async with services.sessions() as session, session.begin():
            try:
                row = await fv.get_version(session, flow_id, version)
            except fv.UnknownVersion:
                raise HTTPException(404, f"No version {version} of flow {flow_id!r}.") from None
            return await fv.publish_or_roll_back(
                session,
                services.flows,
                row,
                author=API_AUTHOR,
                note=body.note,
                override=body.override,
                now=services.clock(),
            )
    except fv.PublishRefused as refused:
        problems = [p.as_dict() for p in refused.problems]
        return JSONResponse({"detail": "not published", "problems": problems}, status_code=409)
