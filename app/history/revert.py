"""Putting changes back: a revert is applied as new writes, so it is recorded
(and revertible) like any other change, inside the caller's transaction, all
or nothing.

A revert is refused, with the reason, when
- a later change touched the same fields of the same row (or linked/unlinked
  the same row, or deleted it for good): reverting would silently undo it;
- a row no longer holds the value the change gave it (written outside the
  recorder, e.g. with History switched off);
- putting a value back would break a rule of the database (a handle or SKU
  now used by another row);
- the change was a permanent delete.
"""

from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

import psycopg

from . import queries

ROW_TABLES = {"products", "p_variants", "p_options", "p_option_values", "images",
              "p_categories", "p_collections", "p_tags", "p_types"}
LINK_COLUMNS = {
    "products_tags": ("product_id", "product_tag_id"),
    "p_categories_products": ("product_id", "p_categories_id"),
    "products_images": ("product_id", "variant_id", "image_id"),
    "p_variants_options": ("variant_id", "option_value_id"),
}

# Unique constraints a revert can run into, in words.
CLASHES = {
    "products_handle_unique": "its handle is now used by another product",
    "p_categories_handle_unique": "its handle is now used by another category",
    "p_collections_handle_unique": "its handle is now used by another collection",
    "variant_combinations_product_combination_unique":
        "another variant of the product now has the same options",
    "p_variants_options_one_value_per_option": "the variant now has another value of that option",
}


# Check constraints (and triggers raising check_violation) a revert can run into.
CHECKS = {
    "p_categories_no_cycle": "the category would end up under one of its own subcategories",
    "products_status_check": "that status no longer exists",
}


@dataclass
class RevertRefused(Exception):
    message: str
    conflicts: list = field(default_factory=list)   # later change rows, each with reverting_id

    def __str__(self):
        return self.message


def revert_changes(conn, changes, *, whole_set_id=None) -> int:
    """Revert `changes` (rows of `changes`, oldest first) in one go; returns how
    many were reverted. Raises RevertRefused, leaving nothing changed (the
    caller's transaction rolls back)."""
    if not changes:
        raise RevertRefused("There is nothing to revert.")
    for change in changes:
        if change["kind"] == "purge":
            raise RevertRefused(
                f"“{change['label'] or change['row_id']}” was deleted permanently; "
                "it cannot be put back.")
        if change["table_name"] not in ROW_TABLES and change["table_name"] not in LINK_COLUMNS:
            raise RevertRefused("This change cannot be reverted.")
    conflicts = queries.list_later_conflicts(
        conn, change_ids=[c["id"] for c in changes], exclude_set_id=whole_set_id)
    if conflicts:
        raise RevertRefused(
            "A later change touched the same fields. Reverting now would undo it too, "
            "so nothing was changed.", conflicts)

    try:
        with conn.transaction():
            # Newest first, consecutive changes of one kind to one table together:
            # a bulk change of 1,000 rows is put back by one statement.
            for (table, action, columns), batch in groupby(
                    reversed(changes), key=_batch_key):
                _apply(conn, table, action, columns, list(batch))
    except psycopg.errors.UniqueViolation as error:
        reason = CLASHES.get(error.diag.constraint_name, "it would clash with another row")
        raise RevertRefused(f"This cannot be put back: {reason}.") from None
    except psycopg.errors.ForeignKeyViolation:
        raise RevertRefused(
            "This cannot be put back: something it refers to was deleted for good.") from None
    except psycopg.errors.CheckViolation as error:
        reason = CHECKS.get(error.diag.constraint_name, "a value would break a rule of the catalog")
        raise RevertRefused(f"This cannot be put back: {reason}.") from None
    except psycopg.errors.IntegrityError:
        raise RevertRefused("This cannot be put back: the catalog's rules refuse it as it "
                            "stands now.") from None
    return len(changes)


def _batch_key(change):
    kind = change["kind"]
    if kind in ("update", "delete", "restore", "move"):
        return change["table_name"], "set", tuple(sorted(change["data"]))
    return change["table_name"], kind, ()


def _apply(conn, table, action, columns, batch):
    if action == "set":
        current = queries.lock_rows(conn, table=table, ids=[c["row_id"] for c in batch])
        rows = []
        for change in batch:
            row = current.get(change["row_id"])
            if row is None:
                raise RevertRefused(f"“{change['label']}” no longer exists.")
            for column, (_old, new) in change["data"].items():
                if column not in row:
                    raise RevertRefused("This change cannot be reverted.")
                if row[column] != new and not _same_time(row[column], new):
                    raise RevertRefused(
                        f"“{change['label']}” was changed since, outside History "
                        f"({column}); nothing was changed.")
            rows.append({"id": change["row_id"],
                         **{column: old for column, (old, _new) in change["data"].items()}})
        queries.update_rows_from_json(conn, table=table, columns=list(columns), rows=rows)
    elif action == "create":
        queries.soft_delete_rows(conn, table=table, ids=[c["row_id"] for c in batch])
    elif action == "link":
        queries.delete_links(conn, table=table, columns=LINK_COLUMNS[table],
                             rows=[c["data"] for c in batch])
    elif action == "unlink":
        queries.insert_links(conn, table=table, columns=LINK_COLUMNS[table],
                             rows=[c["data"] for c in batch])


def _same_time(a, b) -> bool:
    """Timestamps come back from to_jsonb in one format; compare them as instants."""
    try:
        return datetime.fromisoformat(a) == datetime.fromisoformat(b)
    except (TypeError, ValueError):
        return False
