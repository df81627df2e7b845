"""SQL for History: reading what the recorder (migration 0012) wrote, and reverting it."""

from psycopg import sql
from psycopg.types.json import Jsonb

CHANGE_COLUMNS = """
    c.id, c.change_set_id, c.created_at, c.table_name, c.row_id, c.product_id,
    c.kind, c.label, c.data
"""

SET_COLUMNS = """
    s.id, s.created_at, s.user_id, s.label, s.reverts_id,
    u.name AS user_name, u.email AS user_email
"""

# Which tables make up an area of the catalog (for the activity filter).
AREA_TABLES = {
    "products": ["products", "p_variants", "p_options", "p_option_values", "images",
                 "products_tags", "p_categories_products", "products_images",
                 "p_variants_options"],
    "categories": ["p_categories", "p_categories_products"],
    "collections": ["p_collections"],
    "tags": ["p_tags", "products_tags"],
    "types": ["p_types"],
}


def get_product(conn, *, product_id):
    """The product a history belongs to, live or in the Trash (its history stays readable)."""
    return conn.execute(
        """
        SELECT id, title, status, deleted_at
          FROM products
         WHERE id = %(product_id)s
        """,
        {"product_id": product_id},
    ).fetchone()


def count_product_changes(conn, *, product_id):
    return conn.execute(
        """
        SELECT count(*) AS n
          FROM changes
         WHERE product_id = %(product_id)s
        """,
        {"product_id": product_id},
    ).fetchone()["n"]


def list_product_changes(conn, *, product_id, limit, offset):
    """A product's changes (its variants, options, images, links too), newest first,
    each with its change-set's user."""
    return conn.execute(
        f"""
        SELECT {CHANGE_COLUMNS},
               s.user_id, s.label AS set_label, s.reverts_id,
               u.name AS user_name, u.email AS user_email,
               -- Counted up to 1,001 only: an import's set can hold 100,000 changes.
               (SELECT count(*)
                  FROM (SELECT 1 FROM changes AS x
                         WHERE x.change_set_id = c.change_set_id LIMIT 1001) AS capped)
                   AS set_size
          FROM changes AS c
          JOIN change_sets AS s ON s.id = c.change_set_id
          LEFT JOIN staff_users AS u ON u.id = s.user_id
         WHERE c.product_id = %(product_id)s
         ORDER BY c.id DESC
         LIMIT %(limit)s
        OFFSET %(offset)s
        """,
        {"product_id": product_id, "limit": limit, "offset": offset},
    ).fetchall()


def _activity_where(*, user_id, kind, area):
    clauses = [sql.SQL("TRUE")]
    if user_id:
        clauses.append(sql.SQL("s.user_id = %(user_id)s"))
    if kind or area:
        inner = [sql.SQL("c.change_set_id = s.id")]
        if kind:
            inner.append(sql.SQL("c.kind = %(kind)s"))
        if area:
            inner.append(sql.SQL("c.table_name = ANY(%(tables)s)"))
        clauses.append(sql.SQL("EXISTS (SELECT 1 FROM changes AS c WHERE {})").format(
            sql.SQL(" AND ").join(inner)))
    params = {"user_id": user_id, "kind": kind, "tables": AREA_TABLES.get(area, [])}
    return sql.SQL(" AND ").join(clauses), params


def list_change_sets(conn, *, user_id, kind, area, limit, offset):
    """Recent change-sets, newest first, with their size and a few of their changes.

    The page's sets come first (by the created_at index); their counts and
    first changes are then looked up for those sets only."""
    where, params = _activity_where(user_id=user_id, kind=kind, area=area)
    query = sql.SQL(
        """
        WITH page AS (
            SELECT s.id
              FROM change_sets AS s
             WHERE {where}
             ORDER BY s.created_at DESC, s.id DESC
             LIMIT %(limit)s
            OFFSET %(offset)s
        )
        SELECT {columns},
               sizes.n AS change_count,
               sizes.product_count,
               firsts.changes
          FROM page
          JOIN change_sets AS s ON s.id = page.id
          LEFT JOIN staff_users AS u ON u.id = s.user_id
         CROSS JOIN LATERAL (
                SELECT count(*) AS n,
                       count(DISTINCT c.product_id) AS product_count
                  FROM changes AS c
                 WHERE c.change_set_id = s.id
               ) AS sizes
         CROSS JOIN LATERAL (
                SELECT coalesce(jsonb_agg(to_jsonb(f) ORDER BY f.id), '[]'::jsonb) AS changes
                  FROM (SELECT c.id, c.table_name, c.row_id, c.product_id, c.kind, c.label, c.data
                          FROM changes AS c
                         WHERE c.change_set_id = s.id
                         ORDER BY c.id
                         LIMIT 3) AS f
               ) AS firsts
         ORDER BY s.created_at DESC, s.id DESC
        """
    ).format(where=where, columns=sql.SQL(SET_COLUMNS))
    return conn.execute(query, {**params, "limit": limit, "offset": offset}).fetchall()


def count_change_sets(conn, *, user_id, kind, area):
    where, params = _activity_where(user_id=user_id, kind=kind, area=area)
    return conn.execute(
        sql.SQL("SELECT count(*) AS n FROM change_sets AS s WHERE {}").format(where), params
    ).fetchone()["n"]


def list_activity_users(conn):
    """Staff who have changed something (for the activity filter)."""
    return conn.execute(
        """
        SELECT u.id, u.name, u.email
          FROM staff_users AS u
         WHERE EXISTS (SELECT 1 FROM change_sets AS s WHERE s.user_id = u.id)
         ORDER BY lower(coalesce(nullif(u.name, ''), u.email))
        """
    ).fetchall()


def get_change_set(conn, *, change_set_id):
    return conn.execute(
        f"""
        SELECT {SET_COLUMNS}
          FROM change_sets AS s
          LEFT JOIN staff_users AS u ON u.id = s.user_id
         WHERE s.id = %(id)s
        """,
        {"id": change_set_id},
    ).fetchone()


def list_set_changes(conn, *, change_set_id, limit=None):
    return conn.execute(
        f"""
        SELECT {CHANGE_COLUMNS}
          FROM changes AS c
         WHERE c.change_set_id = %(id)s
         ORDER BY c.id
         LIMIT %(limit)s
        """,
        {"id": change_set_id, "limit": limit},
    ).fetchall()


def get_change(conn, *, change_id):
    return conn.execute(
        f"""
        SELECT {CHANGE_COLUMNS}
          FROM changes AS c
         WHERE c.id = %(id)s
        """,
        {"id": change_id},
    ).fetchone()


def list_later_conflicts(conn, *, change_ids, exclude_set_id):
    """For changes about to be reverted: later changes of the same rows that
    touched the same fields (or linked/unlinked the same row), oldest first.

    Changes in `exclude_set_id` (the set being reverted as a whole) do not
    count: they are reverted together."""
    return conn.execute(
        f"""
        SELECT c.id AS reverting_id, {CHANGE_COLUMNS.replace("c.", "later.")},
               s.user_id, u.name AS user_name, u.email AS user_email
          FROM changes AS c
          JOIN changes AS later
            ON later.table_name = c.table_name
           AND later.row_id = c.row_id
           AND later.id > c.id
          JOIN change_sets AS s ON s.id = later.change_set_id
          LEFT JOIN staff_users AS u ON u.id = s.user_id
         WHERE c.id = ANY(%(ids)s)
           AND later.change_set_id IS DISTINCT FROM %(exclude)s
           AND (c.kind IN ('create', 'link', 'unlink')
                OR later.kind IN ('create', 'link', 'unlink', 'purge')
                OR EXISTS (SELECT 1
                             FROM jsonb_object_keys(c.data) AS k(key)
                            WHERE later.data ? k.key))
           AND NOT (c.kind = 'create' AND later.kind IN ('update', 'move'))
         ORDER BY later.id
        """,
        {"ids": change_ids, "exclude": exclude_set_id},
    ).fetchall()


def lock_rows(conn, *, table, ids):
    """The rows' current values (locked until the revert commits), by id."""
    rows = conn.execute(
        sql.SQL(
            """
            SELECT t.id, to_jsonb(t) AS row
              FROM {table} AS t
             WHERE t.id = ANY(%(ids)s)
               FOR UPDATE
            """
        ).format(table=sql.Identifier(table)),
        {"ids": ids},
    ).fetchall()
    return {r["id"]: r["row"] for r in rows}


def update_rows_from_json(conn, *, table, columns, rows):
    """Set `columns` of each row (by id) to the values in `rows` (a list of dicts),
    one statement for them all; values are cast to the columns' types by
    jsonb_populate_recordset."""
    return conn.execute(
        sql.SQL(
            """
            UPDATE {table} AS t
               SET {assignments}
              FROM jsonb_populate_recordset(NULL::{table}, %(rows)s) AS v
             WHERE t.id = v.id
            """
        ).format(
            table=sql.Identifier(table),
            assignments=sql.SQL(", ").join(
                sql.SQL("{col} = v.{col}").format(col=sql.Identifier(c)) for c in columns),
        ),
        {"rows": Jsonb(rows)},
    ).rowcount


def soft_delete_rows(conn, *, table, ids):
    return conn.execute(
        sql.SQL(
            """
            UPDATE {table}
               SET deleted_at = now()
             WHERE id = ANY(%(ids)s)
               AND deleted_at IS NULL
            """
        ).format(table=sql.Identifier(table)),
        {"ids": ids},
    ).rowcount


def delete_links(conn, *, table, columns, rows):
    """Remove junction rows matching every column of each given row."""
    return conn.execute(
        sql.SQL(
            """
            DELETE FROM {table} AS t
             USING jsonb_populate_recordset(NULL::{table}, %(rows)s) AS v
             WHERE {match}
            """
        ).format(
            table=sql.Identifier(table),
            match=sql.SQL(" AND ").join(
                sql.SQL("t.{col} = v.{col}").format(col=sql.Identifier(c)) for c in columns),
        ),
        {"rows": Jsonb(rows)},
    ).rowcount


def insert_links(conn, *, table, columns, rows):
    return conn.execute(
        sql.SQL(
            """
            INSERT INTO {table} ({cols})
            SELECT {cols}
              FROM jsonb_populate_recordset(NULL::{table}, %(rows)s)
            ON CONFLICT DO NOTHING
            """
        ).format(
            table=sql.Identifier(table),
            cols=sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        ),
        {"rows": Jsonb(rows)},
    ).rowcount


def mark_revert(conn, *, change_set_id, reverts_id):
    conn.execute(
        """
        UPDATE change_sets
           SET reverts_id = %(reverts_id)s
         WHERE id = %(id)s
        """,
        {"id": change_set_id, "reverts_id": reverts_id},
    )


def delete_change_sets_before(conn, *, days):
    """Prune History: change-sets (and their changes) older than `days` days."""
    return conn.execute(
        """
        DELETE FROM change_sets
         WHERE created_at < now() - make_interval(days => %(days)s)
        """,
        {"days": days},
    ).rowcount
