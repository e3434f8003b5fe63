"""The embedded database runs SQLite in WAL mode with foreign keys on."""

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper


def test_sqlite_file_database_uses_wal(tmp_path, db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings")
    config = {**settings.DATABASES["default"], "NAME": str(tmp_path / "wal.sqlite3")}
    wrapper = DatabaseWrapper(config)
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
    finally:
        wrapper.close()
