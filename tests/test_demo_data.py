"""The demo catalog generator: counts, shape, IDs, determinism, refusal, images."""

import re
from datetime import timedelta

import pytest
import ulid
from psycopg import sql

from app.demo import BASE_TIME, CATALOG_TABLES, DemoDataError, count_catalog, load_demo_data

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
    # Roughly five variants a product, plus the big one.
    assert 4000 < demo["p_variants"] < 8000
    assert demo["p_variants_options"] == 2 * demo["p_variants"]


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


def test_variants_are_every_combination_ranked_from_zero(conn, demo):
    products = conn.execute(
        """
        WITH variants AS (
            SELECT product_id,
                   count(*) AS n,
                   array_agg(variant_rank ORDER BY variant_rank) AS ranks,
                   count(DISTINCT title) AS titles
              FROM p_variants
             GROUP BY product_id
        ),
        option_sizes AS (
            SELECT o.product_id, array_agg(per_option.n) AS value_counts
              FROM p_options AS o
              JOIN (SELECT option_id, count(*) AS n
                      FROM p_option_values
                     GROUP BY option_id) AS per_option ON per_option.option_id = o.id
             GROUP BY o.product_id
        )
        SELECT p.id, coalesce(v.n, 0) AS variants, v.ranks, v.titles, s.value_counts
          FROM products AS p
          LEFT JOIN variants AS v ON v.product_id = p.id
          LEFT JOIN option_sizes AS s ON s.product_id = p.id
        """
    ).fetchall()
    bare = 0
    for p in products:
        if p["variants"] == 0:
            bare += 1
            assert p["value_counts"] is None
            continue
        assert p["ranks"] == list(range(p["variants"]))
        assert p["variants"] == p["titles"] == p["value_counts"][0] * p["value_counts"][1]
    assert 0 < bare < 60  # about one in fifty has no options at all
    # The stress case: one product with a thousand variants.
    assert max(p["variants"] for p in products) >= 1000




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


def test_category_tree_is_four_levels_with_gapless_sibling_ranks(conn, demo):
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
    assert [d["depth"] for d in depths] == [1, 2, 3, 4]
    assert sum(d["n"] for d in depths) == demo["p_categories"]

    groups = conn.execute(
        """
        SELECT parent_id, array_agg(rank ORDER BY rank) AS ranks
          FROM p_categories
         GROUP BY parent_id
        """
    ).fetchall()
    for group in groups:
        assert group["ranks"] == list(range(len(group["ranks"]))), group["parent_id"]

    linked_depths = conn.execute(
        """
        SELECT count(*) FILTER (WHERE NOT EXISTS (
                   SELECT 1 FROM p_categories AS child WHERE child.parent_id = c.id)) AS leaves,
               count(*) AS links
          FROM p_categories_products AS cp
          JOIN p_categories AS c ON c.id = cp.p_categories_id
        """
    ).fetchone()
    assert linked_depths["leaves"] > linked_depths["links"] / 2  # mostly leaves


def test_ids_are_prefixed_ulids_stamped_with_created_at(conn, demo):
    for table, prefix in PREFIXES.items():
        pattern = re.compile(f"^{prefix}_{ULID}$")
        query = sql.SQL("SELECT id FROM {}").format(sql.Identifier(table))
        ids = [r["id"] for r in conn.execute(query).fetchall()]
        assert ids and all(pattern.match(i) for i in ids), table

    rows = conn.execute("SELECT id, created_at, updated_at FROM products ORDER BY id").fetchall()
    for row in rows:
        assert ulid.ULID.from_str(row["id"].removeprefix("prod_")).datetime == row["created_at"]
        assert row["updated_at"] >= row["created_at"]
    created = [r["created_at"] for r in rows]
    assert created == sorted(created)  # IDs sort in creation order
    # Spread over the two years before the demo's fixed "now".
    assert BASE_TIME - timedelta(days=740) < created[0] < created[-1] < BASE_TIME


def test_catalog_looks_like_a_shop(conn, demo):
    statuses = dict(
        (r["status"], r["n"])
        for r in conn.execute("SELECT status, count(*) AS n FROM products GROUP BY status")
    )
    assert set(statuses) == {"published", "draft", "proposed", "rejected"}
    assert statuses["published"] > statuses["draft"] > statuses["rejected"]
    # Accent-insensitive search needs accents to find.
    assert scalar(conn, "SELECT count(*) FROM products WHERE title ~ '[éèñ]'") > 0
    assert scalar(conn, "SELECT count(*) FROM products WHERE is_giftcard") > 0
    assert scalar(conn, "SELECT count(DISTINCT handle) FROM products") == 1000
    tags_per_product = scalar(
        conn, "SELECT max(n) FROM (SELECT count(*) AS n FROM products_tags GROUP BY product_id) t"
    )
    assert tags_per_product <= 4
    for table in CATALOG_TABLES:
        assert demo[table] > 0, table


def test_indexes_set_aside_for_the_load_are_all_back(conn, media_root):
    def indexes():
        return conn.execute(
            """
            SELECT indexname, indexdef
              FROM pg_indexes
             WHERE schemaname = 'public'
             ORDER BY indexname
            """
        ).fetchall()

    before = indexes()
    load_demo_data(conn, products=40, media_root=media_root)
    assert indexes() == before


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
            conn.execute("SELECT id, title, handle FROM products ORDER BY id").fetchall(),
            conn.execute("SELECT id, sku FROM p_variants ORDER BY id").fetchall(),
            conn.execute("SELECT id, handle FROM p_categories ORDER BY id").fetchall(),
        )

    first_counts = load_demo_data(conn, products=1000, media_root=media_root)
    first = snapshot()
    second_counts = load_demo_data(conn, products=1000, media_root=media_root, replace=True)
    assert second_counts == first_counts
    assert snapshot() == first


def test_replace_swaps_the_catalog(conn, media_root):
    load_demo_data(conn, products=40, media_root=media_root)
    counts = load_demo_data(conn, products=7, media_root=media_root, replace=True)
    assert counts["products"] == 7 == scalar(conn, "SELECT count(*) FROM products")


@pytest.mark.parametrize("products", [0, -5, 10_000_000])
def test_an_impossible_size_is_refused(conn, media_root, products):
    with pytest.raises(DemoDataError):
        load_demo_data(conn, products=products, media_root=media_root)
    assert scalar(conn, "SELECT count(*) FROM products") == 0


def test_images_are_local_png_files(conn, tmp_path):
    load_demo_data(conn, products=25, media_root=tmp_path)
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
                 WHERE i.product_id = p.id) AS ranks
          FROM products AS p
        """
    ).fetchall()
    for p in per_product:
        assert p["thumbnail"] == p["first"]
        assert p["ranks"] == list(range(len(p["ranks"]))) and 1 <= len(p["ranks"]) <= 3

    # The first image is linked to the first variant of every product with variants.
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
    assert scalar(conn, "SELECT count(*) FROM products_images") == scalar(
        conn, "SELECT count(DISTINCT product_id) FROM p_variants"
    )

    # Drawn once: a second load keeps the files as they are.
    stamps = {f: f.stat().st_mtime_ns for f in files}
    load_demo_data(conn, products=25, media_root=tmp_path, replace=True)
    assert {f: f.stat().st_mtime_ns for f in files} == stamps
