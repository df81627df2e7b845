"""Migrations apply once each, under a lock, and refuse edited history."""

import multiprocessing
import os
import shutil
import signal

import psycopg
import pytest

from app import pgserver
from app.migrate import MIGRATIONS_DIR, MigrationError, migrate


def schema_fingerprint(url):
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            """
            SELECT table_name, column_name, data_type, is_nullable, column_default
              FROM information_schema.columns
             WHERE table_schema = 'public'
             ORDER BY 1, 2
            """
        ).fetchall()
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
        constraints = conn.execute(
            """
            SELECT conname, pg_get_constraintdef(oid)
              FROM pg_constraint
             WHERE connamespace = 'public'::regnamespace
             ORDER BY 1
            """
        ).fetchall()
    return columns, indexes, constraints


@pytest.fixture
def scratch_url(admin_database_url, database_url):
    """A database of this test's own, dropped afterwards."""
    name = psycopg.conninfo.conninfo_to_dict(database_url)["dbname"] + "_scratch"
    pgserver.ensure_database(admin_database_url, name, drop=True)
    url = psycopg.conninfo.make_conninfo(admin_database_url, dbname=name)
    yield url
    with psycopg.connect(admin_database_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrating_twice_changes_nothing(scratch_url):
    first = migrate(scratch_url)
    before = schema_fingerprint(scratch_url)
    assert first == sorted(p.name for p in MIGRATIONS_DIR.glob("*.sql"))
    assert migrate(scratch_url) == []
    assert schema_fingerprint(scratch_url) == before


def _migrate_in_process(url, results):
    results.put(migrate(url))


def test_two_processes_migrating_at_once_leave_one_clean_schema(scratch_url):
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    workers = [ctx.Process(target=_migrate_in_process, args=(scratch_url, results))
               for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    applied = sorted([results.get(timeout=5), results.get(timeout=5)], key=len)
    # One process applied everything; the other waited on the lock and found nothing to do.
    assert applied[0] == []
    assert len(applied[1]) == len(list(MIGRATIONS_DIR.glob("*.sql")))
    with psycopg.connect(scratch_url) as conn:
        rows = conn.execute("SELECT name, count(*) FROM schema_migrations GROUP BY name").fetchall()
    assert all(n == 1 for _, n in rows)
    assert len(rows) == len(applied[1])


def test_an_applied_migration_that_was_edited_stops_the_run(scratch_url, tmp_path):
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations)
    migrate(scratch_url, migrations)
    first = sorted(migrations.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited afterwards\n")
    with pytest.raises(MigrationError, match="edited after it was applied"):
        migrate(scratch_url, migrations)


def test_a_failing_migration_leaves_nothing_behind(scratch_url, tmp_path):
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations)
    (migrations / "9999_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\nSELECT no_such_function();\n"
    )
    with pytest.raises(psycopg.errors.UndefinedFunction):
        migrate(scratch_url, migrations)
    with psycopg.connect(scratch_url) as conn:
        assert conn.execute("SELECT to_regclass('half_done')").fetchone()[0] is None
        names = [r[0] for r in conn.execute("SELECT name FROM schema_migrations")]
    assert "9999_broken.sql" not in names
    assert "0001_seed_schema.sql" in names


def _hold_server(datadir, ready):
    from app import pgserver as server_module

    server_module.start(datadir)
    ready.set()
    import time

    time.sleep(60)


def test_a_server_whose_holder_was_killed_is_still_stopped_by_the_last_one(tmp_path):
    """SIGKILL skips a holder's exit; the next start forgets it, so the server stops."""
    import json
    import subprocess
    import sys

    datadir = tmp_path / "pg"
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_server, args=(datadir, ready))
    holder.start()
    assert ready.wait(60)
    holder.kill()
    holder.join()
    assert holder.pid in json.loads((datadir / ".handle_pids.json").read_text())
    try:
        # A normal holder comes and goes: as the last live one, it stops the server.
        subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                        "from app import pgserver; pgserver.start(Path(sys.argv[1]))",
                        str(datadir)], check=True, timeout=60)
        assert not (datadir / "postmaster.pid").exists()
    finally:
        pid_file = datadir / "postmaster.pid"
        if pid_file.exists():  # left running: stop it (fast shutdown), not the suite
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
