"""Collections, tags and types in the Trash: listed, restored with their products, purged."""

from functools import partial

import psycopg

from ..trash.registry import RestoreConflict, TrashKind
from ..web.handles import HANDLE_RULE, free_handle, is_valid_handle
from . import queries


def trash_kind(kind) -> TrashKind:
    return TrashKind(
        key=kind.key,
        label=kind.label,
        list_deleted=partial(list_deleted, kind),
        restore=partial(restore, kind),
        purge=partial(purge, kind),
    )


def list_deleted(kind, conn, *, q, limit, offset):
    total = queries.count_deleted(conn, kind=kind, q=q)
    rows = queries.list_deleted(conn, kind=kind, q=q, limit=limit, offset=offset)
    return [{**row, "detail": _detail(kind, row)} for row in rows], total


def _detail(kind, row) -> str:
    """E.g. "summer-sale · had 12 products": the products a restore gives it back."""
    n = row["products"]
    products = "had no products" if n == 0 else f"had {n:,} product{'' if n == 1 else 's'}"
    if kind.has_handle:
        return f"{row['handle']} · {products}"
    return products.capitalize()


def restore(kind, conn, *, item_id, new_handle=None):
    """Back from the Trash with the products it had (see queries.relink_products).

    Runs in the caller's transaction; a clash with a live row raises RestoreConflict
    before anything is kept."""
    item = queries.get_deleted_item(conn, kind=kind, item_id=item_id)
    if item is None:
        return None
    handle = None
    if kind.has_handle:
        if new_handle and not is_valid_handle(new_handle):
            raise RestoreConflict(
                f"“{new_handle}” cannot be a handle. {HANDLE_RULE}", field="handle",
                suggestion=free_handle(conn, table=kind.table, base=new_handle))
        handle = new_handle or item["unique_value"]
    try:
        with conn.transaction():
            queries.undelete_item(conn, kind=kind, item_id=item_id, handle=handle)
    except psycopg.errors.UniqueViolation as error:
        if error.diag.constraint_name != kind.unique_index:
            raise
        raise _conflict(kind, conn, item, handle) from None
    queries.relink_products(conn, kind=kind, item_id=item_id)
    return item["name"]


def _conflict(kind, conn, item, handle) -> RestoreConflict:
    if kind.has_handle:
        suggestion = free_handle(conn, table=kind.table, base=handle)
        return RestoreConflict(
            f"A live {kind.noun} has the handle “{handle}” now. "
            f"Restore “{item['name']}” under another handle, like “{suggestion}”.",
            field="handle", suggestion=suggestion)
    value = item["unique_value"]
    return RestoreConflict(
        f"A live {kind.noun} “{value}” exists now. Rename that one first, then restore "
        f"this one; to combine the two afterwards, use “Merge into…” on either.")


def purge(kind, conn, *, item_id):
    """Delete a row in the Trash for good, with the product links recorded for it."""
    item = queries.get_deleted_item(conn, kind=kind, item_id=item_id)
    if item is None:
        return None
    queries.purge_links(conn, kind=kind, item_id=item_id)
    queries.purge_item(conn, kind=kind, item_id=item_id)
    return item["name"]
