"""Check-ins as a FHIR R4 Bundle (type collection) of QuestionnaireResponses.

Each complete PHQ-9 or GAD-7 total is also an Observation (LOINC 44261-6, 70274-6),
``derivedFrom`` its QuestionnaireResponse, so an EHR can chart totals without reading
the responses. An incomplete total is not a score: it stays on the response only.

One QuestionnaireResponse per conversation, answers in the order given, plus
one Questionnaire per flow version the responses answer (R4 puts LOINC codes
on the Questionnaire: `code` for the panel, `item.code` for each question;
a response item only carries the `linkId`). PHQ-9 and GAD-7 answers are LOINC
answer codings (LA6568-5 "Not at all" ...), totals are `<name>_total` items.

Validated with `fhir.resources.R4B` before it leaves: the package ships R4B
and R5 models, not R4 (4.0.1), and R4B's Bundle, Questionnaire and
QuestionnaireResponse have R4's elements and value sets, so an R4 reader
reads this unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fhir.resources.R4B.bundle import Bundle

import flows
from bot.exports import loinc
from bot.exports.records import SessionRecord
from bot.exports.spreadsheet import utc_iso
from bot.outcomes.definitions import NAMES
from flows.answers.choice import ChoiceAnswer
from flows.answers.multi_choice import MultiChoiceAnswer
from flows.model import Step
from flows.texts import render
from storage.models import Answer, FlowSessionStatus, Score

STATUS = {
    FlowSessionStatus.COMPLETED: "completed",
    FlowSessionStatus.ACTIVE: "in-progress",
    FlowSessionStatus.EXPIRED: "stopped",
    FlowSessionStatus.ABANDONED: "stopped",
}
_ITEM_TYPES = {
    "scale": "integer",
    "number": "decimal",
    "yes_no": "boolean",
    "choice": "choice",
    "multi_choice": "choice",
    "text": "string",
}


class Canon:
    """Canonical URLs under the service's public address."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/") + "/fhir"

    def questionnaire(self, flow_id: str) -> str:
        return f"{self.base}/Questionnaire/{flow_id}"

    def choices(self, flow_id: str, step_id: str) -> str:
        return f"{self.base}/CodeSystem/{flow_id}/{step_id}"


def _instrument(flow: flows.Flow | None) -> loinc.Instrument | None:
    return loinc.INSTRUMENTS.get(flow.spec.instrument or "") if flow else None


def _answer_values(record: SessionRecord, answer: Answer, canon: Canon) -> list[dict[str, Any]]:
    coded = _instrument(record.flow)
    codes = coded.answers.get(answer.step_id, {}) if coded else {}
    values = answer.value if isinstance(answer.value, list) else [answer.value]
    step = record.flow.steps.get(answer.step_id) if record.flow else None
    kind = step.answer.yaml_name if step and step.answer else None
    out: list[dict[str, Any]] = []
    for value in values:
        if value is None:
            continue
        if isinstance(value, int | str) and value in codes:
            code, display = codes[value]
            out.append({"valueCoding": loinc.coding(code, display)})
        elif kind == "yes_no" and value in ("yes", "no"):
            out.append({"valueBoolean": value == "yes"})
        elif isinstance(value, int) and kind != "number":
            out.append({"valueInteger": value})
        elif isinstance(value, int | float):
            out.append({"valueDecimal": value})
        elif kind in ("choice", "multi_choice"):
            system = canon.choices(record.flow_session.flow_id, answer.step_id)
            out.append({"valueCoding": {"system": system, "code": str(value)}})
        else:
            out.append({"valueString": str(value)})
    return out


def _score_item(score: Score) -> dict[str, Any]:
    band = f" ({score.band})" if score.band else ""
    if score.missing:
        band = f" (incomplete: no answer to {', '.join(score.missing)})"
    return {
        "linkId": f"{score.name}_total",
        "text": f"{score.name} total score{band}",
        "answer": [{"valueInteger": score.total}],
    }


def response(record: SessionRecord, canon: Canon) -> dict[str, Any]:
    fs = record.flow_session
    items: list[dict[str, Any]] = []
    for answer in record.answers:
        item: dict[str, Any] = {"linkId": answer.step_id}
        if text := record.question(answer.step_id):
            item["text"] = text
        if values := _answer_values(record, answer, canon):
            item["answer"] = values
        items.append(item)
    items.extend(_score_item(score) for score in record.scores)
    authored = max((a.recorded_at for a in record.answers), default=fs.updated_at)
    return {
        "resourceType": "QuestionnaireResponse",
        "id": str(fs.id),
        "identifier": {"system": f"{canon.base}/flow-session", "value": str(fs.id)},
        "questionnaire": f"{canon.questionnaire(fs.flow_id)}|{fs.flow_version}",
        "status": STATUS.get(fs.status, "stopped"),
        "subject": {"reference": f"Patient/{fs.patient_id}"},
        "authored": utc_iso(authored),
        "item": items,
    }


def _question_item(
    flow: flows.Flow, step: Step, instrument: loinc.Instrument | None, canon: Canon
) -> dict[str, Any]:
    assert step.answer is not None
    kind = step.answer.yaml_name
    codes = instrument.answers.get(step.id, {}) if instrument else {}
    item: dict[str, Any] = {
        "linkId": step.id,
        "text": render(step.text, flows.Context()),
        "type": "choice" if codes else _ITEM_TYPES.get(kind, "string"),
    }
    if instrument and step.id in instrument.items:
        item["code"] = [loinc.coding(instrument.items[step.id])]
    if codes:
        item["answerOption"] = [
            {"valueCoding": loinc.coding(code, display)} for code, display in codes.values()
        ]
    elif isinstance(step.answer, ChoiceAnswer | MultiChoiceAnswer):
        system = canon.choices(flow.id, step.id)
        item["answerOption"] = [
            {"valueCoding": {"system": system, "code": value}} for value in step.answer.choices
        ]
    if kind == "multi_choice":
        item["repeats"] = True
    return item


def questionnaire(flow: flows.Flow, canon: Canon) -> dict[str, Any]:
    instrument = _instrument(flow)
    items = [
        _question_item(flow, step, instrument, canon)
        for step in flow.steps.values()
        if step.answer is not None
    ]
    for score in flow.scores:
        total: dict[str, Any] = {
            "linkId": f"{score.name}_total",
            "text": f"{score.name} total score",
            "type": "integer",
            "readOnly": True,
        }
        if instrument:
            total["code"] = [loinc.coding(instrument.total)]
        items.append(total)
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": f"{flow.id}-v{flow.version}"[-64:],
        "url": canon.questionnaire(flow.id),
        "version": str(flow.version),
        "title": flow.title,
        "status": "active",
        "subjectType": ["Patient"],
    }
    if items:
        resource["item"] = items
    if instrument:
        resource["code"] = [loinc.coding(instrument.panel, instrument.panel_display)]
    return resource


SURVEY = {
    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
    "code": "survey",
    "display": "Survey",
}


def total_observation(score: Score, instrument: loinc.Instrument, **link: Any) -> dict[str, Any]:
    """A complete total as an Observation; ``link`` says where it came from (``derivedFrom``
    its response, or a ``note``)."""
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"score-{score.id}",
        "status": "final",
        "category": [{"coding": [SURVEY]}],
        "code": {"coding": [loinc.coding(instrument.total)], "text": f"{score.name} total score"},
        "subject": {"reference": f"Patient/{score.patient_id}"},
        "effectiveDateTime": utc_iso(score.recorded_at),
        "valueInteger": score.total,
        **link,
    }
    if score.band:
        resource["interpretation"] = [{"text": score.band}]
    return resource


def observations(record: SessionRecord, canon: Canon) -> list[dict[str, Any]]:
    """One Observation per complete instrument total of the conversation."""
    instrument = _instrument(record.flow)
    if instrument is None:
        return []
    response = {"reference": f"{canon.base}/QuestionnaireResponse/{record.flow_session.id}"}
    return [
        total_observation(score, instrument, derivedFrom=[response])
        for score in record.scores
        if not score.missing
    ]


def recorded_observation(score: Score) -> dict[str, Any] | None:
    """An Observation for a score staff recorded from outside the bot (no response)."""
    instrument = loinc.INSTRUMENTS.get(NAMES.get(score.name, ""))
    if instrument is None:
        return None
    note = f"Recorded by staff from outside the check-ins: {score.source}"
    return total_observation(score, instrument, note=[{"text": note}])


def bundle(
    records: list[SessionRecord],
    *,
    base_url: str,
    generated_at: str,
    recorded: Sequence[Score] = (),
) -> dict[str, Any]:
    canon = Canon(base_url)

    def entry(resource: dict[str, Any]) -> dict[str, Any]:
        return {
            "fullUrl": f"{canon.base}/{resource['resourceType']}/{resource['id']}",
            "resource": resource,
        }

    entries: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for record in records:
        flow = record.flow
        if flow is not None and (flow.id, flow.version) not in seen:
            seen.add((flow.id, flow.version))
            entries.append(entry(questionnaire(flow, canon)))
    for record in records:
        entries.append(entry(response(record, canon)))
        entries.extend(entry(o) for o in observations(record, canon))
    entries.extend(entry(o) for score in recorded if (o := recorded_observation(score)) is not None)
    data: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": generated_at,
    }
    if entries:  # FHIR JSON has no empty arrays
        data["entry"] = entries
    return data


def to_json(
    records: list[SessionRecord],
    *,
    base_url: str,
    generated_at: str,
    recorded: Sequence[Score] = (),
) -> tuple[str, int]:
    """The Bundle as JSON, checked against the FHIR models, and how many responses it holds."""
    data = bundle(records, base_url=base_url, generated_at=generated_at, recorded=recorded)
    Bundle.model_validate(data)  # raises on anything FHIR would refuse
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n", len(records)
