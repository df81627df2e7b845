"""Loading what a file touches, and writing a plan to the catalog in batches.

`load_catalog` reads everything a file's rows refer to in a fixed number of
statements per few thousand handles. `run_import` is the job's body: it reads
the file back from the database, builds the plan again against the catalog as
it is now (the products it updates locked until commit), and writes it in
batches of products, one statement per table and batch, reporting progress
through a second connection so the page sees it while the work is uncommitted.

All of it is one transaction, opened with the importing user and the import's
change-set id, so History shows one change-set that can be undone. "All or
nothing" refuses the whole file when any row has an error; "valid rows only"
skips the products whose rows have errors, and a batch the database refuses is
retried product by product, each in a savepoint, so one bad product is
reported and the rest still go in.
"""

import logging
import time
from collections import defaultdict
from decimal import Decimal

import psycopg
from psycopg.rows import dict_row

from ..db import transaction
from ..ids import new_id
from . import csvio, queries
from .csvio import COLUMNS
from .plan import Catalog, Plan, build, group_rows, wanted_codes, wanted_refs
from .queries import PRODUCT_TYPES, VARIANT_TYPES

log = logging.getLogger(__name__)

BATCH = 250  # products per batch: about 1,000 variants, a few statements each
CHUNK = 5000  # handles or ids per lookup statement
# Product columns of the file that are columns of `products` (or set one).
LIST_KINDS = ("handle", "tags", "paths", "urls")


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _number(value):
    """A rank from metadata (numeric) as JSON can carry it."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def load_catalog(conn, parsed: csvio.ParsedFile, *, lock: bool = False) -> Catalog:
    groups, _ = group_rows(parsed)
    products = {}
    for chunk in _chunks(list(groups), CHUNK):
        for row in queries.list_products_by_handle(conn, handles=chunk, lock=lock):
            products[row["handle"]] = row
    ids = [p["id"] for p in products.values()]
    options, variants = defaultdict(list), defaultdict(list)
    for chunk in _chunks(ids, CHUNK):
        for row in queries.list_options(conn, product_ids=chunk):
            values = row["option_values"]
            ranks = [_number(v["rank"]) for v in values if v["rank"] is not None]
            options[row["product_id"]].append({
                "id": row["id"], "title": row["title"], "rank": _number(row["rank"]),
                "values": {v["value"]: v["id"] for v in values},
                "max_rank": max(ranks, default=len(values) - 1),
            })
        for row in queries.list_variants(conn, product_ids=chunk):
            variants[row["product_id"]].append(row)

    holders = {}
    codes = wanted_codes(groups)
    if any(codes.values()):
        for row in queries.list_code_holders(conn, codes=codes):
            for kind in csvio.CODE_LABELS:
                if row[kind]:
                    holders[(kind, row[kind])] = row
    refs = wanted_refs(groups)
    collections = {r["handle"]: r["id"] for r in
                   queries.list_collections_by_handle(conn, handles=refs["collections"])} \
        if refs["collections"] else {}
    types = {}
    if refs["types"]:
        for row in queries.list_types_by_value(conn, values=refs["types"]):
            types.setdefault(row["value"], row["id"])
            types.setdefault(row["value"].lower(), row["id"])
    tags = {}
    if refs["tags"]:
        tags = {r["value"].lower(): r["value"]
                for r in queries.list_tags_by_value(conn, values=refs["tags"])}
    categories = {}
    if parsed.has("categories"):
        categories = {r["handle"]: {"id": r["id"], "path": r["path"]}
                      for r in queries.list_category_paths(conn)}
    return Catalog(products=products, options=dict(options), variants=dict(variants),
                   holders=holders, collections=collections, types=types,
                   categories=categories, tags=tags)


def dry_run(conn, parsed: csvio.ParsedFile, *, base_url: str = "") -> Plan:
    return build(parsed, load_catalog(conn, parsed), base_url=base_url)


def issue_rows(plan: Plan) -> list[dict]:
    return [{"position": n, "line": issue.line, "column_name": issue.column,
             "message": issue.message, "handle": handle}
            for n, (issue, handle) in enumerate(plan.issues)]


# --- Writing ----------------------------------------------------------------------------


def _file_product_columns(columns) -> list[str]:
    return [COLUMNS[n].db for n in columns
            if COLUMNS[n].level == "product" and COLUMNS[n].kind not in LIST_KINDS]


def _file_variant_columns(columns) -> list[str]:
    return [COLUMNS[n].db for n in columns if COLUMNS[n].level == "variant"]


def write_products(conn, products: list, columns: list) -> None:
    """Write these products' plans (none with errors): a fixed number of statements."""
    products = [p for p in products if p.writes]
    if not products:
        return
    type_values = sorted({p.type_value for p in products if p.type_value}, key=str.lower)
    if type_values:
        queries.insert_types(conn, values=type_values, ids=[new_id("type") for _ in type_values])
        type_ids = {}
        for row in queries.list_types_by_value(conn, values=type_values):
            type_ids.setdefault(row["value"].lower(), row["id"])
        for p in products:
            if p.type_value:
                p.values["type_id"] = type_ids[p.type_value.lower()]
    new_tags = {}
    for p in products:
        for tag in p.new_tags:
            new_tags.setdefault(tag.lower(), tag)
    if new_tags:
        values = list(new_tags.values())
        queries.insert_tags(conn, values=values, ids=[new_id("tag") for _ in values])

    creates = [p for p in products if p.action == "create"]
    if creates:
        queries.insert_products(conn, rows=[
            {**{c: p.values.get(c) for c in PRODUCT_TYPES}, "id": p.product_id}
            for p in creates])
    product_columns = _file_product_columns(columns)
    updates = [p for p in products if p.action == "update" and p.values]
    if updates:
        changed = sorted({c for p in updates for c in p.values})
        write = [c for c in product_columns if c in changed]
        queries.update_products(conn, columns=write, rows=[
            {"id": p.product_id, **{c: p.values.get(c, p.current.get(c)) for c in write}}
            for p in updates])

    new_options = [{"id": oid, "product_id": p.product_id, "title": title, "rank": rank}
                   for p in products for oid, title, rank in p.new_options]
    if new_options:
        queries.insert_options(conn, rows=new_options)
    new_values = [{"id": vid, "option_id": oid, "value": value, "rank": rank}
                  for p in products for vid, oid, value, rank in p.new_values]
    if new_values:
        queries.insert_option_values(conn, rows=new_values)

    variant_creates = [{**{c: v.values.get(c) for c in VARIANT_TYPES}, "id": v.variant_id,
                        "product_id": p.product_id, "variant_rank": v.rank}
                       for p in products for v in p.variants if v.action == "create"]
    if variant_creates:
        queries.insert_variants(conn, rows=variant_creates)
    variant_columns = _file_variant_columns(columns)
    variant_updates = [v for p in products for v in p.variants
                       if v.action == "update" and v.values]
    if variant_updates:
        changed = {c for v in variant_updates for c in v.values}
        write = [c for c in variant_columns if c in changed]
        queries.update_variants(conn, columns=write, rows=[
            {"id": v.variant_id, **{c: v.values.get(c, v.current.get(c)) for c in write}}
            for v in variant_updates])
    relinked = [v for p in products for v in p.variants
                if v.links is not None and (v.links or v.action == "update")]
    if relinked:
        # New rows have no links to take away: only updated ones are looked at for that.
        queries.set_variant_values(conn, variant_ids=[v.variant_id for v in relinked
                                                      if v.action == "update"],
                                   pairs=[(v.variant_id, vid) for v in relinked
                                          for vid in v.links])

    tagged = [p for p in products if p.tags is not None]
    if tagged:
        queries.set_product_tags(conn, product_ids=[p.product_id for p in tagged
                                                    if p.action == "update"],
                                 pairs=[(p.product_id, t) for p in tagged for t in p.tags])
    placed = [p for p in products if p.category_ids is not None]
    if placed:
        queries.set_product_categories(conn, product_ids=[p.product_id for p in placed
                                                          if p.action == "update"],
                                       pairs=[(p.product_id, c) for p in placed
                                              for c in p.category_ids])
    pictured = [p.images for p in products if p.images is not None]
    deleted = [i for ops in pictured for i in ops["delete"]]
    if deleted:
        queries.soft_delete_images(conn, ids=deleted)
    ranks = [r for ops in pictured for r in ops["rank"]]
    if ranks:
        queries.update_image_ranks(conn, rows=ranks)
    inserts = [r for ops in pictured for r in ops["insert"]]
    if inserts:
        queries.insert_images(conn, rows=inserts)


# --- The job's body -------------------------------------------------------------------


class Refused(Exception):
    """All or nothing, and some rows have errors: nothing is written."""

    def __init__(self, plan: Plan):
        super().__init__("rows with errors")
        self.plan = plan


def _label(file_name: str, n: int) -> str:
    return f"Import of {file_name}: {n:,} product{'s' if n != 1 else ''}"


def run_import(url: str, import_id: str) -> str:
    """Apply one queued import; returns its final status."""
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn, \
            psycopg.connect(url, autocommit=True, row_factory=dict_row) as progress:
        record = queries.claim_import(progress, import_id=import_id)
        if record is None:
            return "skipped"

        def report(phase, done=0, total=0):
            queries.update_import_progress(progress, import_id=import_id, status="applying",
                                           phase=phase, done=done, total=total)

        started = time.monotonic()
        valid_only = record["mode"] == "valid"
        # Everything after the claim is inside the try: an import never stays "applying".
        try:
            report("Checking the file against the catalog")
            parsed = csvio.read(record["content"])
            plan, failed = _apply(conn, parsed, record, report, valid_only=valid_only)
        except Refused as refused:
            counts = refused.plan.counts()
            queries.replace_import_errors(progress, import_id=import_id,
                                          errors=issue_rows(refused.plan))
            queries.update_import_finished(
                progress, import_id=import_id, status="failed",
                result={**counts, "seconds": round(time.monotonic() - started, 2)},
                error=(f"{counts['error_rows']:,} row{'s' if counts['error_rows'] != 1 else ''}"
                       " have errors, so nothing was imported."))
            return "failed"
        except Exception as error:  # the job reports what went wrong on the page
            log.exception("import %s failed", import_id)
            queries.update_import_finished(
                progress, import_id=import_id, status="failed",
                result={"seconds": round(time.monotonic() - started, 2)},
                error=f"The import stopped and nothing was imported: {error}")
            return "failed"
        counts = plan.counts()
        if failed:
            counts["failed"] = len(failed)
        if plan.issues or failed:
            queries.replace_import_errors(progress, import_id=import_id, errors=issue_rows(plan))
        written = counts["create"] + counts["update"]
        queries.update_import_finished(
            progress, import_id=import_id, status="applied", keep_content=False,
            result={**counts, "written": written,
                    "seconds": round(time.monotonic() - started, 2)})
        return "applied"


def run_check(url: str, import_id: str) -> str:
    """The dry run of a big file, as a job: what each row would do, stored for the
    preview. Returns the import's status afterwards."""
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        record = queries.claim_check(conn, import_id=import_id)
        if record is None:
            return "skipped"
        try:
            parsed = csvio.read(record["content"])
            plan = dry_run(conn, parsed, base_url=record["base_url"])
            with conn.transaction():
                if queries.update_import_checked(
                        conn, import_id=import_id,
                        counts={**plan.counts(), "ignored": parsed.ignored}):
                    queries.insert_import_items(conn, import_id=import_id, items=plan.items())
                    queries.replace_import_errors(conn, import_id=import_id,
                                                  errors=issue_rows(plan))
        except Exception as error:  # the page says what went wrong
            log.exception("checking import %s failed", import_id)
            queries.update_import_finished(
                conn, import_id=import_id, status="failed", result={"stage": "check"},
                error=f"Checking the file stopped on the server ({error}). Nothing was "
                      "changed; upload the file again.")
            return "failed"
    return "previewed"


def _apply(conn, parsed, record, report, *, valid_only):
    """Plan again under lock and write, in one transaction; (plan, failed products)."""
    failed = []
    # History names the change-set when the transaction starts, before this plan is
    # built: the count is the dry run's (the same unless the catalog changed since).
    with transaction(conn, user_id=record["created_by"],
                     change_set_id=record["change_set_id"],
                     label=_label(record["file_name"], record["counts"].get("writes", 0))):
        catalog = load_catalog(conn, parsed, lock=True)
        plan = build(parsed, catalog, base_url=record["base_url"])
        if plan.issues and not valid_only:
            raise Refused(plan)
        writing = [p for p in plan.products if p.writes]
        report("Importing", 0, len(writing))
        done = 0
        for batch in _chunks(writing, BATCH):
            if valid_only:
                failed += _write_isolated(conn, batch, plan.columns)
            else:
                write_products(conn, batch, plan.columns)
            done += len(batch)
            report("Importing", done, len(writing))
        report("Saving", done, len(writing))
    return plan, failed


def _write_isolated(conn, batch, columns) -> list:
    """Write a batch in a savepoint; if the database refuses it, product by product."""
    try:
        with conn.transaction():
            write_products(conn, batch, columns)
        return []
    except psycopg.errors.DatabaseError:
        pass
    failed = []
    for product in batch:
        try:
            with conn.transaction():
                write_products(conn, [product], columns)
        except psycopg.errors.DatabaseError as error:
            message = (error.diag.message_primary or str(error)).strip()
            product.error(product.line, "", f"The database refused this product: {message}")
            product.action = "error"
            failed.append(product)
    return failed
