"""Running one bench file on its own: its own SQLite file under var/bench/ (or DATABASE_URL),
Django set up and migrated, then the file's `run(None)` lines printed."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_alone(name: str, run) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SAMFORLOP_TESTING", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samforlop.settings")
    if not os.environ.get("DATABASE_URL"):
        bench_dir = ROOT / "var" / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (bench_dir / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)
        os.environ["SAMFORLOP_SQLITE_PATH"] = str(bench_dir / f"{name}.sqlite3")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    for line in run(None):
        print(line, flush=True)
