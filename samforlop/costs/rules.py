"""The costs rules as data (ceilings.toml): the co-payment ceiling (egenandelstaket) per calendar year and
the threshold of the professionals' gentle "high costs" flag. Validated when the process starts; a
mistake names the file and the place."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from samforlop.core.rulefile import read_rules

PATH = Path(__file__).resolve().parent / "ceilings.toml"
FIRST_YEAR, LAST_YEAR = 2000, 2100


class RulesError(Exception):
    """ceilings.toml is wrong; the message names the file and the place."""


@dataclass(frozen=True)
class Rules:
    ceilings: MappingProxyType  # year -> whole kroner
    high_cost_nok: int

    def ceiling_for(self, year: int) -> int | None:
        """The ceiling for `year`, or None when it is not (yet) in the rules."""
        return self.ceilings.get(year)


def _whole_kroner(value, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise RulesError(f"{where}: must be a whole number of kroner greater than 0, not {value!r}")
    return value


def parse(data: dict, source: str) -> Rules:
    ceilings, flag = data.get("ceilings"), data.get("flag")
    for name, table in (("ceilings", ceilings), ("flag", flag)):
        if not isinstance(table, dict):
            raise RulesError(f"{source}: the table [{name}] is missing")
    if not ceilings:
        raise RulesError(f"{source}: [ceilings] names no year")
    by_year = {}
    for key, amount in ceilings.items():
        if not (len(key) == 4 and key.isdigit() and FIRST_YEAR <= int(key) <= LAST_YEAR):
            raise RulesError(f"{source}: [ceilings] {key!r} is not a year from {FIRST_YEAR} to {LAST_YEAR}")
        by_year[int(key)] = _whole_kroner(amount, f"{source}: [ceilings] {key}")
    unknown = set(flag) - {"high_cost_nok"}
    if unknown:
        raise RulesError(f"{source}: [flag] unknown key {', '.join(sorted(unknown))}")
    return Rules(ceilings=MappingProxyType(dict(sorted(by_year.items()))),
                 high_cost_nok=_whole_kroner(flag.get("high_cost_nok"), f"{source}: [flag] high_cost_nok"))


def load(path: Path = PATH) -> Rules:
    return parse(read_rules(path, RulesError), path.name)


@cache
def get_rules() -> Rules:
    return load()
