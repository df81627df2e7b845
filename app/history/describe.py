"""History records in words: "changed SKU of Red / L from TS-R-L to TS-RED-L"."""

import json
from datetime import UTC, datetime

from psycopg import sql

from ..web.pagecache import vary_by_time

NOUNS = {
    "products": "product",
    "p_variants": "variant",
    "p_options": "option",
    "p_option_values": "option value",
    "images": "image",
    "p_categories": "category",
    "p_collections": "collection",
    "p_tags": "tag",
    "p_types": "type",
}

FIELDS = {
    "sku": "SKU", "ean": "EAN", "upc": "UPC", "barcode": "barcode",
    "hs_code": "HS code", "mid_code": "MID code", "origin_country": "country of origin",
    "is_giftcard": "gift card", "collection_id": "collection", "type_id": "type",
    "parent_id": "parent", "variant_rank": "position", "rank": "position",
    "allow_backorder": "allow backorders", "manage_inventory": "manage inventory",
    "is_active": "active", "is_internal": "internal", "image_id": "image",
    "external_id": "external ID", "option_id": "option", "deleted_at": "deleted",
    "product_id": "product",
}

LINK_WORDS = {
    # table: (linked, unlinked)
    "products_tags": ("added tag", "removed tag"),
    "p_categories_products": ("added to category", "removed from category"),
    "products_images": ("showed an image on variant", "stopped showing an image on variant"),
}

# Columns holding ids of rows with a name worth showing instead.
REFERENCE_COLUMNS = {"collection_id", "type_id", "parent_id", "option_value_id", "image_id"}


def field_label(column: str) -> str:
    return FIELDS.get(column, column.replace("_", " "))


def referenced_ids(changes) -> list[str]:
    """Ids in these changes that read better as names (a collection, a parent…)."""
    ids = set()
    for change in changes:
        data = change["data"] or {}
        for column in REFERENCE_COLUMNS & data.keys():
            values = data[column] if change["kind"] in ("update", "move") else [data[column]]
            ids.update(v for v in values if isinstance(v, str))
    return sorted(ids)


def list_names(conn, *, ids):
    """Names of collections, types, categories, option values and images, by id (one statement)."""
    if not ids:
        return {}
    rows = conn.execute(
        sql.SQL(
            """
            SELECT id, title AS name FROM p_collections WHERE id = ANY(%(ids)s)
            UNION ALL
            SELECT id, value FROM p_types WHERE id = ANY(%(ids)s)
            UNION ALL
            SELECT id, name FROM p_categories WHERE id = ANY(%(ids)s)
            UNION ALL
            SELECT id, value FROM p_option_values WHERE id = ANY(%(ids)s)
            UNION ALL
            SELECT id, url FROM images WHERE id = ANY(%(ids)s)
            """
        ),
        {"ids": ids},
    ).fetchall()
    return {r["id"]: r["name"] for r in rows}


def show_value(column, value, names) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column in REFERENCE_COLUMNS and isinstance(value, str):
        return names.get(value, value)
    if column == "deleted_at":
        return "yes"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def describe(change, names) -> dict:
    """{"verb": …, "subject": …, "fields": [{"field", "old", "new"}]} for a template."""
    kind, table = change["kind"], change["table_name"]
    noun = NOUNS.get(table, table)
    label = change["label"] or change["row_id"]
    data = change["data"] or {}
    if table == "p_variants_options":
        # "gave variant Red / L the value “Red”", "took the value “Red” from variant Red / L"
        value = names.get(data.get("option_value_id"))
        if kind == "link":
            return {"verb": "gave variant", "subject": label, "fields": [],
                    "detail": f"the value “{value}”" if value else "a value"}
        return {"verb": f"took the value “{value}” from variant" if value
                else "took a value from variant", "subject": label, "detail": None,
                "fields": []}
    if table in LINK_WORDS:
        linked, unlinked = LINK_WORDS[table]
        return {"verb": linked if kind == "link" else unlinked, "subject": label,
                "detail": None, "fields": []}
    if kind == "update":
        fields = [{"field": field_label(column),
                   "old": show_value(column, old, names),
                   "new": show_value(column, new, names)}
                  for column, (old, new) in sorted(data.items())]
        return {"verb": "changed", "subject": f"{noun} {label}", "fields": fields}
    verbs = {"create": "created", "delete": "moved to Trash", "restore": "restored",
             "move": "moved", "purge": "deleted for good"}
    detail = None
    if kind == "move" and "parent_id" in data:
        detail = "under " + show_value("parent_id", data["parent_id"][1], names).replace(
            "—", "the top level")
    return {"verb": verbs[kind], "subject": f"{noun} {label}", "detail": detail, "fields": []}


def ago(moment: datetime, now: datetime | None = None) -> str:
    """"just now", "3 min ago", "2 h ago", "yesterday", "4 Nov"."""
    if now is None:
        vary_by_time()
        now = datetime.now(UTC)
    seconds = (now - moment).total_seconds()
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 2 * 86400:
        return "yesterday"
    if moment.year == now.year:
        return f"{moment.day} {moment:%b}"
    return f"{moment.day} {moment:%b %Y}"


def user_name(row) -> str:
    if not row.get("user_id"):
        return "System"
    return row.get("user_name") or row.get("user_email") or "A deleted user"
