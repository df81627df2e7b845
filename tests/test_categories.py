"""The category tree: one query, dense ranks after every move, never a cycle; a category page."""

import json
import random
import re
import threading
import time

import psycopg
import pytest
from psycopg.rows import dict_row

from app.categories import tree
from app.ids import new_id

# --- Helpers ----------------------------------------------------------------------


def add_category(conn, name, parent_id=None, *, handle=None, rank=None, **columns):
    """A live category, last among its siblings unless rank is given."""
    category_id = new_id("category")
    if rank is None:
        rank = conn.execute(
            "SELECT count(*) AS n FROM p_categories "
            "WHERE parent_id IS NOT DISTINCT FROM %s AND deleted_at IS NULL",
            (parent_id,)).fetchone()["n"]
    conn.execute(
        "INSERT INTO p_categories (id, name, handle, parent_id, rank, is_active, is_internal) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (category_id, name, handle or f"{name.lower().replace(' ', '-')}-{category_id[-6:]}"
         .lower(), parent_id, rank, columns.get("is_active", True),
         columns.get("is_internal", False)))
    return category_id


def build(conn, spec, parent_id=None, ids=None):
    """build(conn, {"Women": {"Tops": {"Shirts": {}}}}) -> {"Women": id, "Tops": id, ...}."""
    ids = {} if ids is None else ids
    for name, children in spec.items():
        ids[name] = add_category(conn, name, parent_id)
        build(conn, children, ids[name], ids)
    return ids


def add_product(conn, title, *, category_ids=(), status="draft", deleted=False):
    product_id = new_id("product")
    conn.execute(
        "INSERT INTO products (id, title, handle, status, deleted_at) "
        "VALUES (%s, %s, %s, %s, CASE WHEN %s THEN now() END)",
        (product_id, title, f"{title.lower().replace(' ', '-')}-{product_id[-6:].lower()}",
         status, deleted))
    for category_id in category_ids:
        conn.execute("INSERT INTO p_categories_products (product_id, p_categories_id) "
                     "VALUES (%s, %s)", (product_id, category_id))
    return product_id


def children(conn, parent_id):
    """Names of a parent's live children in rank order."""
    rows = conn.execute(
        "SELECT name FROM p_categories WHERE parent_id IS NOT DISTINCT FROM %s "
        "AND deleted_at IS NULL ORDER BY rank", (parent_id,)).fetchall()
    return [r["name"] for r in rows]


def assert_dense_and_acyclic(conn):
    """Every live sibling set ranks 0..n-1 and every category reaches a root."""
    bad = conn.execute(
        """
        SELECT parent_id, array_agg(rank ORDER BY rank) AS ranks
          FROM p_categories
         WHERE deleted_at IS NULL
         GROUP BY parent_id
        HAVING min(rank) <> 0
            OR max(rank) <> count(*) - 1
            OR count(DISTINCT rank) <> count(*)
        """).fetchall()
    assert bad == []
    assert_acyclic(conn)


def assert_acyclic(conn):
    cyclic = conn.execute(
        """
        WITH RECURSIVE walk (id, parent_id, steps) AS (
            SELECT id, parent_id, 0 FROM p_categories
            UNION ALL
            SELECT w.id, c.parent_id, w.steps + 1
              FROM walk AS w JOIN p_categories AS c ON c.id = w.parent_id
             WHERE w.steps < 50
        )
        SELECT count(*) AS n FROM walk WHERE steps = 50
        """).fetchone()["n"]
    assert cyclic == 0


def drop(client, category_id, parent_id, position, htmx=True):
    return client.submit("/categories/move", {"category_id": category_id,
                                              "parent_id": parent_id or "",
                                              "position": position}, htmx=htmx)


def press(client, category_id, op, htmx=True):
    return client.submit("/categories/move", {"move": f"{category_id} {op}"}, htmx=htmx)


def toast(response):
    return json.loads(response.headers["HX-Trigger"])["toast"]


def category_row(conn, category_id):
    return conn.execute("SELECT * FROM p_categories WHERE id = %s", (category_id,)).fetchone()


def edit_form(client, category_id):
    """The edit form's fields as the page rendered them."""
    html = client.get(f"/categories/{category_id}").get_data(as_text=True)
    version = re.search(r'name="updated_at" type="hidden" value="([^"]+)"', html).group(1)
    row_name = re.search(r'id="name"[^>]*value="([^"]*)"', html)
    return html, version, row_name.group(1) if row_name else None


def form_values(conn, category_id, version, **changes):
    row = category_row(conn, category_id)
    data = {"name": row["name"], "handle": row["handle"], "description": row["description"],
            "parent_id": row["parent_id"] or "", "thumbnail": row["thumbnail"] or "",
            "metadata": json.dumps(row["metadata"]) if row["metadata"] else "",
            "updated_at": version}
    if row["is_active"]:
        data["is_active"] = "y"
    if row["is_internal"]:
        data["is_internal"] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


GENERATE_TREE = """
INSERT INTO p_categories (id, name, handle, parent_id, rank, is_active)
SELECT 'pcat_l1_' || a, 'Department ' || a, 'd-' || a, NULL, a - 1, true
  FROM generate_series(1, 8) AS a;
INSERT INTO p_categories (id, name, handle, parent_id, rank, is_active)
SELECT 'pcat_l2_' || a || '_' || b, 'Shelf ' || a || '.' || b, 'd-' || a || '-' || b,
       'pcat_l1_' || a, b - 1, true
  FROM generate_series(1, 8) AS a, generate_series(1, 5) AS b;
INSERT INTO p_categories (id, name, handle, parent_id, rank, is_active)
SELECT 'pcat_l3_' || a || '_' || b || '_' || c, 'Group ' || a || '.' || b || '.' || c,
       'd-' || a || '-' || b || '-' || c, 'pcat_l2_' || a || '_' || b, c - 1, c % 4 <> 0
  FROM generate_series(1, 8) AS a, generate_series(1, 5) AS b, generate_series(1, 5) AS c;
INSERT INTO p_categories (id, name, handle, parent_id, rank, is_active, is_internal)
SELECT 'pcat_l4_' || a || '_' || b || '_' || c || '_' || d,
       'Leaf ' || a || '.' || b || '.' || c || '.' || d,
       'd-' || a || '-' || b || '-' || c || '-' || d,
       'pcat_l3_' || a || '_' || b || '_' || c, d - 1, true, d = 9
  FROM generate_series(1, 8) AS a, generate_series(1, 5) AS b, generate_series(1, 5) AS c,
       generate_series(1, 9) AS d;
"""


def generate_big_tree(conn):
    """A 4-level tree of 2,048 categories (8 x 5 x 5 x 9 leaves), set-based."""
    for statement in GENERATE_TREE.strip().split(";\n"):
        conn.execute(statement)
    return conn.execute("SELECT count(*) AS n FROM p_categories").fetchone()["n"]


# --- The tree page -------------------------------------------------------------------


def test_the_tree_of_2048_categories_loads_in_two_statements(client, conn, count_statements):
    assert generate_big_tree(conn) == 2048
    add_product(conn, "Linen Shirt", category_ids=["pcat_l4_1_1_1_1"])
    started = time.perf_counter()
    response = client.get("/categories/")
    elapsed = time.perf_counter() - started
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert count_statements(response) == 2  # the signed-in user, the tree
    assert html.count('class="tree-item"') == 2048
    assert "2,048 categories" in html
    # Nested: a leaf sits in its parent's list of children.
    assert re.search(r'id="cat-pcat_l3_8_5_5".*?<ul class="tree-list"( hidden)?>\s*'
                     r'<li class="tree-item" id="cat-pcat_l4_8_5_5_1"', html, re.S)
    assert elapsed < 3, f"the 2,048-category page took {elapsed:.2f} s"


def test_a_big_tree_opens_at_its_top_level_until_staff_fold_it_otherwise(client, conn):
    generate_big_tree(conn)
    html = client.get("/categories/").get_data(as_text=True)
    assert 'data-fold="c"' in html
    assert folded(html, "pcat_l1_1") and folded(html, "pcat_l2_1_1")
    client.set_cookie("cat_tree", "o-", path="/categories")  # "Expand all"
    html = client.get("/categories/").get_data(as_text=True)
    assert 'data-fold="o"' in html and not folded(html, "pcat_l1_1")
    small = build(conn, {"Women": {"Tops": {}}})
    client.delete_cookie("cat_tree", path="/categories")
    conn.execute("DELETE FROM p_categories WHERE id LIKE 'pcat_l%%'")
    html = client.get("/categories/").get_data(as_text=True)
    assert 'data-fold="o"' in html and not folded(html, small["Women"])


def test_counts_only_live_products_and_badges_inactive_and_internal(client, conn):
    ids = build(conn, {"Women": {}})
    hidden = add_category(conn, "Staff picks", is_active=False, is_internal=True)
    add_product(conn, "Linen Shirt", category_ids=[ids["Women"]])
    add_product(conn, "Silk Scarf", category_ids=[ids["Women"]])
    add_product(conn, "Gone", category_ids=[ids["Women"], hidden], deleted=True)
    html = client.get("/categories/").get_data(as_text=True)
    women = html[html.index(f'id="cat-{ids["Women"]}"'):html.index(f'id="cat-{hidden}"')]
    assert "2 products" in women
    staff = html[html.index(f'id="cat-{hidden}"'):]
    assert "0 products" in staff and "Inactive" in staff and "Internal" in staff


def tree_count(html, category_id):
    """The count text of a category's row in the tree."""
    row = html[html.index(f'id="cat-{category_id}"'):]
    return re.search(r'<span class="tree-count">([^<]*)</span>', row).group(1)


def list_total(client, category_id):
    html = client.get(f"/products/?category_id={category_id}").get_data(as_text=True)
    return int(re.search(r"([\d,]+) products?\b", html).group(1).replace(",", ""))


def test_a_category_with_subcategories_counts_its_own_and_all_under_it_as_the_list_does(
        client, conn):
    ids = build(conn, {"Women": {"Tops": {"Shirts": {}, "Tees": {}}, "Sale": {}, "Old": {}},
                       "Men": {}})
    add_product(conn, "Wrap dress", category_ids=[ids["Women"]])
    add_product(conn, "Oxford", category_ids=[ids["Shirts"]])
    # Counted once under every category that holds it more than once below.
    add_product(conn, "Linen shirt", category_ids=[ids["Shirts"], ids["Sale"], ids["Tops"]])
    add_product(conn, "Crew tee", category_ids=[ids["Tees"], ids["Shirts"], ids["Sale"],
                                                ids["Women"]])
    add_product(conn, "Polo", category_ids=[ids["Tees"], ids["Men"]])
    add_product(conn, "Gone", category_ids=[ids["Shirts"], ids["Sale"]], deleted=True)
    add_product(conn, "In old", category_ids=[ids["Old"]])
    conn.execute("UPDATE p_categories SET deleted_at = now() WHERE id = %s", (ids["Old"],))
    html = client.get("/categories/").get_data(as_text=True)
    assert tree_count(html, ids["Women"]) == "5 products · 2 here"
    assert tree_count(html, ids["Tops"]) == "4 products · 1 here"
    assert tree_count(html, ids["Shirts"]) == "3 products"
    assert tree_count(html, ids["Sale"]) == "2 products"
    assert tree_count(html, ids["Men"]) == "1 product"
    for name in ("Women", "Tops", "Shirts", "Tees", "Sale", "Men"):
        shown = int(tree_count(html, ids[name]).split()[0])
        assert shown == list_total(client, ids[name]), name


def folded(html, category_id):
    """Whether the category's list of children is rendered hidden."""
    match = re.search(rf'data-id="{category_id}">.*?</div><ul class="tree-list[^"]*"( hidden)?>',
                      html, re.S)
    return bool(match.group(1))


def test_folded_branches_come_folded_from_the_cookie(client, conn):
    ids = build(conn, {"Women": {"Tops": {}}, "Men": {"Shoes": {}}})
    client.set_cookie("cat_tree", f"o-{ids['Women']}", path="/categories")
    html = client.get("/categories/").get_data(as_text=True)
    assert folded(html, ids["Women"]) and not folded(html, ids["Men"])
    assert '<button type="button" class="tree-toggle" aria-expanded="false" aria-label="' \
           'Subcategories of Women">' in html
    client.set_cookie("cat_tree", f"c-{ids['Men']}", path="/categories")
    html = client.get("/categories/").get_data(as_text=True)
    assert folded(html, ids["Women"]) and not folded(html, ids["Men"])


def test_a_viewer_sees_the_tree_without_move_controls_and_cannot_move(login_as, conn):
    ids = build(conn, {"Women": {}, "Men": {}})
    viewer = login_as("viewer")
    html = viewer.get("/categories/").get_data(as_text=True)
    assert "Women" in html
    assert 'name="move"' not in html and "tree-handle" not in html and "New category" not in html
    assert drop(viewer, ids["Men"], None, 0).status_code == 403
    assert children(conn, None) == ["Women", "Men"]
    page = viewer.get(f"/categories/{ids['Women']}").get_data(as_text=True)
    assert '<fieldset class="category-fieldset" disabled>' in page
    assert ">Save</button>" not in page and "Add image by URL" not in page
    assert "Add products" not in page and ">Remove</button>" not in page


# --- Moves ---------------------------------------------------------------------------


def test_dropping_among_siblings_ranks_densely(client, conn):
    build(conn, {"A": {}, "B": {}, "C": {}, "D": {}})
    d = conn.execute("SELECT id FROM p_categories WHERE name = 'D'").fetchone()["id"]
    response = drop(client, d, None, 1)
    assert response.status_code == 200
    assert children(conn, None) == ["A", "D", "B", "C"]
    assert toast(response)["message"] == "“D” is now position 2 of 4 at the top level."
    # The answer is the tree as it now is, for the page to swap in.
    html = response.get_data(as_text=True)
    assert html.startswith('<div id="category-tree"') or 'id="category-tree"' in html[:200]
    assert html.index(">D</a>") < html.index(">B</a>")
    assert_dense_and_acyclic(conn)


def test_dropping_into_another_parent_rewrites_both_sibling_sets(client, conn):
    ids = build(conn, {"Women": {"Tops": {"Shirts": {}, "Tees": {}}, "Dresses": {}, "Skirts": {}},
                       "Men": {"Shoes": {}, "Coats": {}}})
    response = drop(client, ids["Tops"], ids["Men"], 1)
    assert response.status_code == 200
    assert children(conn, ids["Women"]) == ["Dresses", "Skirts"]
    assert children(conn, ids["Men"]) == ["Shoes", "Tops", "Coats"]
    # The subtree comes along.
    assert children(conn, ids["Tops"]) == ["Shirts", "Tees"]
    assert toast(response)["message"] == "“Tops” moved under “Men”, position 2 of 3."
    assert_dense_and_acyclic(conn)
    # And into a category without children, and back to the root.
    drop(client, ids["Dresses"], ids["Shirts"], 0)
    assert children(conn, ids["Shirts"]) == ["Dresses"]
    response = drop(client, ids["Skirts"], None, 0)
    assert toast(response)["message"] == "“Skirts” moved to the top level, position 1 of 3."
    assert children(conn, None) == ["Skirts", "Women", "Men"]
    assert_dense_and_acyclic(conn)


@pytest.mark.parametrize("target", ["Shirts", "Tops", "Women"])
def test_moving_under_itself_or_a_descendant_is_refused_with_the_path(client, conn, target):
    ids = build(conn, {"Women": {"Tops": {"Shirts": {}}}, "Men": {}})
    before = conn.execute("SELECT id, parent_id, rank FROM p_categories ORDER BY id").fetchall()
    response = drop(client, ids["Tops"] if target != "Women" else ids["Women"], ids[target], 0)
    assert response.status_code == 422
    expected = {
        "Shirts": "“Women › Tops” cannot move under its own child “Women › Tops › Shirts”.",
        "Tops": "“Women › Tops” cannot move under itself.",
        "Women": "“Women” cannot move under itself.",
    }[target]
    assert toast(response) == {"message": expected, "level": "error"}
    # The tree comes back as it is, so the dragged row snaps back.
    assert 'id="category-tree"' in response.get_data(as_text=True)
    after = conn.execute("SELECT id, parent_id, rank FROM p_categories ORDER BY id").fetchall()
    assert after == before


def test_moving_under_a_deeper_descendant_names_it(client, conn):
    ids = build(conn, {"Women": {"Tops": {"Shirts": {"Linen": {}}}}})
    response = drop(client, ids["Women"], ids["Linen"], 0)
    assert toast(response)["message"] == (
        "“Women” cannot move under its own descendant “Women › Tops › Shirts › Linen”.")


def test_a_refused_move_without_javascript_redirects_with_the_message(client, conn):
    ids = build(conn, {"Women": {"Tops": {}}})
    response = drop(client, ids["Women"], ids["Tops"], 0, htmx=False)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/categories/#cat-{ids['Women']}")
    html = client.get("/categories/").get_data(as_text=True)
    assert "cannot move under its own child" in html


def test_move_buttons_up_down_indent_outdent_keep_ranks_dense(client, conn):
    ids = build(conn, {"Women": {"Tops": {}, "Dresses": {"Long": {}}, "Skirts": {}}, "Men": {}})
    assert press(client, ids["Skirts"], "up").status_code == 200
    assert children(conn, ids["Women"]) == ["Tops", "Skirts", "Dresses"]
    press(client, ids["Tops"], "down")
    assert children(conn, ids["Women"]) == ["Skirts", "Tops", "Dresses"]
    # Indent: the last child of the sibling above.
    response = press(client, ids["Dresses"], "indent")
    assert toast(response)["message"] == "“Dresses” moved under “Women › Tops”, position 1 of 1."
    assert children(conn, ids["Women"]) == ["Skirts", "Tops"]
    assert children(conn, ids["Tops"]) == ["Dresses"]
    press(client, ids["Skirts"], "indent")  # first: nothing above it
    assert children(conn, ids["Women"]) == ["Skirts", "Tops"]
    # Outdent: the next sibling of its parent.
    press(client, ids["Dresses"], "outdent")
    assert children(conn, ids["Women"]) == ["Skirts", "Tops", "Dresses"]
    press(client, ids["Tops"], "outdent")
    assert children(conn, None) == ["Women", "Tops", "Men"]
    assert children(conn, ids["Women"]) == ["Skirts", "Dresses"]
    assert children(conn, ids["Dresses"]) == ["Long"]
    assert_dense_and_acyclic(conn)


def test_move_buttons_at_an_edge_change_nothing_and_say_why(client, conn):
    ids = build(conn, {"Women": {"Tops": {}}, "Men": {}})
    cases = [(ids["Women"], "up", "“Women” is already first."),
             (ids["Men"], "down", "“Men” is already last."),
             (ids["Women"], "outdent", "“Women” is already at the top level."),
             (ids["Tops"], "indent", "“Tops” has no category above it to go under.")]
    for category_id, op, message in cases:
        response = press(client, category_id, op)
        assert response.status_code == 422
        assert toast(response) == {"message": message, "level": "error"}
    assert children(conn, None) == ["Women", "Men"]


def test_the_answer_to_a_button_names_what_to_focus_and_opens_its_branch(client, conn):
    ids = build(conn, {"Women": {"Tops": {}}, "Men": {}})
    client.set_cookie("cat_tree", f"c-{ids['Men']}", path="/categories")  # Women folded
    response = press(client, ids["Men"], "indent")
    html = response.get_data(as_text=True)
    assert f'data-focus-id="{ids["Men"]}" data-focus-op="indent"' in html
    assert not folded(html, ids["Women"])
    assert f'id="cat-{ids["Men"]}"' not in html  # no ids in a swapped fragment


def test_move_buttons_work_without_javascript(client, conn):
    ids = build(conn, {"A": {}, "B": {}})
    response = press(client, ids["B"], "up", htmx=False)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#cat-{ids['B']}")
    assert children(conn, None) == ["B", "A"]
    assert "“B” is now position 1 of 2 at the top level." in client.get(
        "/categories/").get_data(as_text=True)


def test_move_to_page_offers_no_descendants_and_moves(client, conn):
    ids = build(conn, {"Women": {"Tops": {"Shirts": {}}, "Dresses": {}}, "Men": {}})
    html = client.get(f"/categories/{ids['Tops']}/move").get_data(as_text=True)
    options = re.findall(r'<option[^>]*value="([^"]*)"', html)
    assert ids["Tops"] not in options and ids["Shirts"] not in options
    assert {"", ids["Women"], ids["Dresses"], ids["Men"]} <= set(options)
    response = client.submit(f"/categories/{ids['Tops']}/move",
                             {"parent_id": ids["Men"], "position": "first"})
    assert response.status_code == 302
    assert children(conn, ids["Men"]) == ["Tops"]
    assert children(conn, ids["Women"]) == ["Dresses"]
    # A stale page posting a descendant is refused with the path, on the field.
    response = client.submit(f"/categories/{ids['Men']}/move",
                             {"parent_id": ids["Shirts"], "position": "last"})
    assert response.status_code == 422
    assert ("“Men” cannot move under its own descendant “Men › Tops › Shirts”."
            in response.get_data(as_text=True))
    assert_dense_and_acyclic(conn)


def test_ranks_stay_dense_after_every_kind_of_change(client, conn):
    """Drops, buttons, edits of the parent, creation, deletion and restore, at random."""
    ids = build(conn, {"A": {"A1": {}, "A2": {}, "A3": {}}, "B": {"B1": {}, "B2": {}},
                       "C": {}, "D": {"D1": {}}})
    rng = random.Random(7)
    names = list(ids)
    for _ in range(40):
        name = rng.choice(names)
        kind = rng.choice(["drop", "button", "button"])
        if kind == "drop":
            parent = rng.choice([None, *names])
            drop(client, ids[name], ids[parent] if parent else None, rng.randint(0, 4))
        else:
            press(client, ids[name], rng.choice(tree.OPS))
        assert_dense_and_acyclic(conn)
    leaf = conn.execute(
        "SELECT c.id, c.parent_id FROM p_categories AS c WHERE NOT EXISTS "
        "(SELECT 1 FROM p_categories AS k WHERE k.parent_id = c.id) LIMIT 1").fetchone()
    client.submit(f"/categories/{leaf['id']}/delete")
    assert_dense_and_acyclic(conn)
    client.submit(f"/trash/categories/{leaf['id']}/restore")
    assert_dense_and_acyclic(conn)
    client.submit("/categories/new", {"name": "Fresh", "parent_id": leaf["parent_id"] or ""})
    assert_dense_and_acyclic(conn)


# --- The database layer ----------------------------------------------------------------


def test_the_database_refuses_a_cycle_made_by_a_direct_update(conn):
    ids = build(conn, {"Women": {"Tops": {"Shirts": {}}}})
    with pytest.raises(psycopg.errors.CheckViolation) as error:
        conn.execute("UPDATE p_categories SET parent_id = %s WHERE id = %s",
                     (ids["Shirts"], ids["Women"]))
    assert error.value.diag.constraint_name == "p_categories_no_cycle"
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("UPDATE p_categories SET parent_id = id WHERE id = %s", (ids["Tops"],))
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO p_categories (id, name, handle, parent_id) "
                     "VALUES ('pcat_self', 'Self', 'self', 'pcat_self')")
    assert children(conn, None) == ["Women"]
    # A move that keeps the tree a tree is fine.
    conn.execute("UPDATE p_categories SET parent_id = NULL WHERE id = %s", (ids["Shirts"],))


def test_the_database_refuses_a_cycle_through_deleted_categories(conn):
    ids = build(conn, {"Women": {"Tops": {}}})
    conn.execute("UPDATE p_categories SET deleted_at = now() WHERE id = %s", (ids["Tops"],))
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("UPDATE p_categories SET parent_id = %s WHERE id = %s",
                     (ids["Tops"], ids["Women"]))


def wait_until_blocked_on_the_tree_lock(conn, timeout=10):
    """Until another transaction waits for the advisory lock of migration 0009."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = conn.execute(
            "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchone()["n"]
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError("the second move never waited for the first")


def test_two_crossing_direct_updates_cannot_make_a_cycle_together(database_url, conn):
    """A under B in one transaction while B under A in another: the second waits, then fails."""
    ids = build(conn, {"A": {}, "B": {}})
    outcome = {}
    with psycopg.connect(database_url) as first, psycopg.connect(database_url) as second:
        first.execute("UPDATE p_categories SET parent_id = %s WHERE id = %s", (ids["B"], ids["A"]))

        def cross():
            try:
                second.execute("UPDATE p_categories SET parent_id = %s WHERE id = %s",
                               (ids["A"], ids["B"]))
                second.commit()
                outcome["result"] = "committed"
            except psycopg.errors.CheckViolation:
                second.rollback()
                outcome["result"] = "refused"

        thread = threading.Thread(target=cross)
        thread.start()
        wait_until_blocked_on_the_tree_lock(conn)
        first.commit()
        thread.join(10)
    assert outcome["result"] == "refused"
    assert_acyclic(conn)  # ranks are the app's job, not the trigger's


def test_concurrent_moves_end_dense_and_acyclic(database_url, conn):
    """Two staff members, each with a connection, moving categories at the same time."""
    ids = build(conn, {f"R{r}": {f"R{r}.{c}": {f"R{r}.{c}.{g}": {} for g in range(3)}
                                 for c in range(3)} for r in range(3)})
    all_ids = list(ids.values())
    errors, outcomes = [], []
    start = threading.Barrier(2)

    def staff(seed):
        rng = random.Random(seed)
        try:
            with psycopg.connect(database_url, row_factory=dict_row) as own:
                start.wait()
                for _ in range(60):
                    category_id = rng.choice(all_ids)
                    try:
                        with own.transaction():
                            if rng.random() < 0.5:
                                tree.move(own, category_id=category_id,
                                          op=rng.choice(tree.OPS))
                            else:
                                tree.move(own, category_id=category_id,
                                          parent_id=rng.choice([None, *all_ids]),
                                          position=rng.randint(0, 3))
                        outcomes.append("moved")
                    except tree.MoveRefused:
                        outcomes.append("refused")
        except Exception as error:  # surfaced below, with the thread's traceback
            errors.append(error)

    threads = [threading.Thread(target=staff, args=(seed,)) for seed in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert outcomes.count("moved") > 20
    assert conn.execute("SELECT count(*) AS n FROM p_categories").fetchone()["n"] == len(ids)
    assert_dense_and_acyclic(conn)


def test_two_crossing_moves_at_once_leave_one_refused(database_url, conn):
    """Staff one moves A under B's child while staff two moves B under A's child."""
    ids = build(conn, {"A": {"A1": {}}, "B": {"B1": {}}})
    outcome = {}
    with psycopg.connect(database_url, row_factory=dict_row) as first, \
            psycopg.connect(database_url, row_factory=dict_row) as second:
        tree.move(first, category_id=ids["A"], parent_id=ids["B1"])  # not committed yet

        def other():
            try:
                with second.transaction():
                    tree.move(second, category_id=ids["B"], parent_id=ids["A1"])
                outcome["result"] = "moved"
            except tree.MoveRefused as refused:
                outcome["result"] = refused.message

        thread = threading.Thread(target=other)
        thread.start()
        wait_until_blocked_on_the_tree_lock(conn)
        first.commit()
        thread.join(10)
    assert outcome["result"] == ("“B” cannot move under its own descendant "
                                 "“B › B1 › A › A1”.")
    assert children(conn, ids["B1"]) == ["A"]
    assert_dense_and_acyclic(conn)


# --- A category: new and edit ----------------------------------------------------------


def test_a_new_category_goes_last_under_its_parent_with_a_handle_from_its_name(client, conn):
    ids = build(conn, {"Women": {"Tops": {}}})
    page = client.get(f"/categories/new?parent_id={ids['Women']}").get_data(as_text=True)
    assert f'<option selected value="{ids["Women"]}">' in page
    response = client.submit("/categories/new", {"name": "Summer Dresses",
                                                 "parent_id": ids["Women"], "is_active": "y"})
    assert response.status_code == 302
    row = conn.execute("SELECT * FROM p_categories WHERE name = 'Summer Dresses'").fetchone()
    assert (row["handle"], row["parent_id"], row["rank"], row["is_active"]) == (
        "summer-dresses", ids["Women"], 1, True)
    assert children(conn, ids["Women"]) == ["Tops", "Summer Dresses"]


def test_a_typed_handle_that_is_taken_is_refused_with_a_free_suggestion(client, conn):
    add_category(conn, "Sale", handle="sale")
    add_category(conn, "Sale too", handle="sale-2")
    response = client.submit("/categories/new", {"name": "Sale", "handle": "sale",
                                                 "description": "Last pieces"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The handle “sale” is taken; try “sale-3”." in html
    assert "Last pieces" in html  # what was typed is kept
    assert conn.execute("SELECT count(*) AS n FROM p_categories").fetchone()["n"] == 2


def test_a_suggested_handle_that_is_taken_becomes_a_free_one(client, conn):
    add_category(conn, "Sale", handle="sale")
    response = client.submit("/categories/new", {"name": "Sale", "handle": "sale",
                                                 "handle_suggested": "1"})
    assert response.status_code == 302
    assert conn.execute("SELECT handle FROM p_categories WHERE id <> "
                        "(SELECT id FROM p_categories WHERE handle = 'sale')").fetchone() == {
        "handle": "sale-2"}
    assert "(“sale” was taken)" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_editing_to_a_taken_handle_is_refused_and_nothing_changes(client, conn):
    add_category(conn, "Men", handle="men")
    women = add_category(conn, "Women", handle="women")
    _, version, _ = edit_form(client, women)
    response = client.submit(f"/categories/{women}",
                             form_values(conn, women, version, name="Ladies", handle="men"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The handle “men” is taken; try “men-2”." in html
    assert 'value="Ladies"' in html
    row = category_row(conn, women)
    assert (row["name"], row["handle"]) == ("Women", "women")


def test_an_invalid_handle_is_explained(client, conn):
    women = add_category(conn, "Women", handle="women")
    _, version, _ = edit_form(client, women)
    response = client.submit(f"/categories/{women}",
                             form_values(conn, women, version, handle="Women Shop"))
    assert response.status_code == 422
    assert "Use lowercase letters, digits and single hyphens" in response.get_data(as_text=True)


def test_saving_fields_and_a_new_parent(client, conn):
    ids = build(conn, {"Women": {"Tops": {}, "Dresses": {}}, "Men": {"Shirts": {}}})
    _, version, _ = edit_form(client, ids["Tops"])
    response = client.submit(f"/categories/{ids['Tops']}", form_values(
        conn, ids["Tops"], version, name="Tops & Tees", description="Cotton",
        parent_id=ids["Men"], is_internal="y", thumbnail="https://img.example/tops.jpg",
        metadata='{"season": "summer", "sizes": [1, 2]}'))
    assert response.status_code == 302
    row = category_row(conn, ids["Tops"])
    assert (row["name"], row["description"], row["is_internal"], row["thumbnail"]) == (
        "Tops & Tees", "Cotton", True, "https://img.example/tops.jpg")
    assert row["metadata"] == {"season": "summer", "sizes": [1, 2]}
    assert children(conn, ids["Men"]) == ["Shirts", "Tops & Tees"]
    assert children(conn, ids["Women"]) == ["Dresses"]
    assert_dense_and_acyclic(conn)


def test_the_parent_select_offers_the_tree_without_the_category_and_its_branch(client, conn):
    ids = build(conn, {"Women": {"Tops": {"Shirts": {}}, "Dresses": {}}})
    html, version, _ = edit_form(client, ids["Tops"])
    select = html[html.index('id="parent_id"'):]
    select = select[:select.index("</select>")]
    assert ids["Shirts"] not in select and f'value="{ids["Tops"]}"' not in select
    assert f'<option value="{ids["Dresses"]}">\u00a0\u00a0\u00a0Dresses</option>' in select
    # Posting a descendant anyway (a stale page) is refused with the path.
    response = client.submit(f"/categories/{ids['Women']}",
                             form_values(conn, ids["Women"], edit_form(client, ids["Women"])[1],
                                         parent_id=ids["Shirts"]))
    assert response.status_code == 422
    assert "cannot move under its own descendant “Women › Tops › Shirts”" in response.get_data(
        as_text=True)


@pytest.mark.parametrize(("metadata", "message"), [
    ("[1, 2]", "Metadata must be a JSON object"),
    ("{season: summer}", "This is not valid JSON"),
    (json.dumps({"notes": "x" * 11000}), "Metadata is 10.8 KB (11,013 bytes); the limit is 10 KB"),
])
def test_metadata_must_be_a_json_object_of_at_most_10_kb(client, conn, metadata, message):
    women = add_category(conn, "Women")
    _, version, _ = edit_form(client, women)
    response = client.submit(f"/categories/{women}",
                             form_values(conn, women, version, metadata=metadata))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert category_row(conn, women)["metadata"] is None


def test_the_database_also_refuses_metadata_over_10_kb(conn):
    women = add_category(conn, "Women")
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("UPDATE p_categories SET metadata = %s WHERE id = %s",
                     (json.dumps({"notes": "x" * 11000}), women))


def test_saving_over_a_newer_version_is_a_conflict_that_keeps_the_input(client, conn):
    ids = build(conn, {"Women": {}, "Men": {}})
    _, version, _ = edit_form(client, ids["Women"])
    # Someone else saves first.
    conn.execute("UPDATE p_categories SET name = 'Womenswear', description = 'New' "
                 "WHERE id = %s", (ids["Women"],))
    mine = form_values(conn, ids["Women"], version, name="Ladies", description="Mine")
    response = client.submit(f"/categories/{ids['Women']}", mine)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Someone else saved this category while you were editing" in html
    assert 'value="Ladies"' in html and "Mine</textarea>" in html  # my input, kept
    assert "<td><strong>Womenswear</strong></td>" in html  # the current values, shown
    assert category_row(conn, ids["Women"])["name"] == "Womenswear"
    # Saving again from the conflict page is deliberate and goes through.
    newer = re.search(r'name="updated_at" type="hidden" value="([^"]+)"', html).group(1)
    response = client.submit(f"/categories/{ids['Women']}", dict(mine, updated_at=newer))
    assert response.status_code == 302
    assert category_row(conn, ids["Women"])["name"] == "Ladies"


def test_the_page_shows_the_breadcrumb_from_the_root(client, conn, count_statements):
    ids = build(conn, {"Women": {"Tops": {"Shirts": {}}}})
    response = client.get(f"/categories/{ids['Shirts']}")
    html = response.get_data(as_text=True)
    crumbs = html[html.index('aria-label="Breadcrumb"'):html.index("</nav>", html.index(
        'aria-label="Breadcrumb"'))]
    assert re.findall(r">([^<>]+)</(?:a|li)>", crumbs) == ["Categories", "Women", "Tops",
                                                          "Shirts"]
    assert '<li aria-current="page">Shirts</li>' in crumbs
    assert count_statements(response) == 6


def test_an_unknown_or_deleted_category_is_404(client, conn):
    women = add_category(conn, "Women")
    conn.execute("UPDATE p_categories SET deleted_at = now() WHERE id = %s", (women,))
    assert client.get(f"/categories/{women}").status_code == 404
    assert client.get("/categories/pcat_nope").status_code == 404


# --- Image and thumbnail by URL ----------------------------------------------------------


def test_an_image_by_url_belongs_to_no_product_and_becomes_the_category_image(client, conn):
    women = add_category(conn, "Women")
    response = client.submit(f"/categories/{women}/image",
                             {"image_url": "https://cdn.example.com/women.jpg"})
    assert response.status_code == 302
    image = conn.execute("SELECT i.* FROM images AS i JOIN p_categories AS c "
                         "ON c.image_id = i.id WHERE c.id = %s", (women,)).fetchone()
    assert (image["url"], image["product_id"]) == ("https://cdn.example.com/women.jpg", None)
    html = client.get(f"/categories/{women}").get_data(as_text=True)
    assert 'src="https://cdn.example.com/women.jpg"' in html
    # A new one replaces it; the old one goes to the Trash, as nothing else uses it.
    client.submit(f"/categories/{women}/image", {"image_url": "http://cdn.example.com/2.png"})
    assert conn.execute("SELECT deleted_at IS NOT NULL AS gone FROM images WHERE id = %s",
                        (image["id"],)).fetchone()["gone"]
    client.submit(f"/categories/{women}/image/remove")
    assert category_row(conn, women)["image_id"] is None


@pytest.mark.parametrize(("url", "message"), [
    ("javascript:alert(1)", "“javascript:” addresses are not allowed"),
    ("data:image/png;base64,AAAA", "“data:” addresses are not allowed"),
    ("file:///etc/passwd", "“file:” addresses are not allowed"),
    ("ftp://cdn.example.com/a.jpg", "Use an http:// or https:// address"),
    ("https:///no-host.jpg", "The address needs a host"),
    ("https://cdn.example.com/" + "a" * 2040, "characters long; the limit is 2,048"),
])
def test_image_and_thumbnail_urls_must_be_http_with_a_host(client, conn, url, message):
    women = add_category(conn, "Women")
    response = client.submit(f"/categories/{women}/image", {"image_url": url})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    _, version, _ = edit_form(client, women)
    response = client.submit(f"/categories/{women}",
                             form_values(conn, women, version, thumbnail=url))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert conn.execute("SELECT count(*) AS n FROM images").fetchone()["n"] == 0
    assert category_row(conn, women)["thumbnail"] is None


# --- Its products -------------------------------------------------------------------------


def test_the_category_lists_its_live_products_paged_and_searchable(client, conn):
    women = add_category(conn, "Women")
    for n in range(55):
        add_product(conn, f"Shirt {n:02d}", category_ids=[women], status="published")
    add_product(conn, "Linen Dress", category_ids=[women])
    add_product(conn, "Deleted Dress", category_ids=[women], deleted=True)
    html = client.get(f"/categories/{women}").get_data(as_text=True)
    assert "56 products" in html and "Page 1 of 2" in html
    assert html.count("badge-status-published") == 49  # the first page: Linen Dress + 49
    assert "Deleted Dress" not in html
    response = client.get(f"/categories/{women}?q=dress", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="category-products"')
    assert "Linen Dress" in fragment and "Shirt 01" not in fragment
    assert "Deleted Dress" not in fragment


def test_products_are_added_through_the_picker_and_removed(client, conn):
    women = add_category(conn, "Women")
    linen = add_product(conn, "Linen Shirt")
    add_product(conn, "Linen Gone", deleted=True)
    picker = client.get(f"/categories/{women}/picker?pq=linen",
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Linen Shirt" in picker and "Linen Gone" not in picker
    assert 'aria-label="Add Linen Shirt"' in picker
    response = client.submit(f"/categories/{women}/products", {"product_id": linen}, htmx=True)
    html = response.get_data(as_text=True)
    assert toast(response)["message"] == "“Linen Shirt” added to “Women”."
    assert "Linen Shirt" in html[:html.index("</table>")]
    assert f'id="picker-{linen}" hx-swap-oob="true"' in html and "In this category" in html
    assert conn.execute("SELECT count(*) AS n FROM p_categories_products").fetchone()["n"] == 1
    # Adding twice changes nothing.
    again = client.submit(f"/categories/{women}/products", {"product_id": linen}, htmx=True)
    assert toast(again)["level"] == "info"
    response = client.submit(f"/categories/{women}/products/{linen}/remove", htmx=True)
    assert toast(response)["message"] == "“Linen Shirt” removed from “Women”."
    assert conn.execute("SELECT count(*) AS n FROM p_categories_products").fetchone()["n"] == 0


def test_the_picker_works_without_javascript(client, conn):
    women = add_category(conn, "Women")
    linen = add_product(conn, "Linen Shirt")
    page = client.get(f"/categories/{women}/picker?pq=linen").get_data(as_text=True)
    assert "<h1>Add products to “Women”</h1>" in page and "hx-post" not in page
    response = client.submit(f"/categories/{women}/products",
                             {"product_id": linen, "pq": "linen"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/categories/{women}/picker?pq=linen")
    assert "In this category" in client.get(response.headers["Location"]).get_data(
        as_text=True)


# --- Delete, the Trash ------------------------------------------------------------------


def test_delete_is_refused_while_it_has_children_until_they_move_up(client, conn):
    ids = build(conn, {"Women": {"Tops": {"Shirts": {}, "Tees": {}}, "Dresses": {}}})
    linen = add_product(conn, "Linen Shirt", category_ids=[ids["Tops"]])
    response = client.submit(f"/categories/{ids['Tops']}/delete")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "“Tops” has 2 live subcategories." in html
    assert "Move 2 subcategories up" in html
    assert category_row(conn, ids["Tops"])["deleted_at"] is None
    response = client.submit(f"/categories/{ids['Tops']}/outdent-children")
    assert response.status_code == 302
    assert children(conn, ids["Women"]) == ["Tops", "Shirts", "Tees", "Dresses"]
    response = client.submit(f"/categories/{ids['Tops']}/delete")
    assert response.status_code == 302
    assert children(conn, ids["Women"]) == ["Shirts", "Tees", "Dresses"]
    assert_dense_and_acyclic(conn)
    # Its product links stay for the record, but no longer count.
    assert conn.execute("SELECT count(*) AS n FROM p_categories_products WHERE product_id = %s",
                        (linen,)).fetchone()["n"] == 1
    assert ">Tops</a>" not in client.get("/categories/").get_data(as_text=True)


def test_restore_returns_it_to_its_place_under_a_live_parent(client, conn):
    ids = build(conn, {"Women": {"Tops": {}, "Dresses": {}, "Skirts": {}}})
    client.submit(f"/categories/{ids['Dresses']}/delete")
    assert children(conn, ids["Women"]) == ["Tops", "Skirts"]
    trash = client.get("/trash/?kind=categories").get_data(as_text=True)
    assert "Dresses" in trash and "was under “Women” (live)" in trash
    response = client.submit(f"/trash/categories/{ids['Dresses']}/restore")
    assert response.status_code == 302
    assert children(conn, ids["Women"]) == ["Tops", "Dresses", "Skirts"]
    assert_dense_and_acyclic(conn)


def test_restore_under_a_deleted_parent_goes_last_at_the_root(client, conn):
    ids = build(conn, {"Women": {"Tops": {}}, "Men": {}})
    client.submit(f"/categories/{ids['Tops']}/delete")
    client.submit(f"/categories/{ids['Women']}/delete")
    assert children(conn, None) == ["Men"]
    client.submit(f"/trash/categories/{ids['Tops']}/restore")
    row = category_row(conn, ids["Tops"])
    assert (row["parent_id"], row["deleted_at"]) == (None, None)
    assert children(conn, None) == ["Men", "Tops"]
    assert_dense_and_acyclic(conn)


def test_restore_with_a_handle_clash_offers_a_free_handle(client, conn):
    old = add_category(conn, "Sale", handle="sale")
    client.submit(f"/categories/{old}/delete")
    add_category(conn, "Sale", handle="sale")
    response = client.submit(f"/trash/categories/{old}/restore")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "A live category already has the handle “sale”." in html
    assert 'value="sale-2"' in html
    assert category_row(conn, old)["deleted_at"] is not None
    response = client.submit(f"/trash/categories/{old}/restore", {"new_handle": "sale-2"})
    assert response.status_code == 302
    row = category_row(conn, old)
    assert (row["handle"], row["deleted_at"]) == ("sale-2", None)


def test_purge_refuses_while_children_point_to_it_even_deleted_ones(login_as, conn):
    admin = login_as("admin")
    ids = build(conn, {"Women": {"Tops": {}}})
    add_product(conn, "Linen Shirt", category_ids=[ids["Women"]])
    admin.submit(f"/categories/{ids['Tops']}/delete")
    admin.submit(f"/categories/{ids['Women']}/delete")
    response = admin.submit(f"/trash/categories/{ids['Women']}/purge", follow_redirects=True)
    assert ("“Women” cannot be deleted permanently: 1 subcategory (in the Trash) still points "
            "to it as its parent.") in response.get_data(as_text=True)
    assert category_row(conn, ids["Women"]) is not None
    admin.submit(f"/trash/categories/{ids['Tops']}/purge")
    admin.submit(f"/trash/categories/{ids['Women']}/purge")
    assert conn.execute("SELECT count(*) AS n FROM p_categories").fetchone()["n"] == 0
    assert conn.execute("SELECT count(*) AS n FROM p_categories_products").fetchone()["n"] == 0


def test_a_drop_the_page_shows_gets_a_toast_and_a_stale_one_the_tree(
        client, conn, count_statements):
    ids = build(conn, {"Women": {"Tops": {}}, "Men": {"Shoes": {}}})
    shown = client.submit("/categories/move", {
        "category_id": ids["Tops"], "parent_id": ids["Men"], "position": "0",
        "siblings": [ids["Tops"], ids["Shoes"]], "old_siblings": []}, htmx=True)
    assert shown.status_code == 200 and shown.headers["HX-Reswap"] == "none"
    assert shown.get_data() == b""
    # The user, History's settings, the tree lock, the category, the new parent's
    # path with both sibling sets, the update: the same however big the tree.
    assert count_statements(shown) == 6
    assert json.loads(shown.headers["HX-Trigger"])["toast"]["message"] == (
        "“Tops” moved under “Men”, position 1 of 2.")
    assert children(conn, ids["Men"]) == ["Tops", "Shoes"]
    # A page that missed a colleague's change (Coats, added since) gets the tree.
    add_category(conn, "Coats", ids["Men"])
    stale = client.submit("/categories/move", {
        "category_id": ids["Shoes"], "parent_id": ids["Men"], "position": "0",
        "siblings": [ids["Shoes"], ids["Tops"]]}, htmx=True)
    assert "HX-Reswap" not in stale.headers
    assert 'id="category-tree"' in stale.get_data(as_text=True)
