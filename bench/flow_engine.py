"""Flow engine throughput: replies and steps per second over the library flows.

Pure and single core: no database, no network, a fixed injected clock. For
each built-in flow a scripted patient (texting the way people text: "about
a 6", "nope", option labels, "1 and 2", one unreadable reply per flow to
exercise the re-prompt) is recorded once, then replayed many times. Each
reply is timed as the service uses the engine: state read back from JSON,
`flows.advance`, new state written to JSON.

    .venv/bin/python bench/flow_engine.py [--seconds 1.0]

Steps are the steps entered (questions asked and messages said).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flows  # noqa: E402

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
CONTEXT = flows.Context(first_name="Ana", infusion_number=3, clinic_phone="555-0100")


def reply_to(question: flows.QuestionAsked, unreadable_used: bool) -> str:
    """Return what the scripted patient texts back."""
    if not unreadable_used:
        return "hmm"
    buttons = question.choices
    match question.answer_type:
        case "scale":
            return f"about a {buttons[len(buttons) // 2].reply}"
        case "yes_no":
            return "nope"
        case "choice":
            return buttons[0].label
        case "multi_choice":
            return f"{buttons[0].reply} and {buttons[1].reply}"
        case "number":
            return "about 7 hours"
    return "a bit tired today"


def record_script(flow: flows.Flow) -> list[str]:
    """Play the flow once and return the replies that complete it."""
    state, events = flows.start(flow, now=NOW, context=CONTEXT)
    replies: list[str] = []
    question: flows.QuestionAsked | None = None
    while state.active:
        # A re-prompt repeats no question, so keep answering the last one.
        asked = [e for e in events if isinstance(e, flows.QuestionAsked)]
        question = asked[-1] if asked else question
        assert question is not None
        replies.append(reply_to(question, unreadable_used=bool(replies)))
        state, events = flows.advance(flow, state, replies[-1], now=NOW, context=CONTEXT)
    return replies


def steps_in(events: list[flows.Event]) -> int:
    return sum(isinstance(e, flows.QuestionAsked | flows.MessageSaid) for e in events)


def play(flow: flows.Flow, replies: list[str]) -> tuple[int, int]:
    """Run one conversation the way the host does; return (replies, steps)."""
    state, events = flows.start(flow, now=NOW, context=CONTEXT)
    stored = json.dumps(state.to_dict())
    steps = steps_in(events)
    for text in replies:
        state = flows.SessionState.from_dict(json.loads(stored))
        state, events = flows.advance(flow, state, text, now=NOW, context=CONTEXT)
        stored = json.dumps(state.to_dict())
        steps += steps_in(events)
    assert state.status == "completed"
    return len(replies), steps


def measure(flow: flows.Flow, seconds: float) -> tuple[int, int, int, float]:
    replies = record_script(flow)
    conversations = total_replies = total_steps = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        n_replies, n_steps = play(flow, replies)
        conversations += 1
        total_replies += n_replies
        total_steps += n_steps
    return conversations, total_replies, total_steps, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per flow")
    args = parser.parse_args()

    started = time.perf_counter()
    library = flows.builtin_library()
    load_ms = (time.perf_counter() - started) * 1000
    flow = library.get("phq9")
    started = time.perf_counter()
    for _ in range(20):
        flows.from_snapshot(flow.snapshot())
    snapshot_ms = (time.perf_counter() - started) * 1000 / 20

    print(f"python {sys.version.split()[0]}, one core, {args.seconds:g} s per flow")
    print(f"load built-in library ({len(library)} flows): {load_ms:.1f} ms")
    print(f"phq9 snapshot -> from_snapshot: {snapshot_ms:.2f} ms")
    print()
    header = f"{'flow':<24}{'replies/conv':>13}{'conv/s':>10}{'replies/s':>12}{'steps/s':>11}{'us/reply':>10}"
    print(header)
    print("-" * len(header))
    all_replies = all_steps = 0
    all_elapsed = 0.0
    for flow in library:
        conversations, replies, steps, elapsed = measure(flow, args.seconds)
        all_replies, all_steps, all_elapsed = (
            all_replies + replies,
            all_steps + steps,
            all_elapsed + elapsed,
        )
        print(
            f"{flow.id:<24}{replies / conversations:>13.0f}{conversations / elapsed:>10.0f}"
            f"{replies / elapsed:>12.0f}{steps / elapsed:>11.0f}{elapsed / replies * 1e6:>10.0f}"
        )
    print("-" * len(header))
    print(
        f"{'all flows':<24}{'':>13}{'':>10}{all_replies / all_elapsed:>12.0f}"
        f"{all_steps / all_elapsed:>11.0f}{all_elapsed / all_replies * 1e6:>10.0f}"
    )


if __name__ == "__main__":
    main()
