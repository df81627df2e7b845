import json
from urllib.parse import quote, urlencode

import psycopg
from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.datastructures import MultiDict

from ..auth.security import safe_next
from ..db import get_conn, transaction
from ..history.routes import offer_undo
from ..ids import new_id
from ..trash.registry import RestoreConflict, TrashKind, register
from ..web import render_page
from ..web.handles import free_handle, make_handle
from ..web.pagecache import cached_page
from ..web.pagination import Page, page_number
from ..web.render import wants_fragment
from . import queries, workflow
from .forms import BulkForm, ProductFilterForm, comparable, product_form
from .missing import abort_missing_product
from .rows import list_rows

bp = Blueprint("products", __name__, url_prefix="/products")
bp.add_app_template_global(list_rows)

PER_PAGE = 50
FIELD_LABELS = {
    "title": "Title", "subtitle": "Subtitle", "description": "Description", "handle": "Handle",
    "collection_id": "Collection", "type_id": "Type", "tags": "Tags",
    "category_ids": "Categories", "weight": "Weight", "length": "Length", "height": "Height",
    "width": "Width", "origin_country": "Country of origin", "hs_code": "HS code",
    "mid_code": "MID code", "material": "Material", "thumbnail": "Thumbnail URL",
    "discountable": "Discountable", "is_giftcard": "Gift card", "external_id": "External ID",
    "metadata": "Metadata",
}


# --- The list -----------------------------------------------------------------


def list_context(conn, args, *, full_page: bool):
    """Everything the list shows for these query arguments."""
    form = ProductFilterForm(args)
    filters = form.filters()
    number = page_number(args.get("page"))
    rows, total = queries.list_products_and_total(
        conn, filters=filters, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    page = Page(number, PER_PAGE, total)
    # URLs by string formatting, not url_for (~5 µs a call; the list needs one a row and
    # ~15 for sorts and pages). Each is what url_for would return: the product id quoted
    # as werkzeug's path converter quotes it, the query encoded as url_for encodes it.
    edit_prefix = url_for("products.edit", product_id="-")[:-1]
    for row in rows:
        row["edit_url"] = edit_prefix + quote(row["id"], safe="!$&'()*+,/:;=@")
    index_url = url_for("products.index")
    current = args.to_dict()

    def list_url(**changes):
        merged = {**current, **changes}
        kept = [(k, v) for k, v in merged.items() if v not in (None, "")]
        if any(k.startswith("_") for k, _ in kept):  # url_for's own _anchor, _external…
            return url_for("products.index", **dict(kept))
        return index_url + "?" + urlencode(kept, safe="!$'()*,/:;?@") if kept else index_url

    context = {"form": form, "filters": filters, "page": page, "rows": rows,
               "query": urlencode([(k, v) for k, v in args.items(multi=True) if v]),
               "list_url": list_url,
               "page_url": lambda n: list_url(page=n if n > 1 else None)}
    if full_page:
        chosen = {"collection_id": filters.collection_id, "type_id": filters.type_id,
                  "tag_id": filters.tag_id, "category_id": filters.category_id}
        labels = queries.get_choice_labels(conn, **chosen) if any(chosen.values()) else {}
        form.set_lazy_choices(labels)
    return context


@bp.get("/")
@cached_page
def index():
    """Find products: search as you type, filters, sort, pages, bulk actions."""
    conn = get_conn()
    context = list_context(conn, request.args, full_page=not wants_fragment())
    return render_page("products/index.html", "products/_results.html", **context)


@bp.get("/choices/<kind>")
def choices(kind):
    """<option>s for a select that loads lazily: tags and categories run to thousands,
    and the bulk bar's selects need not weigh down every list page. as=values: for a
    <datalist> (the product form's tag suggestions), each option's value is its label."""
    if kind not in ("tags", "categories", "collections", "types"):
        abort(404)
    data = queries.get_choices(get_conn(), tags=kind == "tags", categories=kind == "categories")
    response = make_response(render_template(
        "products/_options.html", items=data[kind], selected=request.args.getlist("selected"),
        blank=request.args.get("blank"), as_values=request.args.get("as") == "values"))
    response.headers["Cache-Control"] = "private, max-age=30"
    return response


@bp.post("/bulk")
def bulk():
    """One bulk action in one transaction; a summary of what changed and what was refused."""
    form = BulkForm()
    args = MultiDict(_parse_query(form.query.data or ""))
    if not form.validate():
        abort(400)
    conn = get_conn()
    if form.all_matching.data:
        ids = queries.list_matching_ids(conn, filters=ProductFilterForm(args).filters())
    else:
        ids = [i for i in form.ids.data if i]
    if not ids:
        message, level = "Select at least one product first.", "warning"
    else:
        # The whole action is one change-set in History, named for what it does.
        with transaction(label=bulk_label(form, len(ids))) as conn:
            message, level, changed = apply_bulk(conn, form, ids)
        if changed:
            offer_undo(message)
    if request.headers.get("HX-Request"):
        context = list_context(get_conn(), args, full_page=False)
        response = make_response(render_template("products/_results.html", **context))
        response.headers["HX-Trigger"] = json.dumps(
            {"toast": {"message": message, "level": level, "timeout": 12000}})
        return response
    flash(message, level)
    return redirect(url_for("products.index", **args))


def _parse_query(query: str):
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=False)


def apply_bulk(conn, form: BulkForm, ids: list[str]) -> tuple[str, str, int]:
    """What was done, its toast level, and how many products changed."""
    action = form.action.data
    n = len(ids)
    noun = "product" if n == 1 else "products"
    if action == "status":
        target = form.status.data
        if target not in workflow.STATUSES:
            return "Choose a status.", "warning", 0
        rows = queries.list_statuses(conn, ids=ids)
        movable = [r["id"] for r in rows if workflow.can_move(r["status"], target)]
        already = [r for r in rows if r["status"] == target]
        refused = [r for r in rows if r["status"] != target
                   and not workflow.can_move(r["status"], target)]
        changed = queries.update_status(conn, ids=movable, status=target) if movable else 0
        parts = [f"{changed} {'product' if changed == 1 else 'products'} now {target}."]
        if already:
            parts.append(f"{len(already)} already were.")
        if refused:
            names = ", ".join(f"“{r['title']}” ({r['status']})" for r in refused[:10])
            more = f" and {len(refused) - 10} more" if len(refused) > 10 else ""
            parts.append(f"{len(refused)} could not move to {target}: {names}{more}. "
                         + _allowed_hint(target))
        return " ".join(parts), "warning" if refused else "success", changed
    if action in ("collection", "type"):
        column = f"{action}_id"
        value = getattr(form, column).data or None
        if value and not queries.get_live_ids(conn, table=f"p_{action}s", ids=[value]):
            return f"That {action} no longer exists.", "error", 0
        changed = queries.update_reference(conn, ids=ids, column=column, value=value)
        what = "cleared" if value is None else "set"
        return f"{action.capitalize()} {what} on {changed} of {n} {noun}.", "success", changed
    if action in ("add_tag", "remove_tag"):
        tag_id = form.tag_id.data
        if not tag_id or not queries.get_live_ids(conn, table="p_tags", ids=[tag_id]):
            return "Choose a tag.", "warning", 0
        if action == "add_tag":
            changed = queries.add_links(conn, ids=ids, table="products_tags", target_id=tag_id)
            return f"Tag added to {changed} of {n} {noun}.", "success", changed
        changed = queries.remove_tag(conn, ids=ids, tag_id=tag_id)
        return f"Tag removed from {changed} of {n} {noun}.", "success", changed
    if action == "add_category":
        category_id = form.category_id.data
        if not category_id or not queries.get_live_ids(conn, table="p_categories",
                                                       ids=[category_id]):
            return "Choose a category.", "warning", 0
        changed = queries.add_links(conn, ids=ids, table="p_categories_products",
                                    target_id=category_id)
        return f"{changed} of {n} {noun} added to the category.", "success", changed
    if action == "trash":
        deleted = queries.soft_delete_products(conn, ids=ids)
        return (f"{len(deleted)} {'product' if len(deleted) == 1 else 'products'} moved to "
                "Trash. Restore them from the Trash.", "success", len(deleted))
    return "Choose an action.", "warning", 0


BULK_LABELS = {"status": "status → {status}", "collection": "set collection", "type": "set type",
               "add_tag": "add tag", "remove_tag": "remove tag",
               "add_category": "add to category", "trash": "move to Trash"}


def bulk_label(form: BulkForm, n: int) -> str:
    """The History name of a bulk action: "Bulk: status → published, 1,000 products"."""
    what = BULK_LABELS.get(form.action.data, form.action.data or "")
    return f"Bulk: {what.format(status=form.status.data)}, {n:,} product{'s' if n != 1 else ''}"


def _allowed_hint(target: str) -> str:
    sources = [frm for (frm, to) in workflow.MOVES if to == target]
    return f"Only {' or '.join(sources)} products can become {target}."


# --- Create and edit ----------------------------------------------------------


def taken_handle_message(conn, handle, exclude_id=None) -> str:
    suggestion = free_handle(conn, table="products", base=handle, exclude_id=exclude_id)
    return f"The handle “{handle}” is taken by another product; try “{suggestion}”."


@bp.get("/handle-hint")
def handle_hint():
    """As the title is typed: the handle an empty handle field will get."""
    title = request.args.get("title", "")
    handle = free_handle(get_conn(), table="products", base=title,
                         exclude_id=request.args.get("product_id")) if title.strip() else ""
    return render_template("products/_handle_hint.html", handle=handle)


def render_form(form, product=None, status=200, conflict=None):
    template = "products/edit.html" if product else "products/new.html"
    return render_template(template, form=form, product=product, conflict=conflict,
                           moves=workflow.moves_from(product["status"]) if product else []), status


def save_organization(conn, product_id, form):
    tags = form.tag_values()
    queries.set_product_tags(conn, product_id=product_id, values=tags,
                             new_ids=[new_id("tag") for _ in tags])
    queries.set_product_categories(conn, product_id=product_id,
                                   category_ids=[c for c in form.category_ids.data if c])


def validate_metadata(form):
    try:
        return form.metadata_value(), True
    except ValueError as error:
        target = form.metadata_json if form.metadata_mode.data == "json" else form.metadata_mode
        target.errors = [*target.errors, str(error)]
        return None, False


@bp.route("/new", methods=["GET", "POST"])
def new():
    conn = get_conn()
    form = product_form(request.form if request.method == "POST" else None)
    form.set_choices(form_choices(conn, form))
    if request.method == "GET" or not form.validate():
        return render_form(form, status=422 if form.errors else 200)
    metadata, ok = validate_metadata(form)
    if not ok:
        return render_form(form, status=422)
    values = form.values(metadata)
    typed_handle = bool(values["handle"])
    try:
        with transaction() as conn:
            if not typed_handle:
                values["handle"] = free_handle(conn, table="products", base=values["title"])
            product_id = new_id("product")
            queries.insert_product(conn, product_id=product_id, fields=values)
            save_organization(conn, product_id, form)
    except psycopg.errors.UniqueViolation as error:
        if error.diag.constraint_name != "products_handle_unique":
            raise
        form.handle.errors = [taken_handle_message(get_conn(), values["handle"])]
        return render_form(form, status=422)
    flash(f"Product “{values['title']}” created.", "success")
    return redirect(url_for("products.edit", product_id=product_id))


def form_choices(conn, form):
    """The form's selects: collections and types whole, the categories only as chosen
    (2,000 category paths are ~200 KB; the select loads them when it is first used).
    The tag suggestions load when the tag box is first used."""
    return queries.get_choices(conn, tags=False,
                               chosen_categories=form.category_ids.data or [])


def get_product_or_404(conn, product_id):
    """The live product; a 404 otherwise (abort_missing_product)."""
    product = queries.get_product(conn, product_id=product_id)
    if product is None:
        abort_missing_product(conn, product_id)
    return product


@bp.route("/<product_id>", methods=["GET", "POST"])
@cached_page
def edit(product_id):
    conn = get_conn()
    product = get_product_or_404(conn, product_id)
    if request.method == "GET":
        form = product_form(product=product)
        form.set_choices(form_choices(conn, form))
        return render_form(form, product)
    form = product_form(request.form, product=product)
    form.set_choices(form_choices(conn, form))
    if not form.validate():
        return render_form(form, product, status=422)
    metadata, ok = validate_metadata(form)
    if not ok:
        return render_form(form, product, status=422)
    values = form.values(metadata)
    if not values["handle"]:
        values["handle"] = free_handle(conn, table="products", base=values["title"],
                                       exclude_id=product_id)
    try:
        with transaction() as conn:
            saved = queries.update_product(conn, product_id=product_id,
                                           version=form.version.data, fields=values)
            if saved is not None:
                save_organization(conn, product_id, form)
    except psycopg.errors.UniqueViolation as error:
        if error.diag.constraint_name != "products_handle_unique":
            raise
        form.handle.errors = [taken_handle_message(get_conn(), values["handle"], product_id)]
        return render_form(form, product, status=422)
    except psycopg.errors.InvalidDatetimeFormat:
        saved = None
    if saved is None:
        return render_conflict(form, product)
    flash(f"Product “{values['title']}” saved.", "success")
    return redirect(url_for("products.edit", product_id=product_id))


def render_conflict(form, current):
    """Someone saved since this form was loaded: show what changed; keep what was typed."""
    try:
        original = json.loads(form.original.data or "{}")
    except json.JSONDecodeError:
        original = {}
    now = json.loads(json.dumps(comparable(current), default=str))
    theirs = {name: now.get(name) for name in now if original.get(name) != now.get(name)}
    changes = [{"field": FIELD_LABELS.get(name, name), "was": original.get(name),
                "now": value} for name, value in theirs.items()]
    # Saving again from this form now means "mine over theirs", deliberately.
    form.version.data = current["updated_at"].isoformat()
    form.original.data = json.dumps(now)
    return render_form(form, current, status=409,
                       conflict={"changes": changes, "updated_at": current["updated_at"]})


@bp.post("/<product_id>/status")
def move_status(product_id):
    target = request.form.get("status", "")
    with transaction() as conn:
        rows = queries.list_statuses(conn, ids=[product_id])
        if not rows:
            abort(404)
        current = rows[0]["status"]
        if target not in workflow.STATUSES or not workflow.can_move(current, target):
            flash(workflow.refusal(current, target or "?"), "error")
        else:
            queries.update_status(conn, ids=[product_id], status=target)
            flash(f"“{rows[0]['title']}” is now {target}.", "success")
    return redirect(url_for("products.edit", product_id=product_id))


@bp.post("/<product_id>/duplicate")
def duplicate(product_id):
    """A draft copy with options, values and variants; fresh handle; no codes copied."""
    with transaction() as conn:
        product = get_product_or_404(conn, product_id)
        ids = queries.get_structure_ids(conn, product_id=product_id)
        id_map = {}
        for kind, key in (("option", "options"), ("option_value", "option_values"),
                          ("variant", "variants"), ("image", "images")):
            id_map.update({old: new_id(kind) for old in ids[key]})
        title = f"Copy of {product['title']}"[:255]
        copy_id = new_id("product")
        queries.copy_product(conn, source_id=product_id, new_id=copy_id, title=title,
                             handle=free_handle(conn, table="products", base=title),
                             id_map=id_map)
    flash(f"“{title}” created as a draft copy. Its variants have no SKUs or barcodes yet.",
          "success")
    return redirect(url_for("products.edit", product_id=copy_id))


@bp.post("/<product_id>/delete")
def delete(product_id):
    with transaction() as conn:
        deleted = queries.soft_delete_products(conn, ids=[product_id])
    if not deleted:
        abort(404)
    message = {"text": f"“{deleted[0]['title']}” moved to Trash.",
               "undo": url_for("trash.restore", kind_key="products", item_id=product_id),
               "next": safe_next(request.form.get("next")) or url_for("products.index")}
    flash(message, "success")
    return redirect(message["next"])


# --- Trash --------------------------------------------------------------------


def restore_product(conn, *, item_id, new_handle=None):
    product = queries.get_trashed_product(conn, product_id=item_id, lock=True)
    if product is None:
        return None
    clashes = queries.list_restore_code_clashes(
        conn, product_id=item_id, deleted_at=product["deleted_at"])
    if clashes:
        listed = "; ".join(f"{c['kind']} {c['value']} is now used by “{c['owner_title']}”"
                           for c in clashes[:5])
        raise RestoreConflict(
            f"“{product['title']}” cannot be restored while its variants' codes are in use: "
            f"{listed}. Change those first, then restore.")
    handle = new_handle or product["handle"]
    owner = queries.get_handle_owner(conn, handle=handle, exclude_id=item_id)
    if owner is not None or not handle:
        suggestion = free_handle(conn, table="products", base=handle or product["title"])
        raise RestoreConflict(
            f"The handle “{handle}” now belongs to “{owner['title'] if owner else '?'}”. "
            "Restore this product under another handle.", field="handle", suggestion=suggestion)
    if new_handle and make_handle(new_handle) != new_handle:
        raise RestoreConflict("Use lowercase letters, digits and single hyphens in the handle.",
                              field="handle", suggestion=make_handle(new_handle))
    queries.restore_product(conn, product_id=item_id, deleted_at=product["deleted_at"],
                            handle=handle)
    return product["title"]


register(TrashKind(
    key="products",
    label="Products",
    list_deleted=queries.list_deleted_products,
    restore=restore_product,
    purge=queries.purge_product,
))
