"""SQL for products: the list, one product, writes, bulk actions, Trash."""

from dataclasses import dataclass, field

from psycopg import sql
from psycopg.types.json import Jsonb

from ..db import like_pattern

# Sort keys staff may ask for -> ORDER BY. Never built from user text.
SORTS = {
    "created": sql.SQL("p.created_at ASC, p.id ASC"),
    "-created": sql.SQL("p.created_at DESC, p.id DESC"),
    "updated": sql.SQL("p.updated_at ASC, p.id ASC"),
    "-updated": sql.SQL("p.updated_at DESC, p.id DESC"),
    "title": sql.SQL("p.title ASC, p.id ASC"),
    "-title": sql.SQL("p.title DESC, p.id DESC"),
    "status": sql.SQL("p.status ASC, p.created_at DESC, p.id DESC"),
    "-status": sql.SQL("p.status DESC, p.created_at DESC, p.id DESC"),
}
DEFAULT_SORT = "-created"
MAX_TERMS = 6

# Every column of `products` a form edits.
EDITABLE_COLUMNS = (
    "title", "subtitle", "description", "handle", "status", "thumbnail", "weight", "length",
    "height", "width", "origin_country", "hs_code", "mid_code", "material", "collection_id",
    "type_id", "discountable", "is_giftcard", "external_id", "metadata",
)


@dataclass
class ProductFilters:
    q: str = ""
    status: str | None = None
    collection_id: str | None = None
    type_id: str | None = None
    tag_id: str | None = None
    category_id: str | None = None
    no_variants: bool = False
    sort: str = DEFAULT_SORT
    ids: list[str] = field(default_factory=list)



def where_clause(filters: ProductFilters) -> tuple[sql.Composable, dict]:
    """The WHERE clause of the product list and its parameters, over products AS p
    (the list, its count, bulk actions on all matching, and the CSV export)."""
    clauses = [sql.SQL("p.deleted_at IS NULL")]
    params: dict = {}
    terms = filters.q.split()[:MAX_TERMS]
    if terms:
        # A product matches when its handle holds every term, its title holds every
        # term, or one of its variants' codes holds the whole query. Each test has its
        # trigram index, and the variants' product ids come as an array: the three
        # combine into one BitmapOr on `products`, one pass over the matching rows
        # (a UNION of three lookups fetched every product twice and sorted the ids).
        # The handle comes first: its test is a plain LIKE, so a row it matches skips
        # the title's unaccent.
        title_terms, handle_terms = [], []
        for i, term in enumerate(terms):
            params[f"t{i}"] = like_pattern(term)
            title_terms.append(sql.SQL("catalog_fold(p.title) LIKE catalog_fold({})").format(
                sql.Placeholder(f"t{i}")))
            handle_terms.append(sql.SQL("p.handle LIKE lower({})").format(
                sql.Placeholder(f"t{i}")))
        params["code"] = like_pattern(filters.q.strip().lower())
        clauses.append(sql.SQL(
            """(({handle_terms})
                OR ({title_terms})
                OR p.id = ANY(ARRAY(
                    SELECT v.product_id
                      FROM p_variants AS v
                     WHERE v.deleted_at IS NULL
                       AND lower(coalesce(v.sku, '') || ' ' || coalesce(v.barcode, '') || ' '
                                 || coalesce(v.ean, '') || ' ' || coalesce(v.upc, ''))
                           LIKE %(code)s)))"""
        ).format(title_terms=sql.SQL(" AND ").join(title_terms),
                 handle_terms=sql.SQL(" AND ").join(handle_terms)))
    for column in ("status", "collection_id", "type_id"):
        value = getattr(filters, column)
        if value:
            clauses.append(sql.SQL("p.{} = {}").format(
                sql.Identifier(column), sql.Placeholder(column)))
            params[column] = value
    if filters.tag_id:
        clauses.append(sql.SQL(
            "p.id IN (SELECT product_id FROM products_tags WHERE product_tag_id = %(tag_id)s)"))
        params["tag_id"] = filters.tag_id
    if filters.category_id:
        clauses.append(sql.SQL(
            """p.id IN (
                WITH RECURSIVE tree AS (
                    SELECT id FROM p_categories
                     WHERE id = %(category_id)s AND deleted_at IS NULL
                    UNION ALL
                    SELECT c.id FROM p_categories AS c JOIN tree ON c.parent_id = tree.id
                     WHERE c.deleted_at IS NULL
                )
                SELECT cp.product_id
                  FROM p_categories_products AS cp
                 WHERE cp.p_categories_id IN (SELECT id FROM tree))"""))
        params["category_id"] = filters.category_id
    if filters.no_variants:
        clauses.append(sql.SQL(
            """NOT EXISTS (SELECT 1 FROM p_variants AS v
                            WHERE v.product_id = p.id AND v.deleted_at IS NULL)"""))
    if filters.ids:
        clauses.append(sql.SQL("p.id = ANY(%(ids)s)"))
        params["ids"] = filters.ids
    return sql.SQL(" AND ").join(clauses), params


def list_products_query(*, filters: ProductFilters, limit: int, offset: int,
                        with_total: bool = False):
    """The list's statement and parameters (also EXPLAINed by the plan tests).

    with_total: each row carries the `total` of matching products. For a search the
    matching products are found once, kept (MATERIALIZED) and both counted and paged:
    matching is the costly part, and that halves the work of a count and a list apart.
    With no filter but the status, the total is the kept status count's (no count of
    its own, and one statement less). Other filters are counted apart (count_products):
    an index-only count beats keeping every match of a large category."""
    where, params = where_clause(filters)
    searching = bool(filters.q.split())
    order = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    # LIMIT and OFFSET are written into the statement, not sent as parameters: with
    # them known, PostgreSQL keeps one generic plan for a prepared statement instead of
    # planning it again on every execution (~0.3 ms of its CPU per list page). Each
    # page number is a statement of its own; only those used often get prepared.
    limit, offset = sql.Literal(int(limit)), sql.Literal(int(offset))
    # The page's ids come first, from the index alone; only those 50 rows then get
    # their joins and variant counts (an OFFSET otherwise computes them for every
    # skipped row: 50,000 of them on page 1,000). OFFSET 0 keeps the planner from
    # turning the per-id lookup back into a join over the whole table.
    if with_total and searching:
        head = sql.SQL(
            """
            WITH matched AS MATERIALIZED (
                SELECT p.id, p.created_at, p.updated_at, p.title, p.status
                  FROM products AS p
                 WHERE {where}
            ),
            page AS (
                SELECT p.id
                  FROM matched AS p
                 ORDER BY {order}
                 LIMIT {limit} OFFSET {offset}
            )"""
        ).format(where=where, order=order, limit=limit, offset=offset)
        total = sql.SQL("(SELECT count(*) FROM matched) AS total,")
    else:
        if with_total and not _counted_by_status(filters):
            raise ValueError("with_total: a search, or no filter but the status")
        head = sql.SQL(
            """
            WITH page AS (
                SELECT p.id
                  FROM products AS p
                 WHERE {where}
                 ORDER BY {order}
                 LIMIT {limit} OFFSET {offset}
            )"""
        ).format(where=where, order=order, limit=limit, offset=offset)
        total = sql.SQL("")
        if with_total:
            total = sql.SQL("({}) AS total,").format(sql.SQL(_STATUS_TOTAL))
            params["total_status"] = filters.status or None
    query = sql.SQL(
        """
        {head}
        SELECT p.id, p.title, p.handle, p.status, p.thumbnail, p.created_at, p.updated_at,
               col.title AS collection_title, typ.value AS type_value, {total}
               (SELECT count(*)
                  FROM p_variants AS v
                 WHERE v.product_id = p.id
                   AND v.deleted_at IS NULL) AS variant_count
          FROM page
         CROSS JOIN LATERAL (SELECT * FROM products AS x WHERE x.id = page.id OFFSET 0) AS p
          LEFT JOIN p_collections AS col ON col.id = p.collection_id
          LEFT JOIN p_types AS typ ON typ.id = p.type_id
         ORDER BY {order}
        """
    ).format(head=head, total=total, order=order)
    return query, params


def list_products(conn, *, filters: ProductFilters, limit: int, offset: int):
    """One page of live products with their collection, type and variant count."""
    query, params = list_products_query(filters=filters, limit=limit, offset=offset)
    return conn.execute(query, params).fetchall()


def list_products_and_total(conn, *, filters: ProductFilters, limit: int, offset: int):
    """(one page of products, how many match): in one statement for a search and for
    no filter but the status; other filters count in a statement of their own."""
    if filters.q.split() or _counted_by_status(filters):
        query, params = list_products_query(filters=filters, limit=limit, offset=offset,
                                            with_total=True)
        rows = conn.execute(query, params).fetchall()
        if rows:
            return rows, rows[0]["total"]
    else:
        rows = list_products(conn, filters=filters, limit=limit, offset=offset)
    return rows, count_products(conn, filters=filters)


# Live products with one status (or any, for None), from the counts kept by triggers
# (migration 0015): no scan of every live product.
_STATUS_TOTAL = """
    SELECT coalesce(sum(live), 0)::bigint
      FROM product_status_counts
     WHERE %(total_status)s::text IS NULL
        OR status = %(total_status)s"""


def count_products_query(*, filters: ProductFilters):
    where, params = where_clause(filters)
    return sql.SQL("SELECT count(*) AS n FROM products AS p WHERE {}").format(where), params


def count_products(conn, *, filters: ProductFilters) -> int:
    if _counted_by_status(filters):
        return conn.execute(sql.SQL("SELECT ({}) AS n").format(sql.SQL(_STATUS_TOTAL)),
                            {"total_status": filters.status or None}).fetchone()["n"]
    query, params = count_products_query(filters=filters)
    return conn.execute(query, params).fetchone()["n"]


def _counted_by_status(filters: ProductFilters) -> bool:
    """No filter but (at most) the status: product_status_counts knows the total."""
    return not (filters.q.split() or filters.collection_id or filters.type_id
                or filters.tag_id or filters.category_id or filters.no_variants or filters.ids)


def list_matching_ids(conn, *, filters: ProductFilters):
    """Ids of every live product the filters match (for "all matching" bulk actions)."""
    where, params = where_clause(filters)
    rows = conn.execute(
        sql.SQL("SELECT p.id FROM products AS p WHERE {}").format(where), params
    ).fetchall()
    return [r["id"] for r in rows]


def get_choices(conn, *, tags=True, categories=True, chosen_categories=None):
    """Live collections and types (and tags and categories, with their paths) for selects,
    in one query. Tags and categories can run to thousands: pages that can, load them
    lazily instead (list_category_choices, list_tag_choices). chosen_categories: ids
    whose paths come as `categories` instead of every category (a select that starts
    with its chosen options and loads the rest when used)."""
    if chosen_categories is not None:
        categories_sql = sql.SQL(_CHOSEN_CATEGORIES).format(ids=sql.Literal(
            [i for i in chosen_categories if i]))
    elif categories:
        categories_sql = sql.SQL(_CATEGORY_CHOICES)
    else:
        categories_sql = sql.SQL("'[]'::json")
    return conn.execute(
        sql.SQL(
            """
            SELECT (SELECT coalesce(json_agg(json_build_object('id', id, 'label', title)
                                             ORDER BY lower(title)), '[]')
                      FROM p_collections
                     WHERE deleted_at IS NULL) AS collections,
                   (SELECT coalesce(json_agg(json_build_object('id', id, 'label', value)
                                             ORDER BY lower(value)), '[]')
                      FROM p_types
                     WHERE deleted_at IS NULL) AS types,
                   {tags} AS tags,
                   {categories} AS categories
            """
        ).format(
            tags=sql.SQL(_TAG_CHOICES if tags else "'[]'::json"),
            categories=categories_sql,
        )
    ).fetchone()


_TAG_CHOICES = """
    (SELECT coalesce(json_agg(json_build_object('id', id, 'label', value)
                              ORDER BY lower(value)), '[]')
       FROM p_tags
      WHERE deleted_at IS NULL)
"""

# Categories in tree order, labelled with their path from the root.
_CATEGORY_CHOICES = """
    (WITH RECURSIVE tree AS (
         SELECT id, name AS path, ARRAY[rank] AS sort_key
           FROM p_categories
          WHERE parent_id IS NULL
            AND deleted_at IS NULL
         UNION ALL
         SELECT c.id, tree.path || ' › ' || c.name, tree.sort_key || c.rank
           FROM p_categories AS c
           JOIN tree ON c.parent_id = tree.id
          WHERE c.deleted_at IS NULL
     )
     SELECT coalesce(json_agg(json_build_object('id', id, 'label', path)
                              ORDER BY sort_key), '[]')
       FROM tree)
"""


# Some categories (ids), labelled with their path from the root, in label order.
_CHOSEN_CATEGORIES = """
    (WITH RECURSIVE path (start, parent_id, label, depth) AS (
         SELECT c.id, c.parent_id, c.name::text, 0
           FROM p_categories AS c
          WHERE c.id = ANY({ids}::text[])
            AND c.deleted_at IS NULL
         UNION ALL
         SELECT path.start, c.parent_id, c.name || ' › ' || path.label, path.depth + 1
           FROM p_categories AS c
           JOIN path ON c.id = path.parent_id
          WHERE path.depth < 1000
     )
     SELECT coalesce(json_agg(json_build_object('id', start, 'label', label)
                              ORDER BY label), '[]')
       FROM path
      WHERE parent_id IS NULL)
"""


def get_choice_labels(conn, *, collection_id=None, type_id=None, tag_id=None,
                      category_id=None):
    """Labels of the collection, type, tag and category a list is filtered by (the lazily
    loaded selects show the selected option before the rest arrive)."""
    category = sql.SQL(_CHOSEN_CATEGORIES).format(
        ids=sql.Literal([category_id] if category_id else []))
    return conn.execute(
        sql.SQL(
            """
            SELECT (SELECT title FROM p_collections WHERE id = %(collection_id)s)
                       AS collection_id,
                   (SELECT value FROM p_types WHERE id = %(type_id)s) AS type_id,
                   (SELECT value FROM p_tags WHERE id = %(tag_id)s) AS tag_id,
                   {category} -> 0 ->> 'label' AS category_id
            """
        ).format(category=category),
        {"collection_id": collection_id, "type_id": type_id, "tag_id": tag_id},
    ).fetchone()


def get_product(conn, *, product_id):
    """One live product with its tag values and category ids, or None."""
    return conn.execute(
        """
        SELECT p.*,
               col.title AS collection_title,
               typ.value AS type_value,
               coalesce((SELECT array_agg(t.value ORDER BY lower(t.value))
                           FROM products_tags AS pt
                           JOIN p_tags AS t ON t.id = pt.product_tag_id
                          WHERE pt.product_id = p.id
                            AND t.deleted_at IS NULL), '{}') AS tags,
               coalesce((SELECT array_agg(c.id ORDER BY c.id)
                           FROM p_categories_products AS cp
                           JOIN p_categories AS c ON c.id = cp.p_categories_id
                          WHERE cp.product_id = p.id
                            AND c.deleted_at IS NULL), '{}') AS category_ids,
               (SELECT count(*)
                  FROM p_variants AS v
                 WHERE v.product_id = p.id
                   AND v.deleted_at IS NULL) AS variant_count
          FROM products AS p
          LEFT JOIN p_collections AS col ON col.id = p.collection_id
          LEFT JOIN p_types AS typ ON typ.id = p.type_id
         WHERE p.id = %(product_id)s
           AND p.deleted_at IS NULL
        """,
        {"product_id": product_id},
    ).fetchone()


def _values(fields: dict) -> dict:
    values = {k: fields[k] for k in EDITABLE_COLUMNS if k in fields}
    if "metadata" in values and values["metadata"] is not None:
        values["metadata"] = Jsonb(values["metadata"])
    return values


def insert_product(conn, *, product_id, fields):
    """A new product; raises UniqueViolation on a taken handle."""
    values = _values(fields)
    columns = ["id", *values]
    return conn.execute(
        sql.SQL("INSERT INTO products ({columns}) VALUES ({values}) RETURNING id, handle").format(
            columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
            values=sql.SQL(", ").join(map(sql.Placeholder, columns)),
        ),
        {"id": product_id, **values},
    ).fetchone()


def update_product(conn, *, product_id, version, fields):
    """Save fields if nobody saved since `version` (its updated_at); None if they did."""
    values = _values(fields)
    return conn.execute(
        sql.SQL(
            """
            UPDATE products
               SET {assignments}
             WHERE id = %(id)s
               AND deleted_at IS NULL
               AND updated_at = %(version)s
            RETURNING id, handle, updated_at
            """
        ).format(assignments=sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in values)),
        {"id": product_id, "version": version, **values},
    ).fetchone()


def set_product_tags(conn, *, product_id, values, new_ids):
    """Link exactly these tag values, creating the ones that do not exist yet.

    Values match existing tags case-insensitively ("Organic" links "organic");
    `new_ids` holds a fresh id per value, used only for tags created here.
    """
    conn.execute(
        """
        INSERT INTO p_tags (id, value)
        SELECT new_id, value
          FROM unnest(%(values)s::text[], %(new_ids)s::text[]) AS v(value, new_id)
         WHERE NOT EXISTS (SELECT 1 FROM p_tags AS t
                            WHERE lower(t.value) = lower(v.value) AND t.deleted_at IS NULL)
        ON CONFLICT DO NOTHING
        """,
        {"values": values, "new_ids": new_ids},
    )
    _replace_links(conn, table="products_tags", column="product_tag_id", product_id=product_id,
                   wanted=sql.SQL("SELECT id FROM p_tags WHERE lower(value) = ANY(%(wanted)s) "
                                  "AND deleted_at IS NULL"),
                   wanted_values=[v.lower() for v in values])


def set_product_categories(conn, *, product_id, category_ids):
    """Link exactly these live categories."""
    _replace_links(conn, table="p_categories_products", column="p_categories_id",
                   product_id=product_id,
                   wanted=sql.SQL("SELECT id FROM p_categories WHERE id = ANY(%(wanted)s) "
                                  "AND deleted_at IS NULL"),
                   wanted_values=category_ids)


def _replace_links(conn, *, table, column, product_id, wanted, wanted_values):
    """Make a product's links in a junction table exactly the rows `wanted` selects."""
    conn.execute(
        sql.SQL(
            """
            WITH wanted AS ({wanted}),
            removed AS (
                DELETE FROM {table}
                 WHERE product_id = %(product_id)s
                   AND {column} NOT IN (SELECT id FROM wanted)
            )
            INSERT INTO {table} (product_id, {column})
            SELECT %(product_id)s, id FROM wanted
            ON CONFLICT DO NOTHING
            """
        ).format(wanted=wanted, table=sql.Identifier(table), column=sql.Identifier(column)),
        {"product_id": product_id, "wanted": wanted_values},
    )


def get_live_ids(conn, *, table, ids):
    """Which of these ids are live rows of a whitelisted table."""
    allowed = {"p_collections", "p_types", "p_categories", "p_tags"}
    if table not in allowed:
        raise ValueError(table)
    rows = conn.execute(
        sql.SQL("SELECT id FROM {} WHERE id = ANY(%(ids)s) AND deleted_at IS NULL").format(
            sql.Identifier(table)),
        {"ids": ids},
    ).fetchall()
    return {r["id"] for r in rows}


def get_handle_owner(conn, *, handle, exclude_id=None):
    """The live product holding `handle` (other than exclude_id), or None."""
    return conn.execute(
        """
        SELECT id, title
          FROM products
         WHERE handle = %(handle)s
           AND deleted_at IS NULL
           AND id IS DISTINCT FROM %(exclude_id)s
        """,
        {"handle": handle, "exclude_id": exclude_id},
    ).fetchone()


# --- Bulk actions -------------------------------------------------------------


def list_statuses(conn, *, ids):
    """id, title and status of these live products, locked for the bulk change."""
    return conn.execute(
        """
        SELECT id, title, status
          FROM products
         WHERE id = ANY(%(ids)s)
           AND deleted_at IS NULL
         ORDER BY id
           FOR UPDATE
        """,
        {"ids": ids},
    ).fetchall()


def update_status(conn, *, ids, status):
    return conn.execute(
        """
        UPDATE products
           SET status = %(status)s
         WHERE id = ANY(%(ids)s)
           AND deleted_at IS NULL
           AND status <> %(status)s
        """,
        {"ids": ids, "status": status},
    ).rowcount


def update_reference(conn, *, ids, column, value):
    """Set collection_id or type_id (None clears it) on live products."""
    if column not in ("collection_id", "type_id"):
        raise ValueError(column)
    return conn.execute(
        sql.SQL(
            """
            UPDATE products
               SET {column} = %(value)s
             WHERE id = ANY(%(ids)s)
               AND deleted_at IS NULL
               AND {column} IS DISTINCT FROM %(value)s
            """
        ).format(column=sql.Identifier(column)),
        {"ids": ids, "value": value},
    ).rowcount


# Junction tables a bulk action may add products to: table -> the other id's column.
LINK_TABLES = {"products_tags": "product_tag_id", "p_categories_products": "p_categories_id"}


def add_links(conn, *, ids, table, target_id):
    """Link these live products to a tag or category; the number of new links."""
    return conn.execute(
        sql.SQL(
            """
            INSERT INTO {table} (product_id, {column})
            SELECT id, %(target_id)s
              FROM products
             WHERE id = ANY(%(ids)s)
               AND deleted_at IS NULL
            ON CONFLICT DO NOTHING
            """
        ).format(table=sql.Identifier(table), column=sql.Identifier(LINK_TABLES[table])),
        {"ids": ids, "target_id": target_id},
    ).rowcount


def remove_tag(conn, *, ids, tag_id):
    return conn.execute(
        """
        DELETE FROM products_tags
         WHERE product_id = ANY(%(ids)s)
           AND product_tag_id = %(tag_id)s
        """,
        {"ids": ids, "tag_id": tag_id},
    ).rowcount


# --- Delete, Trash, restore ---------------------------------------------------


def soft_delete_products(conn, *, ids):
    """Soft-delete products with their variants, options, values and images, at one instant.

    The shared deleted_at is what restore uses to bring back exactly what this
    delete took (a variant deleted earlier on its own stays deleted).
    """
    return conn.execute(
        """
        WITH doomed AS (
            UPDATE products
               SET deleted_at = now()
             WHERE id = ANY(%(ids)s)
               AND deleted_at IS NULL
            RETURNING id, title
        ), variants AS (
            UPDATE p_variants SET deleted_at = now()
             WHERE product_id IN (SELECT id FROM doomed) AND deleted_at IS NULL
        ), options AS (
            UPDATE p_options SET deleted_at = now()
             WHERE product_id IN (SELECT id FROM doomed) AND deleted_at IS NULL
            RETURNING id
        ), option_values AS (
            UPDATE p_option_values SET deleted_at = now()
             WHERE option_id IN (SELECT o.id FROM p_options AS o
                                  WHERE o.product_id IN (SELECT id FROM doomed))
               AND deleted_at IS NULL
        ), images AS (
            UPDATE images SET deleted_at = now()
             WHERE product_id IN (SELECT id FROM doomed) AND deleted_at IS NULL
        )
        SELECT id, title FROM doomed ORDER BY title
        """,
        {"ids": ids},
    ).fetchall()


def list_deleted_products(conn, *, q, limit, offset):
    """Deleted products, newest deletion first, for the Trash (rows, total)."""
    params = {"q": like_pattern(q) if q else None, "limit": limit, "offset": offset}
    rows = conn.execute(
        """
        SELECT id, title AS name, handle AS detail, deleted_at, count(*) OVER () AS total
          FROM products
         WHERE deleted_at IS NOT NULL
           AND (%(q)s::text IS NULL
                OR catalog_fold(title) LIKE catalog_fold(%(q)s)
                OR handle LIKE lower(%(q)s))
         ORDER BY deleted_at DESC, id
         LIMIT %(limit)s OFFSET %(offset)s
        """,
        params,
    ).fetchall()
    return rows, (rows[0]["total"] if rows else 0)


def get_trashed_product(conn, *, product_id, lock: bool = False):
    """A product in the Trash and when it was deleted, or None; lock: for restoring it."""
    return conn.execute(
        sql.SQL(
            """
            SELECT id, title, handle, deleted_at
              FROM products
             WHERE id = %(product_id)s
               AND deleted_at IS NOT NULL
            {lock}
            """
        ).format(lock=sql.SQL("FOR UPDATE" if lock else "")),
        {"product_id": product_id},
    ).fetchone()


def list_restore_code_clashes(conn, *, product_id, deleted_at):
    """Codes of this product's deleted variants that a live variant now holds."""
    return conn.execute(
        """
        SELECT code.kind, code.value, owner.title AS owner_title
          FROM p_variants AS v
         CROSS JOIN LATERAL (VALUES ('SKU', v.sku), ('barcode', v.barcode),
                                    ('EAN', v.ean), ('UPC', v.upc)) AS code(kind, value)
          JOIN p_variants AS live
            ON live.deleted_at IS NULL
           AND code.value IS NOT NULL
           AND CASE code.kind WHEN 'SKU' THEN live.sku WHEN 'barcode' THEN live.barcode
                              WHEN 'EAN' THEN live.ean ELSE live.upc END = code.value
          JOIN products AS owner ON owner.id = live.product_id
         WHERE v.product_id = %(product_id)s
           AND v.deleted_at = %(deleted_at)s
         ORDER BY code.kind, code.value
        """,
        {"product_id": product_id, "deleted_at": deleted_at},
    ).fetchall()


def restore_product(conn, *, product_id, deleted_at, handle):
    """Bring back the product and what its delete took; raises UniqueViolation on a clash."""
    conn.execute(
        """
        WITH product AS (
            UPDATE products
               SET deleted_at = NULL, handle = %(handle)s
             WHERE id = %(product_id)s
            RETURNING id
        ), variants AS (
            UPDATE p_variants SET deleted_at = NULL
             WHERE product_id = %(product_id)s AND deleted_at = %(deleted_at)s
        ), options AS (
            UPDATE p_options SET deleted_at = NULL
             WHERE product_id = %(product_id)s AND deleted_at = %(deleted_at)s
        ), option_values AS (
            UPDATE p_option_values SET deleted_at = NULL
             WHERE option_id IN (SELECT id FROM p_options WHERE product_id = %(product_id)s)
               AND deleted_at = %(deleted_at)s
        )
        UPDATE images SET deleted_at = NULL
         WHERE product_id = %(product_id)s AND deleted_at = %(deleted_at)s
        """,
        {"product_id": product_id, "deleted_at": deleted_at, "handle": handle},
    )


def purge_product(conn, *, item_id):
    """Delete a trashed product for good with everything that belongs only to it."""
    row = conn.execute(
        "SELECT title FROM products WHERE id = %(id)s AND deleted_at IS NOT NULL FOR UPDATE",
        {"id": item_id},
    ).fetchone()
    if row is None:
        return None
    conn.execute(
        """
        WITH variant_ids AS (
            SELECT id FROM p_variants WHERE product_id = %(id)s
        ), option_ids AS (
            SELECT id FROM p_options WHERE product_id = %(id)s
        ), links AS (
            DELETE FROM products_images WHERE product_id = %(id)s
                OR variant_id IN (SELECT id FROM variant_ids)
        ), variant_options AS (
            DELETE FROM p_variants_options WHERE variant_id IN (SELECT id FROM variant_ids)
        ), tags AS (
            DELETE FROM products_tags WHERE product_id = %(id)s
        ), categories AS (
            DELETE FROM p_categories_products WHERE product_id = %(id)s
        )
        SELECT 1
        """,
        {"id": item_id},
    )
    # Children first: each statement sees the rows the one before removed.
    conn.execute(
        "DELETE FROM p_option_values WHERE option_id IN "
        "(SELECT id FROM p_options WHERE product_id = %(id)s)", {"id": item_id})
    conn.execute("DELETE FROM p_variants WHERE product_id = %(id)s", {"id": item_id})
    conn.execute("DELETE FROM p_options WHERE product_id = %(id)s", {"id": item_id})
    conn.execute(
        "UPDATE p_categories SET image_id = NULL WHERE image_id IN "
        "(SELECT id FROM images WHERE product_id = %(id)s)", {"id": item_id})
    conn.execute("DELETE FROM images WHERE product_id = %(id)s", {"id": item_id})
    conn.execute("DELETE FROM products WHERE id = %(id)s", {"id": item_id})
    return row["title"]


# --- Duplicate ----------------------------------------------------------------


def get_structure_ids(conn, *, product_id):
    """Ids of a product's live options, values and variants (to map onto fresh ids)."""
    return conn.execute(
        """
        SELECT (SELECT coalesce(array_agg(id ORDER BY id), '{}')
                  FROM p_options
                 WHERE product_id = %(id)s AND deleted_at IS NULL) AS options,
               (SELECT coalesce(array_agg(v.id ORDER BY v.id), '{}')
                  FROM p_option_values AS v
                  JOIN p_options AS o ON o.id = v.option_id
                 WHERE o.product_id = %(id)s
                   AND o.deleted_at IS NULL
                   AND v.deleted_at IS NULL) AS option_values,
               (SELECT coalesce(array_agg(id ORDER BY id), '{}')
                  FROM p_variants
                 WHERE product_id = %(id)s AND deleted_at IS NULL) AS variants,
               (SELECT coalesce(array_agg(id ORDER BY rank, id), '{}')
                  FROM images
                 WHERE product_id = %(id)s AND deleted_at IS NULL) AS images
        """,
        {"id": product_id},
    ).fetchone()


def copy_product(conn, *, source_id, new_id, title, handle, id_map):
    """A draft copy of a product with options, values, variants (no codes), images, tags
    and categories. `id_map` maps every old option/value/variant/image id to a new one."""
    params = {"src": source_id, "new": new_id, "title": title, "handle": handle,
              "old": list(id_map), "fresh": list(id_map.values())}
    conn.execute(
        """
        INSERT INTO products (id, title, handle, subtitle, description, is_giftcard, status,
                              thumbnail, weight, length, height, width, origin_country,
                              hs_code, mid_code, material, collection_id, type_id,
                              discountable, external_id, metadata)
        SELECT %(new)s, %(title)s, %(handle)s, subtitle, description, is_giftcard, 'draft',
               thumbnail, weight, length, height, width, origin_country, hs_code, mid_code,
               material, collection_id, type_id, discountable, NULL, metadata
          FROM products
         WHERE id = %(src)s
        """,
        params,
    )
    conn.execute(
        """
        WITH map AS (SELECT * FROM unnest(%(old)s::text[], %(fresh)s::text[]) AS m(old, fresh)),
        options AS (
            INSERT INTO p_options (id, title, product_id, metadata)
            SELECT map.fresh, o.title, %(new)s, o.metadata
              FROM p_options AS o JOIN map ON map.old = o.id
        ), option_values AS (
            INSERT INTO p_option_values (id, value, option_id, metadata)
            SELECT map.fresh, v.value, option_map.fresh, v.metadata
              FROM p_option_values AS v
              JOIN map ON map.old = v.id
              JOIN map AS option_map ON option_map.old = v.option_id
        ), variants AS (
            INSERT INTO p_variants (id, title, allow_backorder, manage_inventory, hs_code,
                                    origin_country, thumbnail, mid_code, material, weight,
                                    length, height, width, metadata, variant_rank, product_id)
            SELECT map.fresh, v.title, v.allow_backorder, v.manage_inventory, v.hs_code,
                   v.origin_country, v.thumbnail, v.mid_code, v.material, v.weight, v.length,
                   v.height, v.width, v.metadata, v.variant_rank, %(new)s
              FROM p_variants AS v JOIN map ON map.old = v.id
        ), images AS (
            INSERT INTO images (id, url, metadata, rank, product_id)
            SELECT map.fresh, i.url, i.metadata, i.rank, %(new)s
              FROM images AS i JOIN map ON map.old = i.id
        ), tags AS (
            INSERT INTO products_tags (product_id, product_tag_id)
            SELECT %(new)s, product_tag_id FROM products_tags WHERE product_id = %(src)s
        )
        INSERT INTO p_categories_products (product_id, p_categories_id)
        SELECT %(new)s, p_categories_id FROM p_categories_products WHERE product_id = %(src)s
        """,
        params,
    )
    # Rows that point at the copies above must wait until those exist.
    conn.execute(
        """
        WITH map AS (SELECT * FROM unnest(%(old)s::text[], %(fresh)s::text[]) AS m(old, fresh)),
        variant_options AS (
            INSERT INTO p_variants_options (variant_id, option_value_id)
            SELECT variant_map.fresh, value_map.fresh
              FROM p_variants_options AS vo
              JOIN map AS variant_map ON variant_map.old = vo.variant_id
              JOIN map AS value_map ON value_map.old = vo.option_value_id
        )
        INSERT INTO products_images (product_id, image_id, variant_id)
        SELECT %(new)s, image_map.fresh, variant_map.fresh
          FROM products_images AS pi
          JOIN map AS image_map ON image_map.old = pi.image_id
          JOIN map AS variant_map ON variant_map.old = pi.variant_id
         WHERE pi.product_id = %(src)s
        """,
        params,
    )
