"""Questionnaires as data: every shipped one scores hand-made answers (missing answers too), and
each triage rule fires exactly at its boundary."""

import pytest

from samforlop.checkins.questionnaire import (
    QuestionnaireError, all_questionnaires, get_questionnaire, parse, score, triage, validate_answers,
)


def test_the_shipped_questionnaires():
    assert set(all_questionnaires()) == {"pain_intensity", "pain_interference", "functional_scale", "work_ability",
                                         "pors_status"}


@pytest.mark.parametrize("key, answers, expected", [
    ("pain_intensity", {"pain_now": 6, "pain_average_week": 3}, {"pain": 4.5}),
    ("pain_intensity", {"pain_now": 6, "pain_average_week": None}, {"pain": 6.0}),  # one of two is enough
    ("pain_intensity", {}, {"pain": None}),
    ("pain_interference", {"pain_average_week": 5, "enjoyment": 7, "general_activity": 6},
     {"interference": 6.0, "life": 6.5}),
    ("pain_interference", {"pain_average_week": 5, "enjoyment": 7},  # all three needed for the mean
     {"interference": None, "life": None}),
    ("functional_scale", {"activity": [{"name": "Gå tur", "value": 4}, {"name": "Bære handleposer", "value": 2},
                                       {"name": "Sykle", "value": 9}]}, {"function": 5.0}),
    ("functional_scale", {"activity": [{"name": "Gå tur", "value": 3}]}, {"function": 3.0}),
    ("functional_scale", {"activity": None}, {"function": None}),
    ("work_ability", {"work_ability_now": 7}, {"work_ability": 7.0}),
    ("work_ability", {"work_ability_now": 0}, {"work_ability": 0.0}),
    ("work_ability", {}, {"work_ability": None}),
    ("pors_status", dict.fromkeys(["new_swollen_joints", "worsening_joint_pain", "side_effects_or_infections",
                                   "planning_pregnancy", "wish_to_reduce_medication"], "no") | {"wish_for_appointment": "yes"},
     {"yes_answers": 1.0}),
    ("pors_status", {"new_swollen_joints": "no"}, {"yes_answers": None}),  # all six must be answered
])
def test_scoring(key, answers, expected):
    assert score(get_questionnaire(key), answers) == expected


def colour(key, answers, history=None):
    q = get_questionnaire(key)
    return triage(q, answers, score(q, answers), history or {}).colour


@pytest.mark.parametrize("pain_now, pain_avg, expected", [
    (9, 9, "red"), (9, 8, "green"), (10, 8, "red"), (8, 8, "green"),  # red at a mean of 9 or more
])
def test_pain_red_boundary(pain_now, pain_avg, expected):
    assert colour("pain_intensity", {"pain_now": pain_now, "pain_average_week": pain_avg}) == expected


@pytest.mark.parametrize("values, expected", [
    ((6, 6, 6), "yellow"), ((6, 6, 5), "green"), ((8, 8, 8), "red"), ((8, 8, 7), "yellow"),
])
def test_interference_boundaries(values, expected):
    answers = dict(zip(["pain_average_week", "enjoyment", "general_activity"], values))
    assert colour("pain_interference", answers) == expected


@pytest.mark.parametrize("value, expected", [(2, "yellow"), (3, "green")])
def test_functional_scale_boundary(value, expected):
    assert colour("functional_scale", {"activity": [{"name": "Gå", "value": value}]}) == expected


@pytest.mark.parametrize("value, expected", [(3, "yellow"), (4, "green")])
def test_work_ability_boundary(value, expected):
    assert colour("work_ability", {"work_ability_now": value}) == expected


@pytest.mark.parametrize("yes, expected", [
    (None, "green"), ("new_swollen_joints", "red"), ("worsening_joint_pain", "red"), ("wish_for_appointment", "red"),
    ("side_effects_or_infections", "yellow"), ("planning_pregnancy", "yellow"), ("wish_to_reduce_medication", "yellow"),
])
def test_pors_status_check(yes, expected):
    items = [i.key for i in get_questionnaire("pors_status").items]
    answers = {key: "yes" if key == yes else "no" for key in items}
    result = triage(get_questionnaire("pors_status"), answers, {}, {})
    assert result.colour == expected
    assert (result.fired == ()) == (expected == "green")


@pytest.mark.parametrize("history, current, expected", [
    ([3.0, 5.0], 5.0, "yellow"),   # baseline 3: this and the previous both ≥ 5
    ([3.0, 4.5], 5.0, "green"),    # previous only 1.5 above
    ([3.0, 5.0], 4.5, "green"),    # this one only 1.5 above
    ([3.0], 6.0, "green"),         # only one check-in after the baseline
    ([], 8.0, "green"),            # this is the baseline
    ([3.0, 2.0, 5.0], 5.5, "yellow"),  # two in a row, after an earlier dip
])
def test_the_baseline_rule_over_consecutive_checkins(history, current, expected):
    q = get_questionnaire("pain_intensity")
    answers = {"pain_now": current, "pain_average_week": current}
    result = triage(q, answers, {"pain": current}, {"pain": history})
    assert result.colour == expected


def test_answers_outside_the_scale_are_named():
    q = get_questionnaire("pain_intensity")
    assert validate_answers(q, {"pain_now": 11, "pain_average_week": 3}) == {"pain_now": "range"}
    assert validate_answers(get_questionnaire("functional_scale"),
                            {"activity": [{"name": "a", "value": 1}] * 4}) == {"activity": "count"}


@pytest.mark.parametrize("change, message", [
    (lambda d: d["scores"][0].update(method="median"), "method must be one of"),
    (lambda d: d["triage"][0].update(score="nope"), "unknown score 'nope'"),
    (lambda d: d["triage"][0].update(colour="green"), "colour must be yellow or red"),
    (lambda d: d["items"][0].update(type="slider"), "type must be one of"),
    (lambda d: d.update(asks_work_situation="yes"), "asks_work_situation must be true or false"),
])
def test_definition_errors_are_named(change, message):
    import tomllib
    from samforlop.checkins.questionnaire import DIRECTORY

    data = tomllib.loads((DIRECTORY / "pain_intensity.toml").read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(QuestionnaireError, match=message):
        parse(data, "pain_intensity.toml")


def test_only_the_work_ability_check_in_asks_about_the_work_situation():
    from samforlop.checkins.questionnaire import all_questionnaires

    assert {k for k, q in all_questionnaires().items() if q.asks_work_situation} == {"work_ability"}
