"""What the admin API accepts and returns (the OpenAPI document is generated from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from bot.clock import plausible

# Ids are 32-bit integers in the database; a larger one can only be unknown (404), and
# saying so up front keeps a driver from refusing an out-of-range parameter with a 500.
MAX_ID = 2**31 - 1
PatientId = Annotated[int, Path(ge=1, le=MAX_ID, description="The patient's id")]
InfusionId = Annotated[int, Path(ge=1, le=MAX_ID, description="The infusion's id")]
# Any row id in a path: beyond the database's integer it names no row (and would crash the driver).
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
# One line of printable text: no control characters (PostgreSQL refuses NUL in text).
_LINE = r"^[^\x00-\x1f\x7f]*$"


class PatientIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=_LINE)
    phone: str = Field(
        max_length=64, description="Mobile number with country code", examples=["+12025550143"]
    )
    timezone: str | None = Field(
        default=None, max_length=64, description="Area/City; default CLINIC_TIMEZONE"
    )
    checkin_time: str = Field(
        default="09:00", max_length=16, description="Daily check-in, local HH:MM"
    )
    language: str = Field(default="en", max_length=8)
    quiet_hours: str | None = Field(
        default=None,
        max_length=16,
        description="Own quiet hours, local HH:MM-HH:MM; default the clinic's",
        examples=["22:00-07:00"],
    )
    test: bool = Field(
        default=False,
        description="A staff member's own phone, to try draft flows on: no routine check-ins",
    )


class PatientPatch(BaseModel):
    """Only the fields sent change. A new time or zone moves the next daily check-in."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=_LINE)
    timezone: str | None = Field(default=None, max_length=64, examples=["America/Chicago"])
    checkin_time: str | None = Field(default=None, max_length=16, examples=["08:30"])
    language: str | None = Field(default=None, max_length=8, examples=["es"])
    channel: Literal["sms", "telegram"] | None = Field(
        default=None,
        description="telegram: check-ins go by Telegram once the patient has linked it "
        "(until then, by SMS)",
    )
    status: Literal["active", "paused"] | None = Field(
        default=None,
        description="paused: no routine check-ins (risk messages are still screened and "
        "escalated). A patient who texted STOP can only opt back in themselves.",
    )


class PatientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    phone: str
    channel: str
    timezone: str
    checkin_time: str
    language: str
    quiet_hours: str | None
    status: str
    test: bool = False
    created_at: datetime


class InfusionIn(BaseModel):
    at: Annotated[AwareDatetime, AfterValidator(plausible)] = Field(
        description="ISO 8601 with a UTC offset, between 2000 and 2099"
    )
    new_episode: bool = Field(
        default=False,
        description="This infusion begins a new episode of treatment (a new induction series)",
    )


class CheckinOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    flow_id: str
    due_at: datetime
    status: str


class InfusionOut(BaseModel):
    id: int
    patient_id: int
    at: datetime
    number: int
    status: str
    new_episode: bool
    checkins: list[CheckinOut]


class AnswerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    flow_id: str
    flow_version: int
    step_id: str
    value: Any
    raw_text: str | None
    recorded_at: datetime


class EscalationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    patient_id: int | None
    state: str
    reasons: list[str]
    level_index: int
    round: int
    opened_at: datetime
    acked_by_id: int | None
    acked_at: datetime | None
    resolved_by_id: int | None
    resolved_at: datetime | None
    note: str | None


class FieldProblems(BaseModel):
    """A 422 from the service's own checks: each field with what is wrong with it."""

    detail: dict[str, str] = Field(examples=[{"timezone": "Unknown time zone. Use Area/City."}])


class RequestProblems(BaseModel):
    """A 422 from reading the request: where (`loc`) and what (`msg`), one per problem."""

    detail: list[dict[str, Any]]


INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": FieldProblems | RequestProblems, "description": "Invalid input, named"}
}


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    instrument: Literal["phq9", "gad7"]
    total: int = Field(description="PHQ-9 0-27, GAD-7 0-21")
    at: Annotated[AwareDatetime, AfterValidator(plausible)] = Field(
        description="When it was taken: ISO 8601 with a UTC offset"
    )
    source: Literal["intake", "visit", "phone", "other"] = Field(
        default="intake", description="Where the score comes from (the bot's own are 'checkin')"
    )


class ScoreOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    patient_id: int
    instrument: str = Field(validation_alias="name")
    total: int
    at: datetime = Field(validation_alias="recorded_at")
    source: str
    complete: bool


class PointOut(BaseModel):
    total: int
    at: datetime


class RelapseOut(BaseModel):
    flag: bool
    since: datetime | None
    evidence: list[str]


class EpisodeOut(BaseModel):
    number: int
    started_at: datetime
    phase: Literal["induction", "maintenance"]
    infusions: int = Field(description="Infusions given so far in this episode")
    boosters: int


class OutcomeOut(BaseModel):
    instrument: str
    status: Literal[
        "remission", "response", "partial_response", "non_response", "no_baseline", "no_followup"
    ]
    baseline: PointOut | None
    latest: PointOut | None
    nadir: PointOut | None
    change_percent: float | None = Field(description="Latest against baseline; negative = better")
    early_non_response: bool
    early_evidence: str | None
    relapse: RelapseOut
    episode: EpisodeOut | None


class CheckinRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    flow: str = Field(min_length=1, max_length=64, examples=["phq9"])


class CheckinRequestOut(BaseModel):
    id: int
    patient_id: int
    flow_id: str
    goes_out: datetime = Field(description="The earliest it can start")
    waiting: str | None = Field(description="Why it does not go out at once; null when it does")
