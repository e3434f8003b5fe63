"""The outreach list's and the collaboration arena's rules as data (rules.toml), validated when the
process starts. A mistake names the file and the place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from samforlop.core.rulefile import read_rules

PATH = Path(__file__).resolve().parent / "rules.toml"


class RulesError(Exception):
    """rules.toml is wrong; the message names the file and the place."""


@dataclass(frozen=True)
class Rules:
    default_months: int
    month_choices: tuple[int, ...]
    coordinator_organisation_kinds: tuple[str, ...]
    measure_organisation_kinds: tuple[str, ...]
    default_every_weeks: int
    every_weeks_choices: tuple[int, ...]
    default_start_time: dt.time
    duration_minutes: int


def _whole_numbers(value, where: str, *, at_least: int = 1) -> tuple[int, ...]:
    if (not isinstance(value, list) or not value
            or any(not isinstance(v, int) or isinstance(v, bool) or v < at_least for v in value)):
        raise RulesError(f"{where}: needs a list of whole numbers of at least {at_least}")
    if len(set(value)) != len(value) or sorted(value) != value:
        raise RulesError(f"{where}: the numbers must be in rising order, each once")
    return tuple(value)


def _kinds(value, where: str) -> tuple[str, ...]:
    from samforlop.accounts.models import Organisation

    if not isinstance(value, list) or not value or any(v not in Organisation.Kind.values for v in value):
        raise RulesError(f"{where}: needs a list of organisation kinds among {', '.join(Organisation.Kind.values)}")
    return tuple(value)


def parse(data: dict, source: str) -> Rules:
    no_contact, owner, arena = (data.get(k) for k in ("no_contact", "plan_owner", "arena"))
    for name, table in (("no_contact", no_contact), ("plan_owner", owner), ("arena", arena)):
        if not isinstance(table, dict):
            raise RulesError(f"{source}: the table [{name}] is missing")
    months = _whole_numbers(no_contact.get("month_choices"), f"{source}: [no_contact] month_choices")
    if no_contact.get("default_months") not in months:
        raise RulesError(f"{source}: [no_contact] default_months must be one of month_choices")
    weeks = _whole_numbers(arena.get("every_weeks_choices"), f"{source}: [arena] every_weeks_choices")
    if arena.get("default_every_weeks") not in weeks:
        raise RulesError(f"{source}: [arena] default_every_weeks must be one of every_weeks_choices")
    try:
        start = dt.time.fromisoformat(str(arena.get("default_start_time")))
    except ValueError:
        raise RulesError(f"{source}: [arena] default_start_time must be a time HH:MM") from None
    duration = arena.get("duration_minutes")
    if not isinstance(duration, int) or isinstance(duration, bool) or not 15 <= duration <= 480:
        raise RulesError(f"{source}: [arena] duration_minutes must be a whole number from 15 to 480")
    return Rules(
        default_months=no_contact["default_months"], month_choices=months,
        coordinator_organisation_kinds=_kinds(owner.get("coordinator_organisation_kinds"),
                                              f"{source}: [plan_owner] coordinator_organisation_kinds"),
        measure_organisation_kinds=_kinds(owner.get("measure_organisation_kinds"),
                                          f"{source}: [plan_owner] measure_organisation_kinds"),
        default_every_weeks=arena["default_every_weeks"], every_weeks_choices=weeks,
        default_start_time=start, duration_minutes=duration,
    )


def load(path: Path = PATH) -> Rules:
    return parse(read_rules(path, RulesError), path.name)


@cache
def get_rules() -> Rules:
    return load()
