"""A newcomer's first hour on the demo catalog: every record saves unchanged, and the
whole catalog goes out and back in through CSV changing nothing."""

import pytest
from werkzeug.datastructures import MultiDict

from app.demo import load_demo_data
from tests.forms import form_fields
from tests.test_imports import apply, counts, errors, export, fingerprint, upload

DEMO_PRODUCTS = 500


@pytest.fixture
def demo(conn, media_root):
    load_demo_data(conn, products=DEMO_PRODUCTS, media_root=media_root)


def save_unchanged(client, url, form_id):
    """Open the page, press Save as the browser would send it; the response."""
    page = client.get(url)
    assert page.status_code == 200, url
    fields = form_fields(page.get_data(as_text=True), form_id)
    return client.submit(url, MultiDict(fields))


def refusals(client, urls, form_id):
    refused = []
    for url in urls:
        response = save_unchanged(client, url, form_id)
        if response.status_code != 302:
            refused.append((url, response.status_code))
    return refused


def test_every_demo_product_saves_unchanged(demo, client, conn):
    ids = [r["id"] for r in conn.execute(
        "SELECT id FROM products WHERE deleted_at IS NULL ORDER BY id")]
    assert len(ids) > 0.9 * DEMO_PRODUCTS
    assert conn.execute("SELECT count(*) AS n FROM products WHERE thumbnail LIKE '/media/%%'"
                        ).fetchone()["n"] > 0
    before = fingerprint(conn)
    assert refusals(client, [f"/products/{pid}" for pid in ids], "product-form") == []
    after = fingerprint(conn)
    assert after["changes"] == before["changes"], "a save recorded a change"
    for table in ("products", "products_tags", "p_categories_products", "images"):
        assert after[table]["n"] == before[table]["n"], table


def test_every_kind_of_demo_category_saves_unchanged(demo, client, conn):
    # All 2,072 would take a minute; one of each shape the demo makes covers them:
    # depth, flags, thumbnail, image, description and metadata present or not.
    rows = conn.execute(
        """
        WITH RECURSIVE depth AS (
            SELECT id, 0 AS depth FROM p_categories WHERE parent_id IS NULL
             UNION ALL
            SELECT c.id, d.depth + 1 FROM p_categories AS c JOIN depth AS d ON c.parent_id = d.id
        )
        SELECT DISTINCT ON (d.depth, c.is_active, c.is_internal, c.thumbnail IS NULL,
                            c.image_id IS NULL, c.description IS NULL, c.metadata IS NULL)
               c.id
          FROM p_categories AS c JOIN depth AS d USING (id)
         WHERE c.deleted_at IS NULL
        """).fetchall()
    with_thumbnail = conn.execute(
        "SELECT id FROM p_categories WHERE thumbnail IS NOT NULL").fetchall()
    assert with_thumbnail
    ids = sorted({r["id"] for r in rows + with_thumbnail})
    before = fingerprint(conn)
    assert refusals(client, [f"/categories/{cid}" for cid in ids], "category-form") == []
    assert fingerprint(conn)["changes"] == before["changes"], "a save recorded a change"


def test_the_demo_catalog_exported_and_imported_back_changes_nothing(
        demo, client, conn, database_url):
    before = fingerprint(conn)
    import_id = upload(client, export(client), "catalog.csv")
    found = counts(conn, import_id)  # ~2,500 rows: checked within the upload
    assert errors(conn, import_id) == []
    assert (found["errors"], found["update"], found["create"]) == (0, 0, 0)
    assert found["unchanged"] > 0.9 * DEMO_PRODUCTS
    apply(client, database_url, import_id)
    assert fingerprint(conn) == before


def test_an_address_typed_with_a_space_is_stored_as_a_browser_sends_it_and_round_trips(
        client, conn, database_url):
    from tests.factories import make_product

    pid = make_product(conn, "Camera bag", handle="camera-bag", skus=["CB-1"])
    fields = dict(form_fields(client.get(f"/products/{pid}").get_data(as_text=True),
                              "product-form"))
    fields["thumbnail"] = "  https://cdn.example.com/bags/camera bag.jpg "
    assert client.submit(f"/products/{pid}", fields).status_code == 302
    assert conn.execute("SELECT thumbnail FROM products WHERE id = %s", (pid,)).fetchone()[
        "thumbnail"] == "https://cdn.example.com/bags/camera%20bag.jpg"
    before = fingerprint(conn)
    import_id = upload(client, export(client), "catalog.csv")
    assert errors(conn, import_id) == []
    assert counts(conn, import_id)["unchanged"] == 1
    apply(client, database_url, import_id)
    assert fingerprint(conn) == before
