"""SQL for collections, tags and types, parametrised by a `Taxonomy`.

Table and column names come from the Taxonomy (fixed in each area's
queries.py) through psycopg.sql.Identifier; values are always parameters.
Every statement here aliases the area's table as `t`.
"""

from psycopg import sql
from psycopg.types.json import Json, Jsonb

from ..db import like_pattern
from ..web.metadata import metadata_text

OPTIONS_LIMIT = 20
# Sort keys of a list page; "name" is spelled as the area's name column in URLs.
SORT_KEYS = ("name", "products", "updated")



def metadata_param(kind, value):
    """The metadata parameter for the column's type; None stays SQL NULL."""
    if value is None:
        return None
    wrapper = Json if kind.metadata_type == "json" else Jsonb
    return wrapper(value, dumps=metadata_text)


def _names(kind) -> dict:
    return {
        "table": sql.Identifier(kind.table),
        "name": sql.Identifier(kind.name_column),
        "unique": sql.Identifier(kind.unique_column),
    }


def _row_columns(kind) -> sql.Composable:
    """id, name (and handle) of `t`: what a list row shows."""
    columns = [sql.SQL("t.id"), sql.SQL("t.{} AS name").format(sql.Identifier(kind.name_column))]
    if kind.has_handle:
        columns.append(sql.SQL("t.handle"))
    return sql.SQL(", ").join(columns)


def _matches(kind) -> sql.Composable:
    """`t` matches %(pattern)s: its name, accent- and case-insensitively, or its handle."""
    condition = sql.SQL("catalog_fold(t.{name}) LIKE catalog_fold(%(pattern)s)").format(
        name=sql.Identifier(kind.name_column))
    if kind.has_handle:
        condition = sql.SQL("({} OR t.handle LIKE lower(%(pattern)s))").format(condition)
    return condition


_T_ID = sql.SQL("t.id")


def _linked_live_products(kind, owner=_T_ID) -> sql.Composable:
    """FROM ... WHERE selecting the live products (alias p) linked to the row `owner`."""
    if kind.product_column:
        return sql.SQL(
            """
              FROM products AS p
             WHERE p.{column} = {owner}
               AND p.deleted_at IS NULL
            """
        ).format(column=sql.Identifier(kind.product_column), owner=owner)
    return sql.SQL(
        """
          FROM products_tags AS pt
          JOIN products AS p ON p.id = pt.product_id
         WHERE pt.product_tag_id = {owner}
           AND p.deleted_at IS NULL
        """
    ).format(owner=owner)


def _live_products_changed(conn, steps: dict, counted: str, params: dict) -> int:
    """Run data-modifying steps as one statement, each a WITH of its name (steps may
    read earlier ones); how many products the step `counted` returned are live."""
    ctes = sql.SQL(",\n").join(
        sql.SQL("{} AS ({})").format(sql.Identifier(name), step) for name, step in steps.items())
    return conn.execute(
        sql.SQL(
            """
            WITH {ctes}
            SELECT count(*) AS products
              FROM {counted} AS c
              JOIN products AS p ON p.id = c.product_id
             WHERE p.deleted_at IS NULL
            """
        ).format(ctes=ctes, counted=sql.Identifier(counted)),
        params,
    ).fetchone()["products"]


def _order_by(kind, sort: str, descending: bool) -> sql.Composable:
    name = sql.Identifier(kind.name_column)
    keys = {
        "name": [sql.SQL("catalog_fold(t.{})").format(name), sql.SQL("t.{}").format(name)],
        "products": [sql.SQL("n.products")],
        "updated": [sql.SQL("t.updated_at")],
    }[sort] + [sql.SQL("t.id")]
    direction = sql.SQL("DESC" if descending else "ASC")
    return sql.SQL(", ").join(sql.SQL("{} {}").format(key, direction) for key in keys)


# --- Lists --------------------------------------------------------------------


def count_items(conn, *, kind, q):
    """How many live rows match q."""
    return conn.execute(
        sql.SQL(
            """
            SELECT count(*) AS total
              FROM {table} AS t
             WHERE t.deleted_at IS NULL
               AND {matches}
            """
        ).format(matches=_matches(kind), **_names(kind)),
        {"pattern": like_pattern(q)},
    ).fetchone()["total"]


def list_items(conn, *, kind, q, sort, descending, limit, offset):
    """One page of live rows matching q, each with its count of live products.

    Sorted by name or date, the page is chosen first and only its rows are
    counted; sorted by product count, every matching row has to be counted.
    """
    if sort not in SORT_KEYS:
        raise ValueError(f"unknown sort {sort!r}")
    if sort == "products":
        candidates = sql.SQL("SELECT t.* FROM {table} AS t WHERE t.deleted_at IS NULL "
                             "AND {matches}").format(matches=_matches(kind), **_names(kind))
    else:
        # OFFSET 0 keeps the page a subquery, so the counts run for its rows only.
        candidates = sql.SQL(
            "SELECT t.* FROM {table} AS t WHERE t.deleted_at IS NULL AND {matches} "
            "ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s"
        ).format(matches=_matches(kind), order=_order_by(kind, sort, descending),
                 **_names(kind))
    return conn.execute(
        sql.SQL(
            """
            SELECT {columns}, t.updated_at, n.products
              FROM ({candidates}) AS t
             CROSS JOIN LATERAL (
                   SELECT count(*) AS products
                   {linked}
                   ) AS n
             ORDER BY {order}
             LIMIT %(limit)s
            OFFSET {outer_offset}
            """
        ).format(columns=_row_columns(kind), linked=_linked_live_products(kind),
                 candidates=candidates, order=_order_by(kind, sort, descending),
                 outer_offset=sql.SQL("%(offset)s" if sort == "products" else "0")),
        {"pattern": like_pattern(q), "limit": limit, "offset": offset},
    ).fetchall()


def list_options(conn, *, kind, q, exclude_id=None, limit=OPTIONS_LIMIT):
    """Live rows matching q for a picker: exact match first, then prefixes, then A–Z."""
    return conn.execute(
        sql.SQL(
            """
            SELECT t.id, t.{name} AS name
              FROM {table} AS t
             WHERE t.deleted_at IS NULL
               AND {matches}
               AND t.id IS DISTINCT FROM %(exclude_id)s
             ORDER BY catalog_fold(t.{name}) = catalog_fold(%(q)s) DESC,
                      catalog_fold(t.{name}) LIKE catalog_fold(%(prefix)s) DESC,
                      catalog_fold(t.{name}),
                      t.id
             LIMIT %(limit)s
            """
        ).format(matches=_matches(kind), **_names(kind)),
        {"q": q, "pattern": like_pattern(q), "prefix": like_pattern(q)[1:],
         "exclude_id": exclude_id, "limit": limit},
    ).fetchall()


# --- One row ------------------------------------------------------------------


def get_item(conn, *, kind, item_id):
    """A live row with its editable columns and its count of live products, or None."""
    columns = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in kind.columns)
    return conn.execute(
        sql.SQL(
            """
            SELECT {row_columns}, {columns}, t.created_at, t.updated_at, n.products
              FROM {table} AS t
             CROSS JOIN LATERAL (
                   SELECT count(*) AS products
                   {linked}
                   ) AS n
             WHERE t.id = %(item_id)s
               AND t.deleted_at IS NULL
            """
        ).format(row_columns=_row_columns(kind), columns=columns,
                 linked=_linked_live_products(kind), **_names(kind)),
        {"item_id": item_id},
    ).fetchone()


def _params(kind, values: dict) -> dict:
    unknown = set(values) - set(kind.columns)
    if unknown:
        raise ValueError(f"{kind.table} has no editable column {sorted(unknown)}")
    return {c: metadata_param(kind, v) if c == "metadata" else v for c, v in values.items()}


def insert_item(conn, *, kind, item_id, values):
    """A new row; raises UniqueViolation when its value or handle is taken."""
    columns = list(values)
    return conn.execute(
        sql.SQL(
            """
            INSERT INTO {table} (id, {columns})
            VALUES (%(item_id)s, {placeholders})
            RETURNING id, {name} AS name
            """
        ).format(columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
                 placeholders=sql.SQL(", ").join(map(sql.Placeholder, columns)),
                 **_names(kind)),
        {"item_id": item_id, **_params(kind, values)},
    ).fetchone()


def update_item(conn, *, kind, item_id, values, updated_at=None):
    """Change some columns of a live row; None when it is gone or, with updated_at,
    when someone saved it since that version. Raises UniqueViolation on a clash."""
    assignments = sql.SQL(",\n ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in values)
    version = sql.SQL("AND t.updated_at = %(updated_at)s" if updated_at else "")
    return conn.execute(
        sql.SQL(
            """
            UPDATE {table} AS t
               SET {assignments}
             WHERE t.id = %(item_id)s
               AND t.deleted_at IS NULL
               {version}
            RETURNING t.id, t.{name} AS name, t.updated_at
            """
        ).format(assignments=assignments, version=version, **_names(kind)),
        {"item_id": item_id, "updated_at": updated_at, **_params(kind, values)},
    ).fetchone()


# --- Delete, restore, purge ---------------------------------------------------


def soft_delete_item(conn, *, kind, item_id):
    """Move a live row to the Trash; its name, or None when there is no such live row."""
    row = conn.execute(
        sql.SQL(
            """
            UPDATE {table} AS t
               SET deleted_at = now()
             WHERE t.id = %(item_id)s
               AND t.deleted_at IS NULL
            RETURNING t.id, t.{name} AS name
            """
        ).format(**_names(kind)),
        {"item_id": item_id},
    ).fetchone()
    return row["name"] if row else None


def detach_products(conn, *, kind, item_id):
    """Unlink every product (live or in the Trash) from the row and record which, so a
    restore can link them again. Returns how many of them are live."""
    if kind.product_column:
        detach = sql.SQL(
            """
            UPDATE products
               SET {column} = NULL
             WHERE {column} = %(item_id)s
            RETURNING id AS product_id
            """
        ).format(column=sql.Identifier(kind.product_column))
    else:
        detach = sql.SQL(
            """
            DELETE FROM products_tags
             WHERE product_tag_id = %(item_id)s
            RETURNING product_id
            """
        )
    record = sql.SQL(
        """
        INSERT INTO trash_links (kind, item_id, product_id)
        SELECT %(kind)s, %(item_id)s, product_id
          FROM detached
            ON CONFLICT DO NOTHING
        """
    )
    return _live_products_changed(conn, {"detached": detach, "recorded": record}, "detached",
                                  {"kind": kind.key, "item_id": item_id})


def get_deleted_item(conn, *, kind, item_id):
    """A row in the Trash, locked for restoring or purging, or None."""
    return conn.execute(
        sql.SQL(
            """
            SELECT t.id, t.{name} AS name, t.{unique} AS unique_value
              FROM {table} AS t
             WHERE t.id = %(item_id)s
               AND t.deleted_at IS NOT NULL
               FOR UPDATE
            """
        ).format(**_names(kind)),
        {"item_id": item_id},
    ).fetchone()


def undelete_item(conn, *, kind, item_id, handle=None):
    """Bring a row back from the Trash (collections may get a new handle).
    Raises UniqueViolation when a live row took its value or handle meanwhile."""
    new_handle = sql.SQL(", handle = %(handle)s" if kind.has_handle and handle else "")
    conn.execute(
        sql.SQL(
            """
            UPDATE {table} AS t
               SET deleted_at = NULL{new_handle}
             WHERE t.id = %(item_id)s
               AND t.deleted_at IS NOT NULL
            """
        ).format(new_handle=new_handle, **_names(kind)),
        {"item_id": item_id, "handle": handle},
    )


def relink_products(conn, *, kind, item_id):
    """Link the products recorded at delete time again and forget the record.
    A collection or type goes back only where the product has none since; a tag's
    links come back where missing. Returns how many live products were relinked."""
    forget = sql.SQL(
        """
        DELETE FROM trash_links
         WHERE kind = %(kind)s
           AND item_id = %(item_id)s
        RETURNING product_id
        """
    )
    if kind.product_column:
        relink = sql.SQL(
            """
            UPDATE products AS p
               SET {column} = %(item_id)s
              FROM recorded AS r
             WHERE p.id = r.product_id
               AND p.{column} IS NULL
            RETURNING p.id AS product_id
            """
        ).format(column=sql.Identifier(kind.product_column))
    else:
        relink = sql.SQL(
            """
            INSERT INTO products_tags (product_id, product_tag_id)
            SELECT product_id, %(item_id)s
              FROM recorded
                ON CONFLICT DO NOTHING
            RETURNING product_id
            """
        )
    return _live_products_changed(conn, {"recorded": forget, "relinked": relink}, "relinked",
                                  {"kind": kind.key, "item_id": item_id})


def purge_links(conn, *, kind, item_id):
    """Forget the recorded links of a row in the Trash, and drop any link left to it."""
    conn.execute(
        """
        DELETE FROM trash_links
         WHERE kind = %(kind)s
           AND item_id = %(item_id)s
        """,
        {"kind": kind.key, "item_id": item_id},
    )
    if kind.product_column:
        leftover = sql.SQL(
            """
            UPDATE products
               SET {column} = NULL
             WHERE {column} = %(item_id)s
            """
        ).format(column=sql.Identifier(kind.product_column))
    else:
        leftover = sql.SQL(
            """
            DELETE FROM products_tags
             WHERE product_tag_id = %(item_id)s
            """
        )
    conn.execute(leftover, {"item_id": item_id})


def purge_item(conn, *, kind, item_id):
    """Delete a row in the Trash for good (after purge_links)."""
    conn.execute(
        sql.SQL(
            """
            DELETE FROM {table}
             WHERE id = %(item_id)s
               AND deleted_at IS NOT NULL
            """
        ).format(**_names(kind)),
        {"item_id": item_id},
    )


def count_deleted(conn, *, kind, q):
    """How many rows in the Trash match q."""
    return conn.execute(
        sql.SQL(
            """
            SELECT count(*) AS total
              FROM {table} AS t
             WHERE t.deleted_at IS NOT NULL
               AND {matches}
            """
        ).format(matches=_matches(kind), **_names(kind)),
        {"pattern": like_pattern(q)},
    ).fetchone()["total"]


def list_deleted(conn, *, kind, q, limit, offset):
    """Rows in the Trash matching q, newest first, each with its recorded product count."""
    return conn.execute(
        sql.SQL(
            """
            SELECT {columns}, t.deleted_at, n.products
              FROM {table} AS t
             CROSS JOIN LATERAL (
                   SELECT count(*) AS products
                     FROM trash_links AS l
                    WHERE l.kind = %(kind)s
                      AND l.item_id = t.id
                   ) AS n
             WHERE t.deleted_at IS NOT NULL
               AND {matches}
             ORDER BY t.deleted_at DESC, t.id DESC
             LIMIT %(limit)s
            OFFSET %(offset)s
            """
        ).format(columns=_row_columns(kind), matches=_matches(kind), **_names(kind)),
        {"kind": kind.key, "pattern": like_pattern(q), "limit": limit, "offset": offset},
    ).fetchall()


# --- Merge --------------------------------------------------------------------


def lock_live_items(conn, *, kind, item_ids):
    """The live rows among item_ids, locked so neither is deleted or merged meanwhile."""
    return conn.execute(
        sql.SQL(
            """
            SELECT t.id, t.{name} AS name
              FROM {table} AS t
             WHERE t.id = ANY(%(item_ids)s)
               AND t.deleted_at IS NULL
             ORDER BY t.id
               FOR UPDATE
            """
        ).format(**_names(kind)),
        {"item_ids": list(item_ids)},
    ).fetchall()


def count_merge(conn, *, kind, source_id, target_id):
    """Live products a merge would move, and how many of them the target already has."""
    if kind.product_column:
        already = sql.SQL("0")
    else:
        already = sql.SQL(
            """
            count(*) FILTER (WHERE EXISTS (
                SELECT 1
                  FROM products_tags AS other
                 WHERE other.product_id = p.id
                   AND other.product_tag_id = %(target_id)s))
            """
        )
    return conn.execute(
        sql.SQL(
            """
            SELECT count(*) AS products, {already} AS already
            {linked}
            """
        ).format(already=already,
                 linked=_linked_live_products(kind, owner=sql.Placeholder("source_id"))),
        {"source_id": source_id, "target_id": target_id},
    ).fetchone()


def move_products(conn, *, kind, source_id, target_id):
    """Give every product of source (live or in the Trash) the target instead.
    Returns how many live products moved."""
    params = {"source_id": source_id, "target_id": target_id}
    if kind.product_column:
        move = sql.SQL(
            """
            UPDATE products
               SET {column} = %(target_id)s
             WHERE {column} = %(source_id)s
            RETURNING id AS product_id
            """
        ).format(column=sql.Identifier(kind.product_column))
        return _live_products_changed(conn, {"moved": move}, "moved", params)
    unlink = sql.SQL(
        """
        DELETE FROM products_tags
         WHERE product_tag_id = %(source_id)s
        RETURNING product_id
        """
    )
    link = sql.SQL(
        """
        INSERT INTO products_tags (product_id, product_tag_id)
        SELECT product_id, %(target_id)s
          FROM moved
            ON CONFLICT DO NOTHING
        """
    )
    return _live_products_changed(conn, {"moved": unlink, "linked": link}, "moved", params)
