"""What the database itself guarantees, whatever code writes to it."""

import json
import time

import psycopg
import pytest

from app.ids import new_id


def insert_product(conn, handle="shirt", **columns):
    product_id = new_id("product")
    conn.execute(
        "INSERT INTO products (id, title, handle, metadata) VALUES (%s, %s, %s, %s)",
        (product_id, columns.get("title", "Shirt"), handle, columns.get("metadata")),
    )
    return product_id


def test_a_live_duplicate_handle_is_refused(conn):
    insert_product(conn, "linen-shirt")
    with pytest.raises(psycopg.errors.UniqueViolation) as caught:
        insert_product(conn, "linen-shirt")
    assert caught.value.diag.constraint_name == "products_handle_unique"
    assert conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"] == 1


def test_a_soft_deleted_product_frees_its_handle(conn):
    old = insert_product(conn, "linen-shirt")
    conn.execute("UPDATE products SET deleted_at = now() WHERE id = %s", (old,))
    insert_product(conn, "linen-shirt")
    rows = conn.execute("SELECT deleted_at FROM products WHERE handle = 'linen-shirt'").fetchall()
    assert len(rows) == 2
    assert sum(r["deleted_at"] is None for r in rows) == 1


def test_updated_at_moves_on_every_update(conn):
    product_id = insert_product(conn)
    before = conn.execute(
        "SELECT created_at, updated_at FROM products WHERE id = %s", (product_id,)
    ).fetchone()
    time.sleep(0.002)
    conn.execute("UPDATE products SET title = 'Shirt 2' WHERE id = %s", (product_id,))
    first = conn.execute("SELECT updated_at FROM products WHERE id = %s", (product_id,)).fetchone()
    # Two updates in one transaction still move it: optimistic locking relies on that.
    with conn.transaction():
        conn.execute("UPDATE products SET title = 'Shirt 3' WHERE id = %s", (product_id,))
        conn.execute("UPDATE products SET title = 'Shirt 4' WHERE id = %s", (product_id,))
    second = conn.execute(
        "SELECT created_at, updated_at FROM products WHERE id = %s", (product_id,)
    ).fetchone()
    assert first["updated_at"] > before["updated_at"]
    assert second["updated_at"] > first["updated_at"]
    assert second["created_at"] == before["created_at"]


def test_metadata_over_10kb_is_refused(conn):
    insert_product(conn, "small", metadata=json.dumps({"note": "x" * 10_000}))
    with pytest.raises(psycopg.errors.CheckViolation) as caught:
        insert_product(conn, "big", metadata=json.dumps({"note": "x" * 10_300}))
    assert caught.value.diag.constraint_name == "products_metadata_size_check"
    assert [r["handle"] for r in conn.execute("SELECT handle FROM products")] == ["small"]


def test_a_variant_cannot_hold_two_values_of_one_option(conn):
    product_id = insert_product(conn)
    color, size = new_id("option"), new_id("option")
    conn.execute(
        "INSERT INTO p_options (id, title, product_id) VALUES (%s, 'Color', %s), (%s, 'Size', %s)",
        (color, product_id, size, product_id),
    )
    red, blue, large = new_id("option_value"), new_id("option_value"), new_id("option_value")
    conn.execute(
        """
        INSERT INTO p_option_values (id, value, option_id)
        VALUES (%s, 'Red', %s), (%s, 'Blue', %s), (%s, 'L', %s)
        """,
        (red, color, blue, color, large, size),
    )
    variant = new_id("variant")
    conn.execute(
        "INSERT INTO p_variants (id, title, product_id) VALUES (%s, 'Red / L', %s)",
        (variant, product_id),
    )
    conn.execute(
        "INSERT INTO p_variants_options VALUES (%s, %s), (%s, %s)", (variant, red, variant, large)
    )
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("INSERT INTO p_variants_options VALUES (%s, %s)", (variant, blue))
    held = conn.execute(
        "SELECT option_value_id FROM p_variants_options WHERE variant_id = %s", (variant,)
    ).fetchall()
    assert {r["option_value_id"] for r in held} == {red, large}


def test_a_duplicate_live_sku_is_refused_but_a_deleted_one_is_not(conn):
    product_id = insert_product(conn)
    conn.execute(
        "INSERT INTO p_variants (id, title, sku, product_id, deleted_at) "
        "VALUES (%s, 'Old', 'SKU-1', %s, now())",
        (new_id("variant"), product_id),
    )
    conn.execute(
        "INSERT INTO p_variants (id, title, sku, product_id) VALUES (%s, 'New', 'SKU-1', %s)",
        (new_id("variant"), product_id),
    )
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(
            "INSERT INTO p_variants (id, title, sku, product_id) VALUES (%s, 'Dup', 'SKU-1', %s)",
            (new_id("variant"), product_id),
        )
