"""SQL for the category tree, a category, its products and its Trash entries."""

from psycopg.types.json import Jsonb

from ..db import like_pattern

CATEGORY_COLUMNS = """
    c.id, c.name, c.description, c.handle, c.is_active, c.is_internal, c.rank,
    c.image_id, c.thumbnail, c.parent_id, c.created_at, c.updated_at, c.deleted_at,
    c.metadata
"""


def lock_tree(conn):
    """Wait for, then hold until commit, the one lock every change of parents or ranks takes.

    The same lock is taken by the trigger of migration 0009 on every change of
    parent_id, so concurrent moves run one after the other and each sees the
    commits before it.
    """
    conn.execute("SELECT catalog_lock_category_tree()")


def list_tree(conn):
    """Every live category in sibling order, with its live products, in one statement:
    `product_count` its own, `total_count` with its subcategories' (each product
    once, as the product list's category filter counts them).

    A category's own products are all its links less those to deleted products:
    the links are read once without a join, and only the few deleted products
    (~2%, through their deleted_at index) are joined; 2.5-4x faster at 125,000
    links than joining every link to its product.

    The total adds up the own counts of the category and everything under it, less
    what that counts twice: a product linked m times inside one subtree is there
    once, not m times. Its pairs of links show where: both links of a pair lie
    under the common part of their paths, and m links make m(m-1)/2 pairs, so the
    pairs a product has under a category give m - 1 = (sqrt(8 * pairs + 1) - 1) / 2.
    Only products with two or more links have pairs; 2,072 categories and 125,814
    links (25,814 products in two categories): ~110 ms for the totals.
    """
    return conn.execute(
        """
        WITH RECURSIVE linked AS (
            SELECT cp.p_categories_id, count(*) AS n
              FROM p_categories_products AS cp
             GROUP BY cp.p_categories_id
        ), deleted AS (
            SELECT cp.p_categories_id, count(*) AS n
              FROM products AS p
              JOIN p_categories_products AS cp ON cp.product_id = p.id
             WHERE p.deleted_at IS NOT NULL
             GROUP BY cp.p_categories_id
        ), path AS (
            -- Each live category with the ids from its top (as the tree shows it) down
            -- to itself; a category whose parent is in the Trash shows at the top.
            SELECT c.id, ARRAY[c.id] AS path
              FROM p_categories AS c
             WHERE c.deleted_at IS NULL
               AND NOT EXISTS (SELECT 1
                                 FROM p_categories AS parent
                                WHERE parent.id = c.parent_id
                                  AND parent.deleted_at IS NULL)
             UNION ALL
            SELECT c.id, path.path || c.id
              FROM p_categories AS c
              JOIN path ON c.parent_id = path.id
             WHERE c.deleted_at IS NULL
        ), own AS (
            SELECT path.id, path.path,
                   (coalesce(linked.n, 0) - coalesce(deleted.n, 0))::int AS n
              FROM path
              LEFT JOIN linked ON linked.p_categories_id = path.id
              LEFT JOIN deleted ON deleted.p_categories_id = path.id
        ), summed AS (
            SELECT above.id, sum(own.n) AS n
              FROM own, unnest(own.path) AS above(id)
             WHERE own.n > 0
             GROUP BY above.id
        ), pairs AS MATERIALIZED (
            -- The links' own pairs first: joined to the paths only afterwards, or the
            -- planner may pair up every path with every other.
            SELECT a.product_id, a.p_categories_id AS a, b.p_categories_id AS b
              FROM p_categories_products AS a
              JOIN p_categories_products AS b
                ON b.product_id = a.product_id
               AND b.p_categories_id > a.p_categories_id
        ), shared AS (
            SELECT common.id, pairs.product_id, count(*) AS pairs
              FROM pairs
              JOIN path AS pa ON pa.id = pairs.a
              JOIN path AS pb ON pb.id = pairs.b,
                   unnest(pa.path, pb.path) AS common(id, other)
             WHERE common.id = common.other
             GROUP BY common.id, pairs.product_id
        ), repeated AS (
            SELECT shared.id, sum((sqrt(8 * shared.pairs + 1) - 1) / 2) AS n
              FROM shared
             WHERE NOT EXISTS (SELECT 1
                                 FROM products AS p
                                WHERE p.id = shared.product_id
                                  AND p.deleted_at IS NOT NULL)
             GROUP BY shared.id
        )
        SELECT c.id, c.name, c.handle, c.parent_id, c.rank, c.is_active, c.is_internal,
               own.n AS product_count,
               (coalesce(summed.n, 0) - coalesce(round(repeated.n), 0))::int AS total_count
          FROM p_categories AS c
          JOIN own ON own.id = c.id
          LEFT JOIN summed ON summed.id = c.id
          LEFT JOIN repeated ON repeated.id = c.id
         ORDER BY c.rank, c.name, c.id
        """
    ).fetchall()


def list_outline(conn):
    """Every live category (id, name, parent, rank) in sibling order: the parent pickers."""
    return conn.execute(
        """
        SELECT c.id, c.name, c.parent_id, c.rank
          FROM p_categories AS c
         WHERE c.deleted_at IS NULL
         ORDER BY c.rank, c.name, c.id
        """
    ).fetchall()


def get_category(conn, *, category_id):
    """One live category with its image's URL, or None."""
    return conn.execute(
        f"""
        SELECT {CATEGORY_COLUMNS}, i.url AS image_url
          FROM p_categories AS c
          LEFT JOIN images AS i ON i.id = c.image_id
         WHERE c.id = %(category_id)s
           AND c.deleted_at IS NULL
        """,
        {"category_id": category_id},
    ).fetchone()


def get_any_category(conn, *, category_id):
    """One category, live or deleted, or None."""
    return conn.execute(
        f"""
        SELECT {CATEGORY_COLUMNS}
          FROM p_categories AS c
         WHERE c.id = %(category_id)s
        """,
        {"category_id": category_id},
    ).fetchone()


# The category %(path_of)s and its ancestors, with their depth below it.
_PATH_CTE = """
    WITH RECURSIVE path (id, name, parent_id, deleted_at, depth) AS (
        SELECT c.id, c.name, c.parent_id, c.deleted_at, 0
          FROM p_categories AS c
         WHERE c.id = %(path_of)s
        UNION ALL
        SELECT c.id, c.name, c.parent_id, c.deleted_at, path.depth + 1
          FROM p_categories AS c
          JOIN path ON c.id = path.parent_id
         WHERE path.depth < 1000
    )
"""


def list_path(conn, *, category_id):
    """The category and its ancestors, root first (the breadcrumb), deleted ones included."""
    return conn.execute(
        _PATH_CTE
        + """
        SELECT id, name, parent_id, deleted_at
          FROM path
         ORDER BY depth DESC
        """,
        {"path_of": category_id},
    ).fetchall()


def list_children(conn, *, parent_ids, with_root):
    """Live children of some parents (and of the root when with_root), in sibling order."""
    return conn.execute(
        """
        SELECT c.id, c.name, c.parent_id, c.rank
          FROM p_categories AS c
         WHERE c.deleted_at IS NULL
           AND (c.parent_id = ANY(%(parent_ids)s)
                OR (%(with_root)s AND c.parent_id IS NULL))
         ORDER BY c.rank, c.name, c.id
        """,
        {"parent_ids": list(parent_ids), "with_root": with_root},
    ).fetchall()


def list_path_and_children(conn, *, path_of, parent_ids, with_root):
    """(list_path of path_of, list_children of parent_ids) in one statement: what a
    move reads once the tree is locked. path_of None gives an empty path."""
    rows = conn.execute(
        _PATH_CTE
        + """
        SELECT 'path' AS part, id, name, parent_id, deleted_at, NULL::int AS rank, depth
          FROM path
        UNION ALL
        SELECT 'child', c.id, c.name, c.parent_id, NULL, c.rank, NULL
          FROM p_categories AS c
         WHERE c.deleted_at IS NULL
           AND (c.parent_id = ANY(%(parent_ids)s)
                OR (%(with_root)s AND c.parent_id IS NULL))
         ORDER BY part DESC, depth DESC, rank, name, id
        """,
        {"path_of": path_of, "parent_ids": list(parent_ids), "with_root": with_root},
    ).fetchall()
    path = [r for r in rows if r["part"] == "path"]
    return path, [r for r in rows if r["part"] == "child"]


def update_positions(conn, *, ids, parent_ids, ranks):
    """Set parent and rank of many categories at once; rows already in place are not touched."""
    conn.execute(
        """
        UPDATE p_categories AS c
           SET parent_id = w.parent_id,
               rank = w.rank
          FROM unnest(%(ids)s::text[], %(parent_ids)s::text[], %(ranks)s::int[])
               AS w (id, parent_id, rank)
         WHERE c.id = w.id
           AND (c.parent_id IS DISTINCT FROM w.parent_id
                OR c.rank <> w.rank)
        """,
        {"ids": list(ids), "parent_ids": list(parent_ids), "ranks": list(ranks)},
    )


def count_live_children(conn, *, category_id):
    return conn.execute(
        """
        SELECT count(*)::int AS n
          FROM p_categories
         WHERE parent_id = %(category_id)s
           AND deleted_at IS NULL
        """,
        {"category_id": category_id},
    ).fetchone()["n"]


def count_all_children(conn, *, category_id):
    """Children live and deleted: the foreign keys that keep a row from being purged."""
    return conn.execute(
        """
        SELECT count(*)::int AS n,
               count(*) FILTER (WHERE deleted_at IS NULL)::int AS live
          FROM p_categories
         WHERE parent_id = %(category_id)s
        """,
        {"category_id": category_id},
    ).fetchone()


def count_live_products(conn, *, category_id):
    return conn.execute(
        """
        SELECT count(*)::int AS n
          FROM p_categories_products AS cp
          JOIN products AS p ON p.id = cp.product_id
         WHERE cp.p_categories_id = %(category_id)s
           AND p.deleted_at IS NULL
        """,
        {"category_id": category_id},
    ).fetchone()["n"]


def _jsonb(value):
    return None if value is None else Jsonb(value)


def insert_category(conn, *, category_id, name, handle, description, is_active, is_internal,
                    thumbnail, metadata, parent_id):
    """A new category as the last child of its parent (call with the tree locked)."""
    return conn.execute(
        f"""
        INSERT INTO p_categories AS c (
               id, name, handle, description, is_active, is_internal, thumbnail,
               metadata, parent_id, rank)
        VALUES (%(category_id)s, %(name)s, %(handle)s, %(description)s, %(is_active)s,
                %(is_internal)s, %(thumbnail)s, %(metadata)s, %(parent_id)s,
                (SELECT count(*)
                   FROM p_categories
                  WHERE parent_id IS NOT DISTINCT FROM %(parent_id)s
                    AND deleted_at IS NULL))
        RETURNING {CATEGORY_COLUMNS}
        """,
        {"category_id": category_id, "name": name, "handle": handle,
         "description": description, "is_active": is_active, "is_internal": is_internal,
         "thumbnail": thumbnail, "metadata": _jsonb(metadata), "parent_id": parent_id},
    ).fetchone()


def update_category(conn, *, category_id, loaded_at, name, handle, description, is_active,
                    is_internal, thumbnail, metadata):
    """Save the fields if the row is still the version the form was loaded at; else None."""
    return conn.execute(
        f"""
        UPDATE p_categories AS c
           SET name = %(name)s,
               handle = %(handle)s,
               description = %(description)s,
               is_active = %(is_active)s,
               is_internal = %(is_internal)s,
               thumbnail = %(thumbnail)s,
               metadata = %(metadata)s
         WHERE c.id = %(category_id)s
           AND c.deleted_at IS NULL
           AND c.updated_at = %(loaded_at)s
        RETURNING {CATEGORY_COLUMNS}
        """,
        {"category_id": category_id, "loaded_at": loaded_at, "name": name, "handle": handle,
         "description": description, "is_active": is_active, "is_internal": is_internal,
         "thumbnail": thumbnail, "metadata": _jsonb(metadata)},
    ).fetchone()


def soft_delete_category(conn, *, category_id):
    return conn.execute(
        f"""
        UPDATE p_categories AS c
           SET deleted_at = now()
         WHERE c.id = %(category_id)s
           AND c.deleted_at IS NULL
        RETURNING {CATEGORY_COLUMNS}
        """,
        {"category_id": category_id},
    ).fetchone()


def update_restored_category(conn, *, category_id, handle, parent_id, rank):
    """Bring a deleted category back under a parent at a rank (call with the tree locked)."""
    return conn.execute(
        f"""
        UPDATE p_categories AS c
           SET deleted_at = NULL,
               handle = %(handle)s,
               parent_id = %(parent_id)s,
               rank = %(rank)s
         WHERE c.id = %(category_id)s
           AND c.deleted_at IS NOT NULL
        RETURNING {CATEGORY_COLUMNS}
        """,
        {"category_id": category_id, "handle": handle, "parent_id": parent_id, "rank": rank},
    ).fetchone()


# --- Images by URL --------------------------------------------------------------


def insert_category_image(conn, *, image_id, url):
    """A category image: it belongs to no product (DESIGN.md decision 3)."""
    return conn.execute(
        """
        INSERT INTO images (id, url, product_id, rank)
        VALUES (%(image_id)s, %(url)s, NULL, 0)
        RETURNING id, url
        """,
        {"image_id": image_id, "url": url},
    ).fetchone()


def update_category_image(conn, *, category_id, image_id):
    """Point the category at an image (or none); returns the image it pointed at before."""
    return conn.execute(
        """
        UPDATE p_categories AS c
           SET image_id = %(image_id)s
          FROM p_categories AS old
         WHERE c.id = %(category_id)s
           AND old.id = c.id
           AND c.deleted_at IS NULL
        RETURNING c.id, old.image_id AS previous_image_id
        """,
        {"category_id": category_id, "image_id": image_id},
    ).fetchone()


def soft_delete_orphan_image(conn, *, image_id):
    """Trash a category-only image nothing else uses any more."""
    conn.execute(
        """
        UPDATE images AS i
           SET deleted_at = now()
         WHERE i.id = %(image_id)s
           AND i.product_id IS NULL
           AND i.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM p_categories WHERE image_id = i.id)
           AND NOT EXISTS (SELECT 1 FROM products_images WHERE image_id = i.id)
        """,
        {"image_id": image_id},
    )


def delete_orphan_image(conn, *, image_id):
    """Delete for good a category-only image nothing references any more (purge)."""
    conn.execute(
        """
        DELETE FROM images AS i
         WHERE i.id = %(image_id)s
           AND i.product_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM p_categories WHERE image_id = i.id)
           AND NOT EXISTS (SELECT 1 FROM products_images WHERE image_id = i.id)
        """,
        {"image_id": image_id},
    )


# --- Products of a category -----------------------------------------------------



PRODUCT_MATCH = """
    (catalog_fold(p.title) LIKE catalog_fold(%(pattern)s)
     OR p.handle LIKE lower(%(pattern)s))
"""


def count_category_products(conn, *, category_id, q):
    return conn.execute(
        f"""
        SELECT count(*)::int AS n
          FROM p_categories_products AS cp
          JOIN products AS p ON p.id = cp.product_id
         WHERE cp.p_categories_id = %(category_id)s
           AND p.deleted_at IS NULL
           AND (%(q)s = '' OR {PRODUCT_MATCH})
        """,
        {"category_id": category_id, "q": q, "pattern": like_pattern(q)},
    ).fetchone()["n"]


def list_category_products(conn, *, category_id, q, limit, offset):
    """A page of the category's live products, by title."""
    return conn.execute(
        f"""
        SELECT p.id, p.title, p.handle, p.status, p.thumbnail
          FROM p_categories_products AS cp
          JOIN products AS p ON p.id = cp.product_id
         WHERE cp.p_categories_id = %(category_id)s
           AND p.deleted_at IS NULL
           AND (%(q)s = '' OR {PRODUCT_MATCH})
         ORDER BY lower(p.title), p.id
         LIMIT %(limit)s
        OFFSET %(offset)s
        """,
        {"category_id": category_id, "q": q, "pattern": like_pattern(q), "limit": limit,
         "offset": offset},
    ).fetchall()


def list_product_matches(conn, *, category_id, q, limit):
    """Live products matching q for the "add products" picker, each saying if it is linked."""
    return conn.execute(
        f"""
        SELECT p.id, p.title, p.handle, p.status,
               EXISTS (SELECT 1
                         FROM p_categories_products AS cp
                        WHERE cp.product_id = p.id
                          AND cp.p_categories_id = %(category_id)s) AS in_category
          FROM products AS p
         WHERE p.deleted_at IS NULL
           AND {PRODUCT_MATCH}
         ORDER BY lower(p.title), p.id
         LIMIT %(limit)s
        """,
        {"category_id": category_id, "pattern": like_pattern(q), "limit": limit},
    ).fetchall()


def get_live_product(conn, *, product_id):
    return conn.execute(
        """
        SELECT p.id, p.title, p.handle, p.status
          FROM products AS p
         WHERE p.id = %(product_id)s
           AND p.deleted_at IS NULL
        """,
        {"product_id": product_id},
    ).fetchone()


def insert_category_product(conn, *, category_id, product_id):
    """Link a product; True if it was not linked yet."""
    row = conn.execute(
        """
        INSERT INTO p_categories_products (product_id, p_categories_id)
        VALUES (%(product_id)s, %(category_id)s)
        ON CONFLICT DO NOTHING
        RETURNING product_id
        """,
        {"category_id": category_id, "product_id": product_id},
    ).fetchone()
    return row is not None


def delete_category_product(conn, *, category_id, product_id):
    """Unlink a product; True if it was linked."""
    row = conn.execute(
        """
        DELETE FROM p_categories_products
         WHERE p_categories_id = %(category_id)s
           AND product_id = %(product_id)s
        RETURNING product_id
        """,
        {"category_id": category_id, "product_id": product_id},
    ).fetchone()
    return row is not None


# --- The Trash ------------------------------------------------------------------


def count_deleted_categories(conn, *, q):
    return conn.execute(
        """
        SELECT count(*)::int AS n
          FROM p_categories AS c
         WHERE c.deleted_at IS NOT NULL
           AND (%(q)s = ''
                OR catalog_fold(c.name) LIKE catalog_fold(%(pattern)s)
                OR c.handle LIKE lower(%(pattern)s))
        """,
        {"q": q, "pattern": like_pattern(q)},
    ).fetchone()["n"]


def list_deleted_categories(conn, *, q, limit, offset):
    """Deleted categories, newest first, with the parent they were under."""
    return conn.execute(
        """
        SELECT c.id, c.name, c.handle, c.deleted_at,
               parent.name AS parent_name,
               parent.deleted_at IS NOT NULL AS parent_deleted
          FROM p_categories AS c
          LEFT JOIN p_categories AS parent ON parent.id = c.parent_id
         WHERE c.deleted_at IS NOT NULL
           AND (%(q)s = ''
                OR catalog_fold(c.name) LIKE catalog_fold(%(pattern)s)
                OR c.handle LIKE lower(%(pattern)s))
         ORDER BY c.deleted_at DESC, c.id
         LIMIT %(limit)s
        OFFSET %(offset)s
        """,
        {"q": q, "pattern": like_pattern(q), "limit": limit, "offset": offset},
    ).fetchall()


def delete_category_links(conn, *, category_id):
    conn.execute(
        """
        DELETE FROM p_categories_products
         WHERE p_categories_id = %(category_id)s
        """,
        {"category_id": category_id},
    )


def delete_deleted_category(conn, *, category_id):
    """Delete a category in the Trash for good; returns it, or None."""
    return conn.execute(
        """
        DELETE FROM p_categories
         WHERE id = %(category_id)s
           AND deleted_at IS NOT NULL
        RETURNING id, name, image_id
        """,
        {"category_id": category_id},
    ).fetchone()
