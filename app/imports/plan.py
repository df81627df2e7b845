"""The dry run: what a parsed file would do to the catalog, product by product.

Rows are grouped by handle (a row without one takes the handle its title
makes). A group's first row carries the product's fields; its other rows may
repeat them or leave them blank, but may not say something else. Products
match live products by handle; variants match the product's live variants by
SKU, then by their option values, then (for variants without options) by
title. Ids in a file are never read: they belong to another database.

Cells in a column the file has set the field; a blank cell clears it, except
where a blank cannot mean "none" (title, status, the true/false flags), where
it keeps what is there, or takes the default for a new product. Columns the
file does not have are left alone, and an import never deletes a product or
a variant that is not in the file.

A product with any error in any of its rows is not written at all; the
errors are listed by line, column and reason. `build()` is pure: it reads the
rows and a `Catalog` snapshot and returns a `Plan`; the job builds the plan
again inside its own transaction before writing, so what is written is
checked against the catalog as it is then.
"""

import contextlib
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..ids import new_id
from ..products import workflow
from ..web.handles import make_handle
from . import csvio
from .csvio import COLUMNS, PRODUCT_COLUMNS, VARIANT_COLUMNS, Column

# Blank keeps the current value (or the default for something new).
KEEP_WHEN_BLANK = {"title", "status", "discountable", "is_giftcard",
                   "variant_title", "variant_allow_backorder", "variant_manage_inventory"}
PRODUCT_DEFAULTS = {"status": "draft", "discountable": True, "is_giftcard": False}
VARIANT_DEFAULTS = {"allow_backorder": False, "manage_inventory": True}
# Product columns that are plain columns of `products`.
SCALAR_PRODUCT = tuple(c for c in PRODUCT_COLUMNS
                       if c.kind not in ("handle", "ref", "tags", "paths", "urls"))
MAX_LISTED_CHANGES = 40


@dataclass
class Catalog:
    """What the plan compares the file with, loaded for the file's handles and codes."""

    products: dict  # handle -> product row (with tags, category_ids, images)
    options: dict  # product_id -> [option {id, title, rank, values: {value: id}, max_rank}]
    variants: dict  # product_id -> [variant row with value_ids {option_id: value_id}]
    holders: dict  # (kind, code) -> {variant_id, product_id, handle, title}
    collections: dict  # handle -> id
    types: dict  # value -> id, and lower(value) -> id
    categories: dict  # handle -> {id, path}
    tags: dict  # lower(value) -> value, for the file's tags that exist


@dataclass
class Issue:
    line: int
    column: str
    message: str


@dataclass
class VariantPlan:
    line: int
    label: str
    action: str  # create | update | unchanged
    variant_id: str
    values: dict  # db column -> value (create: every column; update: the changed ones)
    changes: list  # [(field label, before, after)]
    links: list | None  # the value ids it holds after, when they change (None: unchanged)
    rank: int | None = None
    current: dict | None = None  # the live variant it updates


@dataclass
class ProductPlan:
    handle: str
    title: str
    line: int
    lines: list[int]
    product_id: str | None = None
    current: dict | None = None  # the live product it updates
    action: str = "unchanged"  # create | update | unchanged | error
    values: dict = field(default_factory=dict)  # products columns to write
    changes: list = field(default_factory=list)  # [(field label, before, after)]
    type_value: str | None = None  # a type to create, by value
    tags: list | None = None  # tag values to hold, when they change
    new_tags: list = field(default_factory=list)
    category_ids: list | None = None
    images: dict | None = None  # {"delete": [ids], "rank": [(id, rank)], "insert": [...]}
    new_options: list = field(default_factory=list)  # [(id, title, rank)]
    new_values: list = field(default_factory=list)  # [(id, option_id, value, rank)]
    variants: list = field(default_factory=list)
    issues: list = field(default_factory=list)

    def error(self, line, column, message):
        self.issues.append(Issue(line, column, message))

    def has_issue(self, column) -> bool:
        return any(issue.column == column for issue in self.issues)

    @property
    def writes(self) -> bool:
        return self.action in ("create", "update")

    def variant_counts(self) -> dict:
        counts = {"create": 0, "update": 0, "unchanged": 0}
        for v in self.variants:
            counts[v.action] += 1
        return counts


@dataclass
class Plan:
    products: list  # [ProductPlan] in file order
    columns: list  # the file's columns
    option_slots: list
    rows: int

    def count(self, action) -> int:
        return sum(1 for p in self.products if p.action == action)

    @property
    def issues(self) -> list:
        found = [(issue, p.handle) for p in self.products for issue in p.issues]
        order = {name: i for i, name in enumerate(COLUMNS)}
        return sorted(found, key=lambda pair: (pair[0].line, order.get(pair[0].column, 999),
                                               pair[0].column))

    def counts(self) -> dict:
        variants = {"create": 0, "update": 0, "unchanged": 0}
        for p in self.products:
            if p.action != "error":
                for action, n in p.variant_counts().items():
                    variants[action] += n
        issues = self.issues
        new_tags = {t.lower() for p in self.products if p.writes for t in p.new_tags}
        new_types = {p.type_value.lower() for p in self.products if p.writes and p.type_value}
        return {
            "rows": self.rows,
            "products": len(self.products),
            "create": self.count("create"),
            "update": self.count("update"),
            "unchanged": self.count("unchanged"),
            "error": self.count("error"),
            "errors": len(issues),
            "error_rows": len({issue.line for issue, _ in issues}),
            "variants_create": variants["create"],
            "variants_update": variants["update"],
            "variants_unchanged": variants["unchanged"],
            "new_tags": len(new_tags),
            "new_types": len(new_types),
            "writes": sum(1 for p in self.products if p.writes),
        }

    def items(self) -> list[dict]:
        """What the preview lists, one entry per product."""
        out = []
        for position, p in enumerate(self.products):
            changes = [{"field": f, "before": shown(b), "after": shown(a)}
                       for f, b, a in all_changes(p)]
            more = max(len(changes) - MAX_LISTED_CHANGES, 0)
            out.append({
                "position": position, "kind": p.action, "handle": p.handle,
                "title": p.title, "line": p.line,
                "changes": changes[:MAX_LISTED_CHANGES] + (
                    [{"field": f"and {more:,} more changes", "before": "", "after": ""}]
                    if more else []),
                "variants": p.variant_counts(),
            })
        return out


def shown(value) -> str:
    """A value as the preview prints it."""
    if value is None or value == "" or value == []:
        return "(blank)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return csvio.format_value(value)
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"


# --- Grouping rows into products ------------------------------------------------------


def row_handle(row: csvio.Row) -> tuple[str | None, str | None]:
    """(handle, error): the row's handle, or the one its title makes."""
    raw = row.get("handle").strip()
    if raw:
        try:
            return csvio.parse_handle(raw), None
        except ValueError as error:
            return None, str(error)
    title = row.get("title").strip()
    if title:
        return make_handle(title), None
    return None, "A row needs a handle or a title."


def group_rows(parsed: csvio.ParsedFile) -> tuple[dict, list]:
    """({handle: [rows]} in file order, [(line, column, message)] for rows with no handle)."""
    groups: dict[str, list] = {}
    orphans = []
    for row in parsed.rows:
        handle, error = row_handle(row)
        if handle is None:
            orphans.append(Issue(row.line, "handle", error))
            continue
        groups.setdefault(handle, []).append(row)
    return groups, orphans


def wanted_codes(groups: dict) -> dict:
    """{kind: [codes]} the file names, to look their holders up."""
    codes = {"sku": set(), "barcode": set(), "ean": set(), "upc": set()}
    for rows in groups.values():
        for row in rows:
            for name in csvio.CODE_COLUMNS:
                value = row.get(name).strip()
                if value:
                    codes[COLUMNS[name].target].add(value)
    return {kind: sorted(values) for kind, values in codes.items()}


def wanted_refs(groups: dict) -> dict:
    """Collection handles, type values and tag values the file names."""
    collections, types, tags = set(), set(), set()
    for rows in groups.values():
        first = rows[0]
        if first.get("collection").strip():
            collections.add(first.get("collection").strip().lower())
        if first.get("type").strip():
            types.add(first.get("type").strip())
        with contextlib.suppress(ValueError):
            tags.update(t.lower() for t in csvio.parse_tags(first.get("tags")))
    return {"collections": sorted(collections), "types": sorted(types), "tags": sorted(tags)}


# --- The plan ----------------------------------------------------------------------------


def build(parsed: csvio.ParsedFile, catalog: Catalog, *, base_url: str = "") -> Plan:
    groups, orphans = group_rows(parsed)
    plan = Plan(products=[], columns=parsed.columns, option_slots=parsed.option_slots,
                rows=len(parsed.rows))
    seen_codes: dict = {}
    for handle, rows in groups.items():
        plan.products.append(_product(handle, rows, parsed, catalog, seen_codes, base_url))
    for issue in orphans:
        orphan = ProductPlan(handle="", title="", line=issue.line, lines=[issue.line],
                             action="error")
        orphan.issues.append(issue)
        plan.products.append(orphan)
    plan.products.sort(key=lambda p: p.line)
    return plan


def _parse_cell(plan: ProductPlan, row: csvio.Row, column: Column, base_url: str):
    try:
        return csvio.parse(column, row.get(column.name), base_url), True
    except ValueError as error:
        plan.error(row.line, column.name, str(error))
        return None, False


def _same(column: Column, a: str, b: str, base_url: str) -> bool:
    try:
        first, second = csvio.parse(column, a, base_url), csvio.parse(column, b, base_url)
    except ValueError:
        return a.strip() == b.strip()
    if column.kind in ("tags", "paths"):  # sets, in any order
        return sorted(v.lower() for v in first) == sorted(v.lower() for v in second)
    return first == second


def _product(handle, rows, parsed, catalog, seen_codes, base_url) -> ProductPlan:
    first = rows[0]
    existing = catalog.products.get(handle)
    plan = ProductPlan(handle=handle, title=first.get("title").strip()
                       or (existing or {}).get("title") or "",
                       line=first.line, lines=[r.line for r in rows],
                       product_id=existing["id"] if existing else new_id("product"),
                       current=existing)
    present = [COLUMNS[name] for name in parsed.columns if COLUMNS[name].level == "product"]

    # Later rows may repeat the product's fields, never contradict them.
    for row in rows[1:]:
        for column in present:
            if column.name == "handle":
                continue
            text = row.get(column.name)
            if text.strip() and not _same(column, text, first.get(column.name), base_url):
                plan.error(row.line, column.name,
                           f"Differs from line {first.line}, the first row of “{handle}”: "
                           "a product's fields are the same on each of its rows.")

    parsed_values = {}
    for column in present:
        if column.name == "handle":
            continue
        value, ok = _parse_cell(plan, first, column, base_url)
        if ok:
            parsed_values[column.name] = value

    if existing is None:
        plan.action = "create"
        if not parsed_values.get("title") and not plan.has_issue("title"):
            plan.error(first.line, "title", "Missing title: a new product needs one.")
    _product_fields(plan, existing, parsed_values, first, catalog)
    _variants(plan, existing, rows, parsed, catalog, seen_codes, base_url)

    if plan.issues:
        plan.action = "error"
    elif existing is not None:
        changed = (plan.changes or plan.tags is not None or plan.category_ids is not None
                   or plan.images is not None or plan.new_options
                   or any(v.action != "unchanged" for v in plan.variants))
        plan.action = "update" if changed else "unchanged"
    return plan


def _product_fields(plan: ProductPlan, existing, values: dict, first, catalog: Catalog):
    line = first.line
    for column in SCALAR_PRODUCT:
        if column.name not in values:
            continue
        value = values[column.name]
        if value is None and column.name in KEEP_WHEN_BLANK:
            if existing is None and column.name in PRODUCT_DEFAULTS:
                plan.values[column.db] = PRODUCT_DEFAULTS[column.name]
            continue
        if existing is None:
            plan.values[column.db] = value
            continue
        before = _stored(existing.get(column.db))
        if column.kind == "url" and _same_url(before, value):
            continue
        if (column.name == "status" and value != before
                and not workflow.can_move(before, value)):
            plan.error(line, "status", workflow.refusal(before, value))
            continue
        if value != before:
            plan.values[column.db] = value
            plan.changes.append((column.label, before, value))
    if existing is None:
        for name, default in PRODUCT_DEFAULTS.items():
            plan.values.setdefault(name, default)
        plan.values["handle"] = plan.handle
        if plan.values.get("title") is None:
            plan.values["title"] = ""

    if "collection" in values:
        handle = (values["collection"] or "").lower() or None
        collection_id = None
        if handle:
            collection_id = catalog.collections.get(handle)
            if collection_id is None:
                plan.error(line, "collection", f"No collection has the handle “{handle}”: "
                           "create it first, or leave the cell blank.")
        before = existing.get("collection_id") if existing else None
        if collection_id != before:
            plan.values["collection_id"] = collection_id
            if existing:
                plan.changes.append(("Collection", existing.get("collection_handle"), handle))

    if "type" in values:
        value = values["type"]
        type_id = None
        if value:
            type_id = catalog.types.get(value) or catalog.types.get(value.lower())
            if type_id is None:
                plan.type_value = value
        before = existing.get("type_id") if existing else None
        if type_id != before or plan.type_value:
            plan.values["type_id"] = type_id
            if existing:
                plan.changes.append(("Type", existing.get("type_value"), value))

    if "tags" in values:
        tags = values["tags"] or []
        plan.new_tags = [t for t in tags if t.lower() not in catalog.tags]
        before = existing.get("tags") if existing else []
        if sorted(t.lower() for t in tags) != sorted(t.lower() for t in before):
            plan.tags = tags
            if existing:
                plan.changes.append(("Tags", before, tags))
        elif existing is None and tags:
            plan.tags = tags

    if "categories" in values:
        ids = []
        for path in values["categories"] or []:
            leaf = path.rsplit("/", 1)[-1]
            category = catalog.categories.get(leaf)
            if category is None:
                plan.error(line, "categories", f"No category has the handle “{leaf}”.")
            elif "/" in path and category["path"] != path:
                plan.error(line, "categories", f"The category “{leaf}” is at "
                           f"“{category['path']}”, not “{path}”.")
            elif category["id"] not in ids:
                ids.append(category["id"])
        before = existing.get("category_ids") if existing else []
        if sorted(ids) != sorted(before or []):
            plan.category_ids = ids
            if existing:
                paths = {c["id"]: c["path"] for c in catalog.categories.values()}
                plan.changes.append(("Categories", sorted(paths.get(i, i) for i in before),
                                     sorted(paths.get(i, i) for i in ids)))

    if "images" in values:
        urls = values["images"] or []
        current = existing.get("images") if existing else []
        if len(current) != len(urls) or not all(
                _same_url(image["url"], url) for image, url in zip(current, urls, strict=True)):
            plan.images = _image_ops(plan.product_id, current, urls)
            if existing:
                plan.changes.append(("Images", f"{len(current)} image(s)",
                                     f"{len(urls)} image(s)"))


def _image_ops(product_id, current: list, urls: list) -> dict:
    """Keep images whose URL stays (in the new order), add the new ones, delete the rest."""
    unused = list(current)
    ranks, inserts = [], []
    for rank, url in enumerate(urls):
        match = next((img for img in unused if _same_url(img["url"], url)), None)
        if match is None:
            inserts.append({"id": new_id("image"), "url": url, "rank": rank,
                            "product_id": product_id})
        else:
            unused.remove(match)
            if match["rank"] != rank:
                ranks.append({"id": match["id"], "rank": rank})
    return {"delete": [img["id"] for img in unused], "rank": ranks, "insert": inserts}


def _stored(value):
    """A stored value as the file gives it back: text without the spaces and line ends
    around it (a cell is read trimmed), empty text as no value."""
    if isinstance(value, str):
        value = value.strip()
    return None if value == "" else value


# --- Variants --------------------------------------------------------------------------


def _has_variant(row, parsed) -> bool:
    return (any(row.get(c.name).strip() for c in VARIANT_COLUMNS if parsed.has(c.name))
            or any(value for _, value in row.options.values()))


def _variants(plan: ProductPlan, existing, rows, parsed, catalog, seen_codes, base_url):
    options = list(catalog.options.get(plan.product_id, [])) if existing else []
    current = list(catalog.variants.get(plan.product_id, [])) if existing else []
    present = [c for c in VARIANT_COLUMNS if parsed.has(c.name)]

    # The file's option names, slot by slot: set by the first row that names one.
    names: dict[int, str] = {}
    for row in rows:
        for slot, (name, value) in row.options.items():
            if name and slot not in names:
                names[slot] = name
            elif name and names.get(slot) != name:
                plan.error(row.line, f"option{slot}_name",
                           f"Option {slot} is “{names[slot]}” on line "
                           f"{_first_line(rows, slot)}; a product's options are the same on "
                           "each of its rows.")
            if value and slot not in names:
                plan.error(row.line, f"option{slot}_value",
                           f"The value “{value}” has no option name (option{slot}_name).")
    titles = [names[s] for s in sorted(names)]
    if len({t.lower() for t in titles}) != len(titles):
        plan.error(rows[0].line, "option1_name", "Two option columns have the same name.")
        return

    # Map the file's option names onto the product's options, making the missing ones.
    by_title = {o["title"].lower(): o for o in options}
    # After the last ranked option (unranked ones, made by other writers, count by position).
    next_rank = max([o["rank"] for o in options if o["rank"] is not None],
                    default=len(options) - 1) + 1
    option_of = {}
    for title in titles:
        option = by_title.get(title.lower())
        if option is None:
            option = {"id": new_id("option"), "title": title, "rank": next_rank, "values": {},
                      "max_rank": -1, "new": True}
            next_rank += 1
            plan.new_options.append((option["id"], title, option["rank"]))
            options.append(option)
        option_of[title] = option
    named_ids = {option_of[t]["id"] for t in titles}
    known = [option_of[t]["id"] for t in titles if not option_of[t].get("new")]
    text_of = {vid: text for o in options for text, vid in o["values"].items()}
    # The product's variants by their values on the file's options, and by title.
    by_combination, by_title_plain = defaultdict(list), defaultdict(list)
    for variant in current:
        key = tuple(text_of.get(variant["value_ids"].get(oid)) for oid in known)
        if any(k is not None for k in key):
            by_combination[key].append(variant)
        if not variant["value_ids"]:
            by_title_plain[variant["title"]].append(variant)

    def value_id(option, value):
        if value not in option["values"]:
            option["max_rank"] = option.get("max_rank", -1) + 1
            vid = new_id("option_value")
            option["values"][value] = vid
            plan.new_values.append((vid, option["id"], value, option["max_rank"]))
        return option["values"][value]

    by_code = {}
    for variant in current:
        for kind in csvio.CODE_LABELS:
            if variant.get(kind):
                by_code[(kind, variant[kind])] = variant
    matched: set = set()
    next_variant_rank = max([v["variant_rank"] or 0 for v in current], default=-1) + 1
    final_combos: dict = {}  # frozenset(value ids) -> line

    for row in rows:
        if not _has_variant(row, parsed):
            continue
        ok = True
        values = {}
        for column in present:
            value, good = _parse_cell(plan, row, column, base_url)
            ok = ok and good
            values[column.name] = value
        row_values = {names[slot]: value for slot, (_, value) in row.options.items()
                      if value and slot in names}

        # Codes: once in the file; in the catalog only on the variant this row updates.
        for name in csvio.CODE_COLUMNS:
            code = values.get(name)
            if code:
                kind = COLUMNS[name].target
                earlier = seen_codes.get((kind, code))
                if earlier is not None:
                    plan.error(row.line, name, f"Duplicate {_code_label(kind)} "
                               f"“{code}”: it is already on line {earlier}.")
                    ok = False
                else:
                    seen_codes[(kind, code)] = row.line

        # Which variant this row is. Its option values, when a variant holds exactly
        # those (a product's combinations are unique, so this is the row's own variant
        # even if its SKU cell was edited); else its SKU; else, without options, its
        # title. Only options the product has can match: a new option's value is added.
        variant = None
        wanted = {option_of[t]["id"]: v for t, v in row_values.items()
                  if not option_of[t].get("new")}
        if wanted:
            key = tuple(wanted.get(oid) for oid in known)
            variant = next((c for c in by_combination.get(key, ()) if c["id"] not in matched),
                           None)
        sku = values.get("variant_sku")
        if (variant is None and sku and ("sku", sku) in by_code
                and by_code[("sku", sku)]["id"] not in matched):
            variant = by_code[("sku", sku)]
        if variant is None and not row_values and not names:
            title = values.get("variant_title")
            if title:
                variant = next((c for c in by_title_plain.get(title, ())
                                if c["id"] not in matched), None)
            elif not sku and len(current) == 1 and not current[0]["value_ids"] \
                    and current[0]["id"] not in matched:
                variant = current[0]
        if variant is not None:
            matched.add(variant["id"])

        for name in csvio.CODE_COLUMNS:
            code = values.get(name)
            kind = COLUMNS[name].target
            holder = catalog.holders.get((kind, code)) if code else None
            if holder and (variant is None or holder["variant_id"] != variant["id"]):
                label = _code_label(kind)
                if holder["product_id"] == plan.product_id:
                    plan.error(row.line, name, f"Duplicate {label} “{code}”: another variant "
                               f"of this product (“{holder['variant_title']}”) has it.")
                else:
                    plan.error(row.line, name, f"Duplicate {label} “{code}”: the product "
                               f"“{holder['title']}” ({holder['handle']}) has it.")
                ok = False

        links = None
        if names:
            keep = [vid for oid, vid in (variant or {}).get("value_ids", {}).items()
                    if oid not in named_ids]
            new_links = keep + [value_id(option_of[t], v) for t, v in row_values.items()]
            before = sorted((variant or {}).get("value_ids", {}).values())
            if sorted(new_links) != before:
                links = new_links
            combo = frozenset(new_links)
            if combo:
                if combo in final_combos:
                    plan.error(row.line, "option1_value",
                               f"The combination {' / '.join(row_values.values())} is already "
                               f"on line {final_combos[combo]}.")
                    ok = False
                final_combos[combo] = row.line
        if not ok:
            continue
        plan.variants.append(_variant_plan(row, variant, values, row_values, links, present,
                                           next_variant_rank, options, text_of))
        if variant is None:
            next_variant_rank += 1

    # A changed combination may not be one a variant outside the file holds.
    for variant in current:
        if variant["id"] in matched or not variant["value_ids"]:
            continue
        combo = frozenset(variant["value_ids"].values())
        if combo in final_combos:
            plan.error(final_combos[combo], "option1_value",
                       f"The variant “{variant['title']}” already has this combination.")


def _code_label(kind) -> str:
    return "barcode" if kind == "barcode" else csvio.CODE_LABELS[kind]


def _media_path(url) -> str | None:
    """/media/<key> when url names a file of our own media, with or without a host."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    if parts.path.startswith("/media/") and not parts.query and not parts.fragment:
        return parts.path
    return None


def _same_url(stored, given) -> bool:
    """The file's address names the stored one: equal, or the same file of our own media
    (stored as /media/… or in full) written with whichever host it was exported from.
    Media keys are content hashes, so the same path is the same file."""
    if stored == given:
        return True
    path = _media_path(stored)
    return path is not None and path == _media_path(given)


def _first_line(rows, slot) -> int:
    for row in rows:
        if row.options.get(slot, ("", ""))[0]:
            return row.line
    return rows[0].line


def _variant_plan(row, variant, values, row_values, links, present, rank,
                  options, text_of) -> VariantPlan:
    label = (values.get("variant_sku") or (variant or {}).get("sku")
             or " / ".join(row_values.values()) or values.get("variant_title")
             or (variant or {}).get("title") or "Default")
    if variant is None:
        out = {c.db: values.get(c.name) for c in VARIANT_COLUMNS}
        for name, default in VARIANT_DEFAULTS.items():
            if out.get(name) is None:
                out[name] = default
        if not out.get("title"):
            out["title"] = " / ".join(row_values.values()) or "Default"
        return VariantPlan(line=row.line, label=label, action="create",
                           variant_id=new_id("variant"), values=out, changes=[],
                           links=links or [], rank=rank)
    out, changes = {}, []
    for column in present:
        value = values[column.name]
        if value is None and column.name in KEEP_WHEN_BLANK:
            continue
        before = _stored(variant.get(column.db))
        if column.kind == "url" and _same_url(before, value):
            continue
        if value != before:
            out[column.db] = value
            changes.append((f"Variant {label}: {column.label}", before, value))
    if links is not None:
        held = variant["value_ids"]
        new_text = {**text_of, **{vid: text for o in options for text, vid in o["values"].items()
                                  if vid in links}}
        before = " / ".join(text_of.get(held[o["id"]], "?") for o in options if o["id"] in held)
        after = " / ".join(new_text[vid] for o in options for vid in links
                           if vid in o["values"].values())
        changes.append((f"Variant {label}: options", before, after))
    action = "update" if out or links is not None else "unchanged"
    return VariantPlan(line=row.line, label=label, action=action, variant_id=variant["id"],
                       values=out, changes=changes, links=links, current=variant)


def all_changes(plan: ProductPlan) -> list:
    """The product's changes and its variants', for the preview."""
    return plan.changes + [c for v in plan.variants for c in v.changes]
