"""Settings from the environment (or `.env`); every key is listed in `.env.example`."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.phones import InvalidPhone, normalize_phone
from bot.wallclock import hhmm, parse_time_of_day


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable and why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    database_url: str = "sqlite+aiosqlite:///./data/checkin.db"
    public_base_url: str = "http://127.0.0.1:8000"

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    # Voice pages (the ladder's `voice_after_rounds`) call from this number; unset: from
    # TWILIO_FROM_NUMBER. A Messaging Service cannot place calls.
    twilio_voice_from_number: str | None = None

    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"

    clinic_name: str = "the clinic"
    clinic_phone: str = ""
    clinic_timezone: str = "America/New_York"
    crisis_resources: str = "us"
    escalation_ladder: Path | None = None
    flows_dir: Path | None = None
    admin_token: str | None = None
    # Dashboard sessions: the cookie signing key (unset: a random one per process, so
    # logins do not survive a restart and several web processes need it set) and how
    # long a login may sit idle before it must sign in again.
    session_secret: str | None = None
    session_idle_minutes: float = Field(default=30.0, gt=0)
    # Failed sign-ins allowed per account within the lockout window (an address gets
    # four times as many); then sign-in is refused until the window has passed.
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: float = Field(default=15.0, gt=0)
    sandbox: bool = False
    # /docs, /redoc and /openapi.json: unset means on with the sandbox (development) and
    # off once a real channel is configured (production); 1 or 0 forces either.
    api_docs: bool | None = None
    # Addresses of reverse proxies whose X-Forwarded-For is believed (comma-separated, as
    # uvicorn takes them). Empty: nobody's, so a client cannot pick the address that
    # sign-in throttling counts against.
    forwarded_allow_ips: str = ""

    # An inbound message the database has not taken within this many seconds is spooled
    # to INBOUND_SPOOL_PATH (fsync'd) and the webhook answers: Twilio gives up at 15 s.
    inbound_deadline_seconds: float = Field(default=5.0, gt=0)
    inbound_spool_path: str = "./data/inbound-spool.jsonl"

    # Safety limits (explicit, with defaults).
    page_max_attempts: int = Field(default=12, ge=1)
    routine_max_attempts: int = Field(default=6, ge=1)
    retry_base_seconds: float = Field(default=2.0, gt=0)
    retry_max_seconds: float = Field(default=300.0, gt=0)
    outbox_tick_seconds: float = Field(default=5.0, gt=0)
    escalation_tick_seconds: float = Field(default=15.0, gt=0)
    outbox_lease_seconds: float = Field(default=60.0, gt=0)
    safety_check_window_minutes: float = Field(default=15.0, gt=0)
    crisis_resend_minutes: float = Field(default=60.0, gt=0)
    quiet_hours_start: str = "21:00"
    quiet_hours_end: str = "08:00"
    checkin_tick_seconds: float = Field(default=30.0, gt=0)
    # The self-healing sweep that plans a due row for every active patient without one
    # (after enrolment or resume) reads every patient: at most this often (0 = every
    # check-in tick). Worth setting when the tick is much shorter than the default.
    planning_sweep_seconds: float = Field(default=0.0, ge=0)
    # How often relapse and early non-response are looked for, to raise review-list
    # signals (docs/outcomes.md). They are never pages: hourly is soon enough.
    outcome_sweep_seconds: float = Field(default=3600.0, gt=0)
    # Once a day from this clinic-local time, the primary on call gets a summary of the
    # treatment signals nobody has marked seen (never a page). Empty turns it off.
    outcome_digest_time: str = "08:00"
    # Due check-ins started per transaction. A batch holds its patients' rows until it
    # commits, and a patient who writes meanwhile waits for that lock before screening:
    # larger batches send a clinic's 09:00 check-ins faster, and can keep that patient
    # waiting longer (see bench/dispatch.py --probes).
    dispatch_batch_size: int = Field(default=100, ge=1, le=1000)
    # Routine messages per second per channel (0 = unlimited); pages are never held.
    sms_rate_per_second: float = Field(default=10.0, ge=0)
    telegram_rate_per_second: float = Field(default=25.0, ge=0)
    provider_timeout_seconds: float = Field(default=10.0, gt=0)
    log_format: str = "console"

    @field_validator("escalation_ladder", "flows_dir", mode="before")
    @classmethod
    def _blank_path_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("quiet_hours_start", "quiet_hours_end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        return hhmm(value)

    @field_validator("outcome_digest_time")
    @classmethod
    def _hhmm_or_off(cls, value: str) -> str:
        """HH:MM, or empty for no digest."""
        return cls._hhmm(value) if value.strip() else ""

    @field_validator("clinic_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r} (use Area/City, e.g. Europe/London)"
            ) from exc
        return value

    @field_validator("twilio_from_number", "twilio_voice_from_number", "clinic_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if not value:
            return value
        try:
            return normalize_phone(value)
        except InvalidPhone as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith(("postgres://", "postgresql://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.split(":///", 1)[1]
        return value

    @property
    def quiet_hours(self) -> tuple[time, time]:
        return parse_time_of_day(self.quiet_hours_start), parse_time_of_day(self.quiet_hours_end)

    @property
    def twilio_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def voice_from_number(self) -> str | None:
        """The number voice pages call from, when Twilio is on; None: no voice channel."""
        if not self.twilio_enabled:
            return None
        return self.twilio_voice_from_number or self.twilio_from_number

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def api_docs_enabled(self) -> bool:
        return self.sandbox_enabled if self.api_docs is None else self.api_docs

    @property
    def sandbox_enabled(self) -> bool:
        return self.sandbox or not (self.twilio_enabled or self.telegram_enabled)

    def check_consistency(self) -> None:
        """Fail on combinations that would silently drop messages."""
        if self.twilio_enabled and not (
            self.twilio_from_number or self.twilio_messaging_service_sid
        ):
            raise SettingsError(
                "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID must be set "
                "when TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are"
            )
        if bool(self.twilio_account_sid) != bool(self.twilio_auth_token):
            raise SettingsError("set both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or neither")
        if self.telegram_enabled and not self.telegram_webhook_secret:
            raise SettingsError("TELEGRAM_WEBHOOK_SECRET must be set when TELEGRAM_BOT_TOKEN is")
        if self.sandbox and (self.twilio_enabled or self.telegram_enabled):
            # The sandbox puts a demo clinician on call and shows pages to anyone who opens
            # it: beside a real channel a real patient's page would go to a fictional
            # number and be readable, and acknowledgeable, without signing in.
            raise SettingsError(
                "SANDBOX=1 cannot run beside real Twilio or Telegram credentials: "
                "unset SANDBOX, or the credentials for a demo"
            )


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's errors into one that names each variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from None
    settings.check_consistency()
    return settings
