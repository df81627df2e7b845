"""SQL for the overview page."""


def count_catalog(conn):
    """Live rows per area and products per status, in one statement."""
    return conn.execute(
        """
        SELECT (SELECT count(*) FROM products WHERE deleted_at IS NULL) AS products,
               (SELECT count(*) FROM p_variants WHERE deleted_at IS NULL) AS variants,
               (SELECT count(*) FROM p_categories WHERE deleted_at IS NULL) AS categories,
               (SELECT count(*) FROM p_collections WHERE deleted_at IS NULL) AS collections,
               (SELECT count(*) FROM p_tags WHERE deleted_at IS NULL) AS tags,
               (SELECT count(*) FROM p_types WHERE deleted_at IS NULL) AS types,
               (SELECT count(*) FROM images WHERE deleted_at IS NULL) AS images,
               (SELECT coalesce(jsonb_object_agg(status, n), '{}')
                  FROM (SELECT status, count(*) AS n
                          FROM products
                         WHERE deleted_at IS NULL
                         GROUP BY status) AS s) AS status_counts
        """
    ).fetchone()


def ping(conn):
    """True when the database answers."""
    return conn.execute("SELECT 1 AS ok").fetchone()["ok"] == 1
