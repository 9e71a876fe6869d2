"""Settings fail loudly, naming the variable and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from bot.safety.crisis import CrisisResourcesError, load_crisis_message
from bot.safety.ladder import LadderError, load_ladder


def test_an_unknown_time_zone_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="CLINIC_TIMEZONE: .*unknown time zone 'Mars/Base'"):
        load_settings(_env_file=None, clinic_timezone="Mars/Base")


def test_a_bad_clinic_phone_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="CLINIC_PHONE"):
        load_settings(_env_file=None, clinic_phone="call us")


def test_twilio_credentials_without_a_sender_number_are_refused() -> None:
    with pytest.raises(SettingsError, match="TWILIO_FROM_NUMBER"):
        load_settings(_env_file=None, twilio_account_sid="AC1", twilio_auth_token="t")


def test_the_sandbox_beside_real_credentials_is_refused_at_start_up() -> None:
    with pytest.raises(SettingsError, match="SANDBOX=1 cannot run beside real Twilio"):
        load_settings(
            _env_file=None,
            sandbox=True,
            twilio_account_sid="AC1",
            twilio_auth_token="token",
            twilio_from_number="+12025550199",
        )


def test_half_the_twilio_credentials_are_refused() -> None:
    with pytest.raises(SettingsError, match="TWILIO_AUTH_TOKEN"):
        load_settings(_env_file=None, twilio_account_sid="AC1")


def test_a_dispatch_batch_size_of_zero_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="DISPATCH_BATCH_SIZE"):
        load_settings(_env_file=None, dispatch_batch_size=0)


def test_no_credentials_means_the_sandbox_channel() -> None:
    settings = load_settings(_env_file=None)
    assert settings.sandbox_enabled
    assert settings.database_url == "sqlite+aiosqlite:///./data/checkin.db"


def test_a_plain_postgres_url_gets_the_async_driver() -> None:
    settings = load_settings(_env_file=None, database_url="postgresql://u@db/checkin")
    assert settings.database_url == "postgresql+asyncpg://u@db/checkin"


def test_crisis_resources_by_locale() -> None:
    assert "116 123" in load_crisis_message("uk")[0]
    assert load_crisis_message("au")[1] == "000"
    assert "988" in load_crisis_message("US")[0]


def test_an_unknown_crisis_locale_is_an_error_not_a_fallback() -> None:
    with pytest.raises(CrisisResourcesError, match="CRISIS_RESOURCES"):
        load_crisis_message("fr")


def test_a_ladder_file_with_a_bad_target_says_where(tmp_path: Path) -> None:
    path = tmp_path / "ladder.yaml"
    path.write_text("levels:\n  - {target: nurse, wait_minutes: 5}\n")
    with pytest.raises(LadderError, match=r"levels\.0\.target"):
        load_ladder(path)
