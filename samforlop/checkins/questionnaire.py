"""Questionnaires as data (TOML in questionnaires/): items, answer scales, scoring with
missing-answer rules, and triage rules. Pure functions: the same rules score a check-in in the
portal and in tests."""

from __future__ import annotations

import statistics
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from samforlop.pathways.definitions import Text

DIRECTORY = Path(__file__).resolve().parent / "questionnaires"
ITEM_TYPES = ("scale", "yes_no", "named_activities")
METHODS = ("sum", "mean")
RULES = ("score_at_least", "score_at_most", "item_at_least", "any_yes", "above_baseline")
COLOURS = ("green", "yellow", "red")  # in rising order of urgency


class QuestionnaireError(Exception):
    pass


@dataclass(frozen=True)
class Item:
    key: str
    text: Text
    type: str
    min: int = 0
    max: int = 10
    min_label: Text | None = None
    max_label: Text | None = None
    max_count: int = 1


@dataclass(frozen=True)
class Score:
    key: str
    name: Text
    method: str
    items: tuple[str, ...]
    min_answered: int


@dataclass(frozen=True)
class TriageRule:
    colour: str
    rule: str
    explanation: Text
    score: str = ""
    item: str = ""
    items: tuple[str, ...] = ()
    value: float = 0
    points: float = 0
    consecutive: int = 1


@dataclass(frozen=True)
class Questionnaire:
    key: str
    title: Text
    intro: Text | None
    items: tuple[Item, ...]
    scores: tuple[Score, ...]
    triage: tuple[TriageRule, ...]
    # The check-in also asks whether the patient's work situation has changed (samforlop.work).
    asks_work_situation: bool = False
    # About how long answering takes, told to the patient before they start.
    minutes: int = 2

    def item(self, key: str) -> Item:
        return next(i for i in self.items if i.key == key)


def _text(value, where) -> Text:
    if not isinstance(value, dict) or not isinstance(value.get("nb"), str) or not isinstance(value.get("en"), str):
        raise QuestionnaireError(f"{where}: needs a text in both languages {{ nb = \"…\", en = \"…\" }}")
    return Text(value["nb"], value["en"])


def parse(data: dict, source: str) -> Questionnaire:
    w = source
    if not isinstance(data.get("key"), str):
        raise QuestionnaireError(f"{w}: 'key' is missing")
    items = []
    for i, raw in enumerate(data.get("items", [])):
        iw = f"{w}: items[{i}]"
        if raw.get("type") not in ITEM_TYPES:
            raise QuestionnaireError(f"{iw}: type must be one of {', '.join(ITEM_TYPES)}")
        item = Item(key=raw.get("key", ""), text=_text(raw.get("text"), iw), type=raw["type"],
                    min=raw.get("min", 0), max=raw.get("max", 10 if raw["type"] != "yes_no" else 1),
                    min_label=_text(raw["min_label"], iw) if "min_label" in raw else None,
                    max_label=_text(raw["max_label"], iw) if "max_label" in raw else None,
                    max_count=raw.get("max_count", 1))
        if not item.key or not (isinstance(item.min, int) and isinstance(item.max, int)) or item.min >= item.max:
            raise QuestionnaireError(f"{iw}: needs a key and whole-number min < max")
        items.append(item)
    keys = [i.key for i in items]
    if not items or len(set(keys)) != len(keys):
        raise QuestionnaireError(f"{w}: needs items with unique keys")
    scores = []
    for i, raw in enumerate(data.get("scores", [])):
        sw = f"{w}: scores[{i}]"
        score = Score(key=raw.get("key", ""), name=_text(raw.get("name"), sw), method=raw.get("method", ""),
                      items=tuple(raw.get("items", [])), min_answered=raw.get("min_answered", 1))
        if score.method not in METHODS:
            raise QuestionnaireError(f"{sw}: method must be one of {', '.join(METHODS)}")
        unknown = set(score.items) - set(keys)
        if not score.items or unknown:
            raise QuestionnaireError(f"{sw}: unknown items {', '.join(sorted(unknown)) or '(none given)'}")
        if not isinstance(score.min_answered, int) or score.min_answered < 1:
            raise QuestionnaireError(f"{sw}: min_answered must be a whole number of at least 1")
        scores.append(score)
    score_keys = {s.key for s in scores}
    rules = []
    for i, raw in enumerate(data.get("triage", [])):
        rw = f"{w}: triage[{i}]"
        rule = TriageRule(colour=raw.get("colour", ""), rule=raw.get("rule", ""),
                          explanation=_text(raw.get("explanation"), rw), score=raw.get("score", ""),
                          item=raw.get("item", ""), items=tuple(raw.get("items", [])), value=raw.get("value", 0),
                          points=raw.get("points", 0), consecutive=raw.get("consecutive", 1))
        if rule.colour not in ("yellow", "red"):
            raise QuestionnaireError(f"{rw}: colour must be yellow or red (green is when no rule fires)")
        if rule.rule not in RULES:
            raise QuestionnaireError(f"{rw}: rule must be one of {', '.join(RULES)}")
        if rule.rule in ("score_at_least", "score_at_most", "above_baseline") and rule.score not in score_keys:
            raise QuestionnaireError(f"{rw}: unknown score '{rule.score}'")
        if rule.rule == "item_at_least" and rule.item not in keys:
            raise QuestionnaireError(f"{rw}: unknown item '{rule.item}'")
        if rule.rule == "any_yes" and (not rule.items or set(rule.items) - set(keys)):
            raise QuestionnaireError(f"{rw}: any_yes needs yes/no items of this questionnaire")
        if rule.rule == "above_baseline" and (rule.consecutive < 1 or rule.points <= 0):
            raise QuestionnaireError(f"{rw}: above_baseline needs points > 0 and consecutive ≥ 1")
        rules.append(rule)
    asks_work_situation = data.get("asks_work_situation", False)
    if not isinstance(asks_work_situation, bool):
        raise QuestionnaireError(f"{w}: asks_work_situation must be true or false")
    minutes = data.get("minutes", 2)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 60:
        raise QuestionnaireError(f"{w}: minutes must be a whole number from 1 to 60")
    return Questionnaire(key=data["key"], title=_text(data.get("title"), w),
                         intro=_text(data["intro"], w) if "intro" in data else None,
                         items=tuple(items), scores=tuple(scores), triage=tuple(rules),
                         asks_work_situation=asks_work_situation, minutes=minutes)


def load_directory(directory: Path) -> dict[str, Questionnaire]:
    found = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise QuestionnaireError(f"{path.name}: not valid TOML: {e}") from e
        questionnaire = parse(data, path.name)
        if questionnaire.key != path.stem:
            raise QuestionnaireError(f"{path.name}: key '{questionnaire.key}' must match the file name")
        found[questionnaire.key] = questionnaire
    return found


@cache
def all_questionnaires() -> dict[str, Questionnaire]:
    return load_directory(DIRECTORY)


def get_questionnaire(key: str) -> Questionnaire:
    return all_questionnaires()[key]


# --- Answers, scores, triage --------------------------------------------------------------------

def _values(item: Item, answer) -> list[float]:
    """The numbers an answer contributes: one for a scale or yes/no, one per named activity."""
    if answer is None or answer == "":
        return []
    if item.type == "named_activities":
        return [float(a["value"]) for a in answer if a.get("value") is not None]
    if item.type == "yes_no":
        return [1.0 if answer == "yes" else 0.0]
    return [float(answer)]


def validate_answers(questionnaire: Questionnaire, answers: dict) -> dict[str, str]:
    """Errors by item key: values outside the scale, unknown items, too many activities."""
    errors = {}
    for key in answers:
        if key not in {i.key for i in questionnaire.items}:
            errors[key] = "unknown"
    for item in questionnaire.items:
        answer = answers.get(item.key)
        if answer is None or answer == "":
            continue
        if item.type == "yes_no":
            if answer not in ("yes", "no"):
                errors[item.key] = "yes_no"
        elif item.type == "named_activities":
            if not isinstance(answer, list) or len(answer) > item.max_count:
                errors[item.key] = "count"
            elif any(not str(a.get("name", "")).strip() or a.get("value") is None
                     or not item.min <= a["value"] <= item.max for a in answer):
                errors[item.key] = "range"
        elif not isinstance(answer, int) or isinstance(answer, bool) or not item.min <= answer <= item.max:
            errors[item.key] = "range"
    return errors


def too_few_answers(questionnaire: Questionnaire, answers: dict) -> dict[str, tuple[Score | None, list[str]]]:
    """What is missing for the check-in to say anything: for each score with fewer than
    `min_answered` answers, the score and its unanswered items (keyed by the first of them, where
    the patient is sent to answer). A questionnaire without scores needs one answer at least. An
    empty or too thin check-in is refused rather than triaged green: "no answer" is not "no problem"."""
    def answered(key):
        return bool(_values(questionnaire.item(key), answers.get(key)))

    missing = {}
    for s in questionnaire.scores:
        values = [v for key in s.items for v in _values(questionnaire.item(key), answers.get(key))]
        if len(values) < s.min_answered:
            open_items = [key for key in s.items if not answered(key)] or list(s.items)
            missing.setdefault(open_items[0], (s, open_items))
    if not questionnaire.scores and not any(answered(i.key) for i in questionnaire.items):
        missing[questionnaire.items[0].key] = (None, [i.key for i in questionnaire.items])
    return missing


def score(questionnaire: Questionnaire, answers: dict) -> dict[str, float | None]:
    """Each score, or None when fewer than `min_answered` answers count toward it."""
    result = {}
    for s in questionnaire.scores:
        values = [v for key in s.items for v in _values(questionnaire.item(key), answers.get(key))]
        if len(values) < s.min_answered:
            result[s.key] = None
        elif s.method == "sum":
            result[s.key] = round(sum(values), 2)
        else:
            result[s.key] = round(statistics.fmean(values), 2)
    return result


@dataclass(frozen=True)
class TriageResult:
    colour: str
    fired: tuple[TriageRule, ...]


def triage(questionnaire: Questionnaire, answers: dict, scores: dict, history: dict[str, list[float]]) -> TriageResult:
    """Green unless a rule fires; the most urgent colour wins. `history` holds the patient's earlier
    scores of this questionnaire, oldest first: the first is their baseline."""
    fired = []
    for rule in questionnaire.triage:
        value = scores.get(rule.score)
        if rule.rule == "score_at_least":
            hit = value is not None and value >= rule.value
        elif rule.rule == "score_at_most":
            hit = value is not None and value <= rule.value
        elif rule.rule == "item_at_least":
            answer = answers.get(rule.item)
            hit = answer not in (None, "") and float(answer) >= rule.value
        elif rule.rule == "any_yes":
            hit = any(answers.get(key) == "yes" for key in rule.items)
        else:  # above_baseline: the last `consecutive` scores, this one included, all above baseline + points
            earlier = [v for v in history.get(rule.score, []) if v is not None]
            if value is None or not earlier:
                hit = False
            else:
                baseline, recent = earlier[0], (earlier[1:] + [value])[-rule.consecutive:]
                hit = len(recent) == rule.consecutive and all(v >= baseline + rule.points for v in recent)
        if hit:
            fired.append(rule)
    colour = max((r.colour for r in fired), key=COLOURS.index, default="green")
    return TriageResult(colour=colour, fired=tuple(r for r in fired if r.colour == colour) or tuple(fired))
