"""The demo catalog generator: counts, shape, IDs, determinism, refusal, images."""

import re
from datetime import timedelta

import pytest
import ulid
from psycopg import sql

from app.demo import (
    BASE_TIME,
    CATALOG_TABLES,
    DemoDataError,
    catalog_shape,
    count_catalog,
    load_demo_data,
)
from app.products import queries as product_queries

PREFIXES = {
    "products": "prod",
    "p_variants": "variant",
    "p_options": "opt",
    "p_option_values": "optval",
    "p_categories": "pcat",
    "p_collections": "pcol",
    "p_tags": "ptag",
    "p_types": "ptyp",
    "images": "img",
}
ULID = "[0-7][0-9A-HJKMNP-TV-Z]{25}"


@pytest.fixture
def demo(conn, media_root):
    """A loaded 1,000-product catalog; returns the counts load_demo_data reported."""
    return load_demo_data(conn, products=1000, media_root=media_root)


def scalar(conn, query, params=None):
    row = conn.execute(query, params).fetchone()
    return next(iter(row.values()))


def test_reported_counts_are_the_table_counts(conn, demo):
    assert list(demo) == list(CATALOG_TABLES)
    for table in CATALOG_TABLES:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        assert demo[table] == scalar(conn, query), table
    assert demo["products"] == 1000
    # About five variants a product, plus five products with 200 each.
    assert 5500 < demo["p_variants"] < 6500
    # Two or three options a variant.
    assert 2 * demo["p_variants"] < demo["p_variants_options"] < 2.3 * demo["p_variants"]
    assert demo["p_categories"] == 2072
    assert (demo["p_collections"], demo["p_types"], demo["p_tags"]) == (20, 50, 61)
    for table in CATALOG_TABLES:
        assert demo[table] > 0, table


def test_a_big_catalog_has_the_shape_of_a_big_shop():
    # What 100,000 products come with (loading them is the benchmark's job).
    assert catalog_shape(100_000) == {
        "categories": 2072,
        "collections": 200,
        "types": 50,
        "tags": 500,
        "products_with_200_variants": 5,
        "products_with_2000_variants": 1,
    }
    # A small demo keeps the whole tree and the types, with fewer lists.
    small = catalog_shape(500)
    assert (small["categories"], small["types"]) == (2072, 50)
    assert small["collections"] < 200 and small["tags"] < 500
    assert small["products_with_200_variants"] == small["products_with_2000_variants"] == 0


def test_every_variant_holds_one_value_of_each_option_of_its_product(conn, demo):
    wrong = scalar(
        conn,
        """
        SELECT count(*)
          FROM (SELECT v.id, o.id, count(vo.variant_id) AS n
                  FROM p_variants AS v
                  JOIN p_options AS o ON o.product_id = v.product_id
                  LEFT JOIN (p_variants_options AS vo
                             JOIN p_option_values AS ov ON ov.id = vo.option_value_id)
                    ON vo.variant_id = v.id
                   AND ov.option_id = o.id
                 GROUP BY v.id, o.id) AS per_option
         WHERE n <> 1
        """,
    )
    assert wrong == 0
    foreign = scalar(
        conn,
        """
        SELECT count(*)
          FROM p_variants_options AS vo
          JOIN p_variants AS v ON v.id = vo.variant_id
          JOIN p_option_values AS ov ON ov.id = vo.option_value_id
          JOIN p_options AS o ON o.id = ov.option_id
         WHERE o.product_id IS DISTINCT FROM v.product_id
        """,
    )
    assert foreign == 0


def test_variants_have_two_or_three_options_and_distinct_combinations(conn, demo):
    products = conn.execute(
        """
        WITH combos AS (
            SELECT vo.variant_id,
                   string_agg(vo.option_value_id, ',' ORDER BY vo.option_value_id) AS combo
              FROM p_variants_options AS vo
             GROUP BY vo.variant_id
        ),
        variants AS (
            SELECT v.product_id,
                   count(*) AS n,
                   array_agg(v.variant_rank ORDER BY v.variant_rank) AS ranks,
                   count(DISTINCT v.title) AS titles,
                   count(DISTINCT c.combo) AS combos
              FROM p_variants AS v
              JOIN combos AS c ON c.variant_id = v.id
             GROUP BY v.product_id
        ),
        options AS (
            SELECT o.product_id, count(*) AS n
              FROM p_options AS o
             GROUP BY o.product_id
        ),
        unused AS (
            SELECT o.product_id, count(*) AS n
              FROM p_option_values AS ov
              JOIN p_options AS o ON o.id = ov.option_id
             WHERE NOT EXISTS (SELECT 1
                                 FROM p_variants_options AS vo
                                WHERE vo.option_value_id = ov.id)
             GROUP BY o.product_id
        )
        SELECT p.id, v.n, v.ranks, v.titles, v.combos, o.n AS options, u.n AS unused_values
          FROM products AS p
          LEFT JOIN variants AS v ON v.product_id = p.id
          LEFT JOIN options AS o ON o.product_id = p.id
          LEFT JOIN unused AS u ON u.product_id = p.id
        """
    ).fetchall()
    assert len(products) == 1000
    for p in products:
        assert p["options"] in (2, 3), p
        assert p["ranks"] == list(range(p["n"])), p
        assert p["n"] == p["titles"] == p["combos"], p  # no combination twice
        assert p["unused_values"] is None, p  # every value is some variant's
    sizes = sorted(p["n"] for p in products)
    # 1-9 a product, about five on average; the big ones aside.
    assert sizes[0] == 1 and sizes[-6] == 9
    assert 4.5 < sum(sizes[:-5]) / 995 < 5.5
    assert sum(p["options"] == 3 for p in products) > 50


def test_big_products_have_200_variants_once_the_catalog_has_1000(conn, demo, media_root):
    big = conn.execute(
        """
        SELECT p.status, p.deleted_at, count(*) AS n, count(DISTINCT v.title) AS titles,
               array_agg(DISTINCT ov.option_id) AS options
          FROM products AS p
          JOIN p_variants AS v ON v.product_id = p.id
          JOIN p_variants_options AS vo ON vo.variant_id = v.id
          JOIN p_option_values AS ov ON ov.id = vo.option_value_id
         GROUP BY p.id
        HAVING count(DISTINCT v.id) > 9
        """
    ).fetchall()
    assert len(big) == 5
    for product in big:
        assert product["n"] == 400  # 200 variants x 2 options
        assert product["titles"] == 200
        assert len(product["options"]) == 2
        assert product["status"] == "published" and product["deleted_at"] is None
    # 20 colours x 10 sizes.
    values = conn.execute(
        """
        SELECT o.title, count(*) AS n
          FROM p_option_values AS ov
          JOIN p_options AS o ON o.id = ov.option_id
         WHERE o.product_id IN (SELECT product_id
                                  FROM p_variants
                                 GROUP BY product_id
                                HAVING count(*) = 200)
         GROUP BY o.id, o.title
        """
    ).fetchall()
    assert sorted({(v["title"], v["n"]) for v in values}) == [("Color", 20), ("Size", 10)]

    # A smaller catalog has none.
    load_demo_data(conn, products=999, media_root=media_root, replace=True)
    most = scalar(conn, "SELECT max(n) FROM (SELECT count(*) AS n FROM p_variants "
                        "GROUP BY product_id) AS t")
    assert most == 9


def test_ten_thousand_products_bring_one_with_2000_variants(conn, media_root):
    counts = load_demo_data(conn, products=10_000, media_root=media_root)
    assert counts["p_tags"] == 500
    sizes = conn.execute(
        """
        SELECT n, count(*) AS products
          FROM (SELECT count(*) AS n FROM p_variants GROUP BY product_id) AS t
         WHERE n > 9
         GROUP BY n
         ORDER BY n
        """
    ).fetchall()
    assert [(s["n"], s["products"]) for s in sizes] == [(200, 5), (2000, 1)]
    # 50 shades x 40 sizes, every combination once.
    huge = conn.execute(
        """
        SELECT count(DISTINCT vc.combination) AS combos,
               (SELECT array_agg(n ORDER BY n)
                  FROM (SELECT count(*) AS n
                          FROM p_option_values AS ov
                          JOIN p_options AS o ON o.id = ov.option_id
                         WHERE o.product_id = vc.product_id
                         GROUP BY o.id) AS per_option) AS value_counts
          FROM variant_combinations AS vc
         GROUP BY vc.product_id
        HAVING count(*) = 2000
        """
    ).fetchone()
    assert huge == {"combos": 2000, "value_counts": [40, 50]}


def test_variant_combinations_are_kept_as_migration_0011_keeps_them(conn, demo):
    # What the trigger's own function computes, compared with what the load left.
    differences = scalar(
        conn,
        """
        WITH expected AS (
            SELECT v.id AS variant_id,
                   v.product_id,
                   string_agg(vo.option_value_id, ','
                              ORDER BY vo.option_value_id COLLATE "C") AS combination
              FROM p_variants AS v
              JOIN p_variants_options AS vo ON vo.variant_id = v.id
             WHERE v.deleted_at IS NULL
             GROUP BY v.id, v.product_id
        )
        SELECT count(*)
          FROM expected AS e
          FULL JOIN variant_combinations AS vc USING (variant_id, product_id, combination)
         WHERE e.variant_id IS NULL OR vc.variant_id IS NULL
        """,
    )
    assert differences == 0
    live = scalar(conn, "SELECT count(*) FROM p_variants WHERE deleted_at IS NULL")
    assert scalar(conn, "SELECT count(*) FROM variant_combinations") == live


def test_two_percent_are_in_the_trash_with_their_children_deleted_at_the_same_instant(
    conn, demo
):
    deleted = conn.execute(
        """
        SELECT id, created_at, updated_at, deleted_at
          FROM products
         WHERE deleted_at IS NOT NULL
        """
    ).fetchall()
    assert 10 <= len(deleted) <= 35  # about 2% of 1,000
    for p in deleted:
        # The delete is the product's last change, before the demo's "now".
        assert p["created_at"] < p["deleted_at"] == p["updated_at"] < BASE_TIME
    # Every child of a deleted product shares its deleted_at; live products
    # have no deleted children.
    mismatched = conn.execute(
        """
        SELECT 'variant' AS kind, count(*) AS n
          FROM p_variants AS c JOIN products AS p ON p.id = c.product_id
         WHERE c.deleted_at IS DISTINCT FROM p.deleted_at
        UNION ALL
        SELECT 'option', count(*)
          FROM p_options AS c JOIN products AS p ON p.id = c.product_id
         WHERE c.deleted_at IS DISTINCT FROM p.deleted_at
        UNION ALL
        SELECT 'value', count(*)
          FROM p_option_values AS c
          JOIN p_options AS o ON o.id = c.option_id
          JOIN products AS p ON p.id = o.product_id
         WHERE c.deleted_at IS DISTINCT FROM p.deleted_at
        UNION ALL
        SELECT 'image', count(*)
          FROM images AS c JOIN products AS p ON p.id = c.product_id
         WHERE c.deleted_at IS DISTINCT FROM p.deleted_at
        """
    ).fetchall()
    assert {m["kind"]: m["n"] for m in mismatched} == {
        "variant": 0, "option": 0, "value": 0, "image": 0}
    assert scalar(conn, "SELECT count(*) FROM p_categories WHERE deleted_at IS NOT NULL") == 0


def test_a_deleted_demo_product_comes_back_whole_from_the_trash(conn, demo):
    product = conn.execute(
        """
        SELECT id, handle, deleted_at
          FROM products
         WHERE deleted_at IS NOT NULL
         ORDER BY id
         LIMIT 1
        """
    ).fetchone()
    variants = scalar(conn, "SELECT count(*) FROM p_variants WHERE product_id = %s",
                      (product["id"],))

    with conn.transaction():
        product_queries.restore_product(conn, product_id=product["id"],
                                        deleted_at=product["deleted_at"],
                                        handle=product["handle"])

    live = conn.execute(
        """
        SELECT (SELECT count(*) FROM p_variants
                 WHERE product_id = %(id)s AND deleted_at IS NULL) AS variants,
               (SELECT count(*) FROM p_options
                 WHERE product_id = %(id)s AND deleted_at IS NOT NULL) AS deleted_options,
               (SELECT count(*) FROM images
                 WHERE product_id = %(id)s AND deleted_at IS NOT NULL) AS deleted_images,
               (SELECT count(*) FROM variant_combinations
                 WHERE product_id = %(id)s) AS combinations
        """,
        {"id": product["id"]},
    ).fetchone()
    assert live == {"variants": variants, "deleted_options": 0, "deleted_images": 0,
                    "combinations": variants}


def test_variant_codes_are_present_unique_and_valid(conn, demo):
    rows = conn.execute("SELECT sku, ean, upc, barcode FROM p_variants").fetchall()
    for column, length in (("sku", None), ("ean", 13), ("upc", 12), ("barcode", 14)):
        values = [r[column] for r in rows]
        assert all(values), column
        assert len(set(values)) == len(values), column
        if length:
            assert all(len(v) == length and gtin_is_valid(v) for v in values), column
    assert all(r["sku"] == r["sku"].upper() for r in rows)


def gtin_is_valid(code: str) -> bool:
    digits = [int(d) for d in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def test_category_tree_is_four_levels_of_ranked_named_categories(conn, demo):
    depths = conn.execute(
        """
        WITH RECURSIVE tree AS (
            SELECT id, 1 AS depth FROM p_categories WHERE parent_id IS NULL
            UNION ALL
            SELECT c.id, t.depth + 1 FROM p_categories AS c JOIN tree AS t ON c.parent_id = t.id
        )
        SELECT depth, count(*) AS n FROM tree GROUP BY depth ORDER BY depth
        """
    ).fetchall()
    # 8 roots, 6 children each, down four levels.
    assert [(d["depth"], d["n"]) for d in depths] == [(1, 8), (2, 48), (3, 288), (4, 1728)]

    groups = conn.execute(
        """
        SELECT parent_id,
               array_agg(rank ORDER BY rank) AS ranks,
               count(DISTINCT name) AS names
          FROM p_categories
         GROUP BY parent_id
        """
    ).fetchall()
    assert len(groups) == 1 + 8 + 48 + 288
    for group in groups:
        assert group["ranks"] == list(range(len(group["ranks"]))), group["parent_id"]
        assert group["names"] == len(group["ranks"]), group["parent_id"]  # siblings differ

    assert scalar(conn, "SELECT count(DISTINCT handle) FROM p_categories") == 2072
    assert scalar(conn, "SELECT count(*) FROM p_categories WHERE handle !~ '^[a-z0-9-]+$'") == 0
    sample = conn.execute(
        """
        SELECT c.name, p.name AS parent
          FROM p_categories AS c
          JOIN p_categories AS p ON p.id = c.parent_id
         WHERE c.handle = 'women-tops-t-shirts'
        """
    ).fetchone()
    assert sample == {"name": "T-Shirts", "parent": "Tops"}

    linked = conn.execute(
        """
        SELECT count(*) FILTER (WHERE NOT EXISTS (
                   SELECT 1 FROM p_categories AS child WHERE child.parent_id = c.id)) AS leaves,
               count(*) AS links,
               count(DISTINCT cp.product_id) AS products
          FROM p_categories_products AS cp
          JOIN p_categories AS c ON c.id = cp.p_categories_id
        """
    ).fetchone()
    assert linked["products"] == 1000  # every product sits somewhere
    assert linked["leaves"] == 1000 < linked["links"]  # one leaf each, some a second shelf


def test_ids_are_prefixed_ulids_stamped_with_created_at(conn, demo):
    for table, prefix in PREFIXES.items():
        pattern = re.compile(f"^{prefix}_{ULID}$")
        query = sql.SQL("SELECT id FROM {}").format(sql.Identifier(table))
        ids = [r["id"] for r in conn.execute(query).fetchall()]
        assert ids and all(pattern.match(i) for i in ids), table

    for table in ("products", "p_variants", "p_option_values", "images"):
        query = sql.SQL("SELECT id, created_at, updated_at FROM {} ORDER BY id").format(
            sql.Identifier(table))
        rows = conn.execute(query).fetchall()
        for row in rows:
            stamp = ulid.ULID.from_str(row["id"].split("_", 1)[1]).datetime
            assert stamp == row["created_at"], table
            assert row["updated_at"] >= row["created_at"], table
        created = [r["created_at"] for r in rows]
        assert created == sorted(created), table  # IDs sort in creation order
        assert len(set(created)) == len(created), table
    # Spread over the two years before the demo's fixed "now".
    first, last = conn.execute(
        "SELECT min(created_at) AS first, max(created_at) AS last FROM products").fetchone(
    ).values()
    assert BASE_TIME - timedelta(days=740) < first < last < BASE_TIME


def test_catalog_looks_like_a_shop(conn, demo):
    statuses = dict(
        (r["status"], r["n"])
        for r in conn.execute("SELECT status, count(*) AS n FROM products GROUP BY status")
    )
    # About 60% published, 20% draft, 12% proposed, 8% rejected.
    assert 540 < statuses["published"] < 660
    assert 160 < statuses["draft"] < 240
    assert 80 < statuses["proposed"] < 160
    assert 50 < statuses["rejected"] < 110
    # Accent-insensitive search needs accents to find.
    assert scalar(conn, "SELECT count(*) FROM products WHERE title ~ '[éèñ]'") > 0
    assert scalar(conn, "SELECT count(*) FROM products WHERE is_giftcard") > 0
    assert scalar(conn, "SELECT count(DISTINCT handle) FROM products") == 1000
    tags = conn.execute(
        """
        SELECT max(n) AS most, avg(n) AS mean
          FROM (SELECT count(pt.product_tag_id) AS n
                  FROM products AS p
                  LEFT JOIN products_tags AS pt ON pt.product_id = p.id
                 GROUP BY p.id) AS t
        """
    ).fetchone()
    assert tags["most"] <= 6 and 2.5 < tags["mean"] < 3.5
    # Every type is some product's in a catalog this size; collections too.
    assert scalar(conn, "SELECT count(DISTINCT type_id) FROM products") > 40
    assert scalar(conn, "SELECT count(DISTINCT collection_id) FROM products") == 20


def test_cotton_crew_matches_about_one_product_in_a_hundred(conn, demo):
    # The benchmark's search: every word in the title (or the handle).
    matches = scalar(
        conn,
        """
        SELECT count(*)
          FROM products
         WHERE deleted_at IS NULL
           AND ((catalog_fold(title) LIKE '%cotton%' AND catalog_fold(title) LIKE '%crew%')
                OR (handle LIKE '%cotton%' AND handle LIKE '%crew%'))
        """,
    )
    assert 4 <= matches <= 20


def test_indexes_and_foreign_keys_set_aside_for_the_load_are_all_back(conn, media_root):
    def indexes():
        return conn.execute(
            """
            SELECT indexname, indexdef
              FROM pg_indexes
             WHERE schemaname = 'public'
             ORDER BY indexname
            """
        ).fetchall()

    def constraints():
        return conn.execute(
            """
            SELECT conrelid::regclass::text AS table_name, conname, contype, convalidated,
                   pg_get_constraintdef(oid) AS definition
              FROM pg_constraint
             WHERE connamespace = 'public'::regnamespace
             ORDER BY 1, 2
            """
        ).fetchall()

    indexes_before, constraints_before = indexes(), constraints()
    assert any(c["contype"] == "f" for c in constraints_before)
    load_demo_data(conn, products=40, media_root=media_root)
    assert indexes() == indexes_before
    assert constraints() == constraints_before


def test_loading_into_a_catalog_with_products_is_refused_and_changes_nothing(conn, media_root):
    load_demo_data(conn, products=30, media_root=media_root)
    before = count_catalog(conn)
    ids_before = conn.execute("SELECT id, title FROM products ORDER BY id").fetchall()

    with pytest.raises(DemoDataError, match="not empty"):
        load_demo_data(conn, products=50, media_root=media_root)

    assert count_catalog(conn) == before
    assert conn.execute("SELECT id, title FROM products ORDER BY id").fetchall() == ids_before


def test_a_catalog_without_products_but_with_tags_is_refused_too(conn, media_root):
    # Its rows could collide with the demo's (tag values, handles).
    conn.execute(
        "INSERT INTO p_tags (id, value) VALUES ('ptag_01J0000000000000000000000', 'organic')"
    )
    with pytest.raises(DemoDataError, match="1 row in p_tags"):
        load_demo_data(conn, products=5, media_root=media_root)
    assert scalar(conn, "SELECT count(*) FROM products") == 0


def test_the_same_number_gives_the_same_catalog(conn, media_root):
    def snapshot():
        return (
            conn.execute("SELECT id, title, handle, deleted_at FROM products ORDER BY id")
            .fetchall(),
            conn.execute("SELECT id, sku, title FROM p_variants ORDER BY id").fetchall(),
            conn.execute("SELECT id, handle, rank FROM p_categories ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM products_tags ORDER BY 1, 2").fetchall(),
            conn.execute("SELECT * FROM variant_combinations ORDER BY 1").fetchall(),
        )

    first_counts = load_demo_data(conn, products=1000, media_root=media_root)
    first = snapshot()
    second_counts = load_demo_data(conn, products=1000, media_root=media_root, replace=True)
    assert second_counts == first_counts
    assert snapshot() == first


def test_replace_swaps_the_catalog(conn, media_root):
    load_demo_data(conn, products=40, media_root=media_root)
    counts = load_demo_data(conn, products=1, media_root=media_root, replace=True)
    assert counts["products"] == 1 == scalar(conn, "SELECT count(*) FROM products")
    assert counts["p_categories"] == 2072  # even the smallest catalog has the whole tree


@pytest.mark.parametrize("products", [0, -5, 10_000_000])
def test_an_impossible_size_is_refused(conn, media_root, products):
    with pytest.raises(DemoDataError):
        load_demo_data(conn, products=products, media_root=media_root)
    assert scalar(conn, "SELECT count(*) FROM products") == 0


def test_images_are_local_png_files(conn, tmp_path):
    load_demo_data(conn, products=60, media_root=tmp_path)
    files = sorted((tmp_path / "demo").glob("*.png"))
    assert len(files) >= 12
    assert all(f.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for f in files)

    urls = {r["url"] for r in conn.execute("SELECT DISTINCT url FROM images")}
    for url in urls:
        assert url.startswith("/media/demo/")
        assert (tmp_path / url.removeprefix("/media/")).is_file(), url

    per_product = conn.execute(
        """
        SELECT p.thumbnail,
               (SELECT i.url FROM images AS i WHERE i.product_id = p.id AND i.rank = 0) AS first,
               (SELECT array_agg(i.rank ORDER BY i.rank)
                  FROM images AS i
                 WHERE i.product_id = p.id) AS ranks,
               (SELECT count(DISTINCT i.url)
                  FROM images AS i
                 WHERE i.product_id = p.id) AS files
          FROM products AS p
        """
    ).fetchall()
    for p in per_product:
        assert p["thumbnail"] == p["first"]
        assert p["ranks"] == list(range(len(p["ranks"]))) and 1 <= len(p["ranks"]) <= 4
        assert p["files"] == len(p["ranks"])  # never one picture twice
    assert {len(p["ranks"]) for p in per_product} == {1, 2, 3, 4}

    # The first image is linked to the first variant of every product.
    unlinked = scalar(
        conn,
        """
        SELECT count(*)
          FROM p_variants AS v
          LEFT JOIN products_images AS pi
            ON pi.variant_id = v.id
           AND pi.product_id = v.product_id
          LEFT JOIN images AS i
            ON i.id = pi.image_id
           AND i.rank = 0
         WHERE v.variant_rank = 0
           AND i.id IS NULL
        """,
    )
    assert unlinked == 0
    assert scalar(conn, "SELECT count(*) FROM products_images") == 60

    # Root categories show a picture of their own.
    roots = conn.execute(
        """
        SELECT c.thumbnail, i.url, i.product_id
          FROM p_categories AS c
          JOIN images AS i ON i.id = c.image_id
         WHERE c.parent_id IS NULL
        """
    ).fetchall()
    assert len(roots) == 8
    assert all(r["thumbnail"] == r["url"] and r["product_id"] is None for r in roots)

    # Drawn once: a second load keeps the files as they are.
    stamps = {f: f.stat().st_mtime_ns for f in files}
    load_demo_data(conn, products=25, media_root=tmp_path, replace=True)
    assert {f: f.stat().st_mtime_ns for f in files} == stamps
