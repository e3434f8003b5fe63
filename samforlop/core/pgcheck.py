"""Exit 0 when a PostgreSQL server answers at the given URL (used by `make test`)."""

import sys

import psycopg


def main(url: str) -> int:
    # Connect to the maintenance database: the test database is created by the test run.
    base = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(base, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
