"""What can be in the Trash. Each area registers its kind; /trash lists and restores them.

An area registers at import time (in its routes module):

    register(TrashKind(
        key="products", label="Products",
        list_deleted=queries.list_deleted_products,  # (conn, *, q, limit, offset) -> (rows, total)
        restore=restore_product,                     # (conn, *, item_id, new_handle) -> name
        purge=queries.purge_product,                 # (conn, *, item_id) -> None
    ))

`list_deleted` rows carry `id`, `name`, `detail` (a short description, may be
empty) and `deleted_at`. `restore` runs inside the caller's transaction and
raises `RestoreConflict` when something it needs was taken meanwhile (a handle,
a SKU); nothing may be restored half-way, so it raises before or the caller's
transaction rolls back. `purge` deletes for good (admins only); it raises
`PurgeRefused` when something still depends on the row (the Trash page shows
the message and nothing is deleted).
"""

from collections.abc import Callable
from dataclasses import dataclass


class RestoreConflict(Exception):
    """Restoring would clash with a live row; `suggestion` is a free value to offer."""

    def __init__(self, message: str, *, field: str | None = None, suggestion: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.suggestion = suggestion


class PurgeRefused(Exception):
    """The row cannot be deleted for good yet; `message` says why and what to do first."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TrashKind:
    key: str
    label: str
    list_deleted: Callable
    restore: Callable
    purge: Callable | None = None


KINDS: dict[str, TrashKind] = {}


def register(kind: TrashKind) -> None:
    KINDS[kind.key] = kind
