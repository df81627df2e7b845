"""The list's totals come from product_status_counts (migration 0015), kept by
triggers: they must equal a real count after every kind of write."""

import re

from tests.factories import make_product, make_products


def real_counts(conn) -> dict:
    rows = conn.execute("SELECT status, count(*) AS n FROM products WHERE deleted_at IS NULL "
                        "GROUP BY status").fetchall()
    return {r["status"]: r["n"] for r in rows}


def kept_counts(conn) -> dict:
    rows = conn.execute("SELECT status, live FROM product_status_counts WHERE live <> 0"
                        ).fetchall()
    return {r["status"]: r["live"] for r in rows}


def shown_total(client, query=""):
    html = client.get("/products/" + query).get_data(as_text=True)
    return int(re.search(r"([\d,]+) (?:products|results|product)", html).group(1)
               .replace(",", ""))


def test_counts_follow_inserts_status_moves_deletes_restores_and_purges(client, conn):
    make_products(conn, 30, status="draft")
    make_products(conn, 5, status="published")
    mug = make_product(conn, "Mug", status="proposed")
    assert kept_counts(conn) == real_counts(conn) == {"draft": 30, "published": 5, "proposed": 1}

    conn.execute("UPDATE products SET status = 'proposed' WHERE status = 'draft' "
                 "AND title LIKE 'Bulk product 1%'")
    conn.execute("UPDATE products SET title = title || '!'")         # no status change
    conn.execute("UPDATE products SET deleted_at = now() WHERE id = %s", (mug,))
    assert kept_counts(conn) == real_counts(conn)
    conn.execute("UPDATE products SET deleted_at = NULL, status = 'rejected' WHERE id = %s",
                 (mug,))
    assert kept_counts(conn) == real_counts(conn)
    conn.execute("UPDATE products SET deleted_at = now() WHERE id = %s", (mug,))
    conn.execute("DELETE FROM products WHERE id = %s", (mug,))        # purged from the Trash
    assert kept_counts(conn) == real_counts(conn)

    assert shown_total(client) == sum(real_counts(conn).values())
    assert shown_total(client, "?status=published") == 5


def test_a_rolled_back_change_leaves_the_counts_alone(conn):
    make_products(conn, 3, status="draft")
    try:
        with conn.transaction():
            conn.execute("UPDATE products SET status = 'proposed'")
            raise RuntimeError
    except RuntimeError:
        pass
    assert kept_counts(conn) == {"draft": 3}


def test_emptying_the_catalog_resets_the_counts(conn):
    make_products(conn, 3, status="draft")
    conn.execute("TRUNCATE products CASCADE")
    assert kept_counts(conn) == {}
    make_products(conn, 2, status="published")
    assert kept_counts(conn) == {"published": 2}


def test_a_status_with_no_products_and_a_page_past_the_end_still_count(client, conn):
    """The page and the kept total come in one statement; with no rows on the page
    the total is counted apart."""
    assert "No products yet" in client.get("/products/").get_data(as_text=True)
    make_products(conn, 3, status="draft")
    none = client.get("/products/?status=published").get_data(as_text=True)
    assert "No products match" in none
    past = client.get("/products/?status=draft&page=5")
    assert past.status_code == 200 and "No products match" in past.get_data(as_text=True)
    assert shown_total(client, "?status=draft") == 3
