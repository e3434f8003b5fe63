"""The municipality register as data (municipalities.toml): a municipality is shown by its name.
Checked when the process starts."""

import re
from functools import cache
from pathlib import Path

from samforlop.core.rulefile import read_rules

REGISTER = Path(__file__).resolve().parent / "municipalities.toml"


class MunicipalityRegisterError(Exception):
    pass


def load(path: Path = REGISTER) -> dict[str, str]:
    data = read_rules(path, MunicipalityRegisterError)
    names = data.get("municipalities")
    if not isinstance(names, dict) or not names:
        raise MunicipalityRegisterError(f"{path.name}: needs a [municipalities] table of \"NNNN\" = \"name\"")
    for number, name in names.items():
        if not re.fullmatch(r"\d{4}", number):
            raise MunicipalityRegisterError(f"{path.name}: “{number}” is not a four-digit municipality number")
        if not isinstance(name, str) or not name.strip():
            raise MunicipalityRegisterError(f"{path.name}: {number} needs a name")
    return dict(names)


@cache
def register() -> dict[str, str]:
    return load()


def municipality_name(number: str) -> str | None:
    """The municipality's name, or None for a number the register does not hold."""
    return register().get(number or "")
