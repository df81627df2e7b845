"""SQL for CSV import and export: the catalog as the file sees it, batched writes, and
the imports' own rows.

Reads take a list of ids, handles or codes and answer with one statement per kind
(`= ANY(...)`), so a file of 20,000 rows costs a handful of statements, not one per
row. Writes take a batch of rows as one JSON array, unpacked by jsonb_to_recordset
into one INSERT or UPDATE per table: one statement per batch is also what History's
statement-level triggers record in one pass.
"""

from psycopg import sql
from psycopg.types.json import Jsonb

from ..variants.queries import OPTION_ORDER, VALUE_ORDER, VARIANT_ORDER

# Columns a row of the file may write, with their SQL types (a whitelist: identifiers
# in the statements below come only from here).
PRODUCT_TYPES = {
    "id": "text", "handle": "text", "title": "text", "subtitle": "text",
    "description": "text", "status": "text", "thumbnail": "text", "weight": "text",
    "length": "text", "height": "text", "width": "text", "origin_country": "text",
    "hs_code": "text", "mid_code": "text", "material": "text", "collection_id": "text",
    "type_id": "text", "discountable": "boolean", "is_giftcard": "boolean",
    "external_id": "text", "metadata": "jsonb",
}
VARIANT_TYPES = {
    "id": "text", "product_id": "text", "title": "text", "sku": "text", "barcode": "text",
    "ean": "text", "upc": "text", "weight": "integer", "length": "integer",
    "height": "integer", "width": "integer", "allow_backorder": "boolean",
    "manage_inventory": "boolean", "origin_country": "text", "hs_code": "text",
    "mid_code": "text", "material": "text", "thumbnail": "text", "metadata": "jsonb",
    "variant_rank": "integer",
}
_RANK = """CASE WHEN jsonb_typeof({t}.metadata -> 'rank') = 'number'
                THEN ({t}.metadata ->> 'rank')::numeric END"""


def _record(types: dict, columns) -> sql.Composable:
    return sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(types[c]))
                              for c in columns)


def _columns(columns) -> sql.Composable:
    return sql.SQL(", ").join(map(sql.Identifier, columns))


# --- The catalog as a file sees it ------------------------------------------------------

_PRODUCT_SELECT = """
    SELECT p.id, p.handle, p.title, p.subtitle, p.description, p.status, p.thumbnail,
           p.weight, p.length, p.height, p.width, p.origin_country, p.hs_code, p.mid_code,
           p.material, p.collection_id, p.type_id, p.discountable, p.is_giftcard,
           p.external_id, p.metadata, p.updated_at,
           col.handle AS collection_handle,
           typ.value AS type_value,
           coalesce((SELECT array_agg(t.value ORDER BY lower(t.value), t.value)
                       FROM products_tags AS pt
                       JOIN p_tags AS t ON t.id = pt.product_tag_id
                      WHERE pt.product_id = p.id
                        AND t.deleted_at IS NULL), '{{}}') AS tags,
           coalesce((SELECT array_agg(c.id ORDER BY c.id)
                       FROM p_categories_products AS cp
                       JOIN p_categories AS c ON c.id = cp.p_categories_id
                      WHERE cp.product_id = p.id
                        AND c.deleted_at IS NULL), '{{}}') AS category_ids,
           coalesce((SELECT json_agg(json_build_object('id', i.id, 'url', i.url,
                                                       'rank', i.rank)
                                     ORDER BY i.rank, i.id)
                       FROM images AS i
                      WHERE i.product_id = p.id
                        AND i.deleted_at IS NULL), '[]') AS images
      FROM {source}
      LEFT JOIN p_collections AS col ON col.id = p.collection_id
      LEFT JOIN p_types AS typ ON typ.id = p.type_id
"""


def list_products_by_handle(conn, *, handles, lock=False):
    """Live products with these handles, with their tags, categories and images.
    `lock` holds them until commit (the import job writes what it read)."""
    query = sql.SQL(_PRODUCT_SELECT + """
         WHERE p.handle = ANY(%(handles)s)
           AND p.deleted_at IS NULL
         {lock}
    """).format(source=sql.SQL("products AS p"),
                lock=sql.SQL("FOR UPDATE OF p" if lock else ""))
    return conn.execute(query, {"handles": handles}).fetchall()


def list_products_by_id(conn, *, ids):
    """These live products in the order of `ids` (an export batch)."""
    query = sql.SQL(_PRODUCT_SELECT + """
         WHERE p.deleted_at IS NULL
         ORDER BY page.n
    """).format(source=sql.SQL(
        "unnest(%(ids)s::text[]) WITH ORDINALITY AS page(id, n) "
        "JOIN products AS p ON p.id = page.id"))
    return conn.execute(query, {"ids": ids}).fetchall()


def list_options(conn, *, product_ids):
    """The products' live options in order, each with its live values in order."""
    return conn.execute(
        f"""
        SELECT o.id, o.product_id, o.title, {_RANK.format(t='o')} AS rank,
               coalesce((SELECT json_agg(json_build_object(
                                    'id', ov.id, 'value', ov.value,
                                    'rank', {_RANK.format(t='ov')})
                                 ORDER BY {VALUE_ORDER})
                           FROM p_option_values AS ov
                          WHERE ov.option_id = o.id
                            AND ov.deleted_at IS NULL), '[]') AS option_values
          FROM p_options AS o
         WHERE o.product_id = ANY(%(product_ids)s)
           AND o.deleted_at IS NULL
         ORDER BY o.product_id, {OPTION_ORDER}
        """,
        {"product_ids": product_ids},
    ).fetchall()


def list_variants(conn, *, product_ids):
    """The products' live variants in rank order, with the live values each holds as
    {option_id: value_id}."""
    return conn.execute(
        f"""
        SELECT v.id, v.product_id, v.title, v.sku, v.barcode, v.ean, v.upc,
               v.allow_backorder, v.manage_inventory, v.hs_code, v.origin_country,
               v.thumbnail, v.mid_code, v.material, v.weight, v.length, v.height, v.width,
               v.metadata, v.variant_rank,
               coalesce((SELECT json_object_agg(ov.option_id, ov.id)
                           FROM p_variants_options AS vo
                           JOIN p_option_values AS ov ON ov.id = vo.option_value_id
                           JOIN p_options AS o ON o.id = ov.option_id
                          WHERE vo.variant_id = v.id
                            AND ov.deleted_at IS NULL
                            AND o.deleted_at IS NULL), '{{}}') AS value_ids
          FROM p_variants AS v
         WHERE v.product_id = ANY(%(product_ids)s)
           AND v.deleted_at IS NULL
         ORDER BY v.product_id, {VARIANT_ORDER}
        """,
        {"product_ids": product_ids},
    ).fetchall()


def list_code_holders(conn, *, codes):
    """Live variants holding any of these codes ({kind: [codes]}), with their product."""
    return conn.execute(
        """
        SELECT v.id AS variant_id, v.title AS variant_title, v.product_id,
               v.sku, v.barcode, v.ean, v.upc, p.handle, p.title
          FROM p_variants AS v
          JOIN products AS p ON p.id = v.product_id
         WHERE v.deleted_at IS NULL
           AND (v.sku = ANY(%(sku)s)
                OR v.barcode = ANY(%(barcode)s)
                OR v.ean = ANY(%(ean)s)
                OR v.upc = ANY(%(upc)s))
        """,
        {kind: codes.get(kind, []) for kind in ("sku", "barcode", "ean", "upc")},
    ).fetchall()


def list_collections_by_handle(conn, *, handles):
    return conn.execute(
        """
        SELECT id, handle
          FROM p_collections
         WHERE handle = ANY(%(handles)s)
           AND deleted_at IS NULL
        """,
        {"handles": handles},
    ).fetchall()


def list_types_by_value(conn, *, values):
    """Live types whose value matches one of these, ignoring case."""
    return conn.execute(
        """
        SELECT id, value
          FROM p_types
         WHERE lower(value) = ANY(%(values)s)
           AND deleted_at IS NULL
         ORDER BY created_at, id
        """,
        {"values": [v.lower() for v in values]},
    ).fetchall()


def list_tags_by_value(conn, *, values):
    """Live tags whose value matches one of these, ignoring case."""
    return conn.execute(
        """
        SELECT id, value
          FROM p_tags
         WHERE lower(value) = ANY(%(values)s)
           AND deleted_at IS NULL
        """,
        {"values": [v.lower() for v in values]},
    ).fetchall()


def list_category_paths(conn):
    """Every live category reachable from a root, with its path of handles
    ("women/tops/shirts")."""
    return conn.execute(
        """
        WITH RECURSIVE tree AS (
            SELECT id, handle, handle::text AS path
              FROM p_categories
             WHERE parent_id IS NULL
               AND deleted_at IS NULL
            UNION ALL
            SELECT c.id, c.handle, tree.path || '/' || c.handle
              FROM p_categories AS c
              JOIN tree ON c.parent_id = tree.id
             WHERE c.deleted_at IS NULL
        )
        SELECT id, handle, path
          FROM tree
        """
    ).fetchall()


def count_max_options(conn, *, where, params):
    """The most live options any product matching `where` (a products list filter on
    alias p) has: how many option column pairs the export needs."""
    return conn.execute(
        sql.SQL(
            """
            SELECT coalesce(max(n), 0) AS n
              FROM (SELECT count(*) AS n
                      FROM p_options AS o
                     WHERE o.deleted_at IS NULL
                       AND o.product_id IN (SELECT p.id FROM products AS p WHERE {where})
                     GROUP BY o.product_id) AS counts
            """
        ).format(where=where),
        params,
    ).fetchone()["n"]


def matching_ids_query(*, where, order):
    """Ids of the products the export writes, in the list's order (read through a
    server-side cursor)."""
    return sql.SQL(
        """
        SELECT p.id
          FROM products AS p
         WHERE {where}
         ORDER BY {order}
        """
    ).format(where=where, order=order)


# --- Writes ---------------------------------------------------------------------------


def insert_types(conn, *, values, ids):
    """Types for these values, where no live type has the value in any case."""
    conn.execute(
        """
        INSERT INTO p_types (id, value)
        SELECT new.id, new.value
          FROM unnest(%(values)s::text[], %(ids)s::text[]) AS new(value, id)
         WHERE NOT EXISTS (SELECT 1 FROM p_types AS t
                            WHERE lower(t.value) = lower(new.value)
                              AND t.deleted_at IS NULL)
        """,
        {"values": values, "ids": ids},
    )


def insert_tags(conn, *, values, ids):
    """Tags for these values, where no live tag has the value in any case."""
    conn.execute(
        """
        INSERT INTO p_tags (id, value)
        SELECT new.id, new.value
          FROM unnest(%(values)s::text[], %(ids)s::text[]) AS new(value, id)
         WHERE NOT EXISTS (SELECT 1 FROM p_tags AS t
                            WHERE lower(t.value) = lower(new.value)
                              AND t.deleted_at IS NULL)
        """,
        {"values": values, "ids": ids},
    )


def insert_products(conn, *, rows):
    """New products, one per row dict (every column of PRODUCT_TYPES)."""
    columns = list(PRODUCT_TYPES)
    conn.execute(
        sql.SQL(
            """
            INSERT INTO products ({columns})
            SELECT {columns}
              FROM jsonb_to_recordset(%(rows)s) AS r({record})
            """
        ).format(columns=_columns(columns), record=_record(PRODUCT_TYPES, columns)),
        {"rows": Jsonb(rows)},
    )


def update_products(conn, *, columns, rows):
    """Set these columns of live products to each row's values (rows hold id + columns)."""
    _update(conn, table="products", types=PRODUCT_TYPES, columns=columns, rows=rows)


def _update(conn, *, table, types, columns, rows):
    columns = [c for c in columns if c != "id"]
    if not columns or not rows:
        return
    conn.execute(
        sql.SQL(
            """
            UPDATE {table} AS t
               SET {assignments}
              FROM jsonb_to_recordset(%(rows)s) AS r({record})
             WHERE t.id = r.id
               AND t.deleted_at IS NULL
            """
        ).format(
            table=sql.Identifier(table),
            assignments=sql.SQL(", ").join(
                sql.SQL("{c} = r.{c}").format(c=sql.Identifier(c)) for c in columns),
            record=_record(types, ["id", *columns]),
        ),
        {"rows": Jsonb(rows)},
    )


def insert_options(conn, *, rows):
    """New options: rows of {id, product_id, title, rank}; the rank goes in metadata, as
    the option editor keeps it."""
    conn.execute(
        """
        INSERT INTO p_options (id, product_id, title, metadata)
        SELECT r.id, r.product_id, r.title, jsonb_build_object('rank', r.rank)
          FROM jsonb_to_recordset(%(rows)s) AS r(id text, product_id text, title text,
                                                 rank numeric)
        """,
        {"rows": Jsonb(rows)},
    )


def insert_option_values(conn, *, rows):
    """New option values: rows of {id, option_id, value, rank}."""
    conn.execute(
        """
        INSERT INTO p_option_values (id, option_id, value, metadata)
        SELECT r.id, r.option_id, r.value, jsonb_build_object('rank', r.rank)
          FROM jsonb_to_recordset(%(rows)s) AS r(id text, option_id text, value text,
                                                 rank numeric)
        """,
        {"rows": Jsonb(rows)},
    )


def insert_variants(conn, *, rows):
    """New variants, one per row dict (every column of VARIANT_TYPES)."""
    columns = list(VARIANT_TYPES)
    conn.execute(
        sql.SQL(
            """
            INSERT INTO p_variants ({columns})
            SELECT {columns}
              FROM jsonb_to_recordset(%(rows)s) AS r({record})
            """
        ).format(columns=_columns(columns), record=_record(VARIANT_TYPES, columns)),
        {"rows": Jsonb(rows)},
    )


def update_variants(conn, *, columns, rows):
    _update(conn, table="p_variants", types=VARIANT_TYPES, columns=columns, rows=rows)


def set_variant_values(conn, *, variant_ids, pairs):
    """Link the values in `pairs` [(variant_id, value_id)], and unlink the other live
    values of `variant_ids` (existing variants), in one statement, so the combination
    index sees the end state once. Links to deleted values stay (a restore brings
    those back)."""
    conn.execute(
        """
        WITH wanted AS (
            SELECT w.variant_id, w.value_id
              FROM unnest(%(variant_of)s::text[], %(value_of)s::text[]) AS w(variant_id, value_id)
        ), removed AS (
            DELETE FROM p_variants_options AS vo
             USING p_option_values AS ov
             WHERE ov.id = vo.option_value_id
               AND ov.deleted_at IS NULL
               AND vo.variant_id = ANY(%(variant_ids)s)
               AND (vo.variant_id, vo.option_value_id) NOT IN (SELECT variant_id, value_id
                                                                 FROM wanted)
        )
        INSERT INTO p_variants_options (variant_id, option_value_id)
        SELECT variant_id, value_id
          FROM wanted
        ON CONFLICT DO NOTHING
        """,
        {"variant_ids": variant_ids, "variant_of": [p[0] for p in pairs],
         "value_of": [p[1] for p in pairs]},
    )


def set_product_tags(conn, *, product_ids, pairs):
    """Link the tags in `pairs` [(product_id, value)] (values match live tags ignoring
    case), and unlink the other tags of `product_ids` (existing products)."""
    conn.execute(
        """
        WITH wanted AS (
            SELECT DISTINCT w.product_id, t.id AS tag_id
              FROM unnest(%(product_of)s::text[], %(value_of)s::text[]) AS w(product_id, value)
              JOIN p_tags AS t ON lower(t.value) = lower(w.value)
                              AND t.deleted_at IS NULL
        ), removed AS (
            DELETE FROM products_tags AS pt
             WHERE pt.product_id = ANY(%(product_ids)s)
               AND (pt.product_id, pt.product_tag_id) NOT IN (SELECT product_id, tag_id
                                                                FROM wanted)
        )
        INSERT INTO products_tags (product_id, product_tag_id)
        SELECT product_id, tag_id
          FROM wanted
        ON CONFLICT DO NOTHING
        """,
        {"product_ids": product_ids, "product_of": [p[0] for p in pairs],
         "value_of": [p[1] for p in pairs]},
    )


def set_product_categories(conn, *, product_ids, pairs):
    """Link the categories in `pairs` [(product_id, category_id)], and unlink the other
    live categories of `product_ids` (existing products); links to deleted categories
    stay for their restore."""
    conn.execute(
        """
        WITH wanted AS (
            SELECT w.product_id, w.category_id
              FROM unnest(%(product_of)s::text[], %(category_of)s::text[])
                   AS w(product_id, category_id)
        ), removed AS (
            DELETE FROM p_categories_products AS cp
             USING p_categories AS c
             WHERE c.id = cp.p_categories_id
               AND c.deleted_at IS NULL
               AND cp.product_id = ANY(%(product_ids)s)
               AND (cp.product_id, cp.p_categories_id) NOT IN (SELECT product_id, category_id
                                                                 FROM wanted)
        )
        INSERT INTO p_categories_products (product_id, p_categories_id)
        SELECT product_id, category_id
          FROM wanted
        ON CONFLICT DO NOTHING
        """,
        {"product_ids": product_ids, "product_of": [p[0] for p in pairs],
         "category_of": [p[1] for p in pairs]},
    )


def soft_delete_images(conn, *, ids):
    conn.execute(
        """
        UPDATE images
           SET deleted_at = now()
         WHERE id = ANY(%(ids)s)
           AND deleted_at IS NULL
        """,
        {"ids": ids},
    )


def update_image_ranks(conn, *, rows):
    """rows: [{id, rank}]."""
    conn.execute(
        """
        UPDATE images AS i
           SET rank = r.rank
          FROM jsonb_to_recordset(%(rows)s) AS r(id text, rank integer)
         WHERE i.id = r.id
        """,
        {"rows": Jsonb(rows)},
    )


def insert_images(conn, *, rows):
    """rows: [{id, url, rank, product_id}]."""
    conn.execute(
        """
        INSERT INTO images (id, url, rank, product_id)
        SELECT r.id, r.url, r.rank, r.product_id
          FROM jsonb_to_recordset(%(rows)s) AS r(id text, url text, rank integer,
                                                 product_id text)
        """,
        {"rows": Jsonb(rows)},
    )


# --- Imports: the uploaded file, its preview, its progress -----------------------------

IMPORT_COLUMNS = """
    i.id, i.file_name, i.encoding, i.delimiter, i.base_url, i.status, i.mode, i.row_count,
    i.counts, i.result, i.progress_done, i.progress_total, i.phase, i.error,
    i.change_set_id, i.job_id, i.created_by, i.created_at, i.updated_at, i.started_at,
    i.finished_at, u.name AS created_by_name, u.email AS created_by_email
"""


def insert_import(conn, *, import_id, file_name, content, encoding, delimiter, base_url,
                  row_count, counts, change_set_id, created_by, status="previewed"):
    conn.execute(
        """
        INSERT INTO product_imports (id, file_name, content, encoding, delimiter, base_url,
                                     row_count, counts, change_set_id, created_by, status)
        VALUES (%(id)s, %(file_name)s, %(content)s, %(encoding)s, %(delimiter)s,
                %(base_url)s, %(row_count)s, %(counts)s, %(change_set_id)s, %(created_by)s,
                %(status)s)
        """,
        {"id": import_id, "file_name": file_name, "content": content, "encoding": encoding,
         "delimiter": delimiter, "base_url": base_url, "row_count": row_count,
         "counts": Jsonb(counts), "change_set_id": change_set_id, "created_by": created_by,
         "status": status},
    )


def claim_check(conn, *, import_id):
    """Mark a `checking` import as taken by a job (its phase) and return its file; None
    when it is not waiting for its check."""
    return conn.execute(
        """
        UPDATE product_imports
           SET phase = 'Checking the rows against the catalog',
               started_at = now()
         WHERE id = %(import_id)s
           AND status = 'checking'
           AND content IS NOT NULL
        RETURNING id, content, base_url
        """,
        {"import_id": import_id},
    ).fetchone()


def update_import_checked(conn, *, import_id, counts):
    """checking -> previewed, with the dry run's counts; None when it was not checking."""
    return conn.execute(
        """
        UPDATE product_imports
           SET status = 'previewed',
               counts = %(counts)s,
               phase = '',
               started_at = NULL
         WHERE id = %(import_id)s
           AND status = 'checking'
        RETURNING id
        """,
        {"import_id": import_id, "counts": Jsonb(counts)},
    ).fetchone()


def insert_import_items(conn, *, import_id, items):
    """The dry run's per-product lines (in chunks: a 100,000-row file has many)."""
    for start in range(0, len(items), 2000):
        conn.execute(
            """
            INSERT INTO product_import_items (import_id, position, kind, handle, title, line,
                                              changes, variants)
            SELECT %(import_id)s, r.position, r.kind, r.handle, r.title, r.line,
                   r.changes, r.variants
              FROM jsonb_to_recordset(%(rows)s) AS r(position integer, kind text,
                                                     handle text, title text, line integer,
                                                     changes jsonb, variants jsonb)
            """,
            {"import_id": import_id, "rows": Jsonb(items[start:start + 2000])},
        )


def replace_import_errors(conn, *, import_id, errors):
    """The errors by line, column and reason (the dry run's, or the job's own check)."""
    conn.execute("DELETE FROM product_import_errors WHERE import_id = %(id)s",
                 {"id": import_id})
    for start in range(0, len(errors), 2000):
        conn.execute(
            """
            INSERT INTO product_import_errors (import_id, position, line, column_name,
                                               message, handle)
            SELECT %(import_id)s, r.position, r.line, r.column_name, r.message, r.handle
              FROM jsonb_to_recordset(%(rows)s) AS r(position integer, line integer,
                                                     column_name text, message text,
                                                     handle text)
            """,
            {"import_id": import_id, "rows": Jsonb(errors[start:start + 2000])},
        )


def get_import(conn, *, import_id):
    """One import without its file's content, or None."""
    return conn.execute(
        f"""
        SELECT {IMPORT_COLUMNS}
          FROM product_imports AS i
          LEFT JOIN staff_users AS u ON u.id = i.created_by
         WHERE i.id = %(import_id)s
        """,
        {"import_id": import_id},
    ).fetchone()


def claim_import(conn, *, import_id):
    """Mark a queued import as applying and return what the job needs (its file, mode,
    change-set); None when it is not waiting. An import found `applying` is taken again:
    its job stopped before committing anything (a worker that died), so it starts over."""
    return conn.execute(
        """
        UPDATE product_imports
           SET status = 'applying',
               started_at = now()
         WHERE id = %(import_id)s
           AND status IN ('queued', 'applying')
           AND content IS NOT NULL
        RETURNING id, file_name, content, base_url, status, mode, counts, change_set_id,
                  created_by
        """,
        {"import_id": import_id},
    ).fetchone()


def list_imports(conn, *, limit):
    """The most recent imports, newest first."""
    return conn.execute(
        f"""
        SELECT {IMPORT_COLUMNS}
          FROM product_imports AS i
          LEFT JOIN staff_users AS u ON u.id = i.created_by
         ORDER BY i.created_at DESC, i.id DESC
         LIMIT %(limit)s
        """,
        {"limit": limit},
    ).fetchall()


def list_import_items(conn, *, import_id, kind, limit, offset):
    return conn.execute(
        """
        SELECT position, kind, handle, title, line, changes, variants
          FROM product_import_items
         WHERE import_id = %(import_id)s
           AND kind = %(kind)s
         ORDER BY position
         LIMIT %(limit)s OFFSET %(offset)s
        """,
        {"import_id": import_id, "kind": kind, "limit": limit, "offset": offset},
    ).fetchall()


def list_import_errors(conn, *, import_id, limit, offset):
    rows = conn.execute(
        """
        SELECT line, column_name, message, handle, count(*) OVER () AS total
          FROM product_import_errors
         WHERE import_id = %(import_id)s
         ORDER BY position
         LIMIT %(limit)s OFFSET %(offset)s
        """,
        {"import_id": import_id, "limit": limit, "offset": offset},
    ).fetchall()
    return rows, (rows[0]["total"] if rows else 0)


def update_import_queued(conn, *, import_id, mode):
    """previewed -> queued, once: None when the import was not waiting to be applied
    (or was never checked: only a finished dry run has the count of its writes)."""
    return conn.execute(
        """
        UPDATE product_imports
           SET status = 'queued',
               mode = %(mode)s,
               phase = 'Waiting for a worker',
               error = NULL
         WHERE id = %(import_id)s
           AND status IN ('previewed', 'failed')
           AND content IS NOT NULL
           AND counts ? 'writes'
        RETURNING id
        """,
        {"import_id": import_id, "mode": mode},
    ).fetchone()


def update_import_job(conn, *, import_id, job_id):
    conn.execute("UPDATE product_imports SET job_id = %(job_id)s WHERE id = %(import_id)s",
                 {"import_id": import_id, "job_id": job_id})


def update_import_progress(conn, *, import_id, status, phase, done, total):
    conn.execute(
        """
        UPDATE product_imports
           SET status = %(status)s,
               phase = %(phase)s,
               progress_done = %(done)s,
               progress_total = %(total)s
         WHERE id = %(import_id)s
        """,
        {"import_id": import_id, "status": status, "phase": phase, "done": done,
         "total": total},
    )


def update_import_finished(conn, *, import_id, status, result, error=None, keep_content=True):
    """applied or failed, with the final report; an applied import's file is dropped."""
    conn.execute(
        """
        UPDATE product_imports
           SET status = %(status)s,
               result = %(result)s,
               error = %(error)s,
               phase = '',
               finished_at = now(),
               content = CASE WHEN %(keep)s THEN content END
         WHERE id = %(import_id)s
        """,
        {"import_id": import_id, "status": status, "result": Jsonb(result), "error": error,
         "keep": keep_content},
    )


def delete_stale_imports(conn, *, preview_days, report_days):
    """Previews nobody applied within `preview_days` go, and finished imports' reports
    after `report_days` (their items and errors with them). History keeps what an
    import changed for as long as it keeps everything else."""
    conn.execute(
        """
        DELETE FROM product_imports
         WHERE (status IN ('checking', 'previewed')
                AND created_at < now() - make_interval(days => %(preview_days)s))
            OR (status IN ('applied', 'failed')
                AND created_at < now() - make_interval(days => %(report_days)s))
        """,
        {"preview_days": preview_days, "report_days": report_days},
    )
