"""`catalog serve` as staff run it: a job worker that dies comes back; Ctrl+C ends it all."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

CATALOG = Path(sys.executable).with_name("catalog")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout=20.0, what="it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def job_worker(serve):
    """The job worker process serve started, or None."""
    for child in psutil.Process(serve.pid).children():
        try:
            if "main(['worker'])" in " ".join(child.cmdline()):
                return child
        except psutil.NoSuchProcess:
            pass
    return None


def test_a_job_worker_that_exits_is_restarted_and_ctrl_c_stops_everything(
        database_url, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "DATABASE_URL": database_url, "CATALOG_STATE_DIR": str(tmp_path)}
    with open(log, "wb") as out:
        # A session of its own, so the test can send Ctrl+C as a terminal does: to
        # every process of the foreground group at once.
        serve = subprocess.Popen([str(CATALOG), "serve", "--port", str(port), "--workers", "2"],
                                 env=env, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"), what="/healthz")

        def working(n):
            """The n-th job worker has started its loop (and its signal handlers)."""
            wait_for(lambda: log.read_text().count("Starting worker on queues") >= n,
                     what=f"job worker {n} to start")
            return job_worker(serve)

        first = working(1)
        # SIGTERM: the worker stops cleanly (exit code 0), and is still wanted.
        first.terminate()
        second = working(2)
        assert second.pid != first.pid
        second.kill()
        third = working(3)
        assert third.pid != second.pid

        started = time.monotonic()
        os.killpg(serve.pid, signal.SIGINT)
        code = serve.wait(timeout=10)
        took = time.monotonic() - started
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
    output = log.read_text()
    assert code == 0, output
    assert took < 3, f"Ctrl+C took {took:.1f} s:\n{output}"
    assert "exit code 0); starting it again" in output
    assert "exit code -9); starting it again" in output
    for bad in ("ERROR", "SIGKILL", "Traceback"):
        assert bad not in output, output
    assert not third.is_running(), "the job worker outlived serve"
    assert not answers(f"http://127.0.0.1:{port}/healthz")


def test_serve_killed_outright_leaves_no_job_worker_behind(database_url, tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "CATALOG_STATE_DIR": str(tmp_path)}
    serve = subprocess.Popen([str(CATALOG), "serve", "--port", str(port), "--workers", "1"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                             start_new_session=True)
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"), what="/healthz")
        worker = wait_for(lambda: job_worker(serve), what="the job worker")
        wait_for(lambda: "main(['worker'])" in " ".join(worker.cmdline()), what="its exec")
        serve.kill()
        serve.wait(timeout=10)
        wait_for(lambda: not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE,
                 timeout=15, what="the job worker to end with serve")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(serve.pid, signal.SIGKILL)
