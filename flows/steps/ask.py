"""`ask`: a question, and what happens to the reply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows.answers import Rejected
from flows.answers._words import normalise
from flows.commands import command_in
from flows.events import (
    AnswerRecorded,
    AnswerRejected,
    MessageSaid,
    QuestionAsked,
    ReminderDue,
    StepSkipped,
)
from flows.steps._registry import step_kind

if TYPE_CHECKING:
    from flows._run import Run
    from flows.model import Step
    from flows.types import Value


@step_kind("ask")
def ask(run: Run, step: Step) -> bool:
    """A question; the flow waits for the reply.

    ```yaml
    - id: mood
      ask:
        en: "Hi {first_name}, how is your mood today from 0 (worst) to 10 (best)?"
        es: "Hola {first_name}, ¿cómo está su ánimo hoy, de 0 (peor) a 10 (mejor)?"
      answer: {type: scale, min: 0, max: 10}     # see "Answer types"
      next:                      # optional: a step id, or routes tried in order
        - {if: "mood <= 3", goto: low_mood}
        - {goto: sleep}          # no route applies -> the step below
      escalate_if: "mood == 0"   # optional, see "Escalation"
      max_reprompts: 1           # optional (default: the flow's, else 2)
    ```

    A readable reply is recorded (`AnswerRecorded`) and the flow moves on.
    An unreadable one gets a short re-prompt saying what is expected
    (`AnswerRejected`); after `max_reprompts` of them the step is skipped
    (`StepSkipped`, reason `unreadable`) with a brief "let's move on".
    `goto: end` finishes the flow.
    """
    run.step_id = step.id
    run.reprompts = 0
    run.confirming = None
    assert step.answer is not None  # the compiler guarantees it for ask steps
    run.emit(
        QuestionAsked(
            step_id=step.id,
            text=run.render(step.text),
            answer_type=step.answer.yaml_name,
            choices=step.answer.buttons(run.context.language),
        )
    )
    return True


def receive(run: Run, step: Step, text: str) -> None:
    """Handle the patient's reply to the waiting question."""
    assert step.answer is not None
    cut = text[: run.limits.max_input_chars]
    command = command_in(cut)
    if command == "help":
        _help(run, step)
        return
    if command == "skip":
        _skip(run, step, "patient_skipped", text)
        return
    guessed, run.confirming = run.confirming, None
    if guessed is not None and _is_yes(cut):
        _record(run, step, guessed["value"], str(guessed["text"]), "confirmed")
        return
    result = step.answer.parse(cut)
    if isinstance(result, Rejected):
        _reject(run, step, text, result.problem)
        return
    if not result.sure:
        if guessed is not None:  # unclear twice: say what is expected, as for any miss
            _reject(run, step, text, "not_understood")
            return
        _confirm(run, step, result.value, text)
        return
    _record(run, step, result.value, text, result.note)


def _record(run: Run, step: Step, value: Value, text: str, note: str | None) -> None:
    run.answers[step.id] = value
    run.emit(AnswerRecorded(step.id, value, text, note))
    run.escalate(step)
    run.enter(run.next_after(step))


# A YES to "To be sure I have it right: ...?" (never a number: "2" is an answer).
_YES = {"y", "yes", "yeah", "yep", "yup", "ya", "correct", "right", "exactly", "si"}


def _is_yes(text: str) -> bool:
    words = normalise(text).split()
    return bool(words) and words[0] in _YES and len(words) <= 3


def _confirm(run: Run, step: Step, value: Value, text: str) -> None:
    """Ask once whether a guessed reading is right before recording it."""
    assert step.answer is not None
    run.confirming = {"value": value, "text": text}
    language = run.context.language
    answer = step.answer.describe(value, language)
    run.emit(
        QuestionAsked(
            step_id=step.id,
            text=run.phrase("confirm").format(answer=answer),
            answer_type=step.answer.yaml_name,
            choices=step.answer.buttons(language),
            repeat=True,
        )
    )


def remind(run: Run, step: Step) -> None:
    """Send the one reminder: the waiting question again, marked as a reminder."""
    assert step.answer is not None
    language = run.context.language
    text = f"{run.phrase('reminder')} {run.render(step.text)}"
    run.emit(ReminderDue(step.id, text, step.answer.buttons(language)))
    run.reminded = True
    run.reminder_at = None


def _help(run: Run, step: Step) -> None:
    assert step.answer is not None
    language = run.context.language
    hint = f"{step.answer.expected(language)} {run.phrase('help')}"
    run.emit(
        QuestionAsked(
            step_id=step.id,
            text=f"{run.render(step.text)}\n{hint}",
            answer_type=step.answer.yaml_name,
            choices=step.answer.buttons(language),
            repeat=True,
        )
    )


def _reject(run: Run, step: Step, text: str, problem: str) -> None:
    assert step.answer is not None
    attempt = run.reprompts + 1
    if attempt > run.max_reprompts(step):
        _skip(run, step, "unreadable", text)
        return
    run.reprompts = attempt
    language = run.context.language
    reprompt = f"{run.phrase(problem)} {step.answer.expected(language)}"
    run.emit(AnswerRejected(step.id, text, reprompt, attempt, step.answer.buttons(language)))


def _skip(run: Run, step: Step, reason: str, text: str) -> None:
    run.answers[step.id] = None
    run.emit(StepSkipped(step.id, reason, text))
    if reason == "unreadable":
        run.unreadable.append(step.id)
    escalated = run.escalate(step)
    # After an escalation the flow's own message says what happens next.
    if reason == "unreadable" and not escalated:
        run.emit(MessageSaid(step.id, run.phrase("moving_on")))
    run.enter(run.next_after(step))
