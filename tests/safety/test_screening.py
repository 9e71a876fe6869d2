"""Screening: what level a clinician would see for what a patient writes."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli.screen import screen_lines
from bot.safety import rules
from bot.safety.normalize import normalize
from bot.safety.screening import (
    MODEL_REASONS,
    Level,
    Screening,
    max_level,
    rules_layer,
    screen,
    screen_with,
)

CLINIC_SET = Path(__file__).with_name("clinic_messages.csv")
PATTERNS = Path(rules.__file__).with_name("patterns.yaml")
# Every reason a screening may give: the rules' categories, and the risk model's.
REASONS = {*rules.CATEGORIES, *MODEL_REASONS.values()}


def level_of(text: str) -> str:
    """The rules' level: these tests are about the phrase rules, the floor under the model
    (the model's own behaviour is in test_risk_model.py)."""
    return rules_layer(text).level.value


def test_levels_are_ordered_and_max_level_picks_the_most_urgent() -> None:
    assert Level.NONE.rank < Level.REVIEW.rank < Level.CHECK.rank < Level.URGENT.rank
    assert max_level(Level.CHECK, Level.URGENT, Level.NONE) is Level.URGENT
    assert max_level() is Level.NONE


def test_to_json_matches_the_checkin_screen_contract() -> None:
    result = screen_with("I want to die", [rules_layer])
    assert result.to_json("I want to die") == {
        "text": "I want to die",
        "level": "urgent",
        "reasons": ["direct_ideation"],
    }


@pytest.mark.parametrize(
    "text",
    ["I want to kill myself, call me at 555-0100", "Maria here: I took all my pills"],
)
def test_reasons_are_category_names_never_message_text(text: str) -> None:
    reasons = screen(text).reasons
    assert reasons
    assert all(reason in REASONS for reason in reasons)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I'm not suicidal", "none"),
        ("no thoughts of hurting myself", "none"),
        ("I'm not suicidal but I want to die", "urgent"),
        ("never had thoughts of killing myself until today", "urgent"),
        ("no thoughts of self harm, but I've been cutting again", "urgent"),
        ("I don't want to die", "none"),
        ("I don't want to die but sometimes I do", "urgent"),
        ("I would never hurt myself", "none"),
        ("I'm not going to kill myself tonight", "check"),
        ("not suicidal right now", "check"),
        ("fewer suicidal thoughts since the infusion", "check"),
        ("No plans or intent to harm myself", "none"),
        ("nope, no self harm, no wanting to die, all good", "none"),
        ("The nurse asked if I wanted to die and I said no", "none"),
        ("she asked if i wanted to die and i said no but that was a lie", "urgent"),
        ("sin ideas suicidas hoy", "none"),
        ("sin ideas suicidas hasta hoy", "urgent"),
        # "off myself" squeezes to "of myself": only intent makes it a threat.
        ("kinda proud of myself lol", "none"),
        ("im going to off myself", "urgent"),
        ("i'm scared of myself tonight", "check"),
        # A denial's "until" was read past when the denied noun ended the phrase.
        ("no suicidal thoughts until today", "urgent"),
        ("no urges. no thats wrong, i had urges to cut all day", "urgent"),
        ("no unalive thoughts, just cranky", "none"),
        ("me quiero morir de la pena, le mandé el mensaje a mi jefe", "none"),
        # Charted answers, and a denial taken back anywhere in the message.
        ("SI: none. HI: none. sleep ok", "none"),
        ("0 for self harm, 3 for anxiety", "none"),
        ("cero autolesiones y duermo mejor", "none"),
        ("no wish to be dead, just worn out from work", "none"),
        ("not having thoughts of killing myself. jk. they are loud today", "urgent"),
        ("no tengo ideas de suicidarme. bueno, mentira", "urgent"),
        ("no self harm this week... i lied, i burned my arm", "urgent"),
    ],
)
def test_a_denial_silences_only_the_denied_phrase(text: str, level: str) -> None:
    assert level_of(text) == level


@pytest.mark.parametrize(
    "text",
    [
        "this headache is killing me",
        "dying to know how my labs came back",
        "killed it at work today",
        "dead tired after the drive",
        "that cake was to die for",
        "I'd kill for a coffee",
        "my feet are killing me",
        "I'm going to die of embarrassment",
        "cut myself shaving",
        "burned myself on the stove",
        "me muero de hambre",
        "kill me now, this meeting has no end",
        "laughed so hard i nearly died at the trivia night",
        "que calor, me muero",
    ],
)
def test_idioms_are_not_flagged(text: str) -> None:
    assert level_of(text) == "none"


def test_an_idiom_excuses_only_its_own_words() -> None:
    result = screen("this headache is killing me and I want to kill myself")
    assert result.level is Level.URGENT


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I want to kill myself", "direct_ideation"),
        ("I'm suicidal", "direct_ideation"),
        ("I wish I could sleep and not wake up", "passive_death_wish"),
        ("I don't care if I live or die", "passive_death_wish"),
        ("wish I was dead", "passive_death_wish"),
        ("everyone would be better off without me", "burdensomeness"),
        ("I've been saving my pills", "plan_means"),
        ("how many tylenol would it take", "plan_means"),
        ("I wrote a goodbye note", "plan_means"),
        ("I took all my pills", "attempt"),
        ("I tried to kill myself last night", "attempt"),
        ("I've been cutting again", "self_harm"),
        ("kms", "slang"),
        ("thinking about unaliving myself", "slang"),
        ("ctb tonight", "slang"),
        ("sewerslide", "slang"),
        ("want to self delete", "slang"),
    ],
)
def test_clear_risk_is_urgent_with_its_category(text: str, reason: str) -> None:
    result = screen(text)
    assert result.level is Level.URGENT
    assert reason in result.reasons


@pytest.mark.parametrize(
    "text",
    [
        "I can't do this anymore",
        "I want it all to end",
        "I'm done fighting",
        "what's the point",
        "I just want to disappear",
        "I'm a burden to everyone",
        "I won't need my next infusion",
    ],
)
def test_possible_risk_asks_a_safety_question(text: str) -> None:
    assert level_of(text) == "check"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("quiero morir", "urgent"),
        ("me quiero matar", "urgent"),
        ("ya no quiero vivir", "urgent"),
        ("me voy a suicidar", "urgent"),
        ("mejor muerta", "urgent"),
        ("no vale la pena vivir", "urgent"),
        ("no aguanto más", "check"),
        ("me corté el pelo", "none"),
        ("no tengo pensamientos suicidas", "none"),
    ],
)
def test_spanish_is_screened_for_everyone(text: str, level: str) -> None:
    assert level_of(text) == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I tried to kill myself when I was 19", "review"),
        ("I attempted suicide years ago and I want to die again", "urgent"),
        ("my brother took all his pills last year", "review"),
        ("my uncle killed himself last year", "review"),
        ("the suicidal thoughts are gone since my third infusion", "review"),
        ("the suicidal thoughts were gone until today", "urgent"),
        ("I took all my meds this morning", "none"),
        ("people at school told me to kill myself", "check"),
        ("the voices are telling me to kill myself", "urgent"),
        ("back in 2018 i overdosed, nothing like that in years", "review"),
        ("I was suicidal after my divorce. That was 2018.", "review"),
        ("i took 30 pills. that was yesterday", "urgent"),
        ("Before ketamine I wanted to kill myself every day. It's every day again.", "urgent"),
        ("my brother told me he has been thinking about suicide", "review"),
        ("friend from discord said he wants to kms", "review"),
        # The patient's own "i", "me" or "my" ends someone else's sentence.
        ("she cut me off so i took all my pills tonight", "urgent"),
        ("my brother's rifle is in my closet and i keep looking at it", "urgent"),
        ("it's been 60 days without wanting to die", "review"),
        ("I stopped googling ways to die", "review"),
        ("I haven't stopped googling ways to die", "urgent"),
        ("it's been four years since my attempt and i ran a half marathon", "review"),
        ("sophomore yr i overdosed on my moms pills. lots of therapy since", "review"),
        ("hace diez años intenté quitarme la vida, hoy estoy bien", "review"),
        ("a los 17 me corté, ya no", "review"),
        ("a los 17 me corté y volvieron las ganas", "urgent"),
        ("i was suicidal most of last spring. i am not anymore", "review"),
        ("no more wishing i could disappear, the fog lifted", "review"),
    ],
)
def test_history_and_other_people_are_seen_but_do_not_page(text: str, level: str) -> None:
    assert level_of(text) == level


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("su1c1de", "suicide"),
        ("k!ll myself", "kil myself"),
        ("s*icide", "suicide"),
        ("s u i c i d e", "suicide"),
        ("diieee", "die"),
        ("I'm gonna", "i am going to"),
        ("i wanna kil myslef", "i want to kil myself"),
        ("sucidal", "suicidal"),
        ("Está BIEN", "esta bien"),
        ("su\u200bicide", "suicide"),
        ("don\u00e2\u0080\u0099t", "do not"),
        ("I od'd", "i overdosed"),
        ("noose", "noose"),
        ("nose", "nose"),
    ],
)
def test_normalisation_undoes_spelling_tricks(raw: str, normal: str) -> None:
    assert normalize(raw) == normal


@pytest.mark.parametrize("mood", ["3", "2/10", "0", "7/10", "4 out of 10", "10mg at 4am"])
def test_mood_numbers_keep_their_digits_and_screen_as_none(mood: str) -> None:
    assert re.sub(r"\D", "", normalize(mood)) == re.sub(r"\D", "", mood)
    assert level_of(mood) == "none"


def test_a_later_layer_can_only_raise_the_level() -> None:
    def says_urgent(_: str) -> Screening:
        return Screening(Level.URGENT, ("model_high_risk",))

    def says_none(_: str) -> Screening:
        return Screening(Level.NONE, ())

    raised = screen_with("I can't do this anymore", [screen_with_rules, says_urgent])
    kept = screen_with("I want to die", [screen_with_rules, says_none])
    assert raised == Screening(Level.URGENT, ("hopelessness_ending", "model_high_risk"))
    assert kept.level is Level.URGENT


def screen_with_rules(text: str) -> Screening:
    return rules_layer(text)


def test_a_failing_layer_fails_towards_a_safety_question() -> None:
    def broken(_: str) -> Screening:
        raise RuntimeError("model file missing")

    assert screen_with("fine today", [broken]) == Screening(Level.CHECK, ("screening_error",))


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00\x07\x1b[31m",
        "\ud800 lone surrogate",
        "🙂" * 50,
        "a" * 5000,
        "kill " * 1000,
        "so " * 2500,
        "ñ\u0301" * 300,
    ],
)
def test_odd_and_long_input_screens_without_error(text: str) -> None:
    assert screen(text).level in set(Level)


@settings(deadline=None, max_examples=300)
@given(st.text(max_size=400))
def test_screen_never_raises_and_returns_a_valid_level(text: str) -> None:
    result = screen(text)
    assert result.level in set(Level)
    assert "screening_error" not in result.reasons
    assert set(result.reasons) <= REASONS


def read_clinic_set() -> list[dict[str, str]]:
    with CLINIC_SET.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_clinic_set_meets_recall_and_false_positive_targets() -> None:
    rows = read_clinic_set()
    flagged = {row["text"]: level_of(row["text"]) in ("check", "urgent") for row in rows}
    risk = [r for r in rows if r["label"] == "risk"]
    benign = [r for r in rows if r["label"] == "benign"]
    assert len(rows) >= 360 and abs(len(risk) - len(benign)) < len(rows) * 0.1
    for category in ("direct", "plan_means", "attempt"):
        missed = [r["text"] for r in risk if r["category"] == category and not flagged[r["text"]]]
        assert missed == [], category
    recall = sum(flagged[r["text"]] for r in risk) / len(risk)
    false_positive_rate = sum(flagged[r["text"]] for r in benign) / len(benign)
    assert recall >= 0.97
    assert false_positive_rate <= 0.03


@pytest.mark.parametrize("row", read_clinic_set(), ids=lambda row: row["text"][:40])
def test_each_clinic_message_gets_its_expected_level_from_the_rules(row: dict[str, str]) -> None:
    # expected_level is the rules' verdict; the model's own behaviour is tested in
    # test_risk_model.py and measured by bench/screening_report.py.
    assert screen_with(row["text"], [rules_layer]).level.value == row["expected_level"]


def test_patterns_are_written_in_normalised_form() -> None:
    data = yaml.safe_load(PATTERNS.read_text(encoding="utf-8"))
    sources = [*data["macros"].values()]
    sources += [p for levels in data["categories"].values() for ps in levels.values() for p in ps]
    sources += [p for guard in data["guards"].values() for p in guard["patterns"]]
    # Normalised text has no capitals, apostrophes or texting forms; a rule using them is dead.
    dead = re.compile(r"[A-Z](?<!\\[A-Z])|'|\b(?:gonna|wanna|im|dont|cant|won t|can t)\b")
    assert [s for s in sources if dead.search(re.sub(r"%[A-Z_]+%|\\[A-Z]", "", s))] == []


def test_a_bad_patterns_file_is_rejected_with_its_reason() -> None:
    bad = "categories: {x: {urgent: ['a'], maybe: ['b']}}\nguards: {}\n"
    with pytest.raises(ValueError, match="unknown level"):
        rules.load_rules(bad)


def test_checkin_screen_writes_one_json_object_per_line() -> None:
    source = io.BytesIO("fine today\nI want to die\n\n\xff\n".encode("utf-8", "surrogateescape"))
    sink = io.StringIO()
    screen_lines(source, sink)
    lines = [json.loads(line) for line in sink.getvalue().splitlines()]
    assert [line["level"] for line in lines] == ["none", "urgent", "none", "none"]
    assert {**lines[1], "reasons": lines[1]["reasons"][:1]} == {  # the model may add one
        "text": "I want to die",
        "level": "urgent",
        "reasons": ["direct_ideation"],
    }


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Recovery said in the words of the act: seen, never a page or a question.
        ("i used to want to die every day. haven't had that thought in 3 weeks", "review"),
        ("remember when i said i wanted to die? yeah that's gone now", "review"),
        ("the urge to cut has been gone since january", "review"),
        ("first week in forever without suicidal thoughts", "review"),
        ("i was suicidal for a decade. i've been free of it for 4 months", "review"),
        # A voice that told the patient to do it and has gone quiet is recovery, not abuse
        # being told of; someone telling them now still asks the question (below).
        ("the voice that told me to kill myself went quiet after the infusions", "review"),
        ("my ex told me to go kill myself last week", "check"),
        # ...unless it is back.
        ("i used to want to die every day and the thoughts are back", "urgent"),
        ("i was in a dark suicidal place last winter and i can feel it pulling me back", "check"),
        # Past attempts named as past.
        ("today is the 5 year anniversary of my attempt. doing ok", "review"),
        ("the form asks about past attempts, i've had 2", "review"),
        ("i overdosed twice, 2018 and 2019. nothing since", "review"),
        ("got out of the hospital yesterday after the overdose", "urgent"),
        # Denials in Spanish and Spanglish, and chained denials.
        ("no thoughts of death or self harm", "none"),
        ("no, I haven't had thoughts de hacerme daño", "none"),
        ("nope, nada de suicidal thoughts this week", "none"),
        ("no me siento suicidal, just tired", "none"),
        ("no pienso matarme, solo estoy enojada", "none"),
        ("no he tenido pensamientos de morirme ni de hacerme daño", "none"),
        ("la pregunta de si quiero hacerme daño: no", "none"),
        ("sin ideas suicidas", "none"),
        ("no pienso matarme hasta el viernes", "urgent"),
        # Someone else's.
        ("someone at my school jumped off the parking garage", "review"),
        ("just finally read my dad's suicide note, 15 years later", "review"),
        ("what happens if someone took all their lithium at once", "urgent"),
        # Idioms.
        ("felt like i was dying of nausea on the drive home but it passed", "none"),
        ("i overdosed on netflix this weekend", "none"),
        ("i'm so full i could die", "none"),
    ],
)
def test_recovery_past_denials_and_idioms_in_more_words(text: str, level: str) -> None:
    assert level_of(text) == level


@pytest.mark.parametrize(
    "text",
    [
        "this will be my last check in. thank you for the infusions",
        "the letters are written and the dog is at my mum's",
        "wrote my own obituary tonight",
        "bought an outfit to be buried in",
        "please don't let my mom be the one who finds me",
        "took double my lithium on purpose tuesday",
        "crashed my car on purpose. i'm ok. i didn't want to be",
        "I already took them all",
        "im on the roof right now",
        "ya escribí las cartas",
        "i pray every night that god takes me in my sleep",
        "if i got hit by a car tomorrow honestly i'd be relieved",
    ],
)
def test_final_arrangements_and_acts_on_purpose_page(text: str) -> None:
    assert level_of(text) == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "this is my last check in before we move to Florida, thank you all",
        "wrote thank you notes to all the nurses",
        "I already took them this morning with breakfast",
        "last year i wrote goodbye letters. this year i wrote christmas cards",
    ],
)
def test_look_alikes_of_final_arrangements_do_not_page(text: str) -> None:
    assert level_of(text) != "urgent"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # The past, said in more ways: a clinician reads it, nobody is paged.
        (
            "after I left the navy I tried to hang myself. my brother found me. that was 2009",
            "review",
        ),
        ("i was suicidal for most of 2019, it was a bad year", "review"),
        ("the last time i overdosed was back in 2015", "review"),
        ("two admissions for suicidal ideation, 2011 and 2017. nothing since", "review"),
        ("i overdosed in 2012, and again in 2014 on my lithium", "review"),
        ("I wanted to die when I first came to this clinic. I'm doing so much better", "review"),
        ("this time last year i was in the er after my attempt", "review"),
        ("i used to ctb-plan constantly in college", "review"),
        ("old self harm scars on my wrist, please don't be weird about it", "review"),
        # ...unless it is now.
        ("I wanted to die when I first came to this clinic and I still do", "urgent"),
        ("i tried to kill myself in 2014. it is happening again", "urgent"),
        # Thoughts that have gone, more ways.
        ("the suicidal thoughts haven't come back since my fourth infusion", "review"),
        ("two weeks ago I told the nurse I wanted to die. I don't feel like that now", "review"),
        ("i used to be suicidal. blocked the ctb forum and deleted the app", "review"),
        # Others, without an article.
        ("some youtuber unalived himself last night", "review"),
        ("kid from my son's school jumped off the overpass", "review"),
        # Denials in charting words, a named question answered, a remark called a joke.
        ("negative for SI/HI this week", "none"),
        ("denies SI and self harm", "none"),
        ("question 9: 0", "none"),
        ("lo de si he pensado en hacerme daño: nunca", "none"),
        ("the 'i want to die' text was a joke, it was about my exam", "none"),
        ("lo de me quiero matar fue de broma, era por el trafico", "none"),
        ("im not offing myself over a parking ticket lol", "none"),
        ("no scary thoughts, just tired", "none"),
        ("felt like I was dying at the peak but it passed in ten minutes", "none"),
        # What those must not swallow.
        ("the 'i want to die' text was not a joke", "urgent"),
        ("i want to kill myself, my whole life was a joke", "urgent"),
        ("he said i should kill myself and maybe he is right", "urgent"),
    ],
)
def test_past_recovered_others_and_denials_in_new_words(text: str, level: str) -> None:
    assert level_of(text) == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("how long does a car take to fill a closed garage with carbon monoxide", "urgent"),
        ("ordered helium online. it's not for balloons", "urgent"),
        ("only thing stopping me is I haven't worked out the how", "urgent"),
        ("what pills wouldn't show up on an autopsy", "urgent"),
        ("my books are boxed for my nephew. i won't need them where i'm going", "urgent"),
        ("dad if you're reading this i'm sorry", "urgent"),
        ("wrote a note for the kids, it's under my pillow for when i'm gone", "urgent"),
        ("dying feels like the only way out", "urgent"),
        ("a couple more things to tie up and then i can finally rest", "check"),
        ("how peaceful it would be to never wake up", "check"),
        ("wouldn't be so bad if the truck hit me", "check"),
        ("i want my body to just shut down", "check"),
        ("i'm about to lose the fight, tired of fighting", "check"),
        ("ya me cansé de pelear con todo", "check"),
        ("no sé si vale la pena seguir", "check"),
        ("les dejé todo en orden", "check"),
    ],
)
def test_plans_farewells_and_wishes_without_the_usual_words(text: str, level: str) -> None:
    assert level_of(text) == level


@pytest.mark.parametrize(
    "text",
    [
        "the carbon monoxide alarm in the garage went off, battery was low",
        "haven't figured out how to get to the clinic thursday",
        "bought a rope ladder for the treehouse, not for me lol",
        "the note from school came, I'll sign it when I go pick up the kids",
        "so tired of running late",
        "dejé todo listo para el viaje del viernes",
        "i still do my breathing exercises every morning, they were a good idea in 2023",
    ],
)
def test_their_look_alikes_stay_quiet(text: str) -> None:
    assert level_of(text) in ("none", "review")


@pytest.mark.parametrize("text", ["0", "0 0 0", "3/10", "10", "1 2 0", "27", " 0. "])
def test_a_reply_of_numbers_only_is_left_to_its_flow_not_read_by_the_model(text: str) -> None:
    # "0" is the commonest PHQ-9 answer: a safety question on each would bury the real ones.
    # The flows judge numbers (item 9 above 0 and a yes to the safety question escalate).
    assert screen(text) == Screening(Level.NONE, ())
    assert screen(f"{text} i want to die").level is Level.URGENT


def test_a_page_code_from_any_number_is_never_read_as_risk() -> None:
    # A stranger (or a clinician texting from another phone) replying "ACK 357456" had
    # drawn a safety question one time in three, and a page one time in a thousand: the
    # model read the random code. It reads only the note after the code.
    codes = [f"{n:06d}" for n in range(357_000, 357_600)] + ["4829", "12345678"]
    for code in codes:
        for verb in ("ACK", "ack", "RESOLVE", "resolve:"):
            assert screen(f"{verb} {code}") == Screening(Level.NONE, ()), f"{verb} {code}"
    assert screen("RESOLVE 357456 spoke with patient, safe at home").level is Level.NONE
    assert screen("RESOLVE") == screen("ack") == Screening(Level.NONE, ())


def test_the_note_after_a_page_code_is_still_read() -> None:
    # Only the code is left out: words after it are screened like any message.
    note = "cant see a way through the next week"
    assert screen(note).level is Level.CHECK  # the model's finding: the rules have none
    assert screen(f"ACK 357456 {note}").level is Level.CHECK
    assert screen("ack 357456 i want to kill myself").level is Level.URGENT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Thoughts named as a thing that has gone quiet.
        ("the dark voice that told me to end it is so quiet now. six infusions in", "review"),
        ("my old wish to just disappear forever is gone. i want to be here", "review"),
        ("the kms voice in my head got quiet after the infusions", "review"),
        # ...but not hope or the wish to live, and not a wish beside a loss.
        ("the good feelings are gone and i want to die", "urgent"),
        # A before and an after; a risk in the after is its own.
        ("last month i wanted to die, this month i am planting tomatoes", "review"),
        ("last month i wanted to die, now i want to die even more", "urgent"),
        # Not since; a comparison says it is worse now.
        ("i haven't mentioned wanting to die in 5 sessions", "review"),
        ("i haven't thought about overdosing in months", "review"),
        ("i haven't wanted to kill myself this badly in years", "urgent"),
        # Spanish denials and recovery.
        ("no me he cortado ni nada de eso", "none"),
        ("Negativo para IS, negativo para autolesiones", "none"),
        ("pensamientos de hacerme daño: ninguno", "none"),
        ("pensamientos de hacerme daño: no... bueno, a veces sí", "urgent"),
        ("ya no pienso en morirme, ahora pienso en las vacaciones", "review"),
        ("van dos meses sin pensar en quitarme la vida", "review"),
        ("ya no quiero vivir", "urgent"),
        ("me quemé con el aceite haciendo tostones", "none"),
        # An attempt behind the patient, unless it is now.
        ("after my attempt i lost my job. 4 years later i got promoted", "review"),
        ("im speaking at a suicide prevention walk next month about my attempt", "review"),
        ("i am in the er after my overdose this morning", "urgent"),
    ],
)
def test_gone_quiet_then_and_now_not_since_and_spanish_denials(text: str, expected: str) -> None:
    assert level_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the thoughts of killing myself never went away",
        "the urge to end it all is so strong now my hope is gone",
        "the voice telling me to kill myself is quiet for now",
        "i haven't wanted to be alive in weeks, i want to die",
        "i haven't said out loud that i want to die for months",
        "i haven't thought about anything except killing myself in days",
        "no puedo vivir sin hacerme daño",
        "no me he cortado todavia pero tengo la navaja lista",
        "llevo dos dias sin dormir quiero morirme",
        "after my attempt i swore never again but i have the pills ready",
        "how long does it take to die from an overdose",
    ],
)
def test_what_is_still_there_is_not_read_as_gone(text: str) -> None:
    assert level_of(text) in ("check", "urgent")


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Means put away or kept, with no verb of intent: a page.
        ("got about 45 of my seroquel put away in a sock drawer", "urgent"),
        ("been skipping my lamotrigine and keeping them in a ziploc", "urgent"),
        ("the suicide clause on my policy expired last week", "urgent"),
        ("thinking of taking all of them with a bottle of whiskey", "urgent"),
        ("there's a rifle in my uncle's truck and i keep thinking about it", "urgent"),
        ("i keep thinking about the overpass on 5th street", "urgent"),
        ("SI with a plan since saturday", "urgent"),
        # In Spanish, and as people type it.
        ("ayer trate de colgarme con una sabana", "urgent"),
        ("me trague como 30 pastillas de clonazepam", "urgent"),
        ("esta es la ultima vez que les mando mensaje", "urgent"),
        ("m kiero matar ya", "urgent"),
        ("ya no kiero bibir", "urgent"),
        ("prefiero morirme antes que seguir así", "urgent"),
        ("me quiero morir con este dolor", "urgent"),
        # Their look-alikes.
        (
            "I have 30 sertraline stockpiled from before my insurance switched, can I use them?",
            "none",
        ),
        ("cuanto tarda en hacer efecto el ibuprofeno", "none"),
        ("prefiero morirme antes que ir al dentista jaja", "none"),
        ("me quiero morir con tanta tarea", "none"),
        ("if my roommate leaves dishes in the sink again i'm jumping off the balcony lol", "none"),
        ("kill me now, four hours of meetings", "none"),
        ("almost died of cringe at the party", "none"),
        ("for a second it felt like i was dying, then it passed. is that normal?", "none"),
        # Thoughts that have gone, a younger self, a game character, someone the patient knew.
        ("the thoughts of hanging myself that I had last winter have not returned", "review"),
        ("my old thoughts of suicide are still gone", "review"),
        ("i went a whole month without wanting to die", "review"),
        ("las ganas de matarme se fueron con el tratamiento", "review"),
        ("my younger self tried to overdose, she would be proud of me now", "review"),
        ("my character in elden ring jumped off a cliff again lol", "review"),
        ("a coworker i knew took his own life last spring", "review"),
        # ...unless they are back.
        ("the thoughts of killing myself have not returned... until last night", "urgent"),
        ("the thoughts of killing myself have not come back, they never left", "urgent"),
        # What the guards above must not swallow: an act, a plan, a reason, a concealment.
        ("i basically died after i took all my pills lmao", "urgent"),
        ("if he hits me again i am jumping off the bridge i swear", "urgent"),
        (
            "the nurse asked if i was still planning to overdose this weekend and i said no "
            "so she would let me leave",
            "urgent",
        ),
        ("my younger self tried to overdose and now i want to finish the job", "urgent"),
        ("i used to want to kill myself , now i am going to", "urgent"),
        ("prefiero morirme que pasar otro dia asi", "urgent"),
        ("me quiero morir con las pastillas que tengo guardadas", "urgent"),
        ("i feel dead inside and i want to kill myself, is that normal", "urgent"),
        ("i cant go a day without wanting to kill myself", "urgent"),
        # Gaps the review found open before and after: a plan named as one, pills kept back
        # in Spanish, death preferred to the present.
        ("my main plan is to overdose this weekend", "urgent"),
        ("the plan is to jump off the bridge on friday", "urgent"),
        ("deje de tomar mis pastillas y las estoy guardando para matarme", "urgent"),
        ("prefiero estar muerta que sentir esto", "urgent"),
        ("the plan is to take my pills with food", "none"),
        ("the plan is to jump in the lake at the party", "none"),
        # What the new pages must not catch.
        ("i have all my meds put away in a lockbox like you said", "none"),
        ("i am not going to be here tomorrow, can we move my infusion to friday", "none"),
        ("gracias por todo, ya termine el tratamiento y ya no voy a necesitar mas citas", "none"),
        (
            "deer season opens saturday, dad is lending me his rifle, been thinking about it "
            "all week lol",
            "check",
        ),
    ],
)
def test_means_kept_spanish_acts_and_what_has_gone_in_other_words(text: str, level: str) -> None:
    assert level_of(text) == level
