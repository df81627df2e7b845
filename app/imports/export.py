"""The export: the product list's matching (or selected) products as CSV, streamed.

The product ids come through a server-side cursor in the list's order, 500 at a
time; each batch's products, options and variants are read with three
statements and written out before the next batch is read. So memory holds one
batch whatever the catalog's size, and the first bytes (the header) leave
before any product is read. One REPEATABLE READ, READ ONLY transaction gives
the whole file one consistent snapshot.
"""

import codecs
from collections import defaultdict

from ..products.queries import DEFAULT_SORT, SORTS, ProductFilters
from ..products.queries import where_clause as product_list_where
from . import csvio, queries

BATCH = 500


def stream(conn, *, filters: ProductFilters, base_url: str):
    """Yield the CSV file as bytes, in chunks."""
    where, params = product_list_where(filters)
    order = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        slots = max(queries.count_max_options(conn, where=where, params=params), 1)
        writer = csvio.Writer()
        writer.write(csvio.export_header(slots))
        yield codecs.BOM_UTF8 + writer.flush()
        paths = {r["id"]: r["path"] for r in queries.list_category_paths(conn)}
        with conn.cursor(name="export_product_ids") as cursor:
            cursor.execute(queries.matching_ids_query(where=where, order=order), params)
            while True:
                ids = [r["id"] for r in cursor.fetchmany(BATCH)]
                if not ids:
                    break
                for row in _rows(conn, ids, paths, slots, base_url):
                    chunk = writer.write(row)
                    if chunk:
                        yield chunk
        rest = writer.flush()
        if rest:
            yield rest


def _rows(conn, ids, paths, slots, base_url):
    products = queries.list_products_by_id(conn, ids=ids)
    options = defaultdict(list)
    for option in queries.list_options(conn, product_ids=ids):
        options[option["product_id"]].append(option)
    variants = defaultdict(list)
    for variant in queries.list_variants(conn, product_ids=ids):
        variants[variant["product_id"]].append(variant)
    for product in products:
        product["categories"] = sorted(paths[c] for c in product["category_ids"] if c in paths)
        product["images"] = [image["url"] for image in product["images"]]
        cells = csvio.product_cells(product, base_url)
        own = options.get(product["id"], [])
        titles = [o["title"] for o in own]
        title_of = {o["id"]: o["title"] for o in own}
        text_of = {v["id"]: v["value"] for o in own for v in o["option_values"]}
        if not variants.get(product["id"]):
            yield cells + csvio.variant_cells(None, titles, slots, base_url)
            continue
        for variant in variants[product["id"]]:
            variant["values"] = {title_of[oid]: text_of[vid]
                                 for oid, vid in variant["value_ids"].items()
                                 if oid in title_of and vid in text_of}
            yield cells + csvio.variant_cells(variant, titles, slots, base_url)
