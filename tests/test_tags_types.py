"""Tags and types (and, where all three share it, collections): inline create and
rename, duplicates refused, merge, delete and restore with their products."""

import json
import re

import pytest

from tests.factories import make_collection, make_product, make_tag, make_type

MAKERS = {"tags": make_tag, "types": make_type}


def tags_of(conn, product_id):
    rows = conn.execute(
        """
        SELECT t.value
          FROM products_tags AS pt
          JOIN p_tags AS t ON t.id = pt.product_tag_id
         WHERE pt.product_id = %s
         ORDER BY t.value
        """,
        (product_id,),
    ).fetchall()
    return [r["value"] for r in rows]


def type_of(conn, product_id):
    return conn.execute("SELECT type_id FROM products WHERE id = %s",
                        (product_id,)).fetchone()["type_id"]


def table_state(conn, table):
    return conn.execute(f"SELECT id, value, deleted_at FROM {table} ORDER BY id").fetchall()


def fill(conn, area, n):
    """n live rows of an area, each with one live product, straight in SQL."""
    table, column = {"collections": ("p_collections", "title"), "tags": ("p_tags", "value"),
                     "types": ("p_types", "value")}[area]
    extra = ", handle" if area == "collections" else ""
    conn.execute(
        f"""
        INSERT INTO {table} (id, {column}{extra})
        SELECT 'x_' || g, 'Item ' || g{", 'item-' || g" if extra else ""}
          FROM generate_series(1, %(n)s) AS g
        """,
        {"n": n},
    )
    link = {"collections": "collection_id", "types": "type_id"}.get(area)
    conn.execute(
        f"""
        INSERT INTO products (id, title, handle{", " + link if link else ""})
        SELECT 'p_' || g, 'Product ' || g, 'product-' || g{", 'x_' || g" if link else ""}
          FROM generate_series(1, %(n)s) AS g
        """,
        {"n": n},
    )
    if area == "tags":
        conn.execute("INSERT INTO products_tags SELECT 'p_' || g, 'x_' || g "
                     "FROM generate_series(1, %(n)s) AS g", {"n": n})


@pytest.mark.parametrize("area", ["collections", "tags", "types"])
def test_list_pages_run_a_fixed_number_of_statements(client, conn, count_statements, area):
    fill(conn, area, 5)
    small = client.get(f"/{area}/?sort=-products")
    conn.execute("TRUNCATE products, p_collections, p_tags, p_types CASCADE")
    fill(conn, area, 200)
    large = client.get(f"/{area}/?sort=-products")
    assert small.status_code == large.status_code == 200
    assert "200 " + area in large.get_data(as_text=True)
    # the signed-in user, the total, the page with its counts
    assert count_statements(small) == count_statements(large) == 3


@pytest.mark.parametrize("area", ["tags", "types"])
def test_inline_create_answers_with_an_empty_form_and_refreshes_the_list(client, conn, area):
    response = client.submit(f"/{area}/new", {"value": "  t  shirt "}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'hx-post="/' + area + '/new"' in html
    assert 'value="t shirt"' not in html
    trigger = json.loads(response.headers["HX-Trigger"])
    assert "taxonomy-changed" in trigger
    assert trigger["toast"]["message"] == f"{area[:-1].capitalize()} “t shirt” created."
    table = {"tags": "p_tags", "types": "p_types"}[area]
    assert [r["value"] for r in table_state(conn, table)] == ["t shirt"]


@pytest.mark.parametrize("area", ["tags", "types"])
def test_a_duplicate_value_is_refused_and_nothing_changes(client, conn, area):
    MAKERS[area](conn, "organic")
    table = {"tags": "p_tags", "types": "p_types"}[area]
    before = table_state(conn, table)
    noun = area[:-1]
    response = client.submit(f"/{area}/new", {"value": "organic"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"A {noun} “organic” already exists." in html
    assert 'value="organic"' in html
    assert table_state(conn, table) == before


@pytest.mark.parametrize("area", ["tags", "types"])
def test_inline_rename_returns_the_row_and_a_duplicate_returns_the_form(client, conn, area):
    item = MAKERS[area](conn, "tshirt")
    MAKERS[area](conn, "t-shirt")
    table = {"tags": "p_tags", "types": "p_types"}[area]

    form = client.get(f"/{area}/{item}/row/edit", headers={"HX-Request": "true"})
    assert 'value="tshirt"' in form.get_data(as_text=True)

    before = table_state(conn, table)
    refused = client.submit(f"/{area}/{item}/rename", {"value": "t-shirt"}, htmx=True)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert html.lstrip().startswith(f'<tr id="{area[:-1]}-{item}" class="taxonomy-row-editing"')
    assert f"A {area[:-1]} “t-shirt” already exists." in html
    assert table_state(conn, table) == before

    saved = client.submit(f"/{area}/{item}/rename", {"value": "T-Shirt (old)"}, htmx=True)
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200
    assert html.lstrip().startswith(f'<tr id="{area[:-1]}-{item}">')
    assert "T-Shirt (old)" in html
    assert conn.execute(f"SELECT value FROM {table} WHERE id = %s",
                        (item,)).fetchone()["value"] == "T-Shirt (old)"


def test_a_rename_keeps_the_metadata(client, conn):
    tag = make_tag(conn, "organic")
    conn.execute("""UPDATE p_tags SET metadata = '{"a": 1}' WHERE id = %s""", (tag,))
    client.submit(f"/tags/{tag}/rename", {"value": "bio"}, htmx=True)
    row = conn.execute("SELECT value, metadata FROM p_tags WHERE id = %s", (tag,)).fetchone()
    assert row == {"value": "bio", "metadata": {"a": 1}}


def test_type_metadata_goes_to_its_json_column_and_is_limited(client, conn):
    shirt = make_type(conn, "Shirt")
    response = client.submit(f"/types/{shirt}",
                             {"value": "Shirt", "metadata": '{"fit": "régulier"}'})
    assert response.status_code == 302
    stored = conn.execute("SELECT metadata::text AS text FROM p_types WHERE id = %s",
                          (shirt,)).fetchone()["text"]
    assert stored == '{"fit": "régulier"}'
    big = json.dumps({"notes": "é" * 6000})
    response = client.submit(f"/types/{shirt}", {"value": "Shirt", "metadata": big})
    assert response.status_code == 422
    assert "Metadata is 11.7 KB (12,013 bytes)" in response.get_data(as_text=True)


def test_deleting_a_tag_removes_its_links_and_restore_puts_them_back(client, conn):
    organic = make_tag(conn, "organic")
    local = make_tag(conn, "local")
    a = make_product(conn, "A", tag_ids=[organic, local])
    b = make_product(conn, "B", tag_ids=[organic])
    confirm = client.get(f"/tags/{organic}/delete", headers={"HX-Request": "true"})
    assert "2 live products will lose this tag." in confirm.get_data(as_text=True)

    response = client.submit(f"/tags/{organic}/delete", htmx=True)
    assert response.status_code == 200
    assert "2 products no longer have it" in response.headers["HX-Trigger"]
    assert tags_of(conn, a) == ["local"] and tags_of(conn, b) == []

    # Meanwhile b got the tag back by hand: restoring must not fail on it.
    conn.execute("INSERT INTO products_tags VALUES (%s, %s)", (b, organic))
    assert client.submit(f"/trash/tags/{organic}/restore").status_code == 302
    assert tags_of(conn, a) == ["local", "organic"] and tags_of(conn, b) == ["organic"]
    assert conn.execute("SELECT count(*) AS n FROM trash_links").fetchone()["n"] == 0


def test_deleting_a_type_nulls_products_and_restore_skips_reassigned_ones(client, conn):
    shirt = make_type(conn, "Shirt")
    top = make_type(conn, "Top")
    kept = make_product(conn, "A", type_id=shirt)
    reassigned = make_product(conn, "B", type_id=shirt)
    other = make_product(conn, "C", type_id=top)

    client.submit(f"/types/{shirt}/delete")
    assert type_of(conn, kept) is None and type_of(conn, reassigned) is None
    assert type_of(conn, other) == top

    conn.execute("UPDATE products SET type_id = %s WHERE id = %s", (top, reassigned))
    client.submit(f"/trash/types/{shirt}/restore")
    assert type_of(conn, kept) == shirt
    assert type_of(conn, reassigned) == top
    assert conn.execute("SELECT deleted_at FROM p_types WHERE id = %s",
                        (shirt,)).fetchone()["deleted_at"] is None


@pytest.mark.parametrize("area", ["tags", "types"])
def test_restoring_onto_a_taken_value_suggests_renaming_or_merging(client, conn, area):
    old = MAKERS[area](conn, "organic")
    client.submit(f"/{area}/{old}/delete")
    MAKERS[area](conn, "organic")
    response = client.submit(f"/trash/{area}/{old}/restore")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"A live {area[:-1]} “organic” exists now. Rename that one first" in html
    assert "Merge into…" in html
    assert 'name="new_handle"' not in html
    table = {"tags": "p_tags", "types": "p_types"}[area]
    assert conn.execute(f"SELECT deleted_at FROM {table} WHERE id = %s",
                        (old,)).fetchone()["deleted_at"] is not None


def test_the_trash_lists_deleted_tags_with_their_product_count(client, conn):
    organic = make_tag(conn, "organic")
    make_product(conn, "A", tag_ids=[organic])
    client.submit(f"/tags/{organic}/delete")
    html = client.get("/trash/?kind=tags").get_data(as_text=True)
    assert "organic" in html and "Had 1 product" in html


def test_merging_tags_moves_every_product_and_trashes_the_source(client, conn):
    tshirt = make_tag(conn, "tshirt")
    t_shirt = make_tag(conn, "t-shirt")
    only_old = make_product(conn, "A", tag_ids=[tshirt])
    both = make_product(conn, "B", tag_ids=[tshirt, t_shirt])
    trashed = make_product(conn, "C", tag_ids=[tshirt])
    conn.execute("UPDATE products SET deleted_at = now() WHERE id = %s", (trashed,))

    confirm = client.get(f"/tags/{tshirt}/merge?target_id={t_shirt}").get_data(as_text=True)
    assert "2 live products move to “t-shirt” (1 already has it)." in confirm

    response = client.submit(f"/tags/{tshirt}/merge", {"target_id": t_shirt})
    assert response.status_code == 302
    assert tags_of(conn, only_old) == ["t-shirt"]
    assert tags_of(conn, both) == ["t-shirt"]
    assert tags_of(conn, trashed) == ["t-shirt"]
    assert conn.execute("SELECT deleted_at FROM p_tags WHERE id = %s",
                        (tshirt,)).fetchone()["deleted_at"] is not None
    html = client.get("/tags/").get_data(as_text=True)
    assert "Merged “tshirt” into “t-shirt”: 2 products moved." in html


def test_merging_types_moves_products(client, conn):
    tee = make_type(conn, "Tee")
    shirt = make_type(conn, "Shirt")
    a = make_product(conn, "A", type_id=tee)
    b = make_product(conn, "B", type_id=shirt)
    assert client.submit(f"/types/{tee}/merge", {"target_id": shirt}).status_code == 302
    assert type_of(conn, a) == shirt and type_of(conn, b) == shirt
    assert conn.execute("SELECT count(*) AS n FROM p_types WHERE deleted_at IS NULL"
                        ).fetchone()["n"] == 1


def test_a_merge_into_itself_or_a_deleted_tag_changes_nothing(client, conn):
    tshirt = make_tag(conn, "tshirt")
    gone = make_tag(conn, "gone")
    conn.execute("UPDATE p_tags SET deleted_at = now() WHERE id = %s", (gone,))
    a = make_product(conn, "A", tag_ids=[tshirt])
    for target in (tshirt, gone, "ptag_nonexistent"):
        response = client.submit(f"/tags/{tshirt}/merge", {"target_id": target})
        assert response.status_code == 302
    assert tags_of(conn, a) == ["tshirt"]
    assert conn.execute("SELECT deleted_at FROM p_tags WHERE id = %s",
                        (tshirt,)).fetchone()["deleted_at"] is None


def test_options_list_up_to_twenty_live_matches_best_first(client, conn):
    for n in range(30):
        make_tag(conn, f"shirt-{n:02}")
    make_tag(conn, "shirt")
    make_tag(conn, "t-shirt")
    gone = make_tag(conn, "shirty")
    conn.execute("UPDATE p_tags SET deleted_at = now() WHERE id = %s", (gone,))
    html = client.get("/tags/options?q=SHIRT").get_data(as_text=True)
    names = re.findall(r"<option [^>]*>([^<]+)</option>", html)
    assert len(names) == 20
    assert names[0] == "shirt" and "shirty" not in names and "t-shirt" not in names
    assert client.get("/tags/options?q=t-sh").get_data(as_text=True).count("<option") == 1


@pytest.mark.parametrize("area", ["collections", "types"])
def test_options_exist_for_every_area_and_can_exclude_one(client, conn, area):
    item = make_collection(conn, "Shirt") if area == "collections" else make_type(conn, "Shirt")
    html = client.get(f"/{area}/options?q=shi").get_data(as_text=True)
    assert f'<option value="{item}">Shirt</option>' in html
    html = client.get(f"/{area}/options?q=shi&exclude={item}").get_data(as_text=True)
    assert item not in html


def test_an_admin_purges_a_deleted_tag_with_its_links(login_as, conn):
    admin = login_as("admin")
    organic = make_tag(conn, "organic")
    make_product(conn, "A", tag_ids=[organic])
    admin.submit(f"/tags/{organic}/delete")
    assert admin.submit(f"/trash/tags/{organic}/purge").status_code == 302
    assert conn.execute("SELECT count(*) AS n FROM p_tags").fetchone()["n"] == 0
    assert conn.execute("SELECT count(*) AS n FROM trash_links").fetchone()["n"] == 0
    assert conn.execute("SELECT count(*) AS n FROM products_tags").fetchone()["n"] == 0


def test_editors_cannot_purge(client, conn):
    organic = make_tag(conn, "organic")
    client.submit(f"/tags/{organic}/delete")
    assert client.submit(f"/trash/tags/{organic}/purge").status_code == 403


def test_a_value_with_control_characters_is_refused(client, conn):
    response = client.submit("/tags/new", {"value": "bad\x00tag"})
    assert response.status_code == 422
    assert conn.execute("SELECT count(*) AS n FROM p_tags").fetchone()["n"] == 0


def test_search_with_odd_characters_finds_them_literally(client, conn):
    make_tag(conn, "100%_cotton")
    make_tag(conn, "1000 cotton")
    html = client.get("/tags/?q=100%25_").get_data(as_text=True)
    assert "100%_cotton" in html and "1000 cotton" not in html
