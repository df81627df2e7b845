"""Small factories that write straight to the database, as a fixture would."""

import itertools

from slugify import slugify

from app.ids import new_id

_counter = itertools.count(1)


def make_collection(conn, title="Summer"):
    cid = new_id("collection")
    conn.execute("INSERT INTO p_collections (id, title, handle) VALUES (%s, %s, %s)",
                 (cid, title, slugify(title) + f"-{next(_counter)}"))
    return cid


def make_type(conn, value="Apparel"):
    tid = new_id("type")
    conn.execute("INSERT INTO p_types (id, value) VALUES (%s, %s)", (tid, value))
    return tid


def make_tag(conn, value="organic"):
    tid = new_id("tag")
    conn.execute("INSERT INTO p_tags (id, value) VALUES (%s, %s)", (tid, value))
    return tid


def make_category(conn, name="Shirts", parent_id=None, rank=0):
    cid = new_id("category")
    conn.execute(
        "INSERT INTO p_categories (id, name, handle, parent_id, rank, is_active) "
        "VALUES (%s, %s, %s, %s, %s, true)",
        (cid, name, slugify(name) + f"-{next(_counter)}", parent_id, rank))
    return cid


def make_product(conn, title="Linen Shirt", *, handle=None, status="draft", skus=(),
                 collection_id=None, type_id=None, tag_ids=(), category_ids=()):
    """A product; one variant per SKU given (no options)."""
    pid = new_id("product")
    conn.execute(
        "INSERT INTO products (id, title, handle, status, collection_id, type_id) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (pid, title, handle or f"{slugify(title)}-{next(_counter)}", status, collection_id,
         type_id))
    for rank, sku in enumerate(skus):
        conn.execute(
            "INSERT INTO p_variants (id, title, sku, product_id, variant_rank) "
            "VALUES (%s, %s, %s, %s, %s)", (new_id("variant"), sku, sku, pid, rank))
    for tag_id in tag_ids:
        conn.execute("INSERT INTO products_tags VALUES (%s, %s)", (pid, tag_id))
    for category_id in category_ids:
        conn.execute("INSERT INTO p_categories_products VALUES (%s, %s)", (pid, category_id))
    return pid


def make_products(conn, n, *, status="published", variants_each=2):
    """n products with variants, in two statements whatever n is."""
    prefix = new_id("product")
    conn.execute(
        """
        INSERT INTO products (id, title, handle, status)
        SELECT %(p)s || g, 'Bulk product ' || g, lower(%(p)s) || '-' || g, %(status)s
          FROM generate_series(1, %(n)s) AS g
        """, {"p": prefix, "n": n, "status": status})
    conn.execute(
        """
        INSERT INTO p_variants (id, title, sku, product_id, variant_rank)
        SELECT %(p)s || g || '-' || r, 'V' || r, %(p)s || '-SKU-' || g || '-' || r,
               %(p)s || g, r
          FROM generate_series(1, %(n)s) AS g, generate_series(0, %(k)s - 1) AS r
        """, {"p": prefix, "n": n, "k": variants_each})
    return prefix
