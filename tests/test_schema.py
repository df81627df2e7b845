"""The schema is the seed's contract: tables, columns, types, defaults, indexes."""

import pytest

# Transcribed from the seed data model: (column, type, NOT NULL, default).
TS = "timestamp with time zone"
TIMESTAMPS = [("created_at", TS, True, "now()"), ("updated_at", TS, True, "now()"),
              ("deleted_at", TS, False, None)]

SEED_TABLES = {
    "products": [
        ("id", "text", True, None), ("title", "text", True, None),
        ("handle", "text", True, None), ("subtitle", "text", False, None),
        ("description", "text", False, None), ("is_giftcard", "boolean", True, "false"),
        ("status", "text", True, "'draft'::text"), ("thumbnail", "text", False, None),
        ("weight", "text", False, None), ("length", "text", False, None),
        ("height", "text", False, None), ("width", "text", False, None),
        ("origin_country", "text", False, None), ("hs_code", "text", False, None),
        ("mid_code", "text", False, None), ("material", "text", False, None),
        ("collection_id", "text", False, None), ("type_id", "text", False, None),
        ("discountable", "boolean", True, "true"), ("external_id", "text", False, None),
        *TIMESTAMPS, ("metadata", "jsonb", False, None),
    ],
    "p_variants": [
        ("id", "text", True, None), ("title", "text", True, None),
        ("sku", "text", False, None), ("barcode", "text", False, None),
        ("ean", "text", False, None), ("upc", "text", False, None),
        ("allow_backorder", "boolean", True, "false"),
        ("manage_inventory", "boolean", True, "true"), ("hs_code", "text", False, None),
        ("origin_country", "text", False, None), ("thumbnail", "text", False, None),
        ("mid_code", "text", False, None), ("material", "text", False, None),
        ("weight", "integer", False, None), ("length", "integer", False, None),
        ("height", "integer", False, None), ("width", "integer", False, None),
        ("metadata", "jsonb", False, None), ("variant_rank", "integer", False, "0"),
        ("product_id", "text", False, None), *TIMESTAMPS,
    ],
    "p_categories": [
        ("id", "text", True, None), ("name", "text", True, None),
        ("description", "text", True, "''::text"), ("handle", "text", True, None),
        ("is_active", "boolean", True, "false"), ("is_internal", "boolean", True, "false"),
        ("rank", "integer", True, "0"), ("image_id", "text", False, None),
        ("thumbnail", "text", False, None), ("parent_id", "text", False, None),
        *TIMESTAMPS, ("metadata", "jsonb", False, None),
    ],
    "p_categories_products": [
        ("product_id", "text", True, None), ("p_categories_id", "text", True, None),
    ],
    "p_collections": [
        ("id", "text", True, None), ("title", "text", True, None),
        ("handle", "text", True, None), ("metadata", "jsonb", False, None), *TIMESTAMPS,
    ],
    "p_options": [
        ("id", "text", True, None), ("title", "text", True, None),
        ("product_id", "text", True, None), ("metadata", "jsonb", False, None), *TIMESTAMPS,
    ],
    "p_option_values": [
        ("id", "text", True, None), ("value", "text", True, None),
        ("option_id", "text", False, None), ("metadata", "jsonb", False, None), *TIMESTAMPS,
    ],
    "p_variants_options": [
        ("variant_id", "text", True, None), ("option_value_id", "text", True, None),
    ],
    "p_tags": [
        ("id", "text", True, None), ("value", "text", True, None),
        ("metadata", "jsonb", False, None), *TIMESTAMPS,
    ],
    "products_tags": [
        ("product_id", "text", True, None), ("product_tag_id", "text", True, None),
    ],
    "p_types": [
        ("id", "text", True, None), ("value", "text", True, None),
        ("metadata", "json", False, None), *TIMESTAMPS,
    ],
    # product_id is nullable by decision (category images need no product).
    "images": [
        ("id", "text", True, None), ("url", "text", True, None),
        ("metadata", "jsonb", False, None), *TIMESTAMPS,
        ("rank", "integer", True, "0"), ("product_id", "text", False, None),
    ],
    "products_images": [
        ("product_id", "text", True, None), ("image_id", "text", True, None),
        ("variant_id", "text", True, None),
    ],
}

# The seed's unique indexes: name -> (table, columns, partial predicate).
LIVE = "(deleted_at IS NULL)"
SEED_UNIQUE_INDEXES = {
    "products_handle_unique": ("products", ["handle"], LIVE),
    "p_variants_ean_unique": ("p_variants", ["ean"], LIVE),
    "p_variants_upc_unique": ("p_variants", ["upc"], LIVE),
    "p_variants_sku_unique": ("p_variants", ["sku"], LIVE),
    "p_variants_barcode_unique": ("p_variants", ["barcode"], LIVE),
    "p_categories_handle_unique": ("p_categories", ["handle"], LIVE),
    "p_collections_handle_unique": ("p_collections", ["handle"], LIVE),
    "p_options_product_title_unique": ("p_options", ["product_id", "title"], LIVE),
    "p_option_values_option_value_unique": ("p_option_values", ["option_id", "value"], LIVE),
    "p_tags_value_unique": ("p_tags", ["value"], LIVE),
    "p_types_value_unique": ("p_types", ["value"], LIVE),
}

SEED_PLAIN_INDEXES = [
    "products_type_id_idx", "products_collection_id_idx", "products_deleted_at_idx",
    "products_status_idx", "p_variants_product_id_idx", "p_variants_deleted_at_idx",
    "p_variants_id_product_id_idx", "p_categories_parent_id_idx", "p_collections_deleted_at_idx",
    "p_options_deleted_at_idx", "p_options_product_id_idx", "p_option_values_deleted_at_idx",
    "p_option_values_option_id_idx", "p_tags_deleted_at_idx", "p_types_deleted_at_idx",
    "images_url_idx", "images_deleted_at_idx", "images_rank_idx",
]

SEED_PRIMARY_KEYS = {
    "p_categories_products": ["product_id", "p_categories_id"],
    "products_tags": ["product_id", "product_tag_id"],
    "products_images": ["product_id", "variant_id", "image_id"],
    # Decision: the seed's (variant_id) key cannot hold one row per option.
    "p_variants_options": ["variant_id", "option_value_id"],
}


@pytest.mark.parametrize("table", sorted(SEED_TABLES))
def test_seed_table_has_exactly_the_seed_columns(conn, table):
    rows = conn.execute(
        """
        SELECT column_name, data_type, is_nullable, column_default
          FROM information_schema.columns
         WHERE table_schema = 'public'
           AND table_name = %s
         ORDER BY ordinal_position
        """,
        (table,),
    ).fetchall()
    actual = {r["column_name"]: (r["data_type"], r["is_nullable"] == "NO", r["column_default"])
              for r in rows}
    expected = {name: (type_, not_null, default)
                for name, type_, not_null, default in SEED_TABLES[table]}
    assert actual == expected


@pytest.mark.parametrize("name", sorted(SEED_UNIQUE_INDEXES))
def test_seed_unique_index_is_partial_on_live_rows(conn, name):
    table, columns, predicate = SEED_UNIQUE_INDEXES[name]
    row = conn.execute(
        """
        SELECT i.indisunique AS is_unique,
               t.relname AS table_name,
               pg_get_expr(i.indpred, i.indrelid) AS predicate,
               array(SELECT a.attname
                       FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
                       JOIN pg_attribute AS a
                         ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                      ORDER BY k.n) AS columns
          FROM pg_index AS i
          JOIN pg_class AS c ON c.oid = i.indexrelid
          JOIN pg_class AS t ON t.oid = i.indrelid
         WHERE c.relname = %s
        """,
        (name,),
    ).fetchone()
    assert row is not None, f"index {name} is missing"
    assert row["is_unique"]
    assert row["table_name"] == table
    assert row["columns"] == columns
    assert row["predicate"] == predicate


def test_every_seed_index_exists(conn):
    names = {r["indexname"] for r in conn.execute("SELECT indexname FROM pg_indexes")}
    assert set(SEED_PLAIN_INDEXES) <= names


@pytest.mark.parametrize("table", sorted(SEED_PRIMARY_KEYS))
def test_junction_primary_keys(conn, table):
    row = conn.execute(
        """
        SELECT array(SELECT a.attname
                       FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
                       JOIN pg_attribute AS a
                         ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                      ORDER BY k.n) AS columns
          FROM pg_index AS i
         WHERE i.indrelid = %s::regclass
           AND i.indisprimary
        """,
        (table,),
    ).fetchone()
    assert row["columns"] == SEED_PRIMARY_KEYS[table]


def test_seed_foreign_keys_exist(conn):
    rows = conn.execute(
        """
        SELECT conrelid::regclass::text AS table_name, conname
          FROM pg_constraint
         WHERE contype = 'f'
        """
    ).fetchall()
    names = {r["conname"] for r in rows}
    assert {
        "products_collection_fk", "products_type_fk", "p_variants_product_fk",
        "p_categories_parent_fk", "p_categories_image_fk",
        "p_categories_products_product_fk", "p_categories_products_category_fk",
        "p_options_product_fk", "p_option_values_option_fk",
        "p_variants_options_variant_fk", "p_variants_options_option_value_fk",
        "products_tags_product_fk", "products_tags_tag_fk", "products_images_product_fk",
        "products_images_image_fk", "products_images_variant_fk",
        # Decision: images.product_id gets the foreign key the seed left out.
        "images_product_fk",
    } <= names


def test_products_status_check_refuses_unknown_status(conn):
    import psycopg

    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "INSERT INTO products (id, title, handle, status) VALUES ('prod_1', 'A', 'a', 'gone')"
        )
