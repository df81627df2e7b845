"""The `catalog` command: serve, migrate, demo-data."""

import os
import sys

import click

from . import pgserver
from .config import Config
from .migrate import MigrationError, migrate


def database_url() -> str:
    """DATABASE_URL when set (production); otherwise the embedded server, started here."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    pgserver.hold_until_exit()
    return pgserver.embedded_url()


def migrated_url() -> str:
    url = database_url()
    try:
        migrate(url)
    except MigrationError as error:
        raise click.ClickException(str(error)) from error
    return url


@click.group()
def main():
    """Catalog: manage a product catalog in the browser."""


@main.command("migrate")
def migrate_command():
    """Apply pending migrations."""
    url = database_url()
    try:
        applied = migrate(url)
    except MigrationError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Applied {len(applied)} migration(s)." if applied else "Nothing to apply.")
    for name in applied:
        click.echo(f"  {name}")


@main.command("demo-data")
@click.option("--products", "count", type=click.IntRange(1, 1_000_000), default=500,
              show_default=True, help="How many products to generate.")
@click.option("--replace", is_flag=True, help="Empty the catalog first.")
def demo_data_command(count, replace):
    """Fill the catalog with a realistic, deterministic demo catalog."""
    import time

    import psycopg
    from psycopg.rows import dict_row

    from .demo import DemoDataError, load_demo_data

    url = migrated_url()
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        try:
            counts = load_demo_data(
                conn, products=count, media_root=Config().MEDIA_ROOT, replace=replace
            )
        except DemoDataError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"Loaded in {time.monotonic() - started:.1f} s:")
    for table, n in counts.items():
        click.echo(f"  {table:<24} {n:>10,}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
@click.option("--workers", default=lambda: int(os.environ.get("WEB_CONCURRENCY", "2")),
              type=int, help="Worker processes (default: $WEB_CONCURRENCY or 2).")
@click.option("--demo-data", "demo", is_flag=True,
              help="On a brand-new database, load a small demo catalog.")
@click.option("--no-worker", is_flag=True,
              help="Start no job worker (run `catalog worker` elsewhere).")
def serve_command(host, port, workers, demo, no_worker):
    """Serve the app with gunicorn and a job worker (migrations are applied first)."""
    url = database_url()
    try:
        applied = migrate(url)
    except MigrationError as error:
        raise click.ClickException(str(error)) from error
    if demo and "0001_seed_schema.sql" in applied:
        import psycopg
        from psycopg.rows import dict_row

        from .demo import load_demo_data

        click.echo("New database: loading a demo catalog of 500 products...")
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            load_demo_data(conn, products=500, media_root=Config().MEDIA_ROOT)
    _print_setup_link(url, host, port)
    _prune_history(url, Config().HISTORY_DAYS)
    # Workers are forked by gunicorn and build their own app (and pool) from this.
    os.environ["DATABASE_URL"] = url
    click.echo(f"Catalog is running at http://{host}:{port}/  (Ctrl+C stops it)")
    sys.stdout.flush()
    worker = None if no_worker else WorkerProcess()
    try:
        _run_gunicorn(host, port, workers)
    finally:
        if worker:
            worker.stop()


@main.command("worker")
def worker_command():
    """Run the job worker (CSV imports) until stopped; `serve` starts one itself."""
    import logging

    from .imports.jobs import run_worker

    _end_with_parent()
    logging.basicConfig(level=logging.INFO, format="[worker] %(levelname)s %(message)s")
    url = migrated_url()
    click.echo("Job worker started (Ctrl+C stops it).")
    run_worker(url)


class WorkerProcess:
    """`catalog worker` as a child of `serve`: started with it, restarted whenever it
    exits while serve runs (exit code 0 included), stopped with it. A process of its
    own, so a long import never holds a web worker.

    It runs in a session of its own, so Ctrl+C in the terminal reaches only serve,
    which stops it once gunicorn is down; and it gets SIGTERM if serve dies without
    stopping it (Linux), so it is never left running alone.
    """

    def __init__(self):
        import subprocess
        import threading

        self._subprocess = subprocess
        self._stopping = threading.Event()
        # gunicorn forks its web workers from this process: they inherit this object
        # (and run serve's `finally`), but only the process that started the job
        # worker may stop it.
        self._owner = os.getpid()
        self._start()
        threading.Thread(target=self._watch, name="job-worker-watch", daemon=True).start()

    def _start(self):
        self.process = self._subprocess.Popen(
            [sys.executable, "-c", "from app.cli import main; main(['worker'])"],
            env={**os.environ, WORKER_PARENT_ENV: str(os.getpid())}, start_new_session=True)

    def _watch(self):
        while not self._stopping.is_set():
            code = self.process.wait()
            if self._stopping.wait(RESTART_SECONDS):
                return
            click.echo(f"The job worker stopped (exit code {code}); starting it again.")
            self._start()

    def stop(self):
        if os.getpid() != self._owner:
            return
        self._stopping.set()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                # A running import gets the worker's graceful timeout (10 s) to finish.
                self.process.wait(timeout=15)
            except self._subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


RESTART_SECONDS = 3
WORKER_PARENT_ENV = "CATALOG_SERVE_PID"


def _end_with_parent() -> None:
    """In a job worker started by serve: get SIGTERM when serve's process ends (Linux),
    so a serve killed outright never leaves its worker running alone."""
    import ctypes
    import signal

    parent = os.environ.pop(WORKER_PARENT_ENV, None)
    if not parent:
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (AttributeError, OSError):
        return  # not Linux: serve's stop() is the only way it ends
    if os.getppid() != int(parent):  # serve ended before the line above
        sys.exit(0)


def _print_setup_link(url: str, host: str, port: int) -> None:
    """With no accounts yet, print a one-time link that creates the first admin."""
    import psycopg
    from psycopg.rows import dict_row

    from .auth.routes import create_setup_token

    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        token = create_setup_token(conn)
    if token:
        click.echo("")
        click.echo("No staff accounts yet. Create the first admin with this one-time link:")
        click.echo(f"  http://{host}:{port}/setup?token={token}")
        click.echo("(or run: .venv/bin/catalog create-user EMAIL --role admin)")
        click.echo("")


@main.command("prune-history")
@click.option("--days", type=click.IntRange(1), default=lambda: Config().HISTORY_DAYS,
              help="Keep this many days of History (default: $HISTORY_DAYS or 365).")
def prune_history(days):
    """Forget History records older than --days (also done at every `serve`)."""
    _prune_history(migrated_url(), days)


def _prune_history(url: str, days: int) -> None:
    import psycopg
    from psycopg.rows import dict_row

    from .history.queries import delete_change_sets_before

    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        pruned = delete_change_sets_before(conn, days=days)
    if pruned:
        click.echo(f"History: pruned {pruned:,} change-set{'s' if pruned != 1 else ''} "
                   f"older than {days} days.")


@main.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "editor", "viewer"]), required=True)
@click.option("--name", default="", help="The person's name, shown in the app.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email, role, name, password_stdin):
    """Create a staff account (the password is asked for, or read from stdin)."""
    import psycopg
    from psycopg.rows import dict_row

    from .auth import queries
    from .auth.forms import MIN_PASSWORD
    from .auth.security import hash_password
    from .ids import new_id

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"The password needs at least {MIN_PASSWORD} characters.")
    if "@" not in email or email != email.strip():
        raise click.ClickException(f"{email!r} is not an email address.")
    url = migrated_url()
    password_hash = hash_password(password)
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        try:
            with conn.transaction():
                queries.insert_user(conn, user_id=new_id("user"), email=email, name=name,
                                    password_hash=password_hash, role=role)
                queries.use_setup_tokens(conn)
        except psycopg.errors.UniqueViolation as error:
            raise click.ClickException(f"An account with the email {email} exists.") from error
    click.echo(f"Created {role} account {email}.")


GIL_SWITCH_SECONDS = 0.02


def _leave_interrupts_to_the_master(worker) -> None:
    """Ctrl+C reaches every process of the terminal's group at once: the master,
    which then tells each web worker to quit (SIGQUIT), and the workers themselves,
    so a worker ran its quit handler twice, the second time inside the first's
    exit. On a loaded machine one such worker did not exit until gunicorn killed
    it 5 s later ("was sent SIGKILL"). Only the master's word counts now."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_gunicorn(host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", 4)
            self.cfg.set("accesslog", "-")
            self.cfg.set("graceful_timeout", 5)
            # gunicorn 25.1+ opens a control socket at one path per OS user: a
            # second `catalog serve` on the machine (another checkout, the tests)
            # would take it over. Nothing here uses it.
            if "control_socket_disable" in self.cfg.settings:
                self.cfg.set("control_socket_disable", True)
            self.cfg.set("post_worker_init", _leave_interrupts_to_the_master)

        def load(self):
            from . import create_app

            # Each worker's 4 threads share one interpreter lock. By default a thread
            # running Python gives it up every 5 ms, so two pages rendering side by
            # side take turns and both finish late; a request here needs 5-12 ms of
            # CPU and gives the lock up anyway at every statement. With 20 ms, under
            # 4 connections on 2 cores (make bench), the deep page's and the
            # search's p99 went from 48-67 ms to 40-49 ms, at the same or better
            # req/s. A long render (the 2,000-category tree) can now hold a
            # neighbour up to 20 ms between statements instead of 5.
            sys.setswitchinterval(GIL_SWITCH_SECONDS)
            return create_app()

    Server().run()
