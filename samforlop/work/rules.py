"""Work-oriented follow-up as data (rules.toml): the coordinator's follow-up intervals, the
adjustments at the workplace, the support schemes an employer can use, and the default text of the
letter to the employer. Validated when the process starts; a mistake names the file and place."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from samforlop.core.rulefile import read_rules
from samforlop.pathways.definitions import Text

PATH = Path(__file__).resolve().parent / "rules.toml"


class RulesError(Exception):
    """rules.toml is wrong; the message names the file and the place."""


@dataclass(frozen=True)
class Choice:
    """An adjustment at the workplace or a support scheme: a key, a name and a short explanation."""

    key: str
    name: Text
    explanation: Text
    in_letter_by_default: bool

    def snapshot(self) -> dict:
        """Both languages, so an approved letter keeps exactly what the patient saw."""
        return {"key": self.key, "name": {"nb": self.name.nb, "en": self.name.en},
                "explanation": {"nb": self.explanation.nb, "en": self.explanation.en}}


@dataclass(frozen=True)
class Rules:
    default_every_weeks: int
    every_weeks_choices: tuple[int, ...]
    general_text: Text
    adjustments: tuple[Choice, ...]
    schemes: tuple[Choice, ...]

    def adjustment(self, key: str) -> Choice | None:
        return next((a for a in self.adjustments if a.key == key), None)

    def scheme(self, key: str) -> Choice | None:
        return next((s for s in self.schemes if s.key == key), None)


def _text(value, where: str) -> Text:
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) and value[k].strip() for k in ("nb", "en")):
        raise RulesError(f"{where}: needs a text in both languages {{ nb = \"…\", en = \"…\" }}")
    return Text(value["nb"].strip(), value["en"].strip())


def _choices(value, where: str) -> tuple[Choice, ...]:
    if not isinstance(value, list) or not value:
        raise RulesError(f"{where}: needs at least one entry")
    found = []
    for i, raw in enumerate(value):
        w = f"{where}[{i}]"
        key = raw.get("key") if isinstance(raw, dict) else None
        if not isinstance(key, str) or not key.replace("_", "").isalnum() or not key.islower():
            raise RulesError(f"{w}: needs a key of lower-case letters, digits and _")
        default = raw.get("in_letter_by_default", False)
        if not isinstance(default, bool):
            raise RulesError(f"{w}: in_letter_by_default must be true or false")
        found.append(Choice(key=key, name=_text(raw.get("name"), w), explanation=_text(raw.get("explanation"), w),
                            in_letter_by_default=default))
    keys = [c.key for c in found]
    if len(set(keys)) != len(keys):
        raise RulesError(f"{where}: the keys must be unique")
    return tuple(found)


def parse(data: dict, source: str) -> Rules:
    follow_up, letter = data.get("follow_up"), data.get("letter")
    for name, table in (("follow_up", follow_up), ("letter", letter)):
        if not isinstance(table, dict):
            raise RulesError(f"{source}: the table [{name}] is missing")
    weeks = follow_up.get("every_weeks_choices")
    if (not isinstance(weeks, list) or not weeks
            or any(not isinstance(w, int) or isinstance(w, bool) or not 1 <= w <= 52 for w in weeks)
            or sorted(set(weeks)) != weeks):
        raise RulesError(f"{source}: [follow_up] every_weeks_choices needs whole numbers from 1 to 52, "
                         "in rising order, each once")
    if follow_up.get("default_every_weeks") not in weeks:
        raise RulesError(f"{source}: [follow_up] default_every_weeks must be one of every_weeks_choices")
    return Rules(
        default_every_weeks=follow_up["default_every_weeks"], every_weeks_choices=tuple(weeks),
        general_text=_text(letter.get("general_text"), f"{source}: [letter] general_text"),
        adjustments=_choices(data.get("adjustments"), f"{source}: [[adjustments]]"),
        schemes=_choices(data.get("schemes"), f"{source}: [[schemes]]"),
    )


def load(path: Path) -> Rules:
    return parse(read_rules(path, RulesError), path.name)


@cache
def get_rules() -> Rules:
    return load(PATH)
