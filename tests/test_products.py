"""Products: the list, create and edit, status, bulk actions, duplicate, delete and Trash."""

import json
import re

import pytest

from tests.factories import (
    make_category,
    make_collection,
    make_product,
    make_products,
    make_tag,
    make_type,
)


def titles(response):
    html = response.get_data(as_text=True)
    return re.findall(r'<a href="/products/prod_[^"]+">([^<]+)</a>', html)


def form_data(**overrides):
    data = {"title": "Linen Shirt", "metadata_mode": "rows", "discountable": "y"}
    data.update(overrides)
    return data


def product_row(conn, product_id):
    return conn.execute("SELECT * FROM products WHERE id = %s", (product_id,)).fetchone()


# --- The list -----------------------------------------------------------------


def test_search_matches_title_handle_and_variant_codes_ignoring_case_and_accents(client, conn):
    make_product(conn, "Crème Café Mug", handle="mug-cafe")
    make_product(conn, "Linen Shirt", handle="summer-linen", skus=["LS-RED-42"])
    make_product(conn, "Wool Beanie")
    assert titles(client.get("/products/?q=creme+cafe")) == ["Crème Café Mug"]
    assert titles(client.get("/products/?q=CAFÉ")) == ["Crème Café Mug"]
    assert titles(client.get("/products/?q=summer-lin")) == ["Linen Shirt"]
    assert titles(client.get("/products/?q=ls-red")) == ["Linen Shirt"]
    assert titles(client.get("/products/?q=no+such+thing")) == []


def test_search_treats_like_wildcards_as_text(client, conn):
    make_product(conn, "100% Cotton Tee")
    make_product(conn, "Cotton Tee")
    assert titles(client.get("/products/?q=100%25")) == ["100% Cotton Tee"]
    assert titles(client.get("/products/?q=_")) == []


def test_filters_by_status_collection_type_tag_and_no_variants(client, conn):
    summer = make_collection(conn, "Summer")
    apparel = make_type(conn, "Apparel")
    organic = make_tag(conn, "organic")
    make_product(conn, "A", status="published", collection_id=summer, skus=["A1"])
    make_product(conn, "B", status="draft", type_id=apparel, tag_ids=[organic], skus=["B1"])
    make_product(conn, "C", status="draft")
    assert titles(client.get("/products/?status=draft&sort=title")) == ["B", "C"]
    assert titles(client.get(f"/products/?collection_id={summer}")) == ["A"]
    assert titles(client.get(f"/products/?type_id={apparel}")) == ["B"]
    assert titles(client.get(f"/products/?tag_id={organic}")) == ["B"]
    assert titles(client.get("/products/?no_variants=y")) == ["C"]


def test_filter_selects_hold_only_the_chosen_option_until_they_load_the_rest(client, conn):
    summer, winter = make_collection(conn, "Summer"), make_collection(conn, "Winter")
    apparel = make_type(conn, "Apparel")
    page = client.get(f"/products/?collection_id={summer}&type_id={apparel}")
    html = page.get_data(as_text=True)
    assert f'<option selected value="{summer}">Summer</option>' in html
    assert f'<option selected value="{apparel}">Apparel</option>' in html
    assert "Winter" not in html
    options = client.get(f"/products/choices/collections?selected={summer}"
                         "&blank=All+collections").get_data(as_text=True)
    assert "All collections" in options and "Winter" in options
    assert f'<option value="{summer}" selected>Summer</option>' in options
    assert winter in options


def test_category_filter_includes_descendants(client, conn):
    women = make_category(conn, "Women")
    tops = make_category(conn, "Tops", parent_id=women)
    shirts = make_category(conn, "Shirts", parent_id=tops)
    men = make_category(conn, "Men")
    make_product(conn, "Silk Shirt", category_ids=[shirts])
    make_product(conn, "Wrap Top", category_ids=[tops])
    make_product(conn, "Oxford", category_ids=[men])
    assert titles(client.get(f"/products/?category_id={women}&sort=title")) == [
        "Silk Shirt", "Wrap Top"]
    html = client.get(f"/products/?category_id={shirts}").get_data(as_text=True)
    assert "Women › Tops › Shirts" in html  # the chosen category shows in its select


@pytest.mark.parametrize("sort", ["'; DROP TABLE products; --", "price", "-id"])
def test_an_unknown_sort_falls_back_to_newest_first(client, conn, sort):
    make_product(conn, "Old")
    make_product(conn, "New")
    conn.execute("UPDATE products SET created_at = now() - interval '1 day' WHERE title = 'Old'")
    response = client.get("/products/", query_string={"sort": sort})
    assert response.status_code == 200
    assert titles(response) == ["New", "Old"]


def test_the_date_column_is_the_one_the_list_is_sorted_by(client, conn):
    pid = make_product(conn, "Linen Shirt")
    updated = conn.execute(
        "UPDATE products SET created_at = '2025-01-02 10:00+00' WHERE id = %s "
        "RETURNING to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day", (pid,)
    ).fetchone()["day"]  # set to now by the update

    def date_column(query):
        html = client.get("/products/" + query).get_data(as_text=True)
        heading = re.search(r'<th scope="col"( aria-sort="\w+")?>\s*<a href="([^"]+)"[^>]*>'
                            r'(Created|Updated)</a></th>\s*</tr>', html)
        shown = re.search(r'<time datetime="[^"]+" title="[^"]+">([^<]+)</time>', html)
        return heading.group(3), heading.group(1), heading.group(2), shown.group(1)

    # Newest first (the default) is by creation: the column says so, and sorts by it.
    assert date_column("") == ("Created", ' aria-sort="descending"',
                               "/products/?sort=created", "2025-01-02")
    assert date_column("?sort=created")[:2] == ("Created", ' aria-sort="ascending"')
    assert date_column("?sort=-updated") == ("Updated", ' aria-sort="descending"',
                                             "/products/?sort=updated", updated)
    assert date_column("?sort=title") == ("Updated", None, "/products/?sort=updated", updated)


def test_sorts_by_title_both_ways(client, conn):
    for title in ("Banana", "apple", "Cherry"):
        make_product(conn, title)
    assert titles(client.get("/products/?sort=title")) == ["Banana", "Cherry", "apple"]
    assert titles(client.get("/products/?sort=-title")) == ["apple", "Cherry", "Banana"]


def test_pages_hold_50_rows_with_a_total(client, conn):
    make_products(conn, 120)
    first = client.get("/products/?sort=title")
    third = client.get("/products/?sort=title&page=3")
    assert len(titles(first)) == 50
    assert len(titles(third)) == 20
    assert "120 products" in third.get_data(as_text=True)
    assert client.get("/products/?page=abc").status_code == 200


def test_an_htmx_search_gets_only_the_results(client, conn):
    make_product(conn, "Linen Shirt")
    response = client.get("/products/?q=linen", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert 'id="product-results"' in html and "<html" not in html
    assert titles(response) == ["Linen Shirt"]


@pytest.mark.parametrize("url", ["/products/", "/products/?q=bulk+product&status=published",
                                 "/products/?sort=title&page=2"])
def test_the_list_runs_a_fixed_number_of_statements(client, conn, count_statements, url):
    make_products(conn, 60)  # two pages: a page past the end counts apart
    small = count_statements(client.get(url))
    make_products(conn, 940)
    large = count_statements(client.get(url))
    # The user, and the rows with their total (for a search or a status, in one
    # statement; other filters count in a statement of their own).
    assert small == large == 2


def test_tag_suggestions_load_when_the_tag_box_is_used_not_with_the_page(client, conn):
    from tests.factories import make_tag

    make_tag(conn, 'linen "fine" & co')
    pid = make_product(conn, "Linen Shirt")
    page = client.get(f"/products/{pid}").get_data(as_text=True)
    assert 'hx-get="/products/choices/tags?as=values"' in page
    assert "fine" not in page
    options = client.get("/products/choices/tags?as=values").get_data(as_text=True)
    assert options.strip() == '<option value="linen &#34;fine&#34; &amp; co">'


def test_the_edit_page_runs_a_fixed_number_of_statements(client, conn, count_statements):
    small = make_products(conn, 1, variants_each=2) + "1"
    large = make_products(conn, 1, variants_each=300) + "1"
    for i in range(30):
        make_tag(conn, f"tag-{i}")
        make_category(conn, f"Category {i}")
    assert count_statements(client.get(f"/products/{small}")) == count_statements(
        client.get(f"/products/{large}")) <= 4


# --- Bulk actions -------------------------------------------------------------


def test_bulk_status_change_applies_allowed_moves_and_names_the_refused(client, conn):
    a = make_product(conn, "Proposed A", status="proposed")
    b = make_product(conn, "Draft B", status="draft")
    c = make_product(conn, "Published C", status="published")
    response = client.submit("/products/bulk", {"ids": [a, b, c], "action": "status",
                                                "status": "published"}, htmx=True)
    html = response.get_data(as_text=True)
    toast = json.loads(response.headers["HX-Trigger"])["toast"]
    assert response.status_code == 200 and 'id="product-results"' in html
    assert "1 product now published." in toast["message"]
    assert "1 already were." in toast["message"]
    assert "“Draft B” (draft)" in toast["message"]
    statuses = {r["title"]: r["status"] for r in conn.execute("SELECT title, status FROM products")}
    assert statuses == {"Proposed A": "published", "Draft B": "draft", "Published C": "published"}


def test_bulk_actions_can_apply_to_everything_the_filter_matches(client, conn):
    make_products(conn, 60, status="draft")
    make_product(conn, "Published one", status="published")
    summer = make_collection(conn)
    response = client.submit("/products/bulk", {
        "all_matching": "y", "action": "collection", "collection_id": summer,
        "query": "status=draft"})
    assert response.status_code == 302
    rows = conn.execute("SELECT status, collection_id FROM products").fetchall()
    assert sum(r["collection_id"] == summer for r in rows) == 60
    assert all(r["collection_id"] is None for r in rows if r["status"] == "published")


def test_bulk_tags_and_trash(client, conn):
    organic = make_tag(conn, "organic")
    a, b = make_product(conn, "A"), make_product(conn, "B")
    client.submit("/products/bulk", {"ids": [a, b], "action": "add_tag", "tag_id": organic})
    assert conn.execute("SELECT count(*) AS n FROM products_tags").fetchone()["n"] == 2
    client.submit("/products/bulk", {"ids": [a], "action": "remove_tag", "tag_id": organic})
    assert conn.execute("SELECT count(*) AS n FROM products_tags").fetchone()["n"] == 1
    client.submit("/products/bulk", {"ids": [a, b], "action": "trash"})
    assert conn.execute(
        "SELECT count(*) AS n FROM products WHERE deleted_at IS NULL").fetchone()["n"] == 0


# --- Create and edit ----------------------------------------------------------


def test_the_form_carries_only_the_chosen_categories_and_saves_new_ones(client, conn):
    women = make_category(conn, "Women")
    shirts = make_category(conn, "Shirts", parent_id=women)
    scarves = make_category(conn, "Scarves", parent_id=women)
    for n in range(30):
        make_category(conn, f"Shelf {n}")
    pid = make_product(conn, "Linen Shirt", category_ids=[shirts])
    html = client.get(f"/products/{pid}").get_data(as_text=True)
    assert f'<option selected value="{shirts}">Women › Shirts</option>' in html
    assert "Scarves" not in html and "Shelf 7" not in html
    assert f"/products/choices/categories?selected={shirts}" in html
    response = client.submit(f"/products/{pid}", form_data(
        **edit_form(client, pid), category_ids=[shirts, scarves]))
    assert response.status_code == 302
    linked = conn.execute("SELECT p_categories_id AS id FROM p_categories_products "
                          "WHERE product_id = %s ORDER BY 1", (pid,)).fetchall()
    assert sorted(r["id"] for r in linked) == sorted([shirts, scarves])
    html = client.get(f"/products/{pid}").get_data(as_text=True)
    assert "Women › Scarves</option>" in html and "Shelf 7" not in html


def test_create_with_tags_categories_and_metadata(client, conn):
    shirts = make_category(conn, "Shirts")
    make_tag(conn, "summer")
    response = client.submit("/products/new", form_data(
        tags="summer, Linen,  linen ", category_ids=[shirts],
        **{"metadata_rows-0-key": "fit", "metadata_rows-0-value": "slim"}))
    assert response.status_code == 302
    product = conn.execute("SELECT * FROM products").fetchone()
    assert product["handle"] == "linen-shirt"
    assert product["status"] == "draft"
    assert product["metadata"] == {"fit": "slim"}
    tags = conn.execute("SELECT t.value FROM products_tags JOIN p_tags AS t ON t.id = "
                        "product_tag_id ORDER BY 1").fetchall()
    assert [t["value"] for t in tags] == ["Linen", "summer"]
    assert conn.execute("SELECT count(*) AS n FROM p_tags").fetchone()["n"] == 2


def test_a_taken_handle_is_reported_with_a_suggestion_and_input_kept(client, conn):
    make_product(conn, "Other", handle="linen-shirt")
    response = client.submit("/products/new", form_data(
        handle="linen-shirt", subtitle="Breezy", tags="summer"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The handle “linen-shirt” is taken by another product; try “linen-shirt-2”." in html
    assert 'value="Breezy"' in html and 'value="summer"' in html
    assert conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"] == 1
    assert conn.execute("SELECT count(*) AS n FROM p_tags").fetchone()["n"] == 0


def test_an_empty_handle_gets_a_free_one_from_the_title(client, conn):
    make_product(conn, "Other", handle="linen-shirt")
    client.submit("/products/new", form_data())
    handles = {r["handle"] for r in conn.execute("SELECT handle FROM products")}
    assert handles == {"linen-shirt", "linen-shirt-2"}


@pytest.mark.parametrize("overrides, message", [
    ({"title": ""}, "Give the product a title."),
    ({"handle": "Not A Handle!"}, "Use lowercase letters, digits and single hyphens"),
    ({"thumbnail": "javascript:alert(1)"}, "“javascript:” addresses are not allowed"),
    ({"thumbnail": "/media/../secret_key"}, "is not a file of this app"),
    ({"origin_country": "Portugal"}, "Use the two-letter code"),
    ({"metadata_mode": "json", "metadata_json": "{oops"}, "This is not valid JSON"),
    ({"metadata_mode": "json", "metadata_json": "[1, 2]"}, "Metadata must be a JSON object"),
    ({"metadata_mode": "json", "metadata_json": json.dumps({"k": "x" * 11000})},
     "the limit is 10 KB"),
    ({"metadata_rows-0-key": "", "metadata_rows-0-value": "lonely"}, "has no key"),
    ({"metadata_mode": "json", "metadata_json": '{"x": NaN}'}, "NaN is not a JSON number"),
    ({"metadata_mode": "json", "metadata_json": '{"x": "a\\u0000b"}'},
     "cannot contain the character"),
])
def test_bad_input_is_refused_next_to_the_field_and_changes_nothing(client, conn, overrides,
                                                                    message):
    response = client.submit("/products/new", form_data(subtitle="kept", **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'value="kept"' in html
    assert conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"] == 0


def edit_form(client, product_id):
    """The edit form's fields as the browser would send them back."""
    html = client.get(f"/products/{product_id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="([^"]*)"', html).group(1)
    original = re.search(r'name="original" type="hidden" value="([^"]*)"', html).group(1)
    import html as html_lib

    return {"version": version, "original": html_lib.unescape(original)}


def test_edit_saves_every_column(client, conn):
    pid = make_product(conn, "Linen Shirt", handle="linen-shirt")
    summer, apparel = make_collection(conn), make_type(conn)
    data = form_data(
        title="Linen Shirt II", handle="linen-shirt-ii", subtitle="Sub", description="Long",
        collection_id=summer, type_id=apparel, weight="200 g", length="70", height="1",
        width="50", origin_country="pt", hs_code="6205", mid_code="PTMID", material="Linen",
        thumbnail="https://cdn.example/shirt.jpg", is_giftcard="y", external_id="ext-1",
        **edit_form(client, pid))
    data.pop("discountable")
    assert client.submit(f"/products/{pid}", data).status_code == 302
    row = product_row(conn, pid)
    assert (row["title"], row["handle"], row["origin_country"], row["collection_id"],
            row["type_id"], row["discountable"], row["is_giftcard"], row["thumbnail"]) == (
        "Linen Shirt II", "linen-shirt-ii", "PT", summer, apparel, False, True,
        "https://cdn.example/shirt.jpg")


def test_a_save_over_a_newer_version_is_not_applied_and_shows_what_changed(client, conn):
    pid = make_product(conn, "Linen Shirt")
    mine = edit_form(client, pid)
    # A colleague saves first.
    colleague = edit_form(client, pid)
    assert client.submit(f"/products/{pid}", form_data(
        title="Linen Shirt (colleague)", **colleague)).status_code == 302
    response = client.submit(f"/products/{pid}", form_data(
        title="Linen Shirt", subtitle="My subtitle", **mine))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this product while you were editing" in html
    assert "Linen Shirt (colleague)" in html  # what it is now
    assert 'value="My subtitle"' in html  # my input is kept
    row = product_row(conn, pid)
    assert (row["title"], row["subtitle"]) == ("Linen Shirt (colleague)", None)
    # Saving again from the conflict form is a deliberate overwrite, and works.
    again = edit_form_from_html(html)
    assert client.submit(f"/products/{pid}", form_data(
        subtitle="My subtitle", **again)).status_code == 302
    assert product_row(conn, pid)["subtitle"] == "My subtitle"


def edit_form_from_html(html):
    import html as html_lib

    version = re.search(r'name="version" type="hidden" value="([^"]*)"', html).group(1)
    original = re.search(r'name="original" type="hidden" value="([^"]*)"', html).group(1)
    return {"version": version, "original": html_lib.unescape(original)}


# --- Status -------------------------------------------------------------------


def test_the_page_offers_only_allowed_moves(client, conn):
    pid = make_product(conn, "P", status="proposed")
    html = client.get(f"/products/{pid}").get_data(as_text=True)
    assert ">Publish<" in html and ">Reject<" in html
    assert ">Unpublish<" not in html and ">Propose<" not in html


def test_a_refused_status_move_says_why_and_changes_nothing(client, conn):
    pid = make_product(conn, "P", status="draft")
    response = client.submit(f"/products/{pid}/status", {"status": "published"},
                             follow_redirects=True)
    assert "A draft product cannot become published directly" in response.get_data(as_text=True)
    assert product_row(conn, pid)["status"] == "draft"
    client.submit(f"/products/{pid}/status", {"status": "proposed"})
    assert product_row(conn, pid)["status"] == "proposed"


# --- Duplicate, delete, Trash -------------------------------------------------


def add_options(conn, pid):
    from app.ids import new_id

    opt, red, var = new_id("option"), new_id("option_value"), new_id("variant")
    conn.execute("INSERT INTO p_options (id, title, product_id) VALUES (%s, 'Color', %s)",
                 (opt, pid))
    conn.execute("INSERT INTO p_option_values (id, value, option_id) VALUES (%s, 'Red', %s)",
                 (red, opt))
    conn.execute("INSERT INTO p_variants (id, title, sku, ean, product_id) "
                 "VALUES (%s, 'Red', 'SKU-RED', '123', %s)", (var, pid))
    conn.execute("INSERT INTO p_variants_options VALUES (%s, %s)", (var, red))


def test_duplicate_makes_a_draft_copy_without_codes(client, conn):
    organic = make_tag(conn)
    pid = make_product(conn, "Linen Shirt", status="published", tag_ids=[organic])
    add_options(conn, pid)
    response = client.submit(f"/products/{pid}/duplicate")
    assert response.status_code == 302
    copy = conn.execute("SELECT * FROM products WHERE id <> %s", (pid,)).fetchone()
    assert (copy["title"], copy["status"], copy["handle"]) == (
        "Copy of Linen Shirt", "draft", "copy-of-linen-shirt")
    variant = conn.execute("SELECT * FROM p_variants WHERE product_id = %s",
                           (copy["id"],)).fetchone()
    assert variant["title"] == "Red" and variant["sku"] is None and variant["ean"] is None
    value = conn.execute(
        "SELECT v.value, o.title FROM p_variants_options AS vo "
        "JOIN p_option_values AS v ON v.id = vo.option_value_id "
        "JOIN p_options AS o ON o.id = v.option_id WHERE vo.variant_id = %s",
        (variant["id"],)).fetchone()
    assert (value["title"], value["value"]) == ("Color", "Red")
    assert conn.execute("SELECT count(*) AS n FROM products_tags WHERE product_id = %s",
                        (copy["id"],)).fetchone()["n"] == 1


def test_delete_is_soft_and_undo_restores_everything_it_took(client, conn):
    pid = make_product(conn, "Linen Shirt")
    add_options(conn, pid)
    response = client.submit(f"/products/{pid}/delete", follow_redirects=True)
    assert "moved to Trash" in response.get_data(as_text=True)
    assert ">Undo<" in response.get_data(as_text=True)
    assert product_row(conn, pid)["deleted_at"] is not None
    live = conn.execute("SELECT count(*) AS n FROM p_variants WHERE deleted_at IS NULL")
    assert live.fetchone()["n"] == 0
    assert "Linen Shirt" in client.get("/trash/?kind=products").get_data(as_text=True)
    client.submit(f"/trash/products/{pid}/restore")
    assert product_row(conn, pid)["deleted_at"] is None
    for table in ("p_variants", "p_options", "p_option_values"):
        n = conn.execute(f"SELECT count(*) AS n FROM {table} WHERE deleted_at IS NULL")
        assert n.fetchone()["n"] == 1, table


def test_restoring_over_a_taken_handle_offers_a_new_one(client, conn):
    pid = make_product(conn, "Linen Shirt", handle="linen-shirt")
    client.submit(f"/products/{pid}/delete")
    make_product(conn, "Newer Shirt", handle="linen-shirt")
    response = client.submit(f"/trash/products/{pid}/restore")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The handle “linen-shirt” now belongs to “Newer Shirt”" in html
    assert 'value="linen-shirt-2"' in html
    assert product_row(conn, pid)["deleted_at"] is not None
    client.submit(f"/trash/products/{pid}/restore", {"new_handle": "linen-shirt-2"})
    row = product_row(conn, pid)
    assert row["deleted_at"] is None and row["handle"] == "linen-shirt-2"


def test_restoring_over_a_taken_sku_explains_and_restores_nothing(client, conn):
    pid = make_product(conn, "Linen Shirt", skus=["SKU-1"])
    client.submit(f"/products/{pid}/delete")
    make_product(conn, "Thief", skus=["SKU-1"])
    response = client.submit(f"/trash/products/{pid}/restore")
    assert response.status_code == 422
    assert "SKU SKU-1 is now used by “Thief”" in response.get_data(as_text=True)
    assert product_row(conn, pid)["deleted_at"] is not None


def test_only_admins_purge_and_purge_removes_everything(client, login_as, conn):
    pid = make_product(conn, "Linen Shirt", tag_ids=[make_tag(conn)])
    add_options(conn, pid)
    client.submit(f"/products/{pid}/delete")
    assert client.submit(f"/trash/products/{pid}/purge").status_code == 403
    admin = login_as("admin")
    assert admin.submit(f"/trash/products/{pid}/purge").status_code == 302
    for table in ("products", "p_variants", "p_options", "p_option_values", "products_tags",
                  "p_variants_options"):
        assert conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"] == 0, table


def trash_product(conn, title="Linen Shirt"):
    pid = make_product(conn, title)
    conn.execute("UPDATE products SET deleted_at = '2026-03-04 15:16+00' WHERE id = %s", (pid,))
    return pid


def test_the_trash_opens_on_products_even_when_another_kind_has_items(client, conn):
    shirts = make_category(conn, "Shirts")
    conn.execute("UPDATE p_categories SET deleted_at = now() WHERE id = %s", (shirts,))
    html = client.get("/trash/").get_data(as_text=True)
    assert 'kind=products" aria-current="page">Products</a>' in html
    assert "No deleted products." in html and "Shirts" not in html
    trash_product(conn)
    assert "Linen Shirt" in client.get("/trash/").get_data(as_text=True)


def test_the_trash_tabs_come_in_the_sidebars_order(client):
    html = client.get("/trash/").get_data(as_text=True)
    tabs = re.findall(r'href="/trash/\?kind=[^"]+"[^>]*>([^<]+)</a>', html)
    assert tabs == ["Products", "Variants", "Options", "Option values", "Images",
                    "Categories", "Collections", "Tags", "Types"]


def test_delete_permanently_in_the_trash_looks_dangerous(login_as, conn):
    trash_product(conn)
    html = login_as("admin").get("/trash/?kind=products").get_data(as_text=True)
    assert re.search(r'class="btn btn-danger btn-sm"[^>]*>Delete permanently<', html)


def test_a_trashed_products_address_says_so_and_restores_back_to_it(client, conn):
    pid = trash_product(conn)
    response = client.get(f"/products/{pid}")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "“Linen Shirt” is in the Trash" in html and "2026-03-04 at 15:16" in html
    assert "Not found" not in html
    assert f'action="/trash/products/{pid}/restore"' in html
    assert f'name="next" value="/products/{pid}"' in html
    assert ">Open the Trash<" in html
    restored = client.submit(f"/trash/products/{pid}/restore", {"next": f"/products/{pid}"})
    assert restored.headers["Location"] == f"/products/{pid}"
    assert product_row(conn, pid)["deleted_at"] is None
    page = client.get(f"/products/{pid}")
    assert page.status_code == 200 and "“Linen Shirt” restored." in page.get_data(as_text=True)


@pytest.mark.parametrize("page", ["variants", "images"])  # its history stays readable
def test_a_trashed_products_other_pages_say_so_and_restore_back_to_them(client, conn, page):
    pid = trash_product(conn)
    response = client.get(f"/products/{pid}/{page}")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "“Linen Shirt” is in the Trash" in html and "Not found" not in html
    assert f'name="next" value="/products/{pid}/{page}"' in html
    restored = client.submit(f"/trash/products/{pid}/restore", {"next": f"/products/{pid}/{page}"})
    assert restored.headers["Location"] == f"/products/{pid}/{page}"
    assert client.get(f"/products/{pid}/{page}").status_code == 200


def test_a_viewer_sees_a_trashed_product_without_a_restore_button(login_as, conn):
    pid = trash_product(conn)
    response = login_as("viewer").get(f"/products/{pid}")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "“Linen Shirt” is in the Trash" in html and "An editor can restore it." in html
    assert ">Restore<" not in html and "/restore" not in html
    assert ">Open the Trash<" in html


def test_htmx_and_unknown_addresses_keep_the_plain_not_found(client, conn):
    pid = trash_product(conn)
    fragment = client.get(f"/products/{pid}", headers={"HX-Request": "true"})
    assert fragment.status_code == 404
    assert "data-error-fragment" in fragment.get_data(as_text=True)
    assert "“Linen Shirt” is in the Trash." in fragment.get_data(as_text=True)
    missing = client.get("/products/prod_nothing")
    assert missing.status_code == 404 and "Not found" in missing.get_data(as_text=True)


def test_a_viewer_sees_no_edit_controls(login_as, conn):
    pid = make_product(conn, "Linen Shirt", status="proposed")
    viewer = login_as("viewer")
    listing = viewer.get("/products/").get_data(as_text=True)
    page = viewer.get(f"/products/{pid}").get_data(as_text=True)
    assert "Add product" not in listing and 'name="ids"' not in listing
    assert ">Save<" not in page and ">Publish<" not in page and "Move to Trash" not in page


def test_tags_match_existing_ones_whatever_their_case(client, conn):
    make_tag(conn, "organic")
    client.submit("/products/new", form_data(tags="Organic, NEW one"))
    tags = conn.execute("SELECT value FROM p_tags ORDER BY value").fetchall()
    assert [t["value"] for t in tags] == ["NEW one", "organic"]
    assert conn.execute("SELECT count(*) AS n FROM products_tags").fetchone()["n"] == 2


def test_bulk_add_to_category(client, conn):
    shirts = make_category(conn, "Shirts")
    a, b = make_product(conn, "A"), make_product(conn, "B", category_ids=[shirts])
    response = client.submit("/products/bulk", {"ids": [a, b], "action": "add_category",
                                                "category_id": shirts}, htmx=True)
    assert "1 of 2 products added to the category." in response.headers["HX-Trigger"]
    rows = conn.execute("SELECT product_id FROM p_categories_products ORDER BY 1").fetchall()
    assert sorted(r["product_id"] for r in rows) == sorted([a, b])


def test_metadata_nested_too_deeply_is_a_message_not_an_error(client, conn):
    response = client.submit("/products/new", form_data(
        handle="deep", metadata_mode="json", metadata_json="[" * 5000))
    assert response.status_code == 422
    assert "nested too deeply" in response.get_data(as_text=True)
    assert conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"] == 0
