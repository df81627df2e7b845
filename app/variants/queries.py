"""SQL for a product's options, option values and variants: the editor, the grid, Trash.

Order of options and values. p_options and p_option_values have no rank
column and we add none to seed tables. Each option and value keeps its place
in its metadata as {"rank": n} (metadata is the seed's place for attributes
"without schema changes"); rows without one (made by other writers) follow in
creation order. We did not reorder by rewriting created_at: it records when
staff made the option, and the Trash and history rely on it meaning that.
"""

from psycopg import sql
from psycopg.types.json import Jsonb

from ..db import like_pattern
from .grid import CODE_FIELDS, FIELD_NAMES

# Most options, most values per option, most variants per product.
MAX_VARIANTS = 2048

_RANK = """CASE WHEN jsonb_typeof({t}.metadata -> 'rank') = 'number'
                THEN ({t}.metadata ->> 'rank')::numeric END"""
OPTION_ORDER = f"{_RANK.format(t='o')} NULLS LAST, o.created_at, o.id"
VALUE_ORDER = f"{_RANK.format(t='ov')} NULLS LAST, ov.created_at, ov.id"
VARIANT_ORDER = "v.variant_rank NULLS LAST, v.created_at, v.id"

# A product's live options and their live values, numbered in order (1-based).
_OPTIONS_CTE = f"""
    opts AS (
        SELECT o.id, o.title, row_number() OVER (ORDER BY {OPTION_ORDER}) AS pos
          FROM p_options AS o
         WHERE o.product_id = %(product_id)s
           AND o.deleted_at IS NULL
    ), vals AS (
        SELECT ov.id, ov.value, ov.option_id, opts.pos AS option_pos,
               row_number() OVER (PARTITION BY ov.option_id ORDER BY {VALUE_ORDER}) AS pos
          FROM p_option_values AS ov
          JOIN opts ON opts.id = ov.option_id
         WHERE ov.deleted_at IS NULL
    )
"""

VARIANT_COLUMNS = """
    v.id, v.title, v.sku, v.barcode, v.ean, v.upc, v.allow_backorder, v.manage_inventory,
    v.hs_code, v.origin_country, v.thumbnail, v.mid_code, v.material, v.weight, v.length,
    v.height, v.width, v.metadata, v.variant_rank, v.product_id, v.created_at, v.updated_at
"""

# The option values a variant holds, as {option_id: {"id": ..., "value": ...}}.
_VARIANT_VALUES = """
    coalesce((SELECT json_object_agg(ov.option_id, json_build_object('id', ov.id,
                                                                     'value', ov.value))
                FROM p_variants_options AS vo
                JOIN p_option_values AS ov ON ov.id = vo.option_value_id
               WHERE vo.variant_id = v.id), json_build_object()) AS option_values
"""


# --- The product and its options ----------------------------------------------


def lock_product(conn, *, product_id):
    """The live product, locked until commit, or None.

    Every change to a product's options, variants or their order takes this
    lock first, so two staff generating or reordering at once run one after
    the other and the second sees what the first committed.
    """
    return conn.execute(
        """
        SELECT id, title
          FROM products
         WHERE id = %(product_id)s
           AND deleted_at IS NULL
           FOR UPDATE
        """,
        {"product_id": product_id},
    ).fetchone()


def get_overview(conn, *, product_id):
    """The product with its options, values (and how many live variants use each),
    its live variant count and how many of those hold a value of every option; one
    statement. None if the product is not live."""
    return conn.execute(
        f"""
        WITH {_OPTIONS_CTE},
        links AS (
            SELECT vo.variant_id, vo.option_value_id
              FROM p_variants AS v
              JOIN p_variants_options AS vo ON vo.variant_id = v.id
             WHERE v.product_id = %(product_id)s
               AND v.deleted_at IS NULL
        ), usage AS (
            SELECT links.option_value_id, count(*) AS n
              FROM links
             GROUP BY links.option_value_id
        ), complete AS (
            -- A filter on the few live value ids, not a join: no plan can turn this
            -- into a loop over variants × values, whatever the statistics say.
            SELECT links.variant_id
              FROM links
             WHERE links.option_value_id = ANY (ARRAY(SELECT vals.id FROM vals))
             GROUP BY links.variant_id
            HAVING count(*) = (SELECT count(*) FROM opts)
        )
        SELECT p.id, p.title, p.handle, p.status, p.updated_at,
               (SELECT count(*)
                  FROM p_variants AS v
                 WHERE v.product_id = p.id
                   AND v.deleted_at IS NULL) AS variant_count,
               (SELECT count(*) FROM complete) AS complete_count,
               coalesce((
                   SELECT json_agg(json_build_object(
                              'id', opts.id,
                              'title', opts.title,
                              'values', coalesce((
                                  SELECT json_agg(json_build_object(
                                             'id', vals.id, 'value', vals.value,
                                             'used', coalesce(usage.n, 0))
                                         ORDER BY vals.pos)
                                    FROM vals
                                    LEFT JOIN usage ON usage.option_value_id = vals.id
                                   WHERE vals.option_id = opts.id), '[]'),
                              'used', (SELECT coalesce(sum(usage.n), 0)
                                         FROM vals
                                         JOIN usage ON usage.option_value_id = vals.id
                                        WHERE vals.option_id = opts.id))
                          ORDER BY opts.pos)
                     FROM opts), '[]') AS options
          FROM products AS p
         WHERE p.id = %(product_id)s
           AND p.deleted_at IS NULL
        """,
        {"product_id": product_id},
    ).fetchone()


def get_option(conn, *, product_id, option_id):
    """One live option of the product, with its live variant usage, or None."""
    return conn.execute(
        """
        SELECT o.id, o.title, o.product_id,
               (SELECT count(DISTINCT vo.variant_id)
                  FROM p_option_values AS ov
                  JOIN p_variants_options AS vo ON vo.option_value_id = ov.id
                  JOIN p_variants AS v ON v.id = vo.variant_id
                 WHERE ov.option_id = o.id
                   AND v.deleted_at IS NULL) AS used
          FROM p_options AS o
         WHERE o.id = %(option_id)s
           AND o.product_id = %(product_id)s
           AND o.deleted_at IS NULL
        """,
        {"product_id": product_id, "option_id": option_id},
    ).fetchone()


def get_option_value(conn, *, option_id, value_id):
    """One live value of the option, with its live variant usage, or None."""
    return conn.execute(
        """
        SELECT ov.id, ov.value, ov.option_id,
               (SELECT count(*)
                  FROM p_variants_options AS vo
                  JOIN p_variants AS v ON v.id = vo.variant_id
                 WHERE vo.option_value_id = ov.id
                   AND v.deleted_at IS NULL) AS used
          FROM p_option_values AS ov
         WHERE ov.id = %(value_id)s
           AND ov.option_id = %(option_id)s
           AND ov.deleted_at IS NULL
        """,
        {"option_id": option_id, "value_id": value_id},
    ).fetchone()


def insert_option(conn, *, option_id, product_id, title):
    """A new option, last in order; raises UniqueViolation on a title the product has."""
    return conn.execute(
        f"""
        INSERT INTO p_options (id, title, product_id, metadata)
        SELECT %(option_id)s, %(title)s, %(product_id)s,
               jsonb_build_object('rank', coalesce(max({_RANK.format(t='o')}) + 1, 0))
          FROM p_options AS o
         WHERE o.product_id = %(product_id)s
           AND o.deleted_at IS NULL
        RETURNING id, title
        """,
        {"option_id": option_id, "product_id": product_id, "title": title},
    ).fetchone()


def insert_option_values(conn, *, option_id, values, value_ids):
    """New values, after the option's others in the given order; raises UniqueViolation
    on a value the option has."""
    return conn.execute(
        f"""
        WITH base AS (
            SELECT coalesce(max({_RANK.format(t='ov')}) + 1, 0) AS rank
              FROM p_option_values AS ov
             WHERE ov.option_id = %(option_id)s
               AND ov.deleted_at IS NULL
        )
        INSERT INTO p_option_values (id, value, option_id, metadata)
        SELECT new.id, new.value, %(option_id)s, jsonb_build_object('rank', base.rank + new.n - 1)
          FROM unnest(%(values)s::text[], %(value_ids)s::text[])
               WITH ORDINALITY AS new(value, id, n)
         CROSS JOIN base
        RETURNING id, value
        """,
        {"option_id": option_id, "values": values, "value_ids": value_ids},
    ).fetchall()


def list_taken_values(conn, *, option_id, values):
    """Which of these values the option already has (live)."""
    rows = conn.execute(
        """
        SELECT value
          FROM p_option_values
         WHERE option_id = %(option_id)s
           AND value = ANY(%(values)s)
           AND deleted_at IS NULL
        """,
        {"option_id": option_id, "values": values},
    ).fetchall()
    return {r["value"] for r in rows}


def update_option_title(conn, *, option_id, title):
    """Rename; raises UniqueViolation on a title another live option of the product has."""
    return conn.execute(
        """
        UPDATE p_options
           SET title = %(title)s
         WHERE id = %(option_id)s
           AND deleted_at IS NULL
           AND title IS DISTINCT FROM %(title)s
        RETURNING id, title
        """,
        {"option_id": option_id, "title": title},
    ).fetchone()


def update_option_value(conn, *, value_id, value):
    """Rename; raises UniqueViolation on a value the option has."""
    return conn.execute(
        """
        UPDATE p_option_values
           SET value = %(value)s
         WHERE id = %(value_id)s
           AND deleted_at IS NULL
           AND value IS DISTINCT FROM %(value)s
        RETURNING id, value
        """,
        {"value_id": value_id, "value": value},
    ).fetchone()


def list_option_ids(conn, *, product_id):
    """The product's live option ids, in order."""
    rows = conn.execute(
        f"""
        SELECT o.id
          FROM p_options AS o
         WHERE o.product_id = %(product_id)s
           AND o.deleted_at IS NULL
         ORDER BY {OPTION_ORDER}
        """,
        {"product_id": product_id},
    ).fetchall()
    return [r["id"] for r in rows]


def update_option_ranks(conn, *, product_id, option_ids):
    """Number the product's options 0..n-1 in this order (in their metadata)."""
    conn.execute(
        """
        UPDATE p_options AS o
           SET metadata = coalesce(o.metadata, '{}'::jsonb) || jsonb_build_object('rank', new.n - 1)
          FROM unnest(%(option_ids)s::text[]) WITH ORDINALITY AS new(id, n)
         WHERE o.id = new.id
           AND o.product_id = %(product_id)s
           AND o.metadata -> 'rank' IS DISTINCT FROM to_jsonb(new.n - 1)
        """,
        {"product_id": product_id, "option_ids": option_ids},
    )


def soft_delete_option(conn, *, option_id, with_variants):
    """Soft-delete an option with its values and, when asked, the live variants holding
    one of them, at one instant (what a Trash restore brings back together).
    Returns the number of variants deleted."""
    row = conn.execute(
        """
        WITH option AS (
            UPDATE p_options
               SET deleted_at = now()
             WHERE id = %(option_id)s
               AND deleted_at IS NULL
            RETURNING id
        ), option_values AS (
            UPDATE p_option_values
               SET deleted_at = now()
             WHERE option_id IN (SELECT id FROM option)
               AND deleted_at IS NULL
            RETURNING id
        ), variants AS (
            UPDATE p_variants
               SET deleted_at = now()
             WHERE %(with_variants)s
               AND deleted_at IS NULL
               AND id IN (SELECT vo.variant_id
                            FROM p_variants_options AS vo
                            JOIN p_option_values AS ov ON ov.id = vo.option_value_id
                           WHERE ov.option_id = %(option_id)s)
            RETURNING id
        )
        SELECT (SELECT count(*) FROM variants) AS variants
        """,
        {"option_id": option_id, "with_variants": with_variants},
    ).fetchone()
    return row["variants"]


def soft_delete_option_value(conn, *, value_id, with_variants):
    """Soft-delete a value and, when asked, the live variants holding it, at one instant.
    Returns the number of variants deleted."""
    row = conn.execute(
        """
        WITH option_value AS (
            UPDATE p_option_values
               SET deleted_at = now()
             WHERE id = %(value_id)s
               AND deleted_at IS NULL
            RETURNING id
        ), variants AS (
            UPDATE p_variants
               SET deleted_at = now()
             WHERE %(with_variants)s
               AND deleted_at IS NULL
               AND id IN (SELECT variant_id
                            FROM p_variants_options
                           WHERE option_value_id = %(value_id)s)
            RETURNING id
        )
        SELECT (SELECT count(*) FROM variants) AS variants
        """,
        {"value_id": value_id, "with_variants": with_variants},
    ).fetchone()
    return row["variants"]


def insert_missing_option_value(conn, *, product_id, option_id):
    """Give live variants of the product that hold no value of this option its first
    value. Raises UniqueViolation when two of them would then share a combination."""
    return conn.execute(
        f"""
        INSERT INTO p_variants_options (variant_id, option_value_id)
        SELECT v.id, first.id
          FROM p_variants AS v
         CROSS JOIN (SELECT ov.id
                       FROM p_option_values AS ov
                      WHERE ov.option_id = %(option_id)s
                        AND ov.deleted_at IS NULL
                      ORDER BY {VALUE_ORDER}
                      LIMIT 1) AS first
         WHERE v.product_id = %(product_id)s
           AND v.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1
                             FROM p_variants_options AS vo
                             JOIN p_option_values AS ov ON ov.id = vo.option_value_id
                            WHERE vo.variant_id = v.id
                              AND ov.option_id = %(option_id)s)
        """,
        {"product_id": product_id, "option_id": option_id},
    ).rowcount


# --- Titles made from values ----------------------------------------------------

# Each live variant's title as generation would make it ("Red / L", in option order).
_GENERATED_TITLES = f"""
    WITH opts AS (
        SELECT o.id, row_number() OVER (ORDER BY {OPTION_ORDER}) AS pos
          FROM p_options AS o
         WHERE o.product_id = %(product_id)s
           AND o.deleted_at IS NULL
    )
    SELECT v.id, v.title,
           coalesce(string_agg(ov.value, ' / ' ORDER BY opts.pos)
                        FILTER (WHERE opts.id IS NOT NULL), '') AS generated,
           count(opts.id) AS value_count
      FROM p_variants AS v
      LEFT JOIN p_variants_options AS vo ON vo.variant_id = v.id
      LEFT JOIN p_option_values AS ov ON ov.id = vo.option_value_id AND ov.deleted_at IS NULL
      LEFT JOIN opts ON opts.id = ov.option_id
     WHERE v.product_id = %(product_id)s
       AND v.deleted_at IS NULL
     GROUP BY v.id, v.title
"""


def list_generated_title_ids(conn, *, product_id):
    """Ids of live variants whose title is still the one made from their values, or that
    hold no value yet: a rename, reorder or new option renames these and no others."""
    rows = conn.execute(
        f"""
        SELECT t.id
          FROM ({_GENERATED_TITLES}) AS t
         WHERE t.title = t.generated
            OR t.value_count = 0
        """,
        {"product_id": product_id},
    ).fetchall()
    return [r["id"] for r in rows]


def update_generated_titles(conn, *, product_id, variant_ids):
    """Title these variants from their values as they are now (those with values)."""
    if not variant_ids:
        return 0
    return conn.execute(
        f"""
        UPDATE p_variants AS v
           SET title = t.generated
          FROM ({_GENERATED_TITLES}) AS t
         WHERE v.id = t.id
           AND v.id = ANY(%(variant_ids)s)
           AND t.value_count > 0
           AND v.title IS DISTINCT FROM t.generated
        """,
        {"product_id": product_id, "variant_ids": variant_ids},
    ).rowcount


# --- Generating variants --------------------------------------------------------


def insert_missing_combinations(conn, *, product_id, variant_ids):
    """Create the combinations of option values that no live variant of the product
    holds, in option order, ranked after the existing variants, titled "Red / L".

    One statement: the combinations (a recursive CTE over the options in order),
    minus the live ones (by their key in variant_combinations), numbered, paired
    with the given fresh ids, inserted with their links. `variant_ids` holds one
    fresh id per missing combination (the caller counted them under the product
    lock). Returns the number created.
    """
    return conn.execute(
        f"""
        WITH RECURSIVE {_OPTIONS_CTE},
        combos (depth, value_ids, titles, sort_key) AS (
            SELECT 0::bigint, ARRAY[]::text[], ARRAY[]::text[], ARRAY[]::bigint[]
            UNION ALL
            SELECT c.depth + 1, c.value_ids || vals.id, c.titles || vals.value,
                   c.sort_key || vals.pos
              FROM combos AS c
              JOIN vals ON vals.option_pos = c.depth + 1
        ), missing AS (
            SELECT c.value_ids,
                   array_to_string(c.titles, ' / ') AS title,
                   row_number() OVER (ORDER BY c.sort_key) AS n
              FROM combos AS c
             WHERE c.depth = (SELECT count(*) FROM opts)
               AND c.depth > 0
               AND NOT EXISTS (
                       SELECT 1
                         FROM variant_combinations AS vc
                        WHERE vc.product_id = %(product_id)s
                          AND vc.combination = (SELECT string_agg(x, ',' ORDER BY x COLLATE "C")
                                                  FROM unnest(c.value_ids) AS x))
        ), fresh AS (
            SELECT new.id, missing.title, missing.value_ids, missing.n
              FROM missing
              JOIN unnest(%(variant_ids)s::text[]) WITH ORDINALITY AS new(id, n)
                ON new.n = missing.n
        ), base AS (
            SELECT coalesce(max(v.variant_rank) + 1, 0) AS rank
              FROM p_variants AS v
             WHERE v.product_id = %(product_id)s
               AND v.deleted_at IS NULL
        ), variants AS (
            INSERT INTO p_variants (id, title, product_id, variant_rank)
            SELECT fresh.id, fresh.title, %(product_id)s, base.rank + fresh.n - 1
              FROM fresh
             CROSS JOIN base
            RETURNING id
        ), links AS (
            INSERT INTO p_variants_options (variant_id, option_value_id)
            SELECT fresh.id, value_id
              FROM fresh
             CROSS JOIN unnest(fresh.value_ids) AS value_id
        )
        SELECT count(*) AS n
          FROM variants
        """,
        {"product_id": product_id, "variant_ids": variant_ids},
    ).fetchone()["n"]


# --- The grid -----------------------------------------------------------------


def _filter(value_ids, option_id):
    clauses, params = [], {}
    if value_ids:
        clauses.append(sql.SQL(
            """EXISTS (SELECT 1 FROM p_variants_options AS f
                        WHERE f.variant_id = v.id AND f.option_value_id = ANY(%(value_ids)s))"""))
        params["value_ids"] = list(value_ids)
    if option_id:
        clauses.append(sql.SQL(
            """EXISTS (SELECT 1 FROM p_variants_options AS f
                         JOIN p_option_values AS fv ON fv.id = f.option_value_id
                        WHERE f.variant_id = v.id AND fv.option_id = %(option_id)s)"""))
        params["option_id"] = option_id
    return clauses, params


def list_variants(conn, *, product_id, limit, offset, value_ids=(), option_id=None):
    """One page of the product's live variants in rank order, each with its option values
    and the total matching (`total` on every row). The page is picked from the rank
    index first, so only its rows are read whole and get their values."""
    clauses, params = _filter(value_ids, option_id)
    where = sql.SQL("").join(sql.SQL(" AND ") + c for c in clauses)
    return conn.execute(
        sql.SQL(
            f"""
            WITH page AS (
                SELECT v.id, count(*) OVER () AS total,
                       row_number() OVER (ORDER BY {VARIANT_ORDER}) AS n
                  FROM p_variants AS v
                 WHERE v.product_id = %(product_id)s
                   AND v.deleted_at IS NULL{{where}}
                 ORDER BY {VARIANT_ORDER}
                 LIMIT %(limit)s OFFSET %(offset)s
            )
            SELECT {VARIANT_COLUMNS},
                   {_VARIANT_VALUES},
                   page.total
              FROM page
              JOIN p_variants AS v ON v.id = page.id
             ORDER BY page.n
            """
        ).format(where=where),
        {"product_id": product_id, "limit": limit, "offset": offset, **params},
    ).fetchall()


def get_variant(conn, *, product_id, variant_id, lock=False):
    """One live variant of the product with its option values and its position
    (1-based) among the product's variants, or None."""
    return conn.execute(
        sql.SQL(
            f"""
            SELECT {VARIANT_COLUMNS},
                   {_VARIANT_VALUES},
                   (SELECT count(*) + 1
                      FROM p_variants AS w
                     WHERE w.product_id = v.product_id
                       AND w.deleted_at IS NULL
                       AND (coalesce(w.variant_rank, 2147483647), w.created_at, w.id)
                           < (coalesce(v.variant_rank, 2147483647), v.created_at, v.id))
                   AS position
              FROM p_variants AS v
             WHERE v.id = %(variant_id)s
               AND v.product_id = %(product_id)s
               AND v.deleted_at IS NULL
            {{lock}}
            """
        ).format(lock=sql.SQL("FOR UPDATE OF v") if lock else sql.SQL("")),
        {"product_id": product_id, "variant_id": variant_id},
    ).fetchone()


def list_code_holders(conn, *, codes, exclude_id=None):
    """For each {field: value} code (sku, barcode, ean, upc): the live variant holding it,
    other than exclude_id, with its product. Each lookup uses its unique index."""
    parts, params = [], {"exclude_id": exclude_id}
    for field, value in codes.items():
        if field not in CODE_FIELDS or not value:
            continue
        params[field] = value
        parts.append(sql.SQL(
            """
            SELECT {label} AS field, v.{column} AS value, v.id AS variant_id,
                   v.title AS variant_title, p.id AS product_id, p.title AS product_title
              FROM p_variants AS v
              JOIN products AS p ON p.id = v.product_id
             WHERE v.{column} = {value}
               AND v.deleted_at IS NULL
               AND v.id IS DISTINCT FROM %(exclude_id)s
            """
        ).format(label=sql.Literal(field), column=sql.Identifier(field),
                 value=sql.Placeholder(field)))
    if not parts:
        return {}
    rows = conn.execute(sql.SQL(" UNION ALL ").join(parts), params).fetchall()
    return {r["field"]: r for r in rows}


def update_variant(conn, *, product_id, variant_id, version, fields):
    """Save these columns if the variant is unchanged since `version` (its updated_at);
    None if it changed or is gone. Raises UniqueViolation on a taken code."""
    columns = [k for k in fields if k in FIELD_NAMES or k in ("thumbnail", "metadata")]
    if not columns:
        raise ValueError("nothing to save")
    values = {k: (Jsonb(fields[k]) if k == "metadata" and fields[k] is not None else fields[k])
              for k in columns}
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in columns)
    return conn.execute(
        sql.SQL(
            """
            UPDATE p_variants
               SET {assignments}
             WHERE id = %(variant_id)s
               AND product_id = %(product_id)s
               AND deleted_at IS NULL
               AND updated_at = %(version)s
            RETURNING id
            """
        ).format(assignments=assignments),
        {"variant_id": variant_id, "product_id": product_id, "version": version, **values},
    ).fetchone()


def update_variants_field(conn, *, product_id, variant_ids, field, value):
    """Set one non-unique column to one value on these live variants of the product."""
    if field not in FIELD_NAMES or field in CODE_FIELDS:
        raise ValueError(field)
    return conn.execute(
        sql.SQL(
            """
            UPDATE p_variants
               SET {column} = %(value)s
             WHERE id = ANY(%(variant_ids)s)
               AND product_id = %(product_id)s
               AND deleted_at IS NULL
               AND {column} IS DISTINCT FROM %(value)s
            """
        ).format(column=sql.Identifier(field)),
        {"product_id": product_id, "variant_ids": variant_ids, "value": value},
    ).rowcount


def get_variant_by_combination(conn, *, product_id, value_ids):
    """The live variant of the product holding exactly these values, or None."""
    return conn.execute(
        """
        SELECT v.id, v.title
          FROM variant_combinations AS vc
          JOIN p_variants AS v ON v.id = vc.variant_id
         WHERE vc.product_id = %(product_id)s
           AND vc.combination = (SELECT string_agg(x, ',' ORDER BY x COLLATE "C")
                                   FROM unnest(%(value_ids)s::text[]) AS x)
        """,
        {"product_id": product_id, "value_ids": list(value_ids)},
    ).fetchone()


def insert_variant(conn, *, variant_id, product_id, title, value_ids):
    """A new variant, last in order, holding these values. Raises UniqueViolation when a
    live variant of the product holds the same combination."""
    conn.execute(
        """
        INSERT INTO p_variants (id, title, product_id, variant_rank)
        SELECT %(variant_id)s, %(title)s, %(product_id)s, coalesce(max(v.variant_rank) + 1, 0)
          FROM p_variants AS v
         WHERE v.product_id = %(product_id)s
           AND v.deleted_at IS NULL
        """,
        {"variant_id": variant_id, "product_id": product_id, "title": title},
    )
    set_variant_values(conn, variant_id=variant_id, value_ids=value_ids)


def set_variant_values(conn, *, variant_id, value_ids):
    """Make the variant hold exactly these option values, in one statement (one check of
    the combination). Raises UniqueViolation when another live variant holds them."""
    conn.execute(
        """
        WITH removed AS (
            DELETE FROM p_variants_options
             WHERE variant_id = %(variant_id)s
               AND option_value_id <> ALL(%(value_ids)s::text[])
        )
        INSERT INTO p_variants_options (variant_id, option_value_id)
        SELECT %(variant_id)s, value_id
          FROM unnest(%(value_ids)s::text[]) AS value_id
        ON CONFLICT DO NOTHING
        """,
        {"variant_id": variant_id, "value_ids": list(value_ids)},
    )


def list_variant_ids(conn, *, product_id):
    """The product's live variant ids in rank order."""
    rows = conn.execute(
        f"""
        SELECT v.id
          FROM p_variants AS v
         WHERE v.product_id = %(product_id)s
           AND v.deleted_at IS NULL
         ORDER BY {VARIANT_ORDER}
        """,
        {"product_id": product_id},
    ).fetchall()
    return [r["id"] for r in rows]


def update_variant_ranks(conn, *, product_id, variant_ids):
    """variant_rank 0..n-1 in this order; only rows whose rank changes are written."""
    return conn.execute(
        """
        UPDATE p_variants AS v
           SET variant_rank = new.n - 1
          FROM unnest(%(variant_ids)s::text[]) WITH ORDINALITY AS new(id, n)
         WHERE v.id = new.id
           AND v.product_id = %(product_id)s
           AND v.deleted_at IS NULL
           AND v.variant_rank IS DISTINCT FROM new.n - 1
        """,
        {"product_id": product_id, "variant_ids": variant_ids},
    ).rowcount


def update_dense_ranks(conn, *, product_id):
    """Close the gaps deletes leave: ranks 0..n-1 in the current order."""
    conn.execute(
        f"""
        UPDATE p_variants AS w
           SET variant_rank = r.n - 1
          FROM (SELECT v.id, row_number() OVER (ORDER BY {VARIANT_ORDER}) AS n
                  FROM p_variants AS v
                 WHERE v.product_id = %(product_id)s
                   AND v.deleted_at IS NULL) AS r
         WHERE w.id = r.id
           AND w.variant_rank IS DISTINCT FROM r.n - 1
        """,
        {"product_id": product_id},
    )


def soft_delete_variants(conn, *, product_id, variant_ids):
    """Soft-delete these live variants of the product; their ids and titles."""
    return conn.execute(
        """
        UPDATE p_variants
           SET deleted_at = now()
         WHERE id = ANY(%(variant_ids)s)
           AND product_id = %(product_id)s
           AND deleted_at IS NULL
        RETURNING id, title
        """,
        {"product_id": product_id, "variant_ids": variant_ids},
    ).fetchall()


# --- Trash --------------------------------------------------------------------


def list_deleted_variants(conn, *, q, limit, offset):
    """Variants deleted on their own (their product is live), newest first: (rows, total)."""
    pattern = like_pattern(q) if q else None
    rows = conn.execute(
        """
        SELECT v.id, v.title AS name,
               p.title || coalesce(' · SKU ' || v.sku, '') AS detail,
               v.deleted_at, count(*) OVER () AS total
          FROM p_variants AS v
          JOIN products AS p ON p.id = v.product_id
         WHERE v.deleted_at IS NOT NULL
           AND p.deleted_at IS NULL
           AND (%(q)s::text IS NULL
                OR catalog_fold(v.title) LIKE catalog_fold(%(q)s)
                OR catalog_fold(p.title) LIKE catalog_fold(%(q)s)
                OR lower(v.sku) LIKE lower(%(q)s))
         ORDER BY v.deleted_at DESC, v.id
         LIMIT %(limit)s OFFSET %(offset)s
        """,
        {"q": pattern, "limit": limit, "offset": offset},
    ).fetchall()
    return rows, (rows[0]["total"] if rows else 0)


def get_deleted_variant(conn, *, variant_id):
    """A deleted variant of a live product, locked for restoring, with what it needs
    to come back: its codes, and its option values that are no longer live."""
    return conn.execute(
        """
        SELECT v.id, v.title, v.product_id, v.sku, v.barcode, v.ean, v.upc, v.deleted_at,
               coalesce((SELECT array_agg(ov.value ORDER BY ov.value)
                           FROM p_variants_options AS vo
                           JOIN p_option_values AS ov ON ov.id = vo.option_value_id
                           JOIN p_options AS o ON o.id = ov.option_id
                          WHERE vo.variant_id = v.id
                            AND (ov.deleted_at IS NOT NULL OR o.deleted_at IS NOT NULL)),
                        '{}') AS dead_values
          FROM p_variants AS v
          JOIN products AS p ON p.id = v.product_id
         WHERE v.id = %(variant_id)s
           AND v.deleted_at IS NOT NULL
           AND p.deleted_at IS NULL
           FOR UPDATE OF v
        """,
        {"variant_id": variant_id},
    ).fetchone()


def restore_variants(conn, *, product_id, variant_ids):
    """Bring these deleted variants back, after the live ones. Raises UniqueViolation
    when a code or a combination is taken meanwhile."""
    return conn.execute(
        f"""
        WITH base AS (
            SELECT coalesce(max(v.variant_rank) + 1, 0) AS rank
              FROM p_variants AS v
             WHERE v.product_id = %(product_id)s
               AND v.deleted_at IS NULL
        ), back AS (
            SELECT v.id, row_number() OVER (ORDER BY {VARIANT_ORDER}) AS n
              FROM p_variants AS v
             WHERE v.id = ANY(%(variant_ids)s)
               AND v.product_id = %(product_id)s
               AND v.deleted_at IS NOT NULL
        )
        UPDATE p_variants AS v
           SET deleted_at = NULL,
               variant_rank = base.rank + back.n - 1
          FROM back, base
         WHERE v.id = back.id
        RETURNING v.id
        """,
        {"product_id": product_id, "variant_ids": variant_ids},
    ).fetchall()


def purge_variant(conn, *, item_id):
    """Delete a trashed variant for good with its links; its title, or None."""
    row = conn.execute(
        "SELECT title FROM p_variants WHERE id = %(id)s AND deleted_at IS NOT NULL FOR UPDATE",
        {"id": item_id},
    ).fetchone()
    if row is None:
        return None
    conn.execute(
        """
        WITH images AS (
            DELETE FROM products_images WHERE variant_id = %(id)s
        )
        DELETE FROM p_variants_options WHERE variant_id = %(id)s
        """,
        {"id": item_id},
    )
    conn.execute("DELETE FROM p_variants WHERE id = %(id)s", {"id": item_id})
    return row["title"]


def list_deleted_options(conn, *, q, limit, offset):
    """Options deleted on their own (their product is live), newest first: (rows, total)."""
    pattern = like_pattern(q) if q else None
    rows = conn.execute(
        """
        SELECT o.id, o.title AS name,
               p.title || coalesce(' · ' || (
                   SELECT string_agg(ov.value, ', ' ORDER BY ov.created_at, ov.id)
                     FROM p_option_values AS ov
                    WHERE ov.option_id = o.id
                      AND ov.deleted_at = o.deleted_at), '') AS detail,
               o.deleted_at, count(*) OVER () AS total
          FROM p_options AS o
          JOIN products AS p ON p.id = o.product_id
         WHERE o.deleted_at IS NOT NULL
           AND p.deleted_at IS NULL
           AND (%(q)s::text IS NULL
                OR catalog_fold(o.title) LIKE catalog_fold(%(q)s)
                OR catalog_fold(p.title) LIKE catalog_fold(%(q)s))
         ORDER BY o.deleted_at DESC, o.id
         LIMIT %(limit)s OFFSET %(offset)s
        """,
        {"q": pattern, "limit": limit, "offset": offset},
    ).fetchall()
    return rows, (rows[0]["total"] if rows else 0)


def get_deleted_option(conn, *, option_id):
    """A deleted option of a live product, locked, with the ids of the values and
    variants its delete took (those deleted at the same instant)."""
    return conn.execute(
        """
        SELECT o.id, o.title, o.product_id, o.deleted_at,
               coalesce((SELECT array_agg(ov.id)
                           FROM p_option_values AS ov
                          WHERE ov.option_id = o.id
                            AND ov.deleted_at = o.deleted_at), '{}') AS value_ids,
               coalesce((SELECT array_agg(DISTINCT v.id)
                           FROM p_option_values AS ov
                           JOIN p_variants_options AS vo ON vo.option_value_id = ov.id
                           JOIN p_variants AS v ON v.id = vo.variant_id
                          WHERE ov.option_id = o.id
                            AND v.deleted_at = o.deleted_at), '{}') AS variant_ids
          FROM p_options AS o
          JOIN products AS p ON p.id = o.product_id
         WHERE o.id = %(option_id)s
           AND o.deleted_at IS NOT NULL
           AND p.deleted_at IS NULL
           FOR UPDATE OF o
        """,
        {"option_id": option_id},
    ).fetchone()


def restore_option(conn, *, option_id, value_ids):
    """Bring the option and these values back, last in order. Raises UniqueViolation when
    the product has an option of that title again."""
    conn.execute(
        f"""
        WITH base AS (
            SELECT coalesce(max({_RANK.format(t='o')}) + 1, 0) AS rank
              FROM p_options AS o
             WHERE o.product_id = (SELECT product_id FROM p_options WHERE id = %(option_id)s)
               AND o.deleted_at IS NULL
        ), option_values AS (
            UPDATE p_option_values
               SET deleted_at = NULL
             WHERE id = ANY(%(value_ids)s)
        )
        UPDATE p_options
           SET deleted_at = NULL,
               metadata = coalesce(metadata, '{{}}'::jsonb)
                          || jsonb_build_object('rank', (SELECT rank FROM base))
         WHERE id = %(option_id)s
        """,
        {"option_id": option_id, "value_ids": value_ids},
    )


def _purge_variants_holding(conn, *, value_filter, params):
    """Delete for good the deleted variants holding the values `value_filter` selects
    (ov.id ... / ov.option_id ...), with their links."""
    doomed = sql.SQL(
        """
        SELECT vo.variant_id
          FROM p_variants_options AS vo
          JOIN p_option_values AS ov ON ov.id = vo.option_value_id
          JOIN p_variants AS v ON v.id = vo.variant_id
         WHERE v.deleted_at IS NOT NULL
           AND {value_filter}
        """
    ).format(value_filter=sql.SQL(value_filter))
    ids = [r["variant_id"] for r in conn.execute(doomed, params).fetchall()]
    if ids:
        conn.execute(
            """
            WITH images AS (
                DELETE FROM products_images WHERE variant_id = ANY(%(ids)s)
            )
            DELETE FROM p_variants_options WHERE variant_id = ANY(%(ids)s)
            """,
            {"ids": ids},
        )
        conn.execute("DELETE FROM p_variants WHERE id = ANY(%(ids)s)", {"ids": ids})


def purge_option(conn, *, item_id):
    """Delete a trashed option for good with its values and the deleted variants that hold
    them; its title and, when live variants still hold a value (nothing is deleted
    then), how many (`held_by`). None if there is no such trashed option."""
    row = conn.execute(
        """
        SELECT o.title,
               (SELECT count(DISTINCT vo.variant_id)
                  FROM p_variants_options AS vo
                  JOIN p_option_values AS ov ON ov.id = vo.option_value_id
                  JOIN p_variants AS v ON v.id = vo.variant_id
                 WHERE ov.option_id = o.id
                   AND v.deleted_at IS NULL) AS held_by
          FROM p_options AS o
         WHERE o.id = %(id)s
           AND o.deleted_at IS NOT NULL
           FOR UPDATE
        """,
        {"id": item_id},
    ).fetchone()
    if row is None or row["held_by"]:
        return row
    _purge_variants_holding(conn, value_filter="ov.option_id = %(id)s", params={"id": item_id})
    conn.execute("DELETE FROM p_option_values WHERE option_id = %(id)s", {"id": item_id})
    conn.execute("DELETE FROM p_options WHERE id = %(id)s", {"id": item_id})
    return row


def list_deleted_option_values(conn, *, q, limit, offset):
    """Values deleted on their own (their option and product are live), newest first."""
    pattern = like_pattern(q) if q else None
    rows = conn.execute(
        """
        SELECT ov.id, ov.value AS name, o.title || ' · ' || p.title AS detail,
               ov.deleted_at, count(*) OVER () AS total
          FROM p_option_values AS ov
          JOIN p_options AS o ON o.id = ov.option_id
          JOIN products AS p ON p.id = o.product_id
         WHERE ov.deleted_at IS NOT NULL
           AND o.deleted_at IS NULL
           AND p.deleted_at IS NULL
           AND (%(q)s::text IS NULL
                OR catalog_fold(ov.value) LIKE catalog_fold(%(q)s)
                OR catalog_fold(p.title) LIKE catalog_fold(%(q)s))
         ORDER BY ov.deleted_at DESC, ov.id
         LIMIT %(limit)s OFFSET %(offset)s
        """,
        {"q": pattern, "limit": limit, "offset": offset},
    ).fetchall()
    return rows, (rows[0]["total"] if rows else 0)


def get_deleted_option_value(conn, *, value_id):
    """A deleted value of a live option, locked, with its product and the ids of the
    variants its delete took (deleted at the same instant)."""
    return conn.execute(
        """
        SELECT ov.id, ov.value, o.product_id, ov.deleted_at,
               coalesce((SELECT array_agg(v.id)
                           FROM p_variants_options AS vo
                           JOIN p_variants AS v ON v.id = vo.variant_id
                          WHERE vo.option_value_id = ov.id
                            AND v.deleted_at = ov.deleted_at), '{}') AS variant_ids
          FROM p_option_values AS ov
          JOIN p_options AS o ON o.id = ov.option_id
          JOIN products AS p ON p.id = o.product_id
         WHERE ov.id = %(value_id)s
           AND ov.deleted_at IS NOT NULL
           AND o.deleted_at IS NULL
           AND p.deleted_at IS NULL
           FOR UPDATE OF ov
        """,
        {"value_id": value_id},
    ).fetchone()


def restore_option_value(conn, *, value_id):
    """Bring a value back, last in its option's order. Raises UniqueViolation when the
    option has that value again."""
    conn.execute(
        f"""
        UPDATE p_option_values AS target
           SET deleted_at = NULL,
               metadata = coalesce(target.metadata, '{{}}'::jsonb) || jsonb_build_object(
                   'rank', (SELECT coalesce(max({_RANK.format(t='ov')}) + 1, 0)
                              FROM p_option_values AS ov
                             WHERE ov.option_id = target.option_id
                               AND ov.deleted_at IS NULL))
         WHERE target.id = %(value_id)s
        """,
        {"value_id": value_id},
    )


def purge_option_value(conn, *, item_id):
    """Delete a trashed value for good with the deleted variants holding it; its value and
    `held_by` (live variants holding it: then nothing is deleted), or None."""
    row = conn.execute(
        """
        SELECT ov.value,
               (SELECT count(*)
                  FROM p_variants_options AS vo
                  JOIN p_variants AS v ON v.id = vo.variant_id
                 WHERE vo.option_value_id = ov.id
                   AND v.deleted_at IS NULL) AS held_by
          FROM p_option_values AS ov
         WHERE ov.id = %(id)s
           AND ov.deleted_at IS NOT NULL
           FOR UPDATE
        """,
        {"id": item_id},
    ).fetchone()
    if row is None or row["held_by"]:
        return row
    _purge_variants_holding(conn, value_filter="ov.id = %(id)s", params={"id": item_id})
    conn.execute("DELETE FROM p_option_values WHERE id = %(id)s", {"id": item_id})
    return row
