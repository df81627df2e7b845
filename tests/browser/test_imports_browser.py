"""CSV import and export in real Chromium, with a real job worker beside the live server."""

import csv
import io
import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from app.config import ROOT
from app.imports.csvio import export_header
from tests.factories import make_product


@pytest.fixture(scope="module")
def job_worker(database_url, tmp_path_factory):
    """`catalog worker` on the test database, as `catalog serve` runs it beside gunicorn.
    Module-scoped: other modules' tests run their jobs themselves, with no worker racing
    them for the queue."""
    env = {**os.environ, "DATABASE_URL": database_url}
    log = (tmp_path_factory.mktemp("worker") / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main(['worker'])"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    yield process
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def big_file(products: int, variants_each: int) -> bytes:
    header = export_header(1)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for p in range(products):
        for v in range(variants_each):
            row = {"handle": f"bulk-tee-{p}", "title": f'Bulk tee {p}, "classic"',
                   "status": "draft", "tags": "bulk, import", "variant_title": f"Size {v}",
                   "variant_sku": f"BT-{p}-{v}", "variant_weight": str(180 + v)}
            writer.writerow([row.get(name, "") for name in header])
    return out.getvalue().encode()


def test_a_20000_row_import_is_checked_and_applied_by_the_job_queue_with_progress(
        page, conn, job_worker, tmp_path):
    path = tmp_path / "twenty-thousand.csv"
    path.write_bytes(big_file(5000, 4))
    page.goto("/products/")
    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Import products")).to_be_visible()
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Import of twenty-thousand.csv")).to_be_visible(
        timeout=60_000)
    # Over 5,000 rows: the worker checks the file while the page waits, then shows it.
    expect(page.get_by_role("heading", name="Checking 20,000 rows against the catalog…"))\
        .to_be_visible()
    expect(page.locator("[data-count=create]")).to_have_text("5,000", timeout=60_000)
    expect(page.locator("[data-count=error_rows]")).to_have_text("0")
    expect(page.get_by_text("20,000 rows")).to_be_visible()
    assert conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"] == 0

    page.get_by_role("button", name="Import 5,000 products").click()
    bar = page.get_by_role("progressbar")
    expect(bar).to_be_visible()
    # The bar moves: the page, polling, shows a count past 0 and short of the end...
    partial = re.compile(r"^(?!0$)(?!5000$)\d+$")
    expect(page.locator("#import-progress")).to_have_attribute("value", partial,
                                                               timeout=60_000)
    # ...and a reload finds the import where it is (or finished), not a new page.
    page.reload()
    report = page.get_by_role("heading", name="Imported: 5,000 new products, 0 changed products")
    expect(report.or_(bar)).to_be_visible()
    expect(report).to_be_visible(timeout=120_000)
    counts = conn.execute("SELECT (SELECT count(*) FROM products) AS products, "
                          "(SELECT count(*) FROM p_variants) AS variants").fetchone()
    assert counts == {"products": 5000, "variants": 20000}
    assert job_worker.poll() is None


def test_three_bad_rows_are_shown_by_line_and_nothing_is_imported(page, conn, job_worker):
    text = ("handle;title;status;variant_sku;variant_weight;images\n"
            "ok-one;OK one;draft;OK-1;10;\n"
            "bad-status;Bad status;live;B-1;10;\n"
            "bad-weight;Bad weight;draft;B-2;ten;\n"
            "bad-image;Bad image;draft;B-3;10;ftp://files.example.com/a.jpg\n")
    page.goto("/imports/")
    page.get_by_label("Or paste the rows").fill(text)
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("[data-count=error_rows]")).to_have_text("3")
    errors = page.locator("#import-list tbody tr")
    expect(errors).to_have_count(3)
    expect(errors.locator("td:first-child")).to_have_text(["3", "4", "5"])
    expect(errors.locator("td:nth-child(2)")).to_have_text(["status", "variant_weight",
                                                            "images"])
    # The lists switch in place.
    page.get_by_role("link", name=re.compile(r"^New")).click()
    expect(page.locator("#import-list tbody tr")).to_have_count(1)
    expect(page.locator("#import-list")).to_contain_text("ok-one")
    expect(page.get_by_role("button", name=re.compile(r"^Import \d"))).to_have_count(0)
    assert conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"] == 0

    page.get_by_role("button", name="Import the valid rows only (1 product)").click()
    expect(page.get_by_role("heading", name="Imported: 1 new product, 0 changed products"))\
        .to_be_visible(timeout=30_000)
    handles = [r["handle"] for r in conn.execute("SELECT handle FROM products")]
    assert handles == ["ok-one"]


def test_export_downloads_the_list_as_shown_or_the_selected_rows(page, conn):
    make_product(conn, "Linen Shirt", skus=("LS-1", "LS-2"))
    make_product(conn, "Wool Beanie", skus=("WB-1",))
    make_product(conn, "Linen Trousers", skus=("LT-1",))
    page.goto("/products/")
    page.get_by_label("Search products").fill("linen")
    expect(page.locator("#product-results tbody tr")).to_have_count(2)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export").click()
    rows = list(csv.DictReader(io.StringIO(
        download.value.path().read_bytes().decode("utf-8-sig"), newline="")))
    assert sorted(r["variant_sku"] for r in rows) == ["LS-1", "LS-2", "LT-1"]

    page.get_by_label("Select Linen Trousers").check()
    export = page.get_by_role("link", name="Export 1 selected")
    expect(export).to_be_visible()
    with page.expect_download() as download:
        export.click()
    rows = list(csv.DictReader(io.StringIO(
        download.value.path().read_bytes().decode("utf-8-sig"), newline="")))
    assert [r["variant_sku"] for r in rows] == ["LT-1"]
