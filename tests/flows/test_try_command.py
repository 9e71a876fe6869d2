"""`checkin flows try FLOW_ID`: play a flow in the terminal, with piped replies."""

from __future__ import annotations

from types import ModuleType

from typer.testing import CliRunner


def play(cli: ModuleType, *args: str, replies: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.app, ["try", *args], input=replies, env={"FLOWS_DIR": ""})
    return result.exit_code, result.output


def test_piped_replies_play_the_daily_check_in_as_the_patient_sees_it(
    flows_cli: ModuleType,
) -> None:
    code, output = play(
        flows_cli,
        "daily-checkin",
        "--name",
        "Ana",
        "--clinic-phone",
        "555-0100",
        replies="about a 7\n1\nhelp\n2\nnope\nsometimes\n",
    )
    assert code == 0
    assert output.splitlines() == [
        "bot: Hi Ana, how is your mood today from 0 (worst) to 10 (best)?",
        "     buttons: 0 worst | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 best",
        "you: about a 7",
        "     [recorded mood = 7]",
        "bot: How did you sleep last night? 1 well, 2 OK, 3 poorly, 4 hardly at all",
        "     buttons: well | OK | poorly | hardly at all",
        "you: 1",
        '     [recorded sleep = "well"]',
        "bot: How anxious have you felt today, from 0 (not at all) to 10 (extremely)?",
        "     buttons: 0 not at all | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 extremely",
        "you: help",
        "bot: How anxious have you felt today, from 0 (not at all) to 10 (extremely)?",
        "     Please reply with a number from 0 to 10. Reply SKIP to skip this question.",
        "     buttons: 0 not at all | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 extremely",
        "you: 2",
        "     [recorded anxiety = 2]",
        "bot: Since your last check-in, any of these? Reply with all that apply: 1 nausea, "
        "2 dizziness, 3 headache, 4 feeling unreal or detached, 5 none",
        "     buttons: nausea | dizziness | headache | feeling unreal or detached | none",
        "you: nope",
        '     [recorded side_effects = ["none"]]',
        "bot: Over the last day, have you had thoughts that you would be better off dead, or of "
        "hurting yourself in some way? Reply YES or NO.",
        "     buttons: Yes | No",
        "you: sometimes",
        '     [recorded safety = "yes" (hedged)]',
        "     [ESCALATION suicide_risk: Daily check-in: yes to thoughts of being better off dead "
        "or of self-harm]",
        "bot: Thank you for telling me. I've alerted your care team and a clinician will contact "
        "you soon. If you are in immediate danger, call 911.",
        "     [flow completed]",
    ]


def test_wait_moves_the_clock_to_show_the_reminder_and_the_expiry(flows_cli: ModuleType) -> None:
    code, output = play(flows_cli, "bladder", "-l", "es", replies="/wait 4h\n/wait 20h\n")
    assert code == 0
    assert "bot: Recordatorio: Hola Alex, su revisión mensual de vejiga." in output
    assert output.rstrip().endswith("[flow expired]")


def test_running_out_of_input_stops_quietly(flows_cli: ModuleType) -> None:
    code, output = play(flows_cli, "phq9", replies="0\n")
    assert code == 0
    assert output.rstrip().endswith("[stopped: no more input]")


def test_an_unknown_flow_id_lists_the_known_ones_and_exits_1(flows_cli: ModuleType) -> None:
    code, output = play(flows_cli, "daily", replies="")
    assert code == 1
    assert "no flow with id 'daily' (known: asq, bladder, daily-checkin" in output
