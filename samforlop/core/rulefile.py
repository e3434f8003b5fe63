"""Reading a rules file (TOML in an app's folder), for the apps' start-up checks."""

import tomllib
from pathlib import Path


def read_rules(path: Path, error: type[Exception]) -> dict:
    """The file's TOML, or `error` naming the file and the problem."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise error(f"{path.name}: {e}") from e
