"""The list, search and filter queries use their indexes, so a change cannot silently
undo that: no sequential scan of products or p_variants, on a few thousand products."""

import json

import pytest
from psycopg import sql

from app.products.queries import ProductFilters, count_products_query, list_products_query

PRODUCTS = 5000


@pytest.fixture
def catalog(conn):
    conn.execute(
        """
        INSERT INTO products (id, title, handle, status, created_at)
        SELECT 'prod_' || g,
               (ARRAY['Relaxed', 'Slim', 'Classic', 'Oversized'])[1 + g %% 4] || ' '
               || (ARRAY['Cotton', 'Linen', 'Wool', 'Silk', 'Denim'])[1 + g %% 5] || ' '
               || (ARRAY['Crew Tee', 'Shirt', 'Beanie', 'Scarf', 'Jacket', 'Sock'])[1 + g %% 6]
               || ' ' || g,
               'product-' || g,
               (ARRAY['draft', 'published', 'published', 'proposed', 'rejected'])[1 + g %% 5],
               now() - g * interval '1 minute'
          FROM generate_series(1, %(n)s) AS g
        """,
        {"n": PRODUCTS},
    )
    conn.execute(
        """
        INSERT INTO p_variants (id, title, sku, product_id)
        SELECT 'variant_' || g || '_' || r, 'V', 'SKU-' || g || '-' || r, 'prod_' || g
          FROM generate_series(1, %(n)s) AS g, generate_series(1, 5) AS r
        """,
        {"n": PRODUCTS},
    )
    # As autovacuum would: statistics, and the trigram indexes' pending lists merged.
    conn.execute("VACUUM ANALYZE products, p_variants")
    return conn


def scanned_tables(conn, query, params):
    """Tables read by a sequential scan in the plan of query."""
    plan = conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) {}").format(query), params).fetchone()
    found = set()

    def walk(node):
        if node.get("Node Type") == "Seq Scan":
            found.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    document = plan["QUERY PLAN"]
    walk((json.loads(document) if isinstance(document, str) else document)[0]["Plan"])
    return found


CASES = {
    "newest first": ProductFilters(),
    "recently updated": ProductFilters(sort="-updated"),
    "by title": ProductFilters(sort="title"),
    "drafts": ProductFilters(status="draft"),
    "search": ProductFilters(q="cotton crew"),
    "search a SKU": ProductFilters(q="SKU-4242"),
    "search published": ProductFilters(q="linen", status="published"),
}


def test_list_and_count_queries_use_indexes(catalog):
    """One test over every case: building the catalog is the slow part."""
    offenders = {}
    for name, filters in CASES.items():
        for kind, (query, params) in {
            "list": list_products_query(filters=filters, limit=50, offset=0),
            "count": count_products_query(filters=filters),
            # A search's page and total in one statement (list_products_and_total).
            "list with total": list_products_query(filters=filters, limit=50, offset=0,
                                                   with_total=True),
        }.items():
            scanned = scanned_tables(catalog, query, params) & {"products", "p_variants"}
            unfiltered = not filters.q and not filters.status
            if scanned and not (kind != "list" and unfiltered):
                offenders[f"{kind}: {name}"] = scanned
    assert offenders == {}


def test_a_prepared_list_page_keeps_one_plan_instead_of_planning_every_time(catalog):
    """psycopg prepares a statement it has run 5 times; PostgreSQL then keeps a generic
    plan only when that looks no dearer than planning each run. With LIMIT and OFFSET
    sent as parameters it never did, and every list page was planned again (~0.3 ms of
    the server's CPU). pg_prepared_statements counts which plans were used."""
    from app.products.queries import list_products_and_total

    for filters in (ProductFilters(), ProductFilters(status="draft")):
        for _ in range(20):  # prepared from the 6th run; 5 custom plans first
            list_products_and_total(catalog, filters=filters, limit=50, offset=50)
    plans = catalog.execute(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements").fetchall()
    assert len(plans) == 2
    for row in plans:
        assert row["generic_plans"] >= 10 and row["custom_plans"] <= 5
