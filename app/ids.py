"""Prefixed, time-sortable IDs: `prod_01J…`. Every ID in the app is made here."""

from ulid import ULID

PREFIXES = {
    "product": "prod",
    "variant": "variant",
    "option": "opt",
    "option_value": "optval",
    "category": "pcat",
    "collection": "pcol",
    "tag": "ptag",
    "type": "ptyp",
    "image": "img",
    "user": "user",
    "change_set": "cs",
    "import": "imp",
}


def new_id(kind: str) -> str:
    """A new ID for an entity kind, e.g. new_id("product") -> "prod_01J…"."""
    return f"{PREFIXES[kind]}_{ULID()}"
