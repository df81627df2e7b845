"""History: every write recorded with who and what, readable per product and
across the catalog, and any change or change-set put back as a new change."""

import re
from html import unescape

import psycopg
import pytest
from click.testing import CliRunner

from app import cli
from tests.conftest import sign_in
from tests.factories import make_category, make_product, make_products, make_tag
from tests.test_products import edit_form, form_data


def text(response):
    """The page's words, tags removed, spaces collapsed."""
    html = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", unescape(html)).replace(" .", ".")


def changes(conn, **where):
    clause = " AND ".join(f"c.{k} = %({k})s" for k in where) or "TRUE"
    return conn.execute(
        f"""SELECT c.*, s.user_id, s.label AS set_label
              FROM changes AS c JOIN change_sets AS s ON s.id = c.change_set_id
             WHERE {clause} ORDER BY c.id""", where).fetchall()


def as_user(conn, user_id):
    """Write as the app would for this user (outside a request)."""
    conn.execute("SELECT set_config('catalog.user_id', %s, false)", (user_id,))


@pytest.fixture
def anna(app, make_user):
    client = app.test_client()
    user = make_user("editor", name="Anna")
    sign_in(client, user["email"])
    client.user = user
    return client


def edit_product(client, pid, **fields):
    return client.submit(f"/products/{pid}", {**edit_form(client, pid), **form_data(**fields)})


# --- Recording ------------------------------------------------------------------


def test_an_edit_is_recorded_with_who_and_only_the_fields_that_changed(anna, conn):
    pid = make_product(conn, "Linen Shirt", handle="linen-shirt")
    response = edit_product(anna, pid, title="Linen Shirt II", handle="linen-shirt")
    assert response.status_code == 302
    [change] = changes(conn, product_id=pid, kind="update")
    assert change["user_id"] == anna.user["id"]
    assert change["table_name"] == "products" and change["row_id"] == pid
    assert change["data"] == {"title": ["Linen Shirt", "Linen Shirt II"]}


def test_writes_of_one_request_share_a_change_set_and_a_failed_one_leaves_no_record(
        anna, conn):
    pid = make_product(conn, "Linen Shirt", handle="linen-shirt")
    make_product(conn, "Other", handle="taken")
    before = conn.execute("SELECT count(*) AS n FROM changes").fetchone()["n"]
    refused = edit_product(anna, pid, title="Renamed", handle="taken")
    assert refused.status_code == 422
    assert conn.execute("SELECT count(*) AS n FROM changes").fetchone()["n"] == before

    edit_product(anna, pid, title="Renamed", handle="linen-shirt", tags="summer, linen")
    recorded = [c for c in changes(conn) if c["user_id"] == anna.user["id"]]
    assert sorted((c["table_name"], c["kind"], c["label"]) for c in recorded) == [
        ("p_tags", "create", "linen"), ("p_tags", "create", "summer"),
        ("products", "update", "Renamed"),
        ("products_tags", "link", "linen"), ("products_tags", "link", "summer")]
    assert len({c["change_set_id"] for c in recorded}) == 1


def test_a_rolled_back_transaction_records_nothing(conn):
    pid = make_product(conn, "Linen Shirt")
    before = conn.execute("SELECT count(*) AS n FROM changes").fetchone()["n"]
    with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
        conn.execute("UPDATE products SET title = 'X' WHERE id = %s", (pid,))
        conn.execute("UPDATE products SET status = 'nonsense' WHERE id = %s", (pid,))
    assert conn.execute("SELECT count(*) AS n FROM changes").fetchone()["n"] == before


def test_kinds_are_told_apart(conn):
    pid = make_product(conn, "Mug", skus=["M-1"])
    tag = make_tag(conn, "kitchen")
    conn.execute("INSERT INTO products_tags VALUES (%s, %s)", (pid, tag))
    conn.execute("DELETE FROM products_tags WHERE product_id = %s", (pid,))
    conn.execute("UPDATE p_variants SET variant_rank = 5 WHERE product_id = %s", (pid,))
    conn.execute("UPDATE products SET deleted_at = now() WHERE id = %s", (pid,))
    conn.execute("UPDATE products SET deleted_at = NULL WHERE id = %s", (pid,))
    conn.execute("UPDATE products SET title = title WHERE id = %s", (pid,))  # no change: no record
    kinds = [(c["table_name"], c["kind"]) for c in changes(conn, product_id=pid)]
    assert kinds == [("products", "create"), ("p_variants", "create"),
                     ("products_tags", "link"), ("products_tags", "unlink"),
                     ("p_variants", "move"), ("products", "delete"), ("products", "restore")]


def test_a_bulk_change_is_recorded_in_one_set_at_a_bounded_statement_cost(
        client, conn, count_statements):
    make_products(conn, 10, status="draft")
    small = client.submit("/products/bulk", {"all_matching": "y", "query": "status=draft",
                                              "action": "status", "status": "proposed"})
    make_products(conn, 300, status="draft")
    large = client.submit("/products/bulk", {"all_matching": "y", "query": "status=draft",
                                              "action": "status", "status": "proposed"})
    assert count_statements(small) == count_statements(large)
    sets = conn.execute(
        """SELECT s.label, count(*) AS n FROM change_sets AS s JOIN changes AS c
             ON c.change_set_id = s.id WHERE s.user_id = %s GROUP BY s.id ORDER BY s.created_at""",
        (client.user["id"],)).fetchall()
    assert [s["n"] for s in sets] == [10, 300]
    assert sets[1]["label"] == "Bulk: status → proposed, 300 products"


def test_the_demo_loader_records_nothing(app, conn, tmp_path):
    from app.demo import load_demo_data

    load_demo_data(conn, products=20, media_root=tmp_path)
    assert conn.execute("SELECT count(*) AS n FROM changes").fetchone()["n"] == 0


# --- Reading --------------------------------------------------------------------


def test_the_history_tab_says_who_changed_what_from_what_to_what(anna, conn, count_statements):
    pid = make_product(conn, "T-Shirt", skus=["TS-R-L"])
    conn.execute("UPDATE p_variants SET title = 'Red / L' WHERE product_id = %s", (pid,))
    as_user(conn, anna.user["id"])
    conn.execute("UPDATE p_variants SET sku = 'TS-RED-L' WHERE product_id = %s", (pid,))
    response = anna.get(f"/products/{pid}/history")
    assert response.status_code == 200
    page = text(response)
    assert "Anna" in page
    assert re.search(r"changed variant Red / L.*SKU TS-R-L → TS-RED-L", page)
    assert re.search(r"created product T-Shirt", page)

    # The page's statements do not grow with the history.
    first = count_statements(anna.get(f"/products/{pid}/history"))
    for n in range(60):
        conn.execute("UPDATE p_variants SET sku = %s WHERE product_id = %s", (f"S-{n}", pid))
    assert count_statements(anna.get(f"/products/{pid}/history")) == first
    assert "Page 1 of 2" in text(anna.get(f"/products/{pid}/history"))


def test_names_are_shown_for_references(anna, conn):
    shirts = make_category(conn, "Shirts")
    pid = make_product(conn, "Mug")
    as_user(conn, anna.user["id"])
    conn.execute("INSERT INTO p_categories_products VALUES (%s, %s)", (pid, shirts))
    assert "added to category Shirts" in text(anna.get(f"/products/{pid}/history"))


def test_activity_shows_everyone_to_admins_and_their_own_to_others(
        login_as, anna, conn, count_statements):
    pid = make_product(conn, "Mug")
    edit_product(anna, pid, title="Anna's mug", handle=None)
    bob = login_as("editor")
    admin = login_as("admin")
    assert "Anna's mug" in text(admin.get("/activity"))
    assert "Anna's mug" not in text(bob.get("/activity"))
    assert "Showing your changes" in text(bob.get("/activity"))
    assert "Showing your changes" not in text(admin.get("/activity"))
    assert "Anna's mug" in text(anna.get("/activity"))
    assert "Anna's mug" not in text(admin.get("/activity?kind=create"))
    assert "Anna's mug" in text(admin.get("/activity?kind=update&area=products"))
    assert "Anna's mug" not in text(admin.get("/activity?area=tags"))
    small = count_statements(admin.get("/activity"))
    make_products(conn, 200)
    assert count_statements(admin.get("/activity")) == small


# --- Reverting ------------------------------------------------------------------


def revert_change(client, change_id):
    return client.submit(f"/history/changes/{change_id}/revert", {})


def test_a_reverted_change_is_put_back_as_a_new_recorded_change(anna, conn):
    pid = make_product(conn, "T-Shirt", skus=["TS-R-L"])
    as_user(conn, anna.user["id"])
    conn.execute("UPDATE p_variants SET sku = 'TS-RED-L' WHERE product_id = %s", (pid,))
    [change] = changes(conn, product_id=pid, kind="update")
    response = revert_change(anna, change["id"])
    assert response.status_code == 302
    assert conn.execute("SELECT sku FROM p_variants WHERE product_id = %s",
                        (pid,)).fetchone()["sku"] == "TS-R-L"
    revert = changes(conn, product_id=pid, kind="update")[-1]
    assert revert["data"] == {"sku": ["TS-RED-L", "TS-R-L"]}
    assert revert["set_label"].startswith("Revert: changed variant")
    # The revert is itself revertible.
    assert revert_change(anna, revert["id"]).status_code == 302
    assert conn.execute("SELECT sku FROM p_variants WHERE product_id = %s",
                        (pid,)).fetchone()["sku"] == "TS-RED-L"


def test_a_revert_is_refused_after_a_later_change_of_the_same_field(anna, conn):
    pid = make_product(conn, "T-Shirt", skus=["TS-1"])
    as_user(conn, anna.user["id"])
    conn.execute("UPDATE p_variants SET sku = 'TS-2' WHERE product_id = %s", (pid,))
    conn.execute("UPDATE p_variants SET sku = 'TS-3', weight = 200 WHERE product_id = %s", (pid,))
    first = changes(conn, product_id=pid, kind="update")[0]
    response = revert_change(anna, first["id"])
    assert response.status_code == 409
    page = text(response)
    assert "A later change touched the same fields" in page
    assert "SKU TS-2 → TS-3" in page          # the later change, shown
    row = conn.execute("SELECT sku, weight FROM p_variants WHERE product_id = %s",
                       (pid,)).fetchone()
    assert (row["sku"], row["weight"]) == ("TS-3", 200)


def test_a_change_to_other_fields_does_not_block_a_revert(anna, conn):
    pid = make_product(conn, "T-Shirt", skus=["TS-1"])
    conn.execute("UPDATE p_variants SET sku = 'TS-2' WHERE product_id = %s", (pid,))
    conn.execute("UPDATE p_variants SET weight = 300 WHERE product_id = %s", (pid,))
    first = changes(conn, product_id=pid, kind="update")[0]
    assert revert_change(anna, first["id"]).status_code == 302
    row = conn.execute("SELECT sku, weight FROM p_variants WHERE product_id = %s",
                       (pid,)).fetchone()
    assert (row["sku"], row["weight"]) == ("TS-1", 300)


def test_a_bulk_status_change_is_undone_as_one_from_the_list(client, conn):
    make_products(conn, 40, status="draft")
    make_product(conn, "Already live", status="published")
    client.submit("/products/bulk", {"all_matching": "y", "query": "",
                                      "action": "status", "status": "proposed"})
    assert conn.execute("SELECT count(*) AS n FROM products WHERE status = 'proposed'"
                        ).fetchone()["n"] == 40
    listing = text(client.get("/products/"))
    assert "Your bulk change just now: 40 products now proposed." in listing
    set_id = re.search(r'action="/activity/([^/"]+)/revert"',
                       client.get("/products/").get_data(as_text=True)).group(1)
    response = client.submit(f"/activity/{set_id}/revert", {"next": "/products/"})
    assert response.status_code == 302
    statuses = conn.execute("SELECT status, count(*) AS n FROM products GROUP BY status "
                            "ORDER BY status").fetchall()
    assert [(r["status"], r["n"]) for r in statuses] == [("draft", 40), ("published", 1)]
    assert "Your bulk change" not in text(client.get("/products/"))
    undo = conn.execute("SELECT reverts_id, label FROM change_sets WHERE reverts_id IS NOT NULL"
                        ).fetchone()
    assert undo["reverts_id"] == set_id and undo["label"].startswith("Undo of Bulk:")
    # Undoing it twice is refused: the undo is a later change of the same fields.
    assert client.submit(f"/activity/{set_id}/revert", {}).status_code == 409


def test_deletes_links_and_creations_are_put_back(anna, conn):
    tag = make_tag(conn, "summer")
    pid = make_product(conn, "Mug", tag_ids=[tag])
    conn.execute("DELETE FROM products_tags WHERE product_id = %s", (pid,))
    conn.execute("UPDATE products SET deleted_at = now() WHERE id = %s", (pid,))
    unlink, delete = (changes(conn, product_id=pid, kind=k)[0] for k in ("unlink", "delete"))
    assert revert_change(anna, delete["id"]).status_code == 302
    assert revert_change(anna, unlink["id"]).status_code == 302
    row = conn.execute("SELECT deleted_at FROM products WHERE id = %s", (pid,)).fetchone()
    assert row["deleted_at"] is None
    assert conn.execute("SELECT count(*) AS n FROM products_tags WHERE product_id = %s",
                        (pid,)).fetchone()["n"] == 1
    # Reverting a creation moves the row to the Trash; edits since do not block it.
    cup = make_product(conn, "Cup")
    conn.execute("UPDATE products SET title = 'Big cup' WHERE id = %s", (cup,))
    create = changes(conn, product_id=cup, kind="create")[0]
    response = revert_change(anna, create["id"])
    assert response.status_code == 302
    # The history of a product in the Trash stays readable (where the revert leads).
    history = anna.get(response.headers["Location"])
    assert history.status_code == 200
    assert "This product is in the Trash" in text(history)
    assert conn.execute("SELECT deleted_at FROM products WHERE id = %s",
                        (cup,)).fetchone()["deleted_at"] is not None
    # …but a later restore or delete of the row does.
    restored = changes(conn, product_id=pid, kind="create")[0]
    assert revert_change(anna, restored["id"]).status_code == 409


def test_a_restore_that_would_clash_is_refused_in_words(anna, conn):
    pid = make_product(conn, "Mug", handle="mug")
    conn.execute("UPDATE products SET deleted_at = now() WHERE id = %s", (pid,))
    make_product(conn, "New mug", handle="mug")
    delete = changes(conn, product_id=pid, kind="delete")[0]
    response = revert_change(anna, delete["id"])
    assert response.status_code == 409
    assert "its handle is now used by another product" in text(response)
    assert conn.execute("SELECT deleted_at FROM products WHERE id = %s",
                        (pid,)).fetchone()["deleted_at"] is not None


def test_a_viewer_sees_history_but_cannot_revert(login_as, conn):
    pid = make_product(conn, "Mug")
    viewer = login_as("viewer")
    page = viewer.get(f"/products/{pid}/history")
    assert page.status_code == 200 and "created product Mug" in text(page)
    assert ">Revert<" not in page.get_data(as_text=True)
    change = changes(conn, product_id=pid)[0]
    assert viewer.submit(f"/history/changes/{change['id']}/revert", {}).status_code == 403


def test_old_records_are_pruned(conn, database_url, monkeypatch):
    make_product(conn, "Mug")
    make_product(conn, "Cup")
    conn.execute("UPDATE change_sets SET created_at = now() - interval '400 days' "
                 "WHERE id = (SELECT min(id) FROM change_sets)")
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(cli.main, ["prune-history", "--days", "365"])
    assert result.exit_code == 0, result.output
    assert "1 change-set" in result.output
    assert [c["label"] for c in changes(conn)] == ["Cup"]


def test_a_revert_that_would_make_a_category_cycle_is_refused_in_words(anna, conn):
    a = make_category(conn, "A")
    b = make_category(conn, "B")
    conn.execute("UPDATE p_categories SET parent_id = %s WHERE id = %s", (a, b))   # B under A
    conn.execute("UPDATE p_categories SET parent_id = NULL WHERE id = %s", (b,))   # B to the top
    conn.execute("UPDATE p_categories SET parent_id = %s WHERE id = %s", (b, a))   # A under B
    first = changes(conn, row_id=b, kind="move")[0]                                # B under A
    response = anna.submit(f"/history/changes/{first['id']}/revert", {})
    assert response.status_code == 409
    assert "later change" in text(response)            # B itself moved since: a conflict
    # Reverting "B to the top" would put B under A while A is under B.
    second = changes(conn, row_id=b, kind="move")[1]
    response = anna.submit(f"/history/changes/{second['id']}/revert", {})
    assert response.status_code == 409
    assert "under one of its own subcategories" in text(response)
    assert conn.execute("SELECT parent_id FROM p_categories WHERE id = %s",
                        (b,)).fetchone()["parent_id"] is None


def test_a_revert_never_redirects_off_the_site(anna, conn):
    pid = make_product(conn, "Mug")
    conn.execute("UPDATE products SET title = 'Cup' WHERE id = %s", (pid,))
    change = changes(conn, product_id=pid, kind="update")[0]
    response = anna.submit(f"/history/changes/{change['id']}/revert", {"next": "/\\evil.example"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/products/{pid}/history"


def test_a_variants_value_reads_as_a_sentence():
    from app.history.describe import describe

    def change(kind, value_id):
        return {"kind": kind, "table_name": "p_variants_options", "label": "Blue",
                "row_id": "x", "data": {"option_value_id": value_id}}

    def words(text):
        return " ".join(w for w in (text["verb"], text["subject"], text["detail"]) if w)

    names = {"val_1": "Blue"}
    assert words(describe(change("link", "val_1"), names)) == "gave variant Blue the value “Blue”"
    assert words(describe(change("unlink", "val_1"), names)) == (
        "took the value “Blue” from variant Blue")
    assert words(describe(change("link", "gone"), names)) == "gave variant Blue a value"
