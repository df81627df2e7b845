"""The job queue and the import job.

Why procrastinate: it keeps its queue in the PostgreSQL we already run (no
broker to install or operate), takes a job in the same transaction as the
row that asks for it (`configure(connection=conn)`: an import is queued
exactly when its status says so, never one without the other), wakes workers
with LISTEN/NOTIFY instead of polling, runs plain synchronous functions,
serialises jobs that share a lock, records worker heartbeats so a job whose
worker died can be found and retried, and is maintained and documented
(procrastinate.readthedocs.io). The worker is its own process (`catalog
worker`, which `catalog serve` starts beside gunicorn), never a thread inside
a web worker.

Its tables live in their own schema (see app/migrate.py); every connection
that talks to the queue puts that schema on its search_path.
"""

import asyncio
import logging
import os

import procrastinate
from psycopg.conninfo import make_conninfo

from ..migrate import JOB_QUEUE_SCHEMA
from .apply import run_check, run_import

log = logging.getLogger(__name__)

QUEUE = "imports"
# Imports run one after another, whatever the number of workers: two imports
# touching the same products would otherwise wait on each other's locks.
LOCK = "product-imports"
# Jobs a worker runs at once: an import, and a big file's check beside it (a check
# writes nothing to the catalog and takes no lock), so a file is not left "Checking…"
# for as long as another import takes to apply.
CONCURRENCY = 2

queue = procrastinate.App(connector=procrastinate.PsycopgConnector(),
                          import_paths=["app.imports.jobs"])
_worker_url: str | None = None


def database_url() -> str:
    url = _worker_url or os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("The worker has no database URL.")
    return url


@queue.task(name="imports.apply", queue=QUEUE)
def apply_import(import_id: str) -> str:
    """Apply one queued import (the page shows its progress and report)."""
    return run_import(database_url(), import_id)


@queue.task(name="imports.check", queue=QUEUE)
def check_import(import_id: str) -> str:
    """Check an uploaded file too big to check within its upload (the dry run)."""
    return run_check(database_url(), import_id)


def _on_queue(conn):
    """The caller's connection, able to queue jobs for the rest of its transaction."""
    conn.execute("SELECT set_config('search_path', %s, true)", (f"{JOB_QUEUE_SCHEMA}, public",))
    return conn


def defer_import(conn, *, import_id: str) -> int:
    """Queue the import's job in the caller's transaction; the job's id."""
    return apply_import.configure(connection=_on_queue(conn), lock=LOCK).defer(
        import_id=import_id)


def defer_check(conn, *, import_id: str) -> int:
    """Queue the file's check in the caller's transaction; the job's id."""
    return check_import.configure(connection=_on_queue(conn)).defer(import_id=import_id)


def queue_conninfo(url: str) -> str:
    return make_conninfo(url, options=f"-c search_path={JOB_QUEUE_SCHEMA}")


def run_worker(url: str, *, wait: bool = True, install_signal_handlers: bool = True) -> None:
    """Work the imports queue until stopped (wait=False: until it is empty)."""
    global _worker_url
    _worker_url = url
    connector = procrastinate.PsycopgConnector(conninfo=queue_conninfo(url), min_size=1,
                                               max_size=4)

    async def main():
        async with queue.open_async():
            await _retry_stalled_jobs()
            while True:
                await queue.run_worker_async(
                    queues=[QUEUE], wait=wait, concurrency=CONCURRENCY,
                    delete_jobs="successful", install_signal_handlers=install_signal_handlers,
                    fetch_job_polling_interval=2, shutdown_graceful_timeout=10)
                # A worker that does not wait stops at its first fetch that finds
                # nothing, which an import held back by a running one's lock is not:
                # go again until no job is left to do.
                if wait or not await queue.job_manager.list_jobs_async(queue=QUEUE,
                                                                       status="todo"):
                    break

    with queue.replace_connector(connector):
        asyncio.run(main())


async def _retry_stalled_jobs() -> None:
    """Jobs left `doing` by a worker that stopped (no heartbeat) run again. An import
    job starts over safely: its one transaction was never committed."""
    stalled = await queue.job_manager.get_stalled_jobs(queue=QUEUE,
                                                       seconds_since_heartbeat=30)
    for job in stalled:
        log.warning("retrying import job %s left by a stopped worker", job.id)
        await queue.job_manager.retry_job(job)
