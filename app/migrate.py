"""Applies migrations/NNNN_*.sql once each, in order, under an advisory lock.

Each file runs in its own transaction and is recorded with a checksum in
`schema_migrations`. An applied file that was edited afterwards stops the run:
a migration is history, and the fix for it is a new file.
"""

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from .config import ROOT

MIGRATIONS_DIR = ROOT / "migrations"
# Any constant works; it only has to be the same in every process of this app.
LOCK_KEY = 0x0C47A106
NAME_PATTERN = re.compile(r"^\d{4}_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    files = sorted(p for p in directory.iterdir() if p.suffix == ".sql")
    bad = [p.name for p in files if not NAME_PATTERN.match(p.name)]
    if bad:
        raise MigrationError(f"migration files must be named NNNN_name.sql: {', '.join(bad)}")
    return [Migration(p.name, p.read_text()) for p in files]


def migrate(url: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply what is pending; return the names applied now."""
    migrations = discover(directory)
    applied_now = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            conn.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name text PRIMARY KEY,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """
            )
            applied = dict(conn.execute("SELECT name, checksum FROM schema_migrations").fetchall())
            for migration in migrations:
                if migration.name in applied:
                    if applied[migration.name] != migration.checksum:
                        raise MigrationError(
                            f"{migration.name} was edited after it was applied; "
                            "restore it and put the change in a new migration"
                        )
                    continue
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute(
                        "INSERT INTO schema_migrations (name, checksum) VALUES (%s, %s)",
                        (migration.name, migration.checksum),
                    )
                applied_now.append(migration.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    return applied_now
