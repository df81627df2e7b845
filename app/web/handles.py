"""Handles: URL slugs made from a title, unique among live rows of their table.

A handle the user typed is never changed behind their back: when it is taken,
the form says so and offers `free_handle()`'s suggestion.
"""

import re

from psycopg import sql
from slugify import slugify

# Tables with a `handle` column unique among live rows (the seed's partial indexes).
HANDLE_TABLES = {"products", "p_categories", "p_collections"}
MAX_LENGTH = 120
HANDLE_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HANDLE_RULE = "Use lowercase letters, digits and single hyphens, like “linen-shirt”."


def make_handle(text: str) -> str:
    return slugify(text or "", max_length=MAX_LENGTH, word_boundary=True) or "item"


def is_valid_handle(handle: str) -> bool:
    return bool(HANDLE_PATTERN.match(handle)) and len(handle) <= MAX_LENGTH


def free_handle(conn, *, table: str, base: str, exclude_id: str | None = None) -> str:
    """`base` if no live row of `table` has it, else the first free `base-2`, `base-3`, ..."""
    if table not in HANDLE_TABLES:
        raise ValueError(f"{table} has no handle")
    base = make_handle(base)
    rows = conn.execute(
        sql.SQL(
            """
            SELECT handle
              FROM {table}
             WHERE deleted_at IS NULL
               AND (handle = %(base)s OR handle LIKE %(pattern)s)
               AND id IS DISTINCT FROM %(exclude_id)s
            """
        ).format(table=sql.Identifier(table)),
        {"base": base, "pattern": base.replace("_", r"\_") + "-%", "exclude_id": exclude_id},
    ).fetchall()
    taken = {r["handle"] for r in rows}
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
