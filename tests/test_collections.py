"""Collections: list with live counts, create and edit with handles and metadata,
delete that clears products' collection, and restore that gives it back."""

import json
import re

import pytest

from tests.factories import make_collection, make_product


def collection_of(conn, product_id):
    row = conn.execute("SELECT collection_id FROM products WHERE id = %s", (product_id,))
    return row.fetchone()["collection_id"]


def rows_in(html):
    """The names in the list's rows, in order."""
    return re.findall(r'<td class="taxonomy-name"><a href="[^"]+">([^<]+)</a>', html)


def test_the_list_counts_only_live_products_and_links_to_them(client, conn):
    summer = make_collection(conn, "Summer")
    make_product(conn, "Shirt", collection_id=summer)
    make_product(conn, "Shorts", collection_id=summer)
    gone = make_product(conn, "Old hat", collection_id=summer)
    conn.execute("UPDATE products SET deleted_at = now() WHERE id = %s", (gone,))
    html = client.get("/collections/").get_data(as_text=True)
    assert f'href="/products?collection_id={summer}"' in html
    assert re.search(rf'collection_id={summer}"[^>]*>2</a>', html)


def test_search_matches_title_or_handle_and_sort_is_whitelisted(client, conn):
    make_collection(conn, "Summer Sale")
    winter = make_collection(conn, "Winter")
    make_collection(conn, "Autumn")
    make_product(conn, "Coat", collection_id=winter)
    assert rows_in(client.get("/collections/?q=summ").get_data(as_text=True)) == ["Summer Sale"]
    assert rows_in(client.get("/collections/?q=winter-").get_data(as_text=True)) == ["Winter"]
    by_products = client.get("/collections/?sort=-products").get_data(as_text=True)
    assert rows_in(by_products)[0] == "Winter"
    by_title_desc = client.get("/collections/?sort=-title").get_data(as_text=True)
    assert rows_in(by_title_desc) == ["Winter", "Summer Sale", "Autumn"]
    odd = client.get("/collections/?sort=handle;drop table products")
    assert odd.status_code == 200
    assert rows_in(odd.get_data(as_text=True)) == ["Autumn", "Summer Sale", "Winter"]


def test_the_list_pages_by_fifty(client, conn):
    conn.execute(
        """
        INSERT INTO p_collections (id, title, handle)
        SELECT 'pcol_' || g, 'Collection ' || lpad(g::text, 3, '0'), 'c-' || g
          FROM generate_series(1, 120) AS g
        """
    )
    first = client.get("/collections/").get_data(as_text=True)
    third = client.get("/collections/?page=3").get_data(as_text=True)
    assert len(rows_in(first)) == 50
    assert rows_in(third) == [f"Collection {n}" for n in range(101, 121)]
    assert "120 collections · Page 3 of 3" in third


def test_an_empty_handle_is_made_from_the_title(client, conn):
    make_collection(conn, "Spring")  # handle spring-<n>: "spring" itself is free
    response = client.submit("/collections/new", {"title": "Spring", "handle": ""})
    assert response.status_code == 302
    row = conn.execute("SELECT handle FROM p_collections WHERE title = 'Spring' "
                       "ORDER BY created_at DESC LIMIT 1").fetchone()
    assert row["handle"] == "spring"


def test_the_handle_hint_shows_the_free_handle(client, conn):
    conn.execute("INSERT INTO p_collections (id, title, handle) VALUES ('pcol_1', 'Sale', 'sale')")
    html = client.get("/collections/handle-hint?title=Sale").get_data(as_text=True)
    assert "Leave empty to use “sale-2”." in html


def test_a_taken_handle_is_refused_with_a_free_suggestion_and_nothing_changes(client, conn):
    conn.execute("INSERT INTO p_collections (id, title, handle) VALUES ('pcol_1', 'Sale', 'sale')")
    response = client.submit("/collections/new", {"title": "Big Sale", "handle": "sale",
                                                  "metadata": '{"a": 1}'})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The handle “sale” is taken; try “sale-2”." in html
    assert 'value="Big Sale"' in html
    assert conn.execute("SELECT count(*) AS n FROM p_collections").fetchone()["n"] == 1

    other = make_collection(conn, "Other")
    response = client.submit(f"/collections/{other}", {"title": "Other", "handle": "sale"})
    assert response.status_code == 422
    assert "The handle “sale” is taken; try “sale-2”." in response.get_data(as_text=True)
    assert conn.execute("SELECT handle FROM p_collections WHERE id = %s",
                        (other,)).fetchone()["handle"] != "sale"


def test_a_malformed_handle_is_refused(client, conn):
    response = client.submit("/collections/new", {"title": "Sale", "handle": "Big Sale!"})
    assert response.status_code == 422
    assert "Use lowercase letters, digits and single hyphens" in response.get_data(as_text=True)


def test_metadata_is_saved_as_an_object_and_shown_indented(client, conn):
    summer = make_collection(conn, "Summer")
    updated_at = conn.execute("SELECT updated_at FROM p_collections WHERE id = %s",
                              (summer,)).fetchone()["updated_at"]
    response = client.submit(f"/collections/{summer}", {
        "title": "Summer", "handle": "summer", "metadata": '{"season": "été", "rank": 2}',
        "updated_at": updated_at.isoformat()})
    assert response.status_code == 302
    row = conn.execute("SELECT metadata FROM p_collections WHERE id = %s", (summer,)).fetchone()
    assert row["metadata"] == {"season": "été", "rank": 2}
    html = client.get(f"/collections/{summer}").get_data(as_text=True)
    # jsonb keeps keys shortest first
    assert "{\n  &#34;rank&#34;: 2,\n  &#34;season&#34;: &#34;été&#34;\n}" in html


@pytest.mark.parametrize("text, message", [
    ('["a"]', "Metadata must be a JSON object"),
    ('{"a": }', "This is not valid JSON"),
    ('{"a": NaN}', "This is not valid JSON"),
    (json.dumps({"notes": "x" * 11_000}), "the limit is 10 KB (10,240 bytes)"),
])
def test_bad_metadata_is_refused_next_to_the_field(client, conn, text, message):
    summer = make_collection(conn, "Summer")
    response = client.submit(f"/collections/{summer}",
                             {"title": "Summer 2", "handle": "", "metadata": text})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'id="metadata-error"' in html
    assert conn.execute("SELECT title FROM p_collections WHERE id = %s",
                        (summer,)).fetchone()["title"] == "Summer"


def test_oversized_metadata_shows_its_size(client, conn):
    summer = make_collection(conn, "Summer")
    text = json.dumps({"notes": "x" * 11_000})
    response = client.submit(f"/collections/{summer}", {"title": "Summer", "metadata": text})
    assert "Metadata is 10.8 KB (11,013 bytes)" in response.get_data(as_text=True)


def test_a_save_from_a_stale_form_is_refused(client, conn):
    summer = make_collection(conn, "Summer")
    loaded = conn.execute("SELECT updated_at FROM p_collections WHERE id = %s",
                          (summer,)).fetchone()["updated_at"]
    conn.execute("UPDATE p_collections SET title = 'Summer (theirs)' WHERE id = %s", (summer,))
    response = client.submit(f"/collections/{summer}", {
        "title": "Summer (mine)", "handle": "", "updated_at": loaded.isoformat()})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Someone else saved this collection" in html
    assert 'value="Summer (mine)"' in html
    assert conn.execute("SELECT title FROM p_collections WHERE id = %s",
                        (summer,)).fetchone()["title"] == "Summer (theirs)"


def test_the_delete_confirmation_counts_live_products(client, conn):
    summer = make_collection(conn, "Summer")
    make_product(conn, "Shirt", collection_id=summer)
    make_product(conn, "Shorts", collection_id=summer)
    html = client.get(f"/collections/{summer}/delete").get_data(as_text=True)
    assert "2 live products will leave this collection." in html


def test_delete_clears_products_and_restore_gives_back_only_unchanged_ones(client, conn):
    summer = make_collection(conn, "Summer")
    winter = make_collection(conn, "Winter")
    kept = make_product(conn, "Shirt", collection_id=summer)
    moved = make_product(conn, "Shorts", collection_id=summer)
    elsewhere = make_product(conn, "Coat", collection_id=winter)

    response = client.submit(f"/collections/{summer}/delete")
    assert response.status_code == 302
    assert collection_of(conn, kept) is None and collection_of(conn, moved) is None
    assert collection_of(conn, elsewhere) == winter
    assert conn.execute("SELECT deleted_at FROM p_collections WHERE id = %s",
                        (summer,)).fetchone()["deleted_at"] is not None

    conn.execute("UPDATE products SET collection_id = %s WHERE id = %s", (winter, moved))
    response = client.submit(f"/trash/collections/{summer}/restore")
    assert response.status_code == 302
    assert collection_of(conn, kept) == summer
    assert collection_of(conn, moved) == winter
    assert conn.execute("SELECT count(*) AS n FROM trash_links").fetchone()["n"] == 0


def test_restoring_onto_a_taken_handle_offers_a_free_one(client, conn):
    conn.execute("INSERT INTO p_collections (id, title, handle) "
                 "VALUES ('pcol_old', 'Sale', 'sale')")
    shirt = make_product(conn, "Shirt", collection_id="pcol_old")
    client.submit("/collections/pcol_old/delete")
    conn.execute("INSERT INTO p_collections (id, title, handle) "
                 "VALUES ('pcol_new', 'Sale', 'sale')")

    response = client.submit("/trash/collections/pcol_old/restore")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "has the handle “sale”" in html
    assert 'value="sale-2"' in html
    assert collection_of(conn, shirt) is None

    response = client.submit("/trash/collections/pcol_old/restore", {"new_handle": "sale-2"})
    assert response.status_code == 302
    row = conn.execute("SELECT handle, deleted_at FROM p_collections WHERE id = 'pcol_old'")
    assert row.fetchone() == {"handle": "sale-2", "deleted_at": None}
    assert collection_of(conn, shirt) == "pcol_old"


def test_an_admin_purges_a_deleted_collection_with_its_recorded_links(login_as, conn):
    admin = login_as("admin")
    summer = make_collection(conn, "Summer")
    make_product(conn, "Shirt", collection_id=summer)
    admin.submit(f"/collections/{summer}/delete")
    assert conn.execute("SELECT count(*) AS n FROM trash_links").fetchone()["n"] == 1
    assert admin.submit(f"/trash/collections/{summer}/purge").status_code == 302
    assert conn.execute("SELECT count(*) AS n FROM p_collections").fetchone()["n"] == 0
    assert conn.execute("SELECT count(*) AS n FROM trash_links").fetchone()["n"] == 0


def test_a_live_collection_cannot_be_purged(login_as, conn):
    summer = make_collection(conn, "Summer")
    assert login_as("admin").submit(f"/trash/collections/{summer}/purge").status_code == 404
    assert conn.execute("SELECT count(*) AS n FROM p_collections").fetchone()["n"] == 1


def test_viewers_see_no_write_controls_and_cannot_write(login_as, conn):
    summer = make_collection(conn, "Summer")
    viewer = login_as("viewer")
    html = viewer.get("/collections/").get_data(as_text=True)
    assert "Add collection" not in html
    assert "Delete Summer" not in html
    assert viewer.submit(f"/collections/{summer}/delete").status_code == 403
    assert conn.execute("SELECT deleted_at FROM p_collections WHERE id = %s",
                        (summer,)).fetchone()["deleted_at"] is None
