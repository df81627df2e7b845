"""SQL for a product's images, the variants that show them, and their Trash entries.

Ranks are dense per product: the live images of a product hold ranks 0..n-1,
the lowest is the main image. Every change of a product's images takes the
product's row lock first (lock_product), so two staff adding, reordering or
deleting at once run one after the other and ranks stay dense and unique.
"""

import json

from ..db import like_pattern

IMAGE_ORDER = "i.rank, i.created_at, i.id"
# The most images one product shows; more are kept but not listed.
MAX_IMAGES = 500
MAX_VARIANTS = 2048

# What the grid shows for an image: the preview made at upload, else the image itself.
_PREVIEW = "coalesce(i.metadata ->> 'preview', i.url)"
# A short name for an image: the uploaded file's name, else the last part of its path.
_NAME = """coalesce(nullif(i.metadata ->> 'filename', ''),
                    nullif(regexp_replace(split_part(split_part(i.url, '?', 1), '#', 1),
                                          '^.*/', ''), ''),
                    i.url)"""


# --- The product --------------------------------------------------------------


def get_product(conn, *, product_id):
    """The live product the media section belongs to, with its variant count, or None."""
    return conn.execute(
        """
        SELECT p.id, p.title, p.status, p.thumbnail, p.updated_at,
               (SELECT count(*)
                  FROM p_variants AS v
                 WHERE v.product_id = p.id
                   AND v.deleted_at IS NULL) AS variant_count
          FROM products AS p
         WHERE p.id = %(product_id)s
           AND p.deleted_at IS NULL
        """,
        {"product_id": product_id},
    ).fetchone()


def lock_product(conn, *, product_id):
    """The live product, locked until commit (see the module docstring), or None."""
    return conn.execute(
        """
        SELECT id, title, thumbnail, updated_at
          FROM products
         WHERE id = %(product_id)s
           AND deleted_at IS NULL
           FOR UPDATE
        """,
        {"product_id": product_id},
    ).fetchone()


def update_product_thumbnail(conn, *, product_id, thumbnail):
    """Set products.thumbnail; the new updated_at and the one before (to tell whether
    a page holding that version may move to the new one)."""
    return conn.execute(
        """
        UPDATE products AS p
           SET thumbnail = %(thumbnail)s
          FROM products AS old
         WHERE p.id = %(product_id)s
           AND old.id = p.id
           AND p.deleted_at IS NULL
        RETURNING p.updated_at, old.updated_at AS previous_updated_at
        """,
        {"product_id": product_id, "thumbnail": thumbnail},
    ).fetchone()


# --- Its images ---------------------------------------------------------------


def list_images(conn, *, product_id):
    """The product's live images in rank order, each with its preview and how many live
    variants show it (none: it shows for every variant)."""
    return conn.execute(
        f"""
        SELECT i.id, i.url, i.rank, i.metadata, i.created_at,
               {_PREVIEW} AS preview_url,
               {_NAME} AS name,
               coalesce(links.variant_count, 0) AS variant_count
          FROM images AS i
          LEFT JOIN (
                SELECT pi.image_id, count(*) AS variant_count
                  FROM products_images AS pi
                  JOIN p_variants AS v ON v.id = pi.variant_id
                 WHERE pi.product_id = %(product_id)s
                   AND v.deleted_at IS NULL
                 GROUP BY pi.image_id
               ) AS links ON links.image_id = i.id
         WHERE i.product_id = %(product_id)s
           AND i.deleted_at IS NULL
         ORDER BY {IMAGE_ORDER}
         LIMIT %(limit)s
        """,
        {"product_id": product_id, "limit": MAX_IMAGES},
    ).fetchall()


def get_image(conn, *, product_id, image_id):
    """One live image of the product with its preview and name, or None."""
    return conn.execute(
        f"""
        SELECT i.id, i.url, i.rank, i.metadata, {_PREVIEW} AS preview_url, {_NAME} AS name
          FROM images AS i
         WHERE i.id = %(image_id)s
           AND i.product_id = %(product_id)s
           AND i.deleted_at IS NULL
        """,
        {"product_id": product_id, "image_id": image_id},
    ).fetchone()


def list_live_urls(conn, *, product_id, urls):
    """Which of these URLs a live image of the product has already."""
    rows = conn.execute(
        """
        SELECT DISTINCT i.url
          FROM images AS i
         WHERE i.product_id = %(product_id)s
           AND i.deleted_at IS NULL
           AND i.url = ANY(%(urls)s)
        """,
        {"product_id": product_id, "urls": urls},
    ).fetchall()
    return {r["url"] for r in rows}


def insert_images(conn, *, product_id, images):
    """Append images (dicts of id, url, metadata) after the product's last, in order."""
    if not images:
        return []
    return conn.execute(
        """
        INSERT INTO images (id, url, metadata, rank, product_id)
        SELECT n.id,
               n.url,
               n.metadata::jsonb,
               base.next_rank + n.ord - 1,
               %(product_id)s
          FROM unnest(%(ids)s::text[], %(urls)s::text[], %(metadata)s::text[])
               WITH ORDINALITY AS n(id, url, metadata, ord)
         CROSS JOIN (
                SELECT coalesce(max(i.rank) + 1, 0) AS next_rank
                  FROM images AS i
                 WHERE i.product_id = %(product_id)s
                   AND i.deleted_at IS NULL
               ) AS base
        RETURNING id, url
        """,
        {"product_id": product_id,
         "ids": [i["id"] for i in images],
         "urls": [i["url"] for i in images],
         "metadata": [json.dumps(i["metadata"]) if i.get("metadata") else None
                      for i in images]},
    ).fetchall()


def insert_image(conn, *, image_id, url, metadata=None, product_id=None):
    """One image; with no product, a category's (DESIGN.md decision 3)."""
    return conn.execute(
        """
        INSERT INTO images (id, url, metadata, rank, product_id)
        VALUES (%(image_id)s, %(url)s, %(metadata)s::jsonb, 0, %(product_id)s)
        RETURNING id, url
        """,
        {"image_id": image_id, "url": url, "product_id": product_id,
         "metadata": json.dumps(metadata) if metadata else None},
    ).fetchone()


def list_image_ids(conn, *, product_id):
    """The product's live image ids in rank order."""
    rows = conn.execute(
        f"""
        SELECT i.id
          FROM images AS i
         WHERE i.product_id = %(product_id)s
           AND i.deleted_at IS NULL
         ORDER BY {IMAGE_ORDER}
        """,
        {"product_id": product_id},
    ).fetchall()
    return [r["id"] for r in rows]


def update_ranks(conn, *, product_id, image_ids):
    """Give the product's images ranks 0..n-1 in this order (only rows that move change)."""
    conn.execute(
        """
        UPDATE images AS i
           SET rank = o.ord - 1
          FROM unnest(%(image_ids)s::text[]) WITH ORDINALITY AS o(id, ord)
         WHERE i.id = o.id
           AND i.product_id = %(product_id)s
           AND i.deleted_at IS NULL
           AND i.rank IS DISTINCT FROM o.ord - 1
        """,
        {"product_id": product_id, "image_ids": image_ids},
    )


def update_dense_ranks(conn, *, product_id):
    """Close the gaps deletes leave: ranks 0..n-1 in the current order."""
    conn.execute(
        f"""
        UPDATE images AS w
           SET rank = r.n - 1
          FROM (SELECT i.id, row_number() OVER (ORDER BY {IMAGE_ORDER}) AS n
                  FROM images AS i
                 WHERE i.product_id = %(product_id)s
                   AND i.deleted_at IS NULL) AS r
         WHERE w.id = r.id
           AND w.rank IS DISTINCT FROM r.n - 1
        """,
        {"product_id": product_id},
    )


def soft_delete_image(conn, *, product_id, image_id):
    """Move a live image of the product to the Trash; its id and name, or None.

    Its variant links stay, so a restore brings them back; lists read live
    images only."""
    return conn.execute(
        f"""
        UPDATE images AS i
           SET deleted_at = now()
         WHERE i.id = %(image_id)s
           AND i.product_id = %(product_id)s
           AND i.deleted_at IS NULL
        RETURNING i.id, {_NAME} AS name
        """,
        {"product_id": product_id, "image_id": image_id},
    ).fetchone()


# --- Variants and their images ---------------------------------------------------


def list_variants(conn, *, product_id, image_id):
    """The product's live variants in grid order, each saying whether it shows the image."""
    return conn.execute(
        """
        SELECT v.id, v.title, v.sku, v.thumbnail,
               EXISTS (SELECT 1
                         FROM products_images AS pi
                        WHERE pi.product_id = %(product_id)s
                          AND pi.variant_id = v.id
                          AND pi.image_id = %(image_id)s) AS shown
          FROM p_variants AS v
         WHERE v.product_id = %(product_id)s
           AND v.deleted_at IS NULL
         ORDER BY v.variant_rank NULLS LAST, v.created_at, v.id
         LIMIT %(limit)s
        """,
        {"product_id": product_id, "image_id": image_id, "limit": MAX_VARIANTS},
    ).fetchall()


def update_image_variants(conn, *, product_id, image_id, listed, shown):
    """Of the listed variants, exactly `shown` show the image; (added, removed) counts."""
    return conn.execute(
        """
        WITH removed AS (
            DELETE FROM products_images AS pi
             WHERE pi.product_id = %(product_id)s
               AND pi.image_id = %(image_id)s
               AND pi.variant_id = ANY(%(listed)s)
               AND NOT pi.variant_id = ANY(%(shown)s)
            RETURNING 1
        ), added AS (
            INSERT INTO products_images (product_id, image_id, variant_id)
            SELECT %(product_id)s, %(image_id)s, v.id
              FROM p_variants AS v
             WHERE v.id = ANY(%(shown)s)
               AND v.id = ANY(%(listed)s)
               AND v.product_id = %(product_id)s
               AND v.deleted_at IS NULL
            ON CONFLICT DO NOTHING
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM added) AS added,
               (SELECT count(*) FROM removed) AS removed
        """,
        {"product_id": product_id, "image_id": image_id, "listed": listed, "shown": shown},
    ).fetchone()


def update_variant_thumbnails(conn, *, product_id, listed, chosen, thumbnail, image_urls):
    """Of the listed variants, `chosen` get `thumbnail`; the others lose it if it was one
    of image_urls (this image's). The ids of the variants that changed."""
    rows = conn.execute(
        """
        UPDATE p_variants AS v
           SET thumbnail = CASE WHEN v.id = ANY(%(chosen)s) THEN %(thumbnail)s END
         WHERE v.product_id = %(product_id)s
           AND v.deleted_at IS NULL
           AND v.id = ANY(%(listed)s)
           AND ((v.id = ANY(%(chosen)s) AND v.thumbnail IS DISTINCT FROM %(thumbnail)s)
                OR (NOT v.id = ANY(%(chosen)s) AND v.thumbnail = ANY(%(image_urls)s)))
        RETURNING v.id
        """,
        {"product_id": product_id, "listed": listed, "chosen": chosen,
         "thumbnail": thumbnail, "image_urls": image_urls},
    ).fetchall()
    return [r["id"] for r in rows]


# --- Trash --------------------------------------------------------------------


def list_deleted_images(conn, *, q, limit, offset):
    """Images deleted on their own (their product is live), newest first: (rows, total)."""
    pattern = like_pattern(q) if q else None
    rows = conn.execute(
        f"""
        SELECT i.id, {_NAME} AS name, p.title AS detail, i.deleted_at,
               count(*) OVER () AS total
          FROM images AS i
          JOIN products AS p ON p.id = i.product_id
         WHERE i.deleted_at IS NOT NULL
           AND p.deleted_at IS NULL
           AND (%(q)s::text IS NULL
                OR catalog_fold(p.title) LIKE catalog_fold(%(q)s)
                OR lower(i.url) LIKE lower(%(q)s)
                OR lower(i.metadata ->> 'filename') LIKE lower(%(q)s))
         ORDER BY i.deleted_at DESC, i.id
         LIMIT %(limit)s OFFSET %(offset)s
        """,
        {"q": pattern, "limit": limit, "offset": offset},
    ).fetchall()
    return rows, (rows[0]["total"] if rows else 0)


def get_deleted_image(conn, *, image_id):
    """A deleted image of a live product (its rank when deleted, its name), or None."""
    return conn.execute(
        f"""
        SELECT i.id, i.product_id, i.rank, {_NAME} AS name
          FROM images AS i
          JOIN products AS p ON p.id = i.product_id
         WHERE i.id = %(image_id)s
           AND i.deleted_at IS NOT NULL
           AND p.deleted_at IS NULL
        """,
        {"image_id": image_id},
    ).fetchone()


def restore_image(conn, *, product_id, image_id, rank):
    """Bring the image back at `rank`, the images from there on moving one place down."""
    conn.execute(
        """
        WITH shifted AS (
            UPDATE images
               SET rank = rank + 1
             WHERE product_id = %(product_id)s
               AND deleted_at IS NULL
               AND rank >= %(rank)s
            RETURNING 1
        )
        UPDATE images
           SET deleted_at = NULL,
               rank = %(rank)s
         WHERE id = %(image_id)s
           AND product_id = %(product_id)s
           AND deleted_at IS NOT NULL
        """,
        {"product_id": product_id, "image_id": image_id, "rank": rank},
    )


def purge_image(conn, *, item_id):
    """Delete a deleted image for good with its variant links; its name, or None.

    The file stays in the media storage: stored by content, it may be another
    image's file too."""
    row = conn.execute(
        f"""
        WITH links AS (
            DELETE FROM products_images
             WHERE image_id = %(id)s
            RETURNING 1
        ), categories AS (
            UPDATE p_categories
               SET image_id = NULL
             WHERE image_id = %(id)s
            RETURNING 1
        )
        DELETE FROM images AS i
         WHERE i.id = %(id)s
           AND i.deleted_at IS NOT NULL
        RETURNING {_NAME} AS name
        """,
        {"id": item_id},
    ).fetchone()
    return row["name"] if row else None
