"""The `checkin` command as staff use it: enroll, register, set the rota, list."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.safety.rota import on_call
from storage.db import make_engine, make_sessionmaker

runner = CliRunner()


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_staff_enroll_a_patient_and_see_them_listed_with_a_masked_phone(env: None) -> None:
    code, out = run(
        "patient",
        "add",
        "--name",
        "Sam Lee",
        "--phone",
        "(202) 555-0131",
        "--timezone",
        "America/Chicago",
        "--checkin-time",
        "8:30",
    )
    assert code == 0, out
    patient_id = int(out.strip())

    code, out = run("patient", "list")
    assert code == 0
    assert f"{patient_id}\tSam Lee\t+1******0131\tsms\tAmerica/Chicago\tactive" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--phone", "not a phone"], "--phone"),
        (["--phone", "+12025550131", "--timezone", "Nowhere/Place"], "--timezone"),
        (["--phone", "+12025550131", "--checkin-time", "25:00"], "--checkin-time"),
    ],
)
def test_bad_enrollment_input_gets_a_clear_error_and_stores_nothing(
    env: None, args: list[str], message: str
) -> None:
    code, out = run("patient", "add", "--name", "Sam Lee", *args)
    assert code == 1
    assert message in out
    assert "Sam Lee" not in run("patient", "list")[1]


def test_enrolling_the_same_phone_twice_is_refused(env: None) -> None:
    assert run("patient", "add", "--name", "A B", "--phone", "+12025550131")[0] == 0
    code, out = run("patient", "add", "--name", "C D", "--phone", "+12025550131")
    assert code == 1
    assert "already enrolled" in out


def test_pause_and_resume_change_the_listed_status(env: None) -> None:
    patient_id = run("patient", "add", "--name", "A B", "--phone", "+12025550131")[1].strip()
    assert run("patient", "pause", patient_id)[0] == 0
    assert "paused" in run("patient", "list")[1]
    assert run("patient", "resume", patient_id)[0] == 0
    assert "active" in run("patient", "list")[1]
    assert run("patient", "pause", "9999")[0] == 1


def test_the_rota_set_from_the_cli_is_the_one_the_ladder_pages(
    env: None, database_url: str
) -> None:
    primary = run("clinician", "add", "--name", "Dr P", "--phone", "+12025550121")[1].strip()
    backup = run("clinician", "add", "--name", "Dr B", "--phone", "+12025550122")[1].strip()

    code, out = run("oncall", "set", "--primary", primary, "--backup", backup)
    assert code == 0, out

    async def who_is_on_call() -> tuple[str | None, str | None]:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                now = datetime.now(UTC)
                first = await on_call(session, role="primary", at=now)
                second = await on_call(session, role="backup", at=now)
                return (first.name if first else None, second.name if second else None)
        finally:
            await engine.dispose()

    assert asyncio.run(who_is_on_call()) == ("Dr P", "Dr B")


def test_the_rota_refuses_an_unknown_clinician(env: None) -> None:
    code, out = run("oncall", "set", "--primary", "42")
    assert code == 1
    assert "no clinician with id 42" in out


def test_a_shift_set_from_the_cli_is_confirmed_in_clinic_time(env: None) -> None:
    clinician = run("clinician", "add", "--name", "Dr P", "--phone", "+12025550121")[1].strip()

    code, out = run(
        "oncall", "set", "--primary", clinician,
        "--from", "2031-03-03T14:00Z", "--to", "2031-03-04T14:00Z",
    )  # fmt: skip

    assert code == 0, out
    assert out.strip() == (
        "on call from Mon 2031-03-03 09:00 EST until Tue 2031-03-04 09:00 EST "
        "(clinic time, America/New_York)"
    )


def test_the_rota_refuses_a_time_without_an_offset(env: None) -> None:
    clinician = run("clinician", "add", "--name", "Dr P", "--phone", "+12025550121")[1].strip()
    code, out = run("oncall", "set", "--primary", clinician, "--from", "2026-12-01T09:00")
    assert code == 1
    assert "UTC offset" in out


def test_recording_an_infusion_prints_its_check_ins_in_the_patients_time(env: None) -> None:
    patient = run("patient", "add", "--name", "A B", "--phone", "+12025550131")[1].strip()

    code, out = run("infusion", "add", patient, "--at", "2031-03-03T10:00-05:00")

    assert code == 0, out
    assert "post-infusion-evening    Mon 2031-03-03 19:00 EST  due" in out
    assert "post-infusion-morning    Tue 2031-03-04 09:00 EST  due" in out
    assert "post-infusion-72h        Thu 2031-03-06 10:00 EST  due" in out


def test_an_infusion_time_without_an_offset_is_read_in_the_patients_own_zone(env: None) -> None:
    patient = run(
        "patient", "add", "--name", "A B", "--phone", "+12025550131",
        "--timezone", "America/Chicago",
    )[1].strip()  # fmt: skip

    code, out = run("infusion", "add", patient, "--at", "2031-03-03T10:00")

    assert code == 0, out
    assert "--at read in America/Chicago, the patient's time zone" in out
    assert "post-infusion-72h        Thu 2031-03-06 10:00 CST  due" in out
    infusion = out.split()[0]
    code, out = run("infusion", "move", infusion, "--at", "2031-03-04T11:30")
    assert code == 0, out
    assert out.strip() == f"infusion {infusion} moved to Tue 2031-03-04 11:30 CST (America/Chicago)"


def test_cancelling_an_infusion_removes_its_check_ins(env: None) -> None:
    patient = run("patient", "add", "--name", "A B", "--phone", "+12025550131")[1].strip()
    infusion = run("infusion", "add", patient, "--at", "2031-03-03T10:00-05:00")[1].split()[0]

    code, out = run("infusion", "cancel", infusion)

    assert code == 0, out
    assert "4 check-ins removed" in out
    assert run("infusion", "cancel", infusion)[0] == 1


def test_an_infusion_for_an_unknown_patient_is_refused(env: None) -> None:
    code, out = run("infusion", "add", "77", "--at", "2031-03-03T10:00-05:00")
    assert code == 1
    assert "no patient with id 77" in out


@pytest.mark.parametrize("at", ["0001-01-01T00:00-05:00", "9999-12-31T23:00Z"])
def test_an_infusion_time_no_clinic_could_mean_is_refused_with_a_clear_message(
    env: None, at: str
) -> None:
    patient = run("patient", "add", "--name", "A B", "--phone", "+12025550131")[1].strip()

    code, out = run("infusion", "add", patient, "--at", at)

    assert code == 1
    assert "must be between 2000 and 2099" in out
    assert "Traceback" not in out
    code, out = run("infusion", "add", patient, "--at", "2031-03-03T10:00-05:00")
    assert code == 0 and out.split()[0].isdigit()


def test_a_command_on_a_missing_database_says_so_in_one_line_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "data" / "checkin.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{target}")

    code, out = run("patient", "list")

    assert code == 2
    assert out.strip().splitlines() == [
        f"No database at {target} (DATABASE_URL=sqlite+aiosqlite:///{target}). Run "
        "`checkin db upgrade` to create it, or set DATABASE_URL to the clinic's database."
    ]
    assert not target.exists()


def test_a_command_on_an_unmigrated_database_asks_for_db_upgrade(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    if empty_database_url.startswith("sqlite"):
        Path(empty_database_url.split("///", 1)[1]).touch()  # a file, but no tables

    code, out = run("infusion", "cancel", "1")

    assert code == 2
    assert "has no checkin-bot tables" in out and "run `checkin db upgrade`" in out
    assert "Traceback" not in out


def test_lists_of_patients_clinicians_and_accounts_start_with_a_header_row(env: None) -> None:
    assert run("clinician", "list")[1].startswith("No clinicians yet")
    clinician = run("clinician", "add", "--name", "Dr P", "--phone", "+12025550121")[1].strip()
    run("patient", "add", "--name", "Sam Lee", "--phone", "+12025550131")
    result = runner.invoke(
        app,
        ["user", "add", "--email", "Nurse@Clinic.example.org", "--role", "clinician",
         "--clinician-id", clinician],
        input="a long enough secret\na long enough secret\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "GetPassWarning" not in result.output
    assert "Added nurse@clinic.example.org as clinician" in result.output

    clinicians = run("clinician", "list")[1].splitlines()
    patients = run("patient", "list")[1].splitlines()
    users = run("user", "list")[1].splitlines()

    assert clinicians == [
        "id\tname\tphone\ttelegram\tactive",
        f"{clinician}\tDr P\t+1******0121\t-\tyes",
    ]
    assert patients[0] == "id\tname\tphone\tchannel\ttimezone\tstatus" and "Sam Lee" in patients[1]
    assert users[0] == "id\temail\trole\tclinician\tactive"
    assert users[1].split("\t")[1:] == ["nurse@clinic.example.org", "clinician", clinician, "yes"]


def test_the_cli_lists_of_roles_and_formats_match_the_code_they_stand_for() -> None:
    from typing import get_args

    from bot.cli import exports, rota, users
    from bot.exports import FORMATS
    from storage.models import OnCallRole, StaffRole

    assert rota.ROLES == OnCallRole.ALL
    assert users.ROLES == StaffRole.ALL
    assert get_args(exports.Format) == FORMATS


def test_group_help_loads_no_database_code() -> None:
    import subprocess
    import sys

    probe = (
        "import sys; from typer.testing import CliRunner; from bot.cli import app; "
        "r = CliRunner().invoke(app, sys.argv[1:]); assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')))"
    )
    groups = ("patient", "clinician", "oncall", "user", "db", "infusion", "score", "checkin")
    for group in (*groups, "export"):
        out = subprocess.run(
            [sys.executable, "-c", probe, group, "--help"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert out.strip().splitlines()[-1] == "[]", (group, out)


def test_a_clinician_on_call_is_deactivated_with_a_warning_and_listed_as_inactive(
    env: None,
) -> None:
    clinician = run("clinician", "add", "--name", "Dr P", "--phone", "+12025550121")[1].strip()
    assert run("oncall", "set", "--primary", clinician)[0] == 0

    code, out = run("clinician", "deactivate", clinician)

    assert code == 0, out
    assert "Dr P deactivated: the ladder and the rota skip them" in out
    assert "warning: they were on call as primary; nobody is now." in out
    listed = run("clinician", "list")[1]
    assert f"{clinician}\tDr P\t" in listed and listed.rstrip().endswith("\tno")
    assert "Dr P reactivated" in run("clinician", "reactivate", clinician)[1]
    assert run("clinician", "deactivate", "999")[0] == 1


def test_flows_round_trip_through_git_export_import_as_a_draft_and_publish_with_checks(
    env: None, tmp_path: Path
) -> None:
    code, exported = run("flows", "export", "daily-checkin")
    assert code == 0, exported
    assert "version: 2" in exported and "id: daily-checkin" in exported
    edited = tmp_path / "daily-checkin.yaml"
    edited.write_text(exported.replace("how is your mood today", "how are you today"))

    code, out = run("flows", "import", str(edited), "--note", "shorter")
    assert (code, out.strip()) == (0, "daily-checkin version 3: draft")
    code, out = run("flows", "versions", "daily-checkin")
    assert out.splitlines()[1].split("\t")[:4] == ["3", "draft", "import daily-checkin.yaml", "cli"]
    code, out = run("flows", "publish", "daily-checkin", "3", "--note", "shorter")
    assert (code, out.strip()) == (0, "daily-checkin version 3: published")
    code, out = run("flows", "export", "daily-checkin", "--version", "3")
    assert "how are you today" in out and "version: 3" in out

    unsafe = tmp_path / "unsafe.yaml"
    unsafe.write_text(out.replace('if: "safety == yes"', 'if: "safety == no"'))
    run("flows", "import", str(unsafe))
    code, out = run("flows", "publish", "daily-checkin", "4")
    assert code == 1
    assert 'warning: step safety escalates on "safety == no" instead of "safety == yes"' in out
    assert "daily-checkin version 4 not published" in out

    broken = tmp_path / "broken.yaml"
    broken.write_text("id: daily-checkin\nversion: 9\nsteps: 3\n")
    code, out = run("flows", "import", str(broken))
    assert code == 1 and "broken.yaml:3 steps: must be a list" in out
