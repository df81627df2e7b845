"""Catalog side by side with the peer admins (Django admin, Flask-Admin), in one run.

    .venv/bin/python bench/peers.py PEERS_DIR [--duration 15] [--skip-setup]

PEERS_DIR is the peer harness (its README says how it works): it serves the
peers over its own PostgreSQL with the same 13-table schema and a generated
100,000-product catalog, and measures any target with the same load (wrk) and
the same statement counting (PostgreSQL's statement log). This script:

1. copies the harness to a scratch folder (the original may be read-only) and
   runs its setup (venv, wrk, PostgreSQL, data) unless --skip-setup;
2. measures both peers with the harness;
3. loads Catalog's own demo data into a `catalog_bench` database on the SAME
   PostgreSQL server, serves Catalog with gunicorn (2 workers), and measures it
   with the same harness and scenarios: once as shipped, once with every page
   rendered (PAGE_CACHE_MB=0, the page cache off);
4. times Catalog's write scenarios (S8–S10) on that same server; the peers
   have no equivalent (no drag to rank, no variant generation, no bulk status
   change: their only bulk action is delete), so these are Catalog-only rows;
5. writes bench/PEERS.md: the harness's table plus Catalog's ratio to the
   better peer per scenario.

Only loopback addresses are involved.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402

SCRATCH = Path("/tmp/catalog-peers")
PORT = 8103


def sh(command, cwd, env=None):
    print(f"$ {command}", flush=True)
    subprocess.run(command, shell=True, check=True, cwd=cwd, env={**os.environ, **(env or {})})


def peer_socket(workdir: Path) -> str:
    env = dict(line.split("=", 1) for line in (workdir / "pg.env").read_text().split()
               if "=" in line)
    return env["PEERS_PG_SOCKET"].strip("'\"")


def catalog_target(workdir: Path, url: str, name: str = "catalog") -> Path:
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        heavy = bench.product_with_variants(conn, 150, 400)
        biggest = bench.product_with_variants(conn, 1000)
    scenarios = {
        "S1 list p1": "/products/",
        "S2 list deep": "/products/?page=1000",
        "S3 search": "/products/?q=cotton+crew",
        "S4 filter draft": "/products/?status=draft",
    }
    if heavy:
        scenarios["S5 edit 200 var"] = f"/products/{heavy['id']}"
    if biggest:
        scenarios["S6 variant grid"] = f"/products/{biggest['id']}/variants"
    scenarios["S7 category tree"] = "/categories/"
    target = {
        "name": name,
        "base_url": f"http://{bench.HOST}:{PORT}",
        "login": {"type": "html_form", "path": "/login",
                  "fields": {"email": bench.BENCH_EMAIL, "password": bench.BENCH_PASSWORD}},
        "scenarios": scenarios,
    }
    path = workdir / "targets" / f"{name}.json"
    path.write_text(json.dumps(target, indent=2))
    return path


def ratios(workdir: Path) -> list[str]:
    """Catalog's req/s over the better peer's, per scenario both ran."""
    runs = {name: json.loads((workdir / "results" / f"{name}.json").read_text())
            for name in ("django", "flask", "catalog", "catalog-rendered")}
    loads = {name: {scenario: data.get("load", {}) for scenario, data in run["scenarios"].items()}
             for name, run in runs.items()}
    rows = ["| scenario | Catalog req/s | every page rendered req/s | better peer req/s | "
            "ratio (rendered) | Catalog p99 ms (rendered) | better peer p99 ms |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for scenario, ours in loads["catalog"].items():
        drawn = loads["catalog-rendered"].get(scenario, {})
        peers = [loads[p][scenario] for p in ("django", "flask") if scenario in loads[p]]
        head = (f"| {scenario} | {ours.get('rps', 0):.1f} | {drawn.get('rps', 0):.1f} | ")
        p99 = f"{ours.get('p99_ms') or 0:.1f} ({drawn.get('p99_ms') or 0:.1f})"
        if not peers:
            rows.append(f"{head}no equivalent | – | {p99} | – |")
            continue
        best = max(peers, key=lambda load: load.get("rps") or 0)
        ratio = (ours.get("rps") or 0) / (best.get("rps") or 1)
        ratio_drawn = (drawn.get("rps") or 0) / (best.get("rps") or 1)
        rows.append(f"{head}{best.get('rps', 0):.1f} | {ratio:.1f}× ({ratio_drawn:.1f}×) | "
                    f"{p99} | {best.get('p99_ms') or 0:.1f} |")
    return rows


def write_rows(results) -> list[str]:
    """Catalog's write scenarios: single timings against their targets."""
    rows = ["| scenario | Catalog single ms | target | statements | peers |",
            "|---|---:|---|---:|---|"]
    for r in results:
        target = bench.TARGETS.get(r["scenario"].split()[0], "")
        rows.append(f"| {r['scenario']} | {r['single_ms']} | {target} | {r['statements']} | "
                    "no equivalent |")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("peers_dir", type=Path)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--skip-setup", action="store_true")
    args = parser.parse_args()

    workdir = SCRATCH
    if not args.skip_setup:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.copytree(args.peers_dir, workdir)
        for path in [workdir, *workdir.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)
        sh("./setup.sh", workdir)
    (workdir / "results").mkdir(exist_ok=True)
    env = {"DURATION": str(args.duration), "CONNS": str(args.connections), "KEEP_PG": "1"}
    sh("./run.sh", workdir, env)

    socket = peer_socket(workdir)
    url = f"postgresql://postgres@/catalog_bench?host={socket}"
    admin_url = f"postgresql://postgres@/postgres?host={socket}"
    facts, load_seconds = bench.prepare_data(admin_url, url, "catalog_bench", args.products,
                                             fresh=False)
    print(f"Catalog data: {facts}", flush=True)
    target = catalog_target(workdir, url)
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        write_plan = bench.writes(conn)
    python = os.environ.get("PEERS_VENV", "/tmp/peers-venv") + "/bin/python"
    server = bench.start_server(url, PORT, 2, page_cache=False)
    try:
        rendered = catalog_target(workdir, url, "catalog-rendered")
        sh(f"{python} bench.py run {rendered} --duration {args.duration} "
           f"--connections {args.connections} --out results/catalog-rendered.json", workdir)
    finally:
        bench.stop_server(server)
    server = bench.start_server(url, PORT, 2)
    try:
        sh(f"{python} bench.py run {target} --duration {args.duration} "
           f"--connections {args.connections} --out results/catalog.json", workdir)
        client = bench.Client(PORT)
        client.sign_in()
        writes = [bench.measure_write(client, url, write) for write in write_plan]
    finally:
        bench.stop_server(server)
        sh(f"{python} pg.py stop || true", workdir)
    table = subprocess.run([python, "bench.py", "report", "results/django.json",
                            "results/flask.json", "results/catalog.json",
                            "results/catalog-rendered.json"], cwd=workdir,
                           capture_output=True, text=True, check=True).stdout
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join([
        "# Catalog beside the peer admins",
        "",
        f"Run {now}: the peer harness's own load (wrk -t2 -c{args.connections} "
        f"-d{args.duration}s) and statement counting (PostgreSQL's statement log), all three "
        "apps on the same PostgreSQL server, one app at a time, 2 gunicorn workers each. The "
        "peers read the harness's generated catalog; Catalog reads its own demo catalog of "
        f"{facts['products']:,} live products and {facts['variants']:,} variants in its own "
        "database on that server, twice: as shipped, and with every page rendered "
        "(PAGE_CACHE_MB=0; the shipped page cache sends a page again while the database is "
        "unchanged, as it is under a load repeating one request). The machine is shared and "
        "noisy: compare within a run.",
        "",
        "## Ratio to the better peer",
        "",
        *ratios(workdir),
        "",
        "## Writes (Catalog only)",
        "",
        "Single timings, the median of each scenario's posts, sent as the page's htmx "
        "sends them; every scenario puts the data back afterwards. The peers have no "
        "equivalent: neither offers drag to rank, generating variants or a bulk status "
        "change (their only bulk action is delete).",
        "",
        *write_rows(writes),
        "",
        "## The harness's table",
        "",
        table,
    ])
    (bench.ROOT / "bench" / "PEERS.md").write_text(text + "\n")
    # The same run in machine-readable form: bench/run.py puts the ratios in RESULTS.md.
    runs = {name: json.loads((workdir / "results" / f"{name}.json").read_text())
            for name in ("django", "flask", "catalog", "catalog-rendered")}
    (bench.ROOT / "bench" / "peers.json").write_text(json.dumps(
        {"run_at": now, "duration": args.duration, "connections": args.connections,
         "catalog_facts": facts, "runs": runs, "writes": writes}, indent=2, default=str) + "\n")
    print("Wrote bench/PEERS.md and bench/peers.json")


if __name__ == "__main__":
    main()
