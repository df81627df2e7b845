import json
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

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

from ..db import get_conn, transaction
from ..ids import new_id
from ..images.forms import CategoryImageForm
from ..trash.registry import TrashKind, register
from ..web import render_page, toast_trigger
from ..web.handles import free_handle
from ..web.pagecache import cached_page
from ..web.pagination import Page, page_number
from ..web.render import htmx, wants_fragment
from . import queries, tree
from .forms import CategoryForm, ImageUrlForm, MoveForm, select_choices

bp = Blueprint("categories", __name__, url_prefix="/categories")

register(TrashKind(key="categories", label="Categories", list_deleted=tree.list_deleted,
                   restore=tree.restore, purge=tree.purge))

PRODUCTS_PER_PAGE = 50
PICKER_LIMIT = 20
# Which branches are expanded: written by static/categories.js, read here so the
# tree arrives already folded the way the user left it (no flash on reload).
OPEN_COOKIE = "cat_tree"
# Trees up to this size open whole the first time; bigger ones at their top level.
OPEN_ALL_UP_TO = 300
HANDLE_INDEX = "p_categories_handle_unique"
METADATA_CHECK = "p_categories_metadata_size_check"
CYCLE_CHECK = "p_categories_no_cycle"
CYCLE_MESSAGE = "That move would put a category under its own subcategory; nothing moved."


class VersionConflict(Exception):
    pass


def get_category_or_404(category_id):
    category = queries.get_category(get_conn(), category_id=category_id)
    if category is None:
        abort(404)
    return category


def handle_taken(conn, handle, exclude_id=None):
    suggestion = free_handle(conn, table="p_categories", base=handle, exclude_id=exclude_id)
    return f"The handle “{handle}” is taken; try “{suggestion}”."


def tree_index_url(category_id=None):
    return url_for("categories.index", _anchor=f"cat-{category_id}" if category_id else None)


# --- The tree -------------------------------------------------------------------


@bp.get("/")
@cached_page
def index():
    """The whole tree from one statement, nested and foldable; editors drag to reorganize it."""
    return render_tree()


def render_tree(*, focus_id=None, focus_op=None, status=200, message=None, level="success"):
    rows = queries.list_tree(get_conn())
    forced = tree.ancestor_ids(rows, focus_id) if focus_id else ()
    # Before staff fold anything, a small tree shows whole; a big one shows its top level
    # (2,000 open categories are a 70,000-pixel page the browser lays out on each fold).
    is_open = tree.OpenState.from_cookie(request.cookies.get(OPEN_COOKIE), forced,
                                         default_open=len(rows) <= OPEN_ALL_UP_TO)
    roots = tree.build_forest(rows, is_open=is_open)
    response = render_page("categories/index.html", "categories/_tree.html", status=status,
                           roots=roots, total=len(rows), fold_open=is_open.default_open,
                           focus_id=focus_id, focus_op=focus_op,
                           tree_url=url_for("categories.index"), anchors=not wants_fragment())
    if message:
        toast_trigger(response, message, level)
    return response


def moved_message(moved: tree.Moved) -> str:
    name = moved.category["name"]
    if not moved.changed:
        return f"“{name}” stays where it was."
    place = f"position {moved.position + 1} of {moved.siblings}"
    under = f"under “{moved.parent_label}”" if moved.parent_id else None
    if moved.parent_id != moved.category["parent_id"]:
        return f"“{name}” moved {under or 'to the top level'}, {place}."
    return f"“{name}” is now {place} {under or 'at the top level'}."


@bp.post("/move")
def move():
    """A drop (category_id, parent_id, position) or a move button (move="<id> <op>")."""
    op = None
    if request.form.get("move"):
        category_id, _, op = request.form["move"].partition(" ")
        if op not in tree.OPS:
            abort(400)
        target = {"op": op}
    else:
        category_id = request.form.get("category_id", "")
        try:
            position = int(request.form["position"]) if request.form.get("position") else None
        except ValueError:
            abort(400)
        target = {"parent_id": request.form.get("parent_id") or None, "position": position}
    try:
        with transaction() as conn:
            moved = tree.move(conn, category_id=category_id, **target)
    except tree.MoveRefused as refused:
        return move_refused(category_id, op, refused.message)
    except psycopg.errors.CheckViolation as error:
        if error.diag.constraint_name != CYCLE_CHECK:
            raise
        return move_refused(category_id, op, CYCLE_MESSAGE)
    message = moved_message(moved)
    level = "success" if moved.changed else "info"
    if wants_fragment() and op is None and drop_is_shown(moved):
        # The page shows this already (the category was dragged there): a toast, not
        # 2,000 categories re-rendered and sent back. categories.js then updates the
        # move buttons and folding toggles the new places call for.
        response = make_response("")
        response.headers["HX-Reswap"] = "none"
        return toast_trigger(response, message, level)
    if wants_fragment():
        return render_tree(focus_id=category_id, focus_op=op or "drop", message=message,
                           level=level)
    flash(message, level)
    return redirect(tree_index_url(category_id))


def drop_is_shown(moved: tree.Moved) -> bool:
    """Whether the sibling lists the page sent after a drop are the saved ones (a
    colleague's change since the page loaded means the tree must be sent again)."""
    shown = tuple(i for i in request.form.getlist("siblings") if i)
    shown_old = tuple(i for i in request.form.getlist("old_siblings") if i)
    if not moved.changed or shown != moved.order:
        return False
    return moved.category["parent_id"] == moved.parent_id or shown_old == moved.old_order


def move_refused(category_id, op, message):
    """The tree as it is (a drag snaps back) with the reason; nothing moved."""
    if wants_fragment():
        return render_tree(focus_id=category_id, focus_op=op or "drop", status=422,
                           message=message, level="error")
    flash(message, "error")
    return redirect(tree_index_url(category_id))


@bp.route("/<category_id>/move", methods=["GET", "POST"])
def move_to(category_id):
    """Move to…: pick a new parent from the tree (keyboard and no-JavaScript friendly)."""
    category = get_category_or_404(category_id)
    conn = get_conn()
    form = MoveForm(data={"parent_id": category["parent_id"] or ""})
    form.parent_id.choices = select_choices(
        tree.parent_choices(queries.list_outline(conn), exclude_id=category_id))
    if form.validate_on_submit():
        position = 0 if form.position.data == "first" else None
        try:
            with transaction() as conn:
                moved = tree.move(conn, category_id=category_id,
                                  parent_id=form.parent_id.data or None, position=position)
        except tree.MoveRefused as refused:
            form.parent_id.errors.append(refused.message)
        except psycopg.errors.CheckViolation as error:
            if error.diag.constraint_name != CYCLE_CHECK:
                raise
            form.parent_id.errors.append(CYCLE_MESSAGE)
        else:
            flash(moved_message(moved), "success" if moved.changed else "info")
            return redirect(tree_index_url(category_id))
    path = queries.list_path(get_conn(), category_id=category_id)
    status = 422 if form.errors else 200
    return render_template("categories/move.html", category=category, path=path,
                           form=form), status


# --- One category ---------------------------------------------------------------


def form_data(category) -> dict:
    metadata = category["metadata"]
    return {
        "name": category["name"],
        "handle": category["handle"],
        "description": category["description"],
        "parent_id": category["parent_id"] or "",
        "is_active": category["is_active"],
        "is_internal": category["is_internal"],
        "thumbnail": category["thumbnail"] or "",
        "metadata": json.dumps(metadata, indent=2, ensure_ascii=False) if metadata else "",
        "updated_at": category["updated_at"].isoformat(),
    }


def loaded_version(form):
    try:
        return datetime.fromisoformat(form.updated_at.data or "")
    except ValueError:
        return None


def save_errors(form, conn, error, *, handle, exclude_id=None):
    """Put a database refusal next to its field; re-raise anything unexpected."""
    name = error.diag.constraint_name
    if isinstance(error, psycopg.errors.UniqueViolation) and name == HANDLE_INDEX:
        form.handle.data = handle  # the one tried, also when it was made from the name
        form.handle.errors.append(handle_taken(conn, handle, exclude_id))
    elif isinstance(error, psycopg.errors.CheckViolation) and name == METADATA_CHECK:
        form.metadata.errors.append("Metadata is larger than the 10 KB the database accepts.")
    elif isinstance(error, psycopg.errors.CheckViolation) and name == CYCLE_CHECK:
        form.parent_id.errors.append(CYCLE_MESSAGE)
    else:
        raise error


@bp.route("/new", methods=["GET", "POST"])
def new():
    conn = get_conn()
    form = CategoryForm(data={"parent_id": request.args.get("parent_id", "")})
    form.parent_id.choices = select_choices(tree.parent_choices(queries.list_outline(conn)))
    if form.validate_on_submit():
        values = form.values()
        # categories.js fills the handle from the name until it is edited; such a
        # handle was not typed, so a taken one quietly becomes a free one.
        suggested = request.form.get("handle_suggested") == "1"
        typed = handle = form.handle.data
        try:
            with transaction() as conn:
                queries.lock_tree(conn)
                parent_id = form.parent_id.data or None
                if parent_id and queries.get_category(conn, category_id=parent_id) is None:
                    raise tree.MoveRefused("The parent you chose no longer exists.")
                handle = typed
                if not typed or suggested:
                    handle = free_handle(conn, table="p_categories", base=typed or values["name"])
                category = queries.insert_category(
                    conn, category_id=new_id("category"), handle=handle, parent_id=parent_id,
                    **values)
        except tree.MoveRefused as refused:
            form.parent_id.errors.append(refused.message)
        except (psycopg.errors.UniqueViolation, psycopg.errors.CheckViolation) as error:
            save_errors(form, get_conn(), error, handle=handle)
        else:
            note = f" (“{typed}” was taken)" if typed and handle != typed else ""
            flash(f"Category “{category['name']}” created with the handle "
                  f"“{category['handle']}”{note}.", "success")
            return redirect(url_for("categories.edit", category_id=category["id"]))
    status = 422 if form.errors else 200
    return render_template("categories/new.html", form=form), status


@bp.route("/<category_id>", methods=["GET", "POST"])
def edit(category_id):
    """A category: its fields, image, breadcrumb and products."""
    category = get_category_or_404(category_id)
    form = CategoryForm(data=form_data(category))
    conflict = None
    if form.validate_on_submit():
        loaded_at = loaded_version(form)
        values = form.values()
        handle = form.handle.data
        try:
            with transaction() as conn:
                if loaded_at is None:
                    raise VersionConflict
                # The tree lock first: a parent change below takes it anyway, and
                # taking it after this row's lock could deadlock with a move.
                queries.lock_tree(conn)
                handle = handle or free_handle(conn, table="p_categories", base=values["name"],
                                               exclude_id=category_id)
                saved = queries.update_category(conn, category_id=category_id,
                                                loaded_at=loaded_at, handle=handle, **values)
                if saved is None:
                    raise VersionConflict
                parent_id = form.parent_id.data or None
                if parent_id != saved["parent_id"]:
                    tree.move(conn, category_id=category_id, parent_id=parent_id)
        except VersionConflict:
            conflict = queries.get_category(get_conn(), category_id=category_id)
            if conflict is None:
                flash(f"“{category['name']}” was deleted by someone else meanwhile; "
                      "your changes were not saved.", "error")
                return redirect(url_for("categories.index"))
            # The next save is deliberate: it replaces the version shown beside the form.
            form.updated_at.data = conflict["updated_at"].isoformat()
        except tree.MoveRefused as refused:
            form.parent_id.errors.append(refused.message)
        except (psycopg.errors.UniqueViolation, psycopg.errors.CheckViolation) as error:
            save_errors(form, get_conn(), error, handle=handle, exclude_id=category_id)
        else:
            flash(f"“{values['name']}” saved.", "success")
            return redirect(url_for("categories.edit", category_id=category_id))
    status = 422 if form.errors or conflict else 200
    return render_edit(category, form=form, conflict=conflict, status=status)


def render_edit(category, *, form=None, image_form=None, conflict=None, status=200):
    conn = get_conn()
    category_id = category["id"]
    if form is None:
        form = CategoryForm(data=form_data(category), formdata=None)
    outline = queries.list_outline(conn)
    form.parent_id.choices = select_choices(tree.parent_choices(outline, exclude_id=category_id))
    products, page, q = products_page(category_id, request.args)
    product_total = page.total if not q else queries.count_live_products(
        conn, category_id=category_id)
    return render_page(
        "categories/edit.html", "categories/_products.html", status=status,
        category=category, path=queries.list_path(conn, category_id=category_id), form=form,
        image_form=image_form or CategoryImageForm(formdata=None), conflict=conflict,
        conflict_rows=conflict_rows(form, conflict, outline) if conflict else [],
        products=products, page=page, q=q, product_total=product_total,
        product_page_url=product_page_url(category_id, q))


CONFLICT_FIELDS = (("name", "Name"), ("handle", "Handle"), ("description", "Description"),
                   ("parent_id", "Parent"), ("is_active", "Active"), ("is_internal", "Internal"),
                   ("thumbnail", "Thumbnail URL"), ("metadata", "Metadata"))


def conflict_rows(form, saved, outline):
    """The fields where what the user typed differs from the version saved meanwhile."""
    names = {row["id"]: row["name"] for row in outline}
    theirs = form_data(saved)

    def shown(key, value):
        if key == "parent_id":
            return names.get(value, "—") if value else "Top level"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return value if value not in (None, "") else "—"

    def same(key, mine, other):
        if key == "metadata":
            parsed = getattr(form.metadata, "parsed", None)
            return parsed == (saved["metadata"] or None)
        if isinstance(other, bool):
            return bool(mine) == other
        return (mine or "").strip() == (other or "").strip()

    rows = []
    for key, label in CONFLICT_FIELDS:
        mine = form[key].data
        if not same(key, mine, theirs[key]):
            rows.append({"label": label, "yours": shown(key, mine),
                         "saved": shown(key, theirs[key])})
    return rows


def product_page_url(category_id, q):
    def url(number):
        return url_for("categories.edit", category_id=category_id, q=q or None,
                       page=number if number > 1 else None, _anchor="products")
    return url


def products_page(category_id, args):
    conn = get_conn()
    q = (args.get("q") or "").strip()
    number = page_number(args.get("page"))
    total = queries.count_category_products(conn, category_id=category_id, q=q)
    page = Page(number, PRODUCTS_PER_PAGE, total)
    products = queries.list_category_products(conn, category_id=category_id, q=q,
                                              limit=PRODUCTS_PER_PAGE, offset=page.offset)
    return products, page, q


# --- Its image ------------------------------------------------------------------


@bp.post("/<category_id>/image")
def add_image(category_id):
    """Add an image by URL: an images row of no product, set as the category's image."""
    category = get_category_or_404(category_id)
    image_form = ImageUrlForm()
    if not image_form.validate_on_submit():
        return render_edit(category, image_form=image_form, status=422)
    with transaction() as conn:
        image = queries.insert_category_image(conn, image_id=new_id("image"),
                                              url=image_form.image_url.data)
        changed = queries.update_category_image(conn, category_id=category_id,
                                                image_id=image["id"])
        if changed is None:
            abort(404)
        if changed["previous_image_id"]:
            queries.soft_delete_orphan_image(conn, image_id=changed["previous_image_id"])
    flash("Image added.", "success")
    return redirect(url_for("categories.edit", category_id=category_id, _anchor="image"))


@bp.post("/<category_id>/image/remove")
def remove_image(category_id):
    get_category_or_404(category_id)
    with transaction() as conn:
        changed = queries.update_category_image(conn, category_id=category_id, image_id=None)
        if changed and changed["previous_image_id"]:
            queries.soft_delete_orphan_image(conn, image_id=changed["previous_image_id"])
    flash("Image removed.", "success")
    return redirect(url_for("categories.edit", category_id=category_id, _anchor="image"))


# --- Its products ---------------------------------------------------------------


def products_fragment(category, *, message, level="success", picked=None):
    """The product list as the page shows it now (its search and page), plus a toast."""
    args = {}
    if htmx.current_url:
        query = parse_qs(urlsplit(htmx.current_url).query)
        args = {k: v[0] for k, v in query.items() if k in ("q", "page")}
    products, page, q = products_page(category["id"], args)
    response = render_page("categories/edit.html", "categories/_products.html",
                           category=category, products=products, page=page, q=q,
                           product_page_url=product_page_url(category["id"], q),
                           picked=picked, inline=True)
    return toast_trigger(response, message, level)


@bp.get("/<category_id>/picker")
def picker(category_id):
    """Live products matching pq, each with Add (inline on the category page, or a page)."""
    category = get_category_or_404(category_id)
    pq = request.args.get("pq", "").strip()
    matches = queries.list_product_matches(get_conn(), category_id=category_id, q=pq,
                                           limit=PICKER_LIMIT) if pq else []
    inline = wants_fragment()
    path = [] if inline else queries.list_path(get_conn(), category_id=category_id)
    return render_page("categories/picker.html", "categories/_picker.html", category=category,
                       path=path, pq=pq, matches=matches, inline=inline)


@bp.post("/<category_id>/products")
def add_product(category_id):
    category = get_category_or_404(category_id)
    product_id = request.form.get("product_id", "")
    try:
        with transaction() as conn:
            product = queries.get_live_product(conn, product_id=product_id)
            added = product is not None and queries.insert_category_product(
                conn, category_id=category_id, product_id=product_id)
    except psycopg.errors.ForeignKeyViolation:
        product, added = None, False
    if product is None:
        message, level = "That product no longer exists.", "error"
    elif added:
        message, level = f"“{product['title']}” added to “{category['name']}”.", "success"
    else:
        message, level = f"“{product['title']}” was already in “{category['name']}”.", "info"
    if wants_fragment():
        picked = dict(product, in_category=True) if product else None
        return products_fragment(category, message=message, level=level, picked=picked)
    flash(message, level)
    return redirect(url_for("categories.picker", category_id=category_id,
                            pq=request.form.get("pq") or None))


@bp.post("/<category_id>/products/<product_id>/remove")
def remove_product(category_id, product_id):
    """Unlink a product from the category (the p_categories_products row goes)."""
    category = get_category_or_404(category_id)
    with transaction() as conn:
        product = queries.get_live_product(conn, product_id=product_id)
        removed = queries.delete_category_product(conn, category_id=category_id,
                                                  product_id=product_id)
    title = product["title"] if product else "The product"
    if removed:
        message, level = f"“{title}” removed from “{category['name']}”.", "success"
    else:
        message, level = f"“{title}” was not in “{category['name']}”.", "info"
    if wants_fragment():
        return products_fragment(category, message=message, level=level)
    flash(message, level)
    return redirect(url_for("categories.edit", category_id=category_id, _anchor="products"))


# --- Delete ---------------------------------------------------------------------


@bp.route("/<category_id>/delete", methods=["GET", "POST"])
def delete(category_id):
    """Move to the Trash after a confirmation; refused while it has live subcategories."""
    category = get_category_or_404(category_id)
    refused = None
    if request.method == "POST":
        try:
            with transaction() as conn:
                tree.soft_delete(conn, category_id=category_id)
        except tree.MoveRefused as error:
            refused = error.message
        else:
            flash(f"“{category['name']}” moved to the Trash.", "success")
            return redirect(url_for("categories.index"))
    conn = get_conn()
    path = queries.list_path(conn, category_id=category_id)
    return render_template(
        "categories/delete.html", category=category, path=path, refused=refused,
        children=queries.count_live_children(conn, category_id=category_id),
        products=queries.count_live_products(conn, category_id=category_id),
        children_message=tree.children_message), 422 if refused else 200


@bp.post("/<category_id>/outdent-children")
def outdent_children(category_id):
    """Move every subcategory up to this category's parent, so it can be deleted."""
    category = get_category_or_404(category_id)
    try:
        with transaction() as conn:
            count = tree.outdent_children(conn, category_id=category_id)
    except tree.MoveRefused as refused:
        flash(refused.message, "error")
        return redirect(url_for("categories.index"))
    path = queries.list_path(get_conn(), category_id=category_id)
    where = f"“{tree.path_label(path[:-1])}”" if len(path) > 1 else "the top level"
    noun = "subcategory" if count == 1 else "subcategories"
    flash(f"{count} {noun} of “{category['name']}” moved up to {where}.", "success")
    return redirect(url_for("categories.delete", category_id=category_id))
