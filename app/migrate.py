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
import psycopg.sql

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
            apply_job_queue_schema(conn)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    return applied_now


# The job queue (procrastinate) keeps its tables, types and functions in a schema of
# its own: the catalog's tables stay alone in `public`, and nothing that empties or
# inspects `public` touches the queue. Connections that use the queue put this schema
# on their search_path (app/imports/jobs.py).
JOB_QUEUE_SCHEMA = "procrastinate"


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def apply_job_queue_schema(conn) -> None:
    """Create procrastinate's schema with procrastinate's own SQL, or bring it up to the
    installed version with procrastinate's own migration files; nothing when current.

    Nothing of procrastinate's is copied into migrations/: its SQL is read from the
    installed package (SchemaManager), so `schema_migrations` and its checksums only
    ever hold our files. The version applied is kept as the schema's comment; a
    database whose schema is current is left alone, so running this again is a no-op.
    Runs under migrate()'s advisory lock, each step in one transaction.
    """
    from importlib.metadata import version

    from procrastinate.schema import SchemaManager

    installed = version("procrastinate")
    row = conn.execute(
        "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = %s",
        (JOB_QUEUE_SCHEMA,),
    ).fetchone()
    recorded = (row[0] or "").removeprefix("procrastinate ") if row else None
    if recorded == installed:
        return
    comment = psycopg.sql.SQL("COMMENT ON SCHEMA {} IS {}").format(
        psycopg.sql.Identifier(JOB_QUEUE_SCHEMA), psycopg.sql.Literal(f"procrastinate {installed}"))
    if not recorded:
        with conn.transaction():
            conn.execute(psycopg.sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                psycopg.sql.Identifier(JOB_QUEUE_SCHEMA)))
            conn.execute("SELECT set_config('search_path', %s, true)", (JOB_QUEUE_SCHEMA,))
            conn.execute(SchemaManager.get_schema())
            conn.execute(comment)
        return
    # An upgrade: procrastinate's migrations newer than the recorded version, in order,
    # each in its own transaction (one may add an enum value that a later one uses).
    folder = Path(SchemaManager.get_migrations_path())
    pending = sorted(
        p for p in folder.glob("*.sql")
        if _version_key(recorded) < _version_key(p.name) <= _version_key(installed)
    )
    for path in pending:
        with conn.transaction():
            conn.execute("SELECT set_config('search_path', %s, true)", (JOB_QUEUE_SCHEMA,))
            conn.execute(path.read_text())
    with conn.transaction():
        conn.execute(comment)
