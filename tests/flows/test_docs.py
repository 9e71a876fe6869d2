"""docs/flows.md is generated from the code, so it cannot drift."""

from __future__ import annotations

from pathlib import Path

from flows.docgen import generate

DOC = Path(__file__).parent.parent.parent / "docs" / "flows.md"


def test_the_committed_flow_reference_matches_the_generated_one() -> None:
    assert DOC.read_text(encoding="utf-8") == generate(), (
        "docs/flows.md is stale: run `.venv/bin/python -m flows.docgen > docs/flows.md`"
    )


def test_the_reference_documents_every_answer_type_and_says_which_questions_are_validated() -> None:
    text = generate()
    for name in ("scale", "number", "yes_no", "choice", "multi_choice", "text"):
        assert f"### `{name}`" in text
    assert "validated instrument (PHQ-9)" in text
    assert "validated instrument (GAD-7)" in text
    assert "validated instrument (ASQ)" in text
    assert "The clinic's own questions" in text
    assert "Do not edit their stems, items or response options" in text
