"""SQL for the overview page."""


def count_catalog(conn):
    """Live rows per area and products per status, in one statement."""
    return conn.execute(
        """
        SELECT (SELECT coalesce(sum(live), 0)::bigint FROM product_status_counts) AS products,
               (SELECT count(*) FROM p_variants WHERE deleted_at IS NULL) AS variants,
               (SELECT count(*) FROM p_categories WHERE deleted_at IS NULL) AS categories,
               (SELECT count(*) FROM p_collections WHERE deleted_at IS NULL) AS collections,
               (SELECT count(*) FROM p_tags WHERE deleted_at IS NULL) AS tags,
               (SELECT count(*) FROM p_types WHERE deleted_at IS NULL) AS types,
               (SELECT count(*) FROM images WHERE deleted_at IS NULL) AS images,
               -- Products per status are kept by triggers (migration 0015).
               (SELECT coalesce(jsonb_object_agg(status, live), '{}')
                  FROM product_status_counts
                 WHERE live <> 0) AS status_counts
        """
    ).fetchone()


def ping(conn):
    """True when the database answers."""
    return conn.execute("SELECT 1 AS ok").fetchone()["ok"] == 1
