"""CSV export and import: round trips, forgiving reading, exact errors, the job queue."""

import codecs
import csv
import io
import json
import re
import threading
import time

import psycopg
import pytest

from app.demo import load_demo_data
from app.imports import csvio, jobs, plan
from app.migrate import apply_job_queue_schema
from tests.factories import make_category, make_collection, make_product, make_tag, make_type

CATALOG_TABLES = ("products", "p_variants", "p_options", "p_option_values",
                  "p_variants_options", "p_categories", "p_categories_products",
                  "p_collections", "p_tags", "products_tags", "p_types", "images",
                  "products_images")


# --- Helpers ------------------------------------------------------------------------


def fingerprint(conn) -> dict:
    """Every row of every catalog table (updated_at included), and History's size."""
    out = {}
    for table in CATALOG_TABLES:
        out[table] = conn.execute(
            f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h, "
            f"count(*) AS n FROM {table} AS t").fetchone()
    out["changes"] = conn.execute("SELECT count(*) AS n FROM changes").fetchone()
    return out


def export(client, query="") -> bytes:
    response = client.get("/imports/export.csv" + query)
    assert response.status_code == 200
    assert response.is_streamed
    return response.get_data()


def rows_of(data: bytes) -> list[dict]:
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def upload(client, content, name="products.csv", *, expect=302):
    payload = {"text": content} if isinstance(content, str) else \
        {"file": (io.BytesIO(content), name)}
    response = client.submit("/imports/", payload)
    assert response.status_code == expect, response.get_data(as_text=True)[:2000]
    if expect != 302:
        return response
    return response.headers["Location"].rsplit("/", 1)[-1]


def counts(conn, import_id) -> dict:
    return conn.execute("SELECT counts FROM product_imports WHERE id = %s",
                        (import_id,)).fetchone()["counts"]


def errors(conn, import_id) -> list[tuple]:
    rows = conn.execute(
        "SELECT line, column_name, message FROM product_import_errors WHERE import_id = %s "
        "ORDER BY position", (import_id,)).fetchall()
    return [(r["line"], r["column_name"], r["message"]) for r in rows]


def run_jobs(database_url):
    """A procrastinate worker takes every queued job, then stops. In a thread of its own:
    the browser tests' Playwright keeps an event loop running in this one."""
    failures = []

    def work():
        try:
            jobs.run_worker(database_url, wait=False, install_signal_handlers=False)
        except BaseException as error:
            failures.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(120)
    assert not thread.is_alive() and not failures, failures


def apply(client, database_url, import_id, mode="all"):
    """Press Import, then let a worker take the queued job through procrastinate."""
    response = client.submit(f"/imports/{import_id}/apply", {"mode": mode})
    assert response.status_code == 302
    run_jobs(database_url)


def status(conn, import_id):
    return conn.execute("SELECT status, result, error FROM product_imports WHERE id = %s",
                        (import_id,)).fetchone()


def csv_text(header, rows, delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def add_edge_products(conn):
    """Products with what a catalog holds at its edges: quotes, newlines, unicode,
    nested metadata, media and outside images, no variants, variants without options."""
    collection = make_collection(conn, "Summer")
    type_id = make_type(conn, "Edge hats")
    tag = make_tag(conn, "Edge organic")
    parent = make_category(conn, "Accessories")
    child = make_category(conn, "Hats", parent_id=parent)
    pid = make_product(conn, 'The "Edge", Hat', handle="edge-hat", status="published",
                       skus=("EDGE-1",), collection_id=collection, type_id=type_id,
                       tag_ids=(tag,), category_ids=(child,))
    conn.execute(
        """
        UPDATE products
           SET subtitle = 'Säule; ünïcödé ✓', description = E'Line one,\\r\\nline "two"\\n',
               metadata = '{"care": {"wash": 30, "dry": false}, "notes": ["a", "b"]}',
               origin_country = 'PT', discountable = false, thumbnail = '/media/demo/hat.jpg',
               weight = '1.5 kg', external_id = 'ext-9'
         WHERE id = %s
        """, (pid,))
    conn.execute(
        "UPDATE p_variants SET weight = 120, metadata = '{\"bin\": \"A-1\"}', "
        "allow_backorder = true, ean = '4006381333931' WHERE product_id = %s", (pid,))
    for rank, url in enumerate(("/media/demo/hat.jpg", "https://cdn.example.com/a,b.jpg")):
        conn.execute("INSERT INTO images (id, url, rank, product_id) VALUES (%s, %s, %s, %s)",
                     (f"img_edge{rank}", url, rank, pid))
    make_product(conn, "Gift card", handle="gift-card")  # no variants at all
    return pid


# --- Export ------------------------------------------------------------------------


def test_export_writes_one_row_per_variant_with_the_product_repeated(client, conn):
    add_edge_products(conn)
    data = export(client)
    assert data.startswith(codecs.BOM_UTF8)
    rows = rows_of(data)
    edge = [r for r in rows if r["handle"] == "edge-hat"]
    assert len(edge) == 1
    row = edge[0]
    assert row["title"] == 'The "Edge", Hat'
    assert row["description"] == 'Line one,\r\nline "two"\n'
    assert json.loads(row["metadata"]) == {"care": {"wash": 30, "dry": False},
                                           "notes": ["a", "b"]}
    assert row["collection"].startswith("summer")
    assert row["type"] == "Edge hats"
    assert row["tags"] == "Edge organic"
    assert re.fullmatch(r"accessories-\d+/hats-\d+", row["categories"])
    # Our own media is written as a full address (a file must be portable).
    assert row["images"].split() == ["http://localhost/media/demo/hat.jpg",
                                     "https://cdn.example.com/a,b.jpg"]
    assert row["variant_sku"] == "EDGE-1" and row["variant_weight"] == "120"
    assert row["discountable"] == "false" and row["variant_allow_backorder"] == "true"
    gift = [r for r in rows if r["handle"] == "gift-card"]
    assert len(gift) == 1 and gift[0]["variant_sku"] == "" and gift[0]["variant_title"] == ""


def test_cells_a_spreadsheet_would_run_are_exported_as_text_and_read_back(
        client, conn, database_url):
    pid = make_product(conn, '=HYPERLINK("https://evil.example","Click")', handle="formula",
                       skus=("+SKU-1",))
    conn.execute("UPDATE products SET subtitle = %s, material = %s, description = %s, "
                 "hs_code = %s WHERE id = %s",
                 ("- first point", "@cotton", "'=quoted already", "'90s", pid))
    data = export(client)
    row = rows_of(data)[0]
    assert row["title"] == "'=HYPERLINK(\"https://evil.example\",\"Click\")"
    assert (row["subtitle"], row["material"], row["variant_sku"]) == (
        "'- first point", "'@cotton", "'+SKU-1")
    assert (row["description"], row["hs_code"]) == ("''=quoted already", "'90s")
    before = fingerprint(conn)
    import_id = upload(client, data)
    found = counts(conn, import_id)
    assert (found["create"], found["update"], found["errors"], found["unchanged"]) == (
        0, 0, 0, 1)
    apply(client, database_url, import_id)
    assert fingerprint(conn) == before
    assert csvio.from_spreadsheet_safe("'-5") == "-5"
    assert csvio.from_spreadsheet_safe("'hello") == "'hello"


def test_export_follows_the_lists_filters_or_the_selected_rows(client, conn):
    draft = make_product(conn, "Draft one", status="draft", skus=("D-1", "D-2"))
    make_product(conn, "Published one", status="published", skus=("P-1",))
    third = make_product(conn, "Published two", status="published", skus=("P-2",))
    rows = rows_of(export(client, "?status=published"))
    assert sorted(r["variant_sku"] for r in rows) == ["P-1", "P-2"]
    rows = rows_of(export(client, f"?ids={draft}&ids={third}"))
    assert sorted(r["variant_sku"] for r in rows) == ["D-1", "D-2", "P-2"]
    rows = rows_of(export(client, "?q=published+two"))
    assert [r["title"] for r in rows] == ["Published two"]


def test_export_groups_a_products_variants_with_their_options(client, conn, media_root):
    load_demo_data(conn, products=40, media_root=media_root)
    rows = rows_of(export(client))
    handles = [r["handle"] for r in rows]
    # Grouped: a handle's rows are together.
    seen, previous = set(), None
    for handle in handles:
        if handle != previous:
            assert handle not in seen
            seen.add(handle)
        previous = handle
    with_options = [r for r in rows if r["option1_name"]]
    assert with_options and all(r["option1_value"] for r in with_options)
    live = conn.execute("SELECT count(*) AS n FROM p_variants AS v JOIN products AS p "
                        "ON p.id = v.product_id WHERE v.deleted_at IS NULL "
                        "AND p.deleted_at IS NULL").fetchone()["n"]
    assert len([r for r in rows if r["variant_title"]]) == live


def test_a_viewer_may_export_but_not_import(login_as, conn):
    make_product(conn, "Linen Shirt", skus=("LS-1",))
    viewer = login_as("viewer")
    assert b"LS-1" in export(viewer)
    assert viewer.get("/imports/").status_code == 403


# --- Round trip ---------------------------------------------------------------------


def test_export_then_import_of_a_generated_catalog_changes_no_row(client, conn,
                                                                 database_url, media_root):
    load_demo_data(conn, products=120, media_root=media_root)
    add_edge_products(conn)
    before = fingerprint(conn)
    data = export(client)
    import_id = upload(client, data, "catalog.csv")
    found = counts(conn, import_id)
    products = conn.execute(
        "SELECT count(*) AS n FROM products WHERE deleted_at IS NULL").fetchone()["n"]
    assert found["unchanged"] == products
    assert (found["create"], found["update"], found["errors"]) == (0, 0, 0)
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert "Nothing to import" in page
    # Even pressing Import (all or nothing) through the queue writes nothing.
    apply(client, database_url, import_id)
    assert status(conn, import_id)["status"] == "applied"
    assert fingerprint(conn) == before


def test_an_edited_export_changes_exactly_what_was_edited(client, conn, database_url):
    add_edge_products(conn)
    rows = rows_of(export(client))
    header = list(rows[0])
    edge = next(r for r in rows if r["handle"] == "edge-hat")
    edge["title"] = "The Edge Hat"
    edge["variant_weight"] = "125"
    import_id = upload(client, csv_text(header, [[r[h] for h in header] for r in rows]))
    found = counts(conn, import_id)
    assert (found["update"], found["unchanged"], found["variants_update"]) == (1, 1, 1)
    page = client.get(f"/imports/{import_id}?show=update").get_data(as_text=True)
    assert "The &#34;Edge&#34;, Hat" in page and "The Edge Hat" in page
    assert "Weight (g)" in page
    untouched = conn.execute("SELECT updated_at FROM products WHERE handle = 'gift-card'")\
        .fetchone()
    apply(client, database_url, import_id)
    product = conn.execute("SELECT id, title, subtitle FROM products WHERE handle = 'edge-hat'")\
        .fetchone()
    assert product["title"] == "The Edge Hat"
    assert product["subtitle"] == "Säule; ünïcödé ✓"
    weight = conn.execute("SELECT weight FROM p_variants WHERE sku = 'EDGE-1'").fetchone()
    assert weight["weight"] == 125
    assert conn.execute("SELECT updated_at FROM products WHERE handle = 'gift-card'")\
        .fetchone() == untouched


# --- Reading what staff bring ----------------------------------------------------------


def test_semicolons_a_bom_mixed_case_headers_and_quoted_titles_import(client, conn,
                                                                     database_url):
    title = '"The ""Sunny"" Hat; wide brim"'
    text = ('Handle;TITLE;Variant SKU;Option1 Name;option1 VALUE;Status;tags;variant_Weight\r\n'
            f'"straw-hat";{title};SH-1;Size;M;Published;"summer, hats";250\r\n'
            f'"straw-hat";{title};SH-2;Size;L;published;"summer, hats";260\r\n')
    import_id = upload(client, codecs.BOM_UTF8 + text.encode(), "Hats.csv")
    record = conn.execute("SELECT encoding, delimiter FROM product_imports WHERE id = %s",
                          (import_id,)).fetchone()
    assert (record["encoding"], record["delimiter"]) == ("UTF-8 with BOM", ";")
    found = counts(conn, import_id)
    assert (found["create"], found["variants_create"], found["errors"]) == (1, 2, 0)
    apply(client, database_url, import_id)
    product = conn.execute("SELECT id, title, status FROM products WHERE handle = 'straw-hat'")\
        .fetchone()
    assert product["title"] == 'The "Sunny" Hat; wide brim'
    assert product["status"] == "published"
    variants = conn.execute(
        """
        SELECT v.sku, v.weight, ov.value, o.title
          FROM p_variants AS v
          JOIN p_variants_options AS vo ON vo.variant_id = v.id
          JOIN p_option_values AS ov ON ov.id = vo.option_value_id
          JOIN p_options AS o ON o.id = ov.option_id
         WHERE v.product_id = %s
         ORDER BY v.variant_rank
        """, (product["id"],)).fetchall()
    assert [(v["sku"], v["weight"], v["title"], v["value"]) for v in variants] == [
        ("SH-1", 250, "Size", "M"), ("SH-2", 260, "Size", "L")]
    tags = conn.execute("SELECT t.value FROM products_tags AS pt JOIN p_tags AS t "
                        "ON t.id = pt.product_tag_id WHERE pt.product_id = %s ORDER BY 1",
                        (product["id"],)).fetchall()
    assert [t["value"] for t in tags] == ["hats", "summer"]


def test_tabs_windows_1252_and_pasted_rows_are_read(client, conn):
    text = "handle\ttitle\tvariant_sku\r\ncafe-mug\tCafé mug\tMUG-1\r\n"
    import_id = upload(client, text.encode("cp1252"), "mugs.txt")
    record = conn.execute("SELECT encoding, delimiter FROM product_imports WHERE id = %s",
                          (import_id,)).fetchone()
    assert (record["encoding"], record["delimiter"]) == ("Windows-1252", "\t")
    assert counts(conn, import_id)["create"] == 1
    page = client.get(f"/imports/{import_id}?show=create").get_data(as_text=True)
    assert "Café mug" in page
    pasted = upload(client, "Title,SKU\nPasted mug,MUG-2\n")
    assert counts(conn, pasted)["create"] == 1


@pytest.mark.parametrize(("content", "message"), [
    (b"", "Choose a CSV file"),
    (b"\n\n", "The file is empty."),
    (b"colour,size\nred,L\n", "needs a handle or a title column"),
    (b"handle,title\n", "column names but no rows"),
    (b"handle,Handle\nx,y\n", "appears twice"),
    (b"\xef\xbb\xbfhandle,title\nmug,\xff\xfe\n", "says it is UTF-8 but is not readable"),
    (b'handle,title\nmug,"' + b"x" * 200_000 + b"\n", "Line 2: the file could not be read"),
])
def test_a_file_that_cannot_be_read_is_refused_at_the_field(client, content, message):
    payload = {"file": (io.BytesIO(content), "x.csv")} if content else {}
    response = client.submit("/imports/", payload)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_the_template_downloads_and_checks_clean(client, conn):
    response = client.get("/imports/template.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    import_id = upload(client, response.get_data())
    found = counts(conn, import_id)
    assert (found["create"], found["variants_create"], found["errors"]) == (1, 2, 0)


# --- Errors: exact, by line and column; nothing applied ------------------------------------


BAD_FILE = (
    "handle,title,status,images,variant_sku,variant_weight,description\r\n"
    "good-one,Good one,draft,https://cdn.example.com/1.jpg,G-1,100,plain\r\n"
    'good-two,Good two,draft,,G-2,100,"two\r\nlines"\r\n'           # lines 3-4
    "bad-status,Bad status,live,,B-1,100,\r\n"                     # line 5
    "good-three,Good three,proposed,,G-3,,\r\n"
    "bad-image,Bad image,draft,javascript:alert(1),B-2,100,\r\n"   # line 7
    "bad-number,Bad number,draft,,B-3,heavy,\r\n"                  # line 8
)


def test_three_bad_rows_are_listed_by_line_and_column_and_nothing_is_applied(
        client, conn, database_url):
    before = fingerprint(conn)
    import_id = upload(client, BAD_FILE.encode())
    found = errors(conn, import_id)
    assert [(line, column) for line, column, _ in found] == [
        (5, "status"), (7, "images"), (8, "variant_weight")]
    assert "Unknown status “live”" in found[0][2]
    assert "javascript:alert(1)" in found[1][2] and "http://" in found[1][2]
    assert "“heavy” is not a whole number" in found[2][2]
    assert counts(conn, import_id)["error_rows"] == 3
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert "3 rows have errors" in page
    assert "Import the valid rows only (3 products)" in page
    # "All or nothing" (as a stale page could still send): the job refuses the file.
    apply(client, database_url, import_id, mode="all")
    record = status(conn, import_id)
    assert record["status"] == "failed"
    assert "3 rows have errors, so nothing was imported" in record["error"]
    assert fingerprint(conn) == before


def test_apply_valid_rows_only_skips_the_products_with_errors(client, conn, database_url):
    import_id = upload(client, BAD_FILE.encode())
    apply(client, database_url, import_id, mode="valid")
    assert status(conn, import_id)["status"] == "applied"
    handles = [r["handle"] for r in conn.execute("SELECT handle FROM products ORDER BY 1")]
    assert handles == ["good-one", "good-three", "good-two"]
    description = conn.execute("SELECT description FROM products WHERE handle = 'good-two'")
    assert description.fetchone()["description"] == "two\r\nlines"
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert "3 products with errors were skipped" in page


def test_duplicate_skus_in_the_file_and_in_the_catalog_are_errors(client, conn):
    make_product(conn, "Existing", handle="existing", skus=("TAKEN", "OWN"))
    text = ("handle,title,variant_sku\n"
            "one,One,A-1\n"
            "two,Two,A-1\n"       # line 3: twice in the file
            "three,Three,TAKEN\n"  # line 4: another product's SKU
            "existing,Existing,OWN\n")  # line 5: its own SKU: an update, fine
    import_id = upload(client, text)
    found = errors(conn, import_id)
    assert [(line, column) for line, column, _ in found] == [(3, "variant_sku"),
                                                             (4, "variant_sku")]
    assert "already on line 2" in found[0][2]
    assert "“Existing” (existing)" in found[1][2]


def test_a_new_product_needs_a_title(client, conn):
    make_product(conn, "Existing", handle="existing")
    text = "handle,title,variant_sku\nnew-one,,N-1\nexisting,,\n"
    found = errors(conn, upload(client, text))
    assert found == [(2, "title", "Missing title: a new product needs one.")]


def test_rows_match_by_handle_and_sku_never_by_ids_from_another_database(client, conn,
                                                                        database_url):
    pid = make_product(conn, "Linen Shirt", handle="linen-shirt", skus=("LS-1",))
    other = make_product(conn, "Other", handle="other", skus=("OT-1",))
    text = ("id,variant_id,handle,title,variant_sku,variant_weight\n"
            f"{other},variant_x,linen-shirt,Linen Shirt,LS-1,300\n")
    import_id = upload(client, text)
    assert counts(conn, import_id)["ignored"] == ["id", "variant_id"]
    apply(client, database_url, import_id)
    weights = {r["product_id"]: r["weight"] for r in conn.execute(
        "SELECT product_id, weight FROM p_variants")}
    assert weights == {pid: 300, other: None}


def test_a_status_move_the_workflow_refuses_is_an_error(client, conn):
    make_product(conn, "Draft", handle="a-draft", status="draft")
    found = errors(conn, upload(client, "handle,status\na-draft,published\n"))
    assert found[0][:2] == (2, "status")
    assert "cannot become published directly" in found[0][2]


def test_columns_left_out_are_untouched_and_blank_cells_clear(client, conn, database_url):
    pid = make_product(conn, "Linen Shirt", handle="linen-shirt", skus=("LS-1",))
    conn.execute("UPDATE products SET subtitle = 'Keep me', material = 'Linen' WHERE id = %s",
                 (pid,))
    import_id = upload(client, "handle,material\nlinen-shirt,\n")
    apply(client, database_url, import_id)
    product = conn.execute("SELECT title, subtitle, material FROM products WHERE id = %s",
                           (pid,)).fetchone()
    assert product == {"title": "Linen Shirt", "subtitle": "Keep me", "material": None}


def test_a_catalog_that_changed_since_the_dry_run_fails_the_whole_import(
        client, conn, database_url):
    import_id = upload(client, "handle,title,variant_sku\nfirst,First,F-1\nsecond,Second,S-1\n")
    assert counts(conn, import_id)["errors"] == 0
    make_product(conn, "Meanwhile", skus=("S-1",))
    before = fingerprint(conn)
    apply(client, database_url, import_id)
    record = status(conn, import_id)
    assert record["status"] == "failed"
    assert errors(conn, import_id)[0][:2] == (3, "variant_sku")
    assert fingerprint(conn) == before


# --- The job, its progress and History ---------------------------------------------------


def test_the_import_is_one_change_set_in_history_by_the_importer(client, conn, database_url):
    import_id = upload(client, "handle,title,variant_sku,tags\nmug,Mug,M-1,kitchen\n"
                               "cup,Cup,C-1,kitchen\n", "kitchen.csv")
    apply(client, database_url, import_id)
    change_set = conn.execute("SELECT change_set_id FROM product_imports WHERE id = %s",
                              (import_id,)).fetchone()["change_set_id"]
    sets = conn.execute("SELECT id, label, user_id FROM change_sets").fetchall()
    assert sets == [{"id": change_set, "label": "Import of pasted rows: 2 products",
                     "user_id": client.user["id"]}]
    tables = {r["table_name"] for r in conn.execute(
        "SELECT DISTINCT table_name FROM changes WHERE change_set_id = %s", (change_set,))}
    assert {"products", "p_variants", "p_tags", "products_tags"} <= tables


def test_an_import_is_undone_from_its_report_as_one(client, conn, database_url):
    make_product(conn, "Mug", handle="mug", skus=["M-1"])
    import_id = upload(client, "handle,title,variant_sku\nmug,Big mug,M-1\ncup,Cup,C-1\n")
    apply(client, database_url, import_id)
    report = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert "Undo this import" in report
    set_id = re.search(r'action="/activity/([^/"]+)/revert"', report).group(1)
    response = client.submit(f"/activity/{set_id}/revert", {"next": f"/imports/{import_id}"})
    assert response.status_code == 302
    live = conn.execute("SELECT handle, title FROM products WHERE deleted_at IS NULL "
                        "ORDER BY handle").fetchall()
    assert [(r["handle"], r["title"]) for r in live] == [("mug", "Mug")]


def test_apply_queues_a_procrastinate_job_in_the_same_transaction(client, conn):
    import_id = upload(client, "handle,title\nmug,Mug\n")
    client.submit(f"/imports/{import_id}/apply", {"mode": "all"})
    record = conn.execute("SELECT status, job_id FROM product_imports WHERE id = %s",
                          (import_id,)).fetchone()
    job = conn.execute("SELECT task_name, args, status FROM procrastinate.procrastinate_jobs "
                       "WHERE id = %s", (record["job_id"],)).fetchone()
    assert record["status"] == "queued"
    assert job == {"task_name": "imports.apply", "args": {"import_id": import_id},
                   "status": "todo"}
    # Pressing Import twice queues nothing more.
    again = client.submit(f"/imports/{import_id}/apply", {"mode": "all"})
    assert again.status_code == 302
    total = conn.execute("SELECT count(*) AS n FROM procrastinate.procrastinate_jobs "
                         "WHERE args ->> 'import_id' = %s", (import_id,)).fetchone()["n"]
    assert total == 1


def test_the_progress_survives_a_reload_and_polls_until_done(client, conn, database_url):
    import_id = upload(client, "handle,title\nmug,Mug\n")
    conn.execute("UPDATE product_imports SET status = 'applying', progress_done = 250, "
                 "progress_total = 1000, phase = 'Importing' WHERE id = %s", (import_id,))
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert re.search(r'<progress id="import-progress"[^>]*max="1000" value="250"', page)
    assert 'hx-trigger="every 1s"' in page
    assert "Importing: 250 of 1,000 products" in page
    conn.execute("UPDATE product_imports SET status = 'applied', result = '{}' WHERE id = %s",
                 (import_id,))
    polled = client.get(f"/imports/{import_id}/status", headers={"HX-Request": "true"})
    assert polled.headers["HX-Refresh"] == "true"
    assert "every 1s" not in polled.get_data(as_text=True)


def test_the_preview_page_runs_a_fixed_number_of_statements(client, conn, count_statements):
    small = upload(client, "handle,title\n" + "".join(f"p{i},P {i}\n" for i in range(3)))
    large = upload(client, "handle,title\n" + "".join(f"q{i},Q {i}\n" for i in range(300)))
    counts_seen = {count_statements(client.get(f"/imports/{i}")) for i in (small, large)}
    assert len(counts_seen) == 1 and counts_seen.pop() <= 4


def test_the_job_queue_schema_is_procrastinates_own_applied_once(database_url):
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        comment = conn.execute("SELECT obj_description('procrastinate'::regnamespace, "
                               "'pg_namespace')").fetchone()[0]
        assert re.fullmatch(r"procrastinate \d+\.\d+\.\d+", comment)
        assert conn.execute("SELECT to_regclass('public.procrastinate_jobs')").fetchone()[0] \
            is None
        apply_job_queue_schema(conn)  # current: nothing to do, nothing raised
        names = [r[0] for r in conn.execute("SELECT name FROM schema_migrations")]
        assert not [n for n in names if "procrastinate" in n]


def test_values_read_back_to_what_the_export_wrote():
    for column in csvio.VARIANT_COLUMNS + csvio.PRODUCT_COLUMNS:
        if column.kind == "bool":
            for value in (True, False):
                assert csvio.parse(column, csvio.format_value(value)) is value
        if column.kind == "json":
            value = {"ä": [1, 2.5, None, {"x": "y"}]}
            assert csvio.parse(column, csvio.format_value(value)) == value
    # Addresses are kept as written; our own media matches whatever host wrote it.
    assert csvio.parse_urls("http://h/media/a.jpg https://x.y/b,c.jpg") == [
        "http://h/media/a.jpg", "https://x.y/b,c.jpg"]
    assert plan._same_url("http://shop.example/media/ab/abcd.jpg", "/media/ab/abcd.jpg")
    assert plan._same_url("/media/ab/abcd.jpg", "https://other.example/media/ab/abcd.jpg")
    assert not plan._same_url("https://cdn.one/a.jpg", "https://cdn.two/a.jpg")


def test_export_then_import_keeps_uploaded_images_as_they_are(client, conn, database_url):
    from PIL import Image

    pid = make_product(conn, "Camera bag", handle="camera-bag", skus=["CB-1"])
    png = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(png, "PNG")
    png.seek(0)
    response = client.submit(f"/products/{pid}/images", {"urls": "", "files": [(png, "bag.png")]},
                             htmx=True, content_type="multipart/form-data")
    assert response.status_code == 200
    image = conn.execute("SELECT id, url FROM images WHERE product_id = %s", (pid,)).fetchone()
    assert image["url"].startswith("/media/")  # the export writes it with the host
    conn.execute("UPDATE products SET thumbnail = %s WHERE id = %s", (image["url"], pid))
    before = fingerprint(conn)
    import_id = upload(client, export(client), "catalog.csv")
    found = counts(conn, import_id)
    assert (found["unchanged"], found["update"], found["errors"]) == (1, 0, 0)
    apply(client, database_url, import_id)
    assert fingerprint(conn) == before


def test_an_edited_sku_that_another_variant_holds_is_two_errors_not_a_cascade(
        client, conn, database_url):
    rows = ("handle,title,option1_name,option1_value,variant_sku,variant_ean\n"
            "tee,Tee,Size,S,TEE-S,1111\n"
            "tee,Tee,Size,M,TEE-M,2222\n")
    apply(client, database_url, upload(client, rows))
    edited = rows.replace("TEE-S,1111", "TEE-M,1111")
    found = errors(conn, upload(client, edited))
    assert [(line, column) for line, column, _ in found] == [(2, "variant_sku"),
                                                             (3, "variant_sku")]
    assert "another variant of this product (“S”) has it" not in found[0][2]
    assert "(“M”) has it" in found[0][2]
    assert "already on line 2" in found[1][2]


def test_our_media_exported_from_another_host_name_is_the_same_image(client, conn):
    pid = make_product(conn, "Hat", handle="hat", skus=("H-1",))
    conn.execute("UPDATE products SET thumbnail = '/media/a/b.png' WHERE id = %s", (pid,))
    conn.execute("INSERT INTO images (id, url, rank, product_id) "
                 "VALUES ('img_x', '/media/a/b.png', 0, %s)", (pid,))
    text = ("handle,thumbnail,images\n"
            "hat,https://catalog.shop.example/media/a/b.png,"
            "https://catalog.shop.example/media/a/b.png\n")
    assert counts(conn, upload(client, text))["unchanged"] == 1


def test_pasted_rows_over_half_a_megabyte_are_read(client, conn, database_url):
    rows = "".join(f"p-{n},Product {n} {'x' * 40}\n" for n in range(12_000))
    assert len(rows) > 600_000
    import_id = upload(client, "handle,title\n" + rows)
    run_jobs(database_url)  # over 5,000 rows: checked by the job
    assert counts(conn, import_id)["create"] == 12_000


def test_a_file_over_the_request_limit_is_refused_at_the_field(client, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = upload(client, b"handle,title\n" + b"x" * limit, "huge.csv", expect=413)
    page = response.get_data(as_text=True)
    assert "the most one import may carry" in page
    assert 'name="file"' in page


# --- A big file: checked by a job --------------------------------------------------------


def test_a_big_file_is_checked_by_a_job_while_the_page_waits(client, conn, database_url, app,
                                                               monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_CHECK_IN_REQUEST_ROWS", 2)
    make_product(conn, "Old tee", handle="old-tee")
    text = ("handle,title,status\n"
            "old-tee,Old tee renamed,draft\nnew-one,New one,draft\nbad-one,Bad one,live\n")
    import_id = upload(client, text)
    assert status(conn, import_id)["status"] == "checking"
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert "Checking 3 rows against the catalog…" in page
    assert "Import the valid rows only" not in page
    assert client.submit(f"/imports/{import_id}/apply", {"mode": "valid"}).status_code == 302
    assert status(conn, import_id)["status"] == "checking"  # nothing to apply yet
    poll = client.get(f"/imports/{import_id}/status", headers={"HX-Request": "true"})
    assert "HX-Refresh" not in poll.headers
    listing = client.get("/imports/").get_data(as_text=True)
    assert "Checking</span>" in listing and "built-in method" not in listing

    run_jobs(database_url)
    assert status(conn, import_id)["status"] == "previewed"
    found = counts(conn, import_id)
    assert (found["create"], found["update"], found["error_rows"]) == (1, 1, 1)
    assert [(line, column) for line, column, _ in errors(conn, import_id)] == [(4, "status")]
    poll = client.get(f"/imports/{import_id}/status", headers={"HX-Request": "true"})
    assert poll.headers["HX-Refresh"] == "true"
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert "Import the valid rows only (2 products)" in page
    apply(client, database_url, import_id, mode="valid")
    titles = {r["title"] for r in conn.execute("SELECT title FROM products")}
    assert titles == {"Old tee renamed", "New one"}


def test_a_big_files_check_does_not_wait_behind_an_import_being_applied(
        client, conn, database_url, app, monkeypatch):
    """Imports run one at a time (they share a lock); a check writes nothing to the
    catalog and runs beside them. Here the import waits on a product row held by
    another transaction while the check, queued after it, finishes."""
    make_product(conn, "Old tee", handle="old-tee")
    applying = upload(client, "handle,title\nold-tee,Old tee renamed\n")
    assert client.submit(f"/imports/{applying}/apply", {"mode": "all"}).status_code == 302
    monkeypatch.setitem(app.config, "IMPORT_CHECK_IN_REQUEST_ROWS", 1)
    checking = upload(client, "handle,title\nnew-a,A\nnew-b,B\n")
    assert status(conn, checking)["status"] == "checking"
    with psycopg.connect(database_url) as holder:
        holder.execute("SELECT 1 FROM products WHERE handle = 'old-tee' FOR UPDATE")
        worker = threading.Thread(target=run_jobs, args=(database_url,))
        worker.start()
        try:
            deadline = time.monotonic() + 20
            while status(conn, checking)["status"] == "checking" and time.monotonic() < deadline:
                time.sleep(0.1)
            assert status(conn, checking)["status"] == "previewed"
            assert status(conn, applying)["status"] == "applying"
        finally:
            holder.rollback()
            worker.join(60)
    assert status(conn, applying)["status"] == "applied"
    assert conn.execute("SELECT title FROM products").fetchone()["title"] == "Old tee renamed"


def test_imports_queued_together_are_applied_one_after_the_other(client, conn, database_url):
    first = upload(client, "handle,title\nshirt,Shirt\n")
    second = upload(client, "handle,title\nshirt,Shirt renamed\n")
    for import_id in (first, second):
        assert client.submit(f"/imports/{import_id}/apply", {"mode": "all"}).status_code == 302
    run_jobs(database_url)  # the second waits for the first's lock, then runs
    assert status(conn, first)["status"] == status(conn, second)["status"] == "applied"
    assert conn.execute("SELECT title FROM products").fetchone()["title"] == "Shirt renamed"


def test_a_check_that_stops_on_the_server_says_so_and_cannot_be_applied(
        client, conn, database_url, app, monkeypatch):
    from app.imports import apply as applier

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setitem(app.config, "IMPORT_CHECK_IN_REQUEST_ROWS", 1)
    monkeypatch.setattr(applier, "dry_run", broken)
    import_id = upload(client, "handle,title\na,A\nb,B\n")
    run_jobs(database_url)
    record = status(conn, import_id)
    assert record["status"] == "failed" and "the disk is on fire" in record["error"]
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert "Checking the file stopped on the server" in page and "Try again" not in page
    client.submit(f"/imports/{import_id}/apply", {"mode": "all"})
    assert status(conn, import_id)["status"] == "failed"
    assert conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"] == 0
