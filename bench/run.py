"""The benchmark: Catalog served as in production, over a 100,000-product catalog.

    make bench                      # or: .venv/bin/python bench/run.py [options]

1. Starts (or reuses) a PostgreSQL: BENCH_DATABASE_URL, or an embedded server
   under .local/pgbench; loads `catalog demo-data --products N` into the
   `catalog_bench` database once (again with --fresh), and times the load.
2. Serves the app with gunicorn (`catalog serve`, 2 workers) on 127.0.0.1 with
   SQL_COUNT_HEADER=1, signs in as a bench account.
3. Per read scenario: warm-up requests, then single-request latencies (median
   of 5), bytes, and SQL statements per request (X-SQL-Count, counted by the
   app's cursor), then `wrk` (2 threads, 4 connections, 15 s by default; 0
   skips it) for req/s, p50 and p99. Write scenarios post what the browser
   would (htmx requests) and report the median of their posts; each puts the
   data back afterwards, so a rerun measures the same thing.
4. Writes bench/RESULTS.md and bench/results.json.

Every address it sends traffic to is on the loopback interface.
"""

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import pgserver  # noqa: E402
from app.migrate import migrate  # noqa: E402

HOST = "127.0.0.1"
BENCH_EMAIL = "bench@catalog.example"
BENCH_PASSWORD = "bench-password-not-secret"
# Production-like settings for the embedded server (the machine has 24 GiB).
SERVER_SETTINGS = {"shared_buffers": "1GB", "work_mem": "16MB", "effective_cache_size": "8GB",
                   "random_page_cost": "1.1", "synchronous_commit": "off"}


class Client:
    """A tiny HTTP client for one loopback server: cookies and CSRF, nothing more."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.csrf = None

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            body = urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            if self.csrf:
                headers["X-CSRFToken"] = self.csrf
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        conn.close()
        return response, data, elapsed

    def sign_in(self):
        _, html, _ = self.request("GET", "/login")
        self.csrf = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        self.csrf = self.csrf.decode()
        response, _, _ = self.request("POST", "/login", {
            "csrf_token": self.csrf, "email": BENCH_EMAIL, "password": BENCH_PASSWORD})
        if response.status != 302:
            raise SystemExit(f"bench sign-in failed with HTTP {response.status}")
        _, html, _ = self.request("GET", "/")
        self.csrf = re.search(rb'"X-CSRFToken": "([^"]+)"', html).group(1).decode()

    @property
    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def database(args):
    """(admin URL, bench database URL), starting the embedded server if needed."""
    if os.environ.get("BENCH_DATABASE_URL"):
        url = os.environ["BENCH_DATABASE_URL"]
        params = psycopg.conninfo.conninfo_to_dict(url)
        return psycopg.conninfo.make_conninfo(url, dbname="postgres"), url, params["dbname"]
    pgserver.hold_until_exit()
    server = pgserver.start(ROOT / ".local" / "pgbench", SERVER_SETTINGS)
    return server.get_uri("postgres"), server.get_uri("catalog_bench"), "catalog_bench"


def prepare_data(admin_url, url, dbname, products, fresh):
    pgserver.ensure_database(admin_url, dbname, drop=fresh)
    migrate(url)
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        n = conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"]
    load_seconds = None
    if n == 0:
        env = {**os.environ, "DATABASE_URL": url}
        started = time.monotonic()
        subprocess.run([str(ROOT / ".venv" / "bin" / "catalog"), "demo-data", "--products",
                        str(products)], check=True, env=env)
        load_seconds = time.monotonic() - started
    # Every run starts from settled tables: the write scenarios (and their resets)
    # of an earlier run leave pages an index-only scan must visit (S1's count and
    # S4's filter took twice as long after one run of S10), and autovacuum waits
    # for far more changed rows than a run makes.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        ensure_bench_user(conn)
        facts = conn.execute(
            """
            SELECT (SELECT count(*) FROM products WHERE deleted_at IS NULL) AS products,
                   (SELECT count(*) FROM p_variants WHERE deleted_at IS NULL) AS variants,
                   (SELECT count(*) FROM p_categories WHERE deleted_at IS NULL) AS categories,
                   pg_size_pretty(pg_database_size(current_database())) AS size,
                   current_setting('server_version') AS server_version
            """
        ).fetchone()
    return facts, load_seconds


def ensure_bench_user(conn):
    from app.auth import queries
    from app.auth.security import hash_password
    from app.ids import new_id

    if not queries.get_user_for_login(conn, email=BENCH_EMAIL):
        queries.insert_user(conn, user_id=new_id("user"), email=BENCH_EMAIL, name="Bench",
                            password_hash=hash_password(BENCH_PASSWORD), role="admin")


def product_with_variants(conn, n_min, n_max=None):
    """A live product whose variant count lies in [n_min, n_max]: the heavy edit pages."""
    row = conn.execute(
        """
        SELECT product_id AS id, count(*) AS n
          FROM p_variants
         WHERE deleted_at IS NULL
         GROUP BY product_id
        HAVING count(*) >= %(lo)s AND count(*) <= %(hi)s
         ORDER BY count(*) DESC
         LIMIT 1
        """,
        {"lo": n_min, "hi": n_max or 10**9},
    ).fetchone()
    return row


def start_server(url, port, workers):
    env = {**os.environ, "DATABASE_URL": url, "SQL_COUNT_HEADER": "1",
           "WEB_CONCURRENCY": str(workers), "DB_POOL_MAX": "8"}
    log = open(ROOT / ".local" / "bench-server.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "catalog"), "serve", "--host", HOST, "--port", str(port),
         "--workers", str(workers)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("the server did not start; see .local/bench-server.log")


def stop_server(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def run_wrk(port, path, cookie, duration, connections):
    if not duration or not shutil.which("wrk"):
        return None
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout",
               "30s", "-H", f"Cookie: {cookie}", f"http://{HOST}:{port}{path}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latencies = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "p50_ms": to_ms(latencies.get("50")), "p99_ms": to_ms(latencies.get("99")),
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0}


def to_ms(text):
    if not text:
        return None
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def measure_read(client, port, name, path, args):
    for _ in range(3):
        response, _, _ = client.request("GET", path)
        if response.status != 200:
            raise SystemExit(f"{name}: GET {path} answered HTTP {response.status}")
    timings, statements, size = [], None, None
    for _ in range(5):
        response, body, elapsed = client.request("GET", path)
        timings.append(elapsed * 1000)
        statements = int(response.headers.get("X-SQL-Count", "-1"))
        size = len(body)
    result = {"scenario": name, "path": path, "single_ms": round(statistics.median(timings), 1),
              "statements": statements, "bytes": size}
    load = run_wrk(port, path, client.cookie_header, args.duration, args.connections)
    if load:
        result.update(load)
    print(f"  {name:<28} {result['single_ms']:>8} ms  {statements} stmts  "
          f"{load['rps'] if load else '-':>8} req/s", flush=True)
    return result


@dataclass
class Write:
    """A write scenario: POSTs as the page's htmx would send them, each timed.

    `reset` (SQL on the bench database) runs before and after, and puts the
    data into the state the scenario starts from."""

    name: str
    path: str
    bodies: list
    reset: Callable | None = None
    headers: dict = field(default_factory=dict)


def measure_write(client, url, write):
    if write.reset:
        with psycopg.connect(url, autocommit=True) as conn:
            write.reset(conn)
    timings, response, data = [], None, b""
    try:
        for body in write.bodies:
            response, data, elapsed = client.request(
                "POST", write.path, body, headers={"HX-Request": "true", **write.headers})
            if response.status >= 400:
                raise SystemExit(f"{write.name}: POST {write.path} answered HTTP "
                                 f"{response.status}")
            timings.append(elapsed * 1000)
    finally:
        if write.reset:
            with psycopg.connect(url, autocommit=True) as conn:
                write.reset(conn)
    result = {"scenario": write.name, "path": write.path,
              "single_ms": round(statistics.median(timings), 1), "posts": len(timings),
              "status": response.status, "bytes": len(data),
              "statements": int(response.headers.get("X-SQL-Count", "-1"))}
    print(f"  {write.name:<28} {result['single_ms']:>8} ms  HTTP {response.status}  "
          f"(median of {len(timings)})", flush=True)
    return result


def reads(conn):
    """(name, path) of every read scenario; ids found in the data."""
    found = [
        ("S1 list page 1", "/products/"),
        ("S2 list deep (offset 49,950)", "/products/?page=1000"),
        ("S3 search cotton crew", "/products/?q=cotton+crew"),
        ("S4 status = draft", "/products/?status=draft"),
    ]
    heavy = product_with_variants(conn, 150, 400)
    if heavy:
        found.append((f"S5 edit page ({heavy['n']} variants)", f"/products/{heavy['id']}"))
    biggest = product_with_variants(conn, 1000)
    if biggest:
        found.append((f"S6 variant grid ({biggest['n']} variants)",
                      f"/products/{biggest['id']}/variants"))
    found.append(("S7 category tree", "/categories/"))
    return found


def writes(conn):
    """Every write scenario (S8–S10), with what it needs found or made in the data."""
    found = []
    category = conn.execute(
        """
        SELECT c.id, c.parent_id
          FROM p_categories AS c
         WHERE c.deleted_at IS NULL
           AND c.parent_id IS NOT NULL
           AND c.rank = 0
           AND (SELECT count(*) FROM p_categories AS s
                 WHERE s.parent_id = c.parent_id AND s.deleted_at IS NULL) >= 3
         ORDER BY c.id
         LIMIT 1
        """
    ).fetchone()
    if category:
        # Dragged one place down and back again, three times: the tree ends as it began.
        there = {"category_id": category["id"], "parent_id": category["parent_id"],
                 "position": "1"}
        found.append(Write("S8 category drag (POST)", "/categories/move",
                           [there, {**there, "position": "0"}] * 3))
    biggest = product_with_variants(conn, 1000)
    if biggest:
        grid = f"/products/{biggest['id']}/variants"
        ids = [r["id"] for r in conn.execute(
            """
            SELECT id
              FROM p_variants
             WHERE product_id = %s
               AND deleted_at IS NULL
             ORDER BY variant_rank NULLS LAST, created_at, id
             LIMIT 100
            """, (biggest["id"],)).fetchall()]
        swapped = [ids[1], ids[0], *ids[2:]]
        found.append(Write("S8 variant drag (POST)", f"{grid}/order",
                           [{"ids": swapped, "next": grid}, {"ids": ids, "next": grid}] * 3,
                           headers={"HX-Current-URL": grid}))
    product_id = ensure_generate_product(conn)
    found.append(Write("S9 generate 1,000 variants",
                       f"/products/{product_id}/variants/generate",
                       [{"next": f"/products/{product_id}/variants"}],
                       reset=lambda c: remove_variants(c, product_id)))
    drafts = [r["id"] for r in conn.execute(
        "SELECT id FROM products WHERE deleted_at IS NULL AND status = 'draft' "
        "ORDER BY id LIMIT 1000").fetchall()]
    found.append(Write("S10 bulk status of 1,000", "/products/bulk",
                       [{"ids": drafts, "action": "status", "status": "proposed", "query": ""}],
                       reset=lambda c: back_to_draft(c, drafts)))
    return found


@contextmanager
def unrecorded(conn):
    """A transaction History does not record (migration 0012's catalog.history
    setting): the bench's own setup and resets are not catalog work."""
    with conn.transaction():
        conn.execute("SET LOCAL catalog.history = 'off'")
        yield conn


def back_to_draft(conn, ids):
    with unrecorded(conn):
        conn.execute("UPDATE products SET status = 'draft' WHERE id = ANY(%s) "
                     "AND status <> 'draft'", (ids,))


GENERATE_HANDLE = "bench-generate-1000"


def ensure_generate_product(conn):
    """A product with Size (40 values) × Color (25 values) and no variants: S9 generates
    its 1,000 combinations. Made once; its variants are removed before and after."""
    from app.ids import new_id

    row = conn.execute("SELECT id FROM products WHERE handle = %s AND deleted_at IS NULL",
                       (GENERATE_HANDLE,)).fetchone()
    if row:
        return row["id"]
    product_id = new_id("product")
    with unrecorded(conn):
        conn.execute("INSERT INTO products (id, title, handle, status) "
                     "VALUES (%s, 'Bench: 1,000 combinations', %s, 'draft')",
                     (product_id, GENERATE_HANDLE))
        for rank, (title, values) in enumerate((
                ("Size", [f"EU {n}" for n in range(20, 60)]),
                ("Color", [f"Shade {n:02d}" for n in range(1, 26)]))):
            option_id = new_id("option")
            conn.execute("INSERT INTO p_options (id, title, product_id, metadata) "
                         "VALUES (%s, %s, %s, %s)",
                         (option_id, title, product_id, Jsonb({"rank": rank})))
            conn.execute(
                "INSERT INTO p_option_values (id, value, option_id, metadata) "
                "SELECT id, value, %s, jsonb_build_object('rank', n - 1) "
                "  FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS v(id, value, n)",
                (option_id, [new_id("option_value") for _ in values], values))
    return product_id


def remove_variants(conn, product_id):
    """Delete the S9 product's variants for good (bench data only)."""
    with unrecorded(conn):
        conn.execute("DELETE FROM p_variants_options WHERE variant_id IN "
                     "(SELECT id FROM p_variants WHERE product_id = %s)", (product_id,))
        conn.execute("DELETE FROM p_variants WHERE product_id = %s", (product_id,))


# What the issue asks of each scenario (the side-by-side ratios are in PEERS.md).
TARGETS = {
    "S1": "≥10× the better peer, p99 < 50 ms", "S2": "≥10× the better peer, p99 < 50 ms",
    "S3": "≥10× the better peer, p99 < 50 ms", "S4": "≥10× the better peer, p99 < 50 ms",
    "S5": "≥10× the better peer, single < 100 ms", "S6": "single < 100 ms",
    "S7": "one query", "S8": "< 20 ms", "S9": "< 1 s", "S10": "< 2 s",
}


def write_results(results, facts, load_seconds, args):
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = (f"wrk -t2 -c{args.connections} -d{args.duration}s per read scenario"
            if args.duration else "no load runs (--duration 0)")
    lines = [
        "# Catalog benchmark results",
        "",
        f"Run {now} on {platform.node() and 'this machine'}: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, PostgreSQL {facts['server_version']}, "
        f"gunicorn {args.workers} workers (gthread, 4 threads).",
        f"Data: {facts['products']:,} live products, {facts['variants']:,} live variants, "
        f"{facts['categories']:,} categories; database {facts['size']}."
        + (f" Demo data loaded in {load_seconds:.1f} s." if load_seconds else ""),
        f"Load: {load}; single-request times are the median of 5 sequential requests "
        "(writes: the median of their posts, htmx requests as the page sends them). "
        "Statements are counted by the app per request (X-SQL-Count), including the "
        "signed-in user's lookup. Bytes are as sent (the bench client asks for no "
        "compression).",
        "",
        "| scenario | single ms | req/s | p50 ms | p99 ms | statements | bytes | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        target = TARGETS.get(r["scenario"].split()[0], "")
        lines.append(
            f"| {r['scenario']} | {r['single_ms']} | {r.get('rps', '–')} | "
            f"{r.get('p50_ms', '–')} | {r.get('p99_ms', '–')} | {r['statements']} | "
            f"{r.get('bytes', '–')} | {target} |")
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines) + "\n")
    (ROOT / "bench" / "results.json").write_text(json.dumps(
        {"run_at": now, "facts": facts, "load_seconds": load_seconds, "results": results},
        indent=2, default=str) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--fresh", action="store_true", help="regenerate the data")
    parser.add_argument("--port", type=int, default=8103)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()

    admin_url, url, dbname = database(args)
    facts, load_seconds = prepare_data(admin_url, url, dbname, args.products, args.fresh)
    print(f"Data: {facts}", flush=True)
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        read_plan, write_plan = reads(conn), writes(conn)
    server = start_server(url, args.port, args.workers)
    results = []
    try:
        client = Client(args.port)
        client.sign_in()
        for name, path in read_plan:
            response, _, _ = client.request("GET", path)
            if response.status == 404:
                print(f"  {name:<28} skipped: {path} does not exist in this build")
                continue
            results.append(measure_read(client, args.port, name, path, args))
        for write in write_plan:
            results.append(measure_write(client, url, write))
    finally:
        stop_server(server)
    write_results(results, facts, load_seconds, args)
    print("Wrote bench/RESULTS.md")


if __name__ == "__main__":
    main()
