from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ..auth.security import require_role, safe_next
from ..db import get_conn, transaction
from ..web import render_page
from ..web.pagination import Page, page_number
from .registry import KINDS, PurgeRefused, RestoreConflict

bp = Blueprint("trash", __name__, url_prefix="/trash")

PER_PAGE = 50
# The Trash opens on products, what is restored most; always the same tab, whether or
# not it has items, so the page does not jump about as things are deleted and restored.
DEFAULT_KIND = "products"
# The tabs in the order of the sidebar, products and what belongs to them first;
# areas register in import order, which is no order staff know. A kind not named
# here comes last.
TAB_ORDER = ("products", "variants", "options", "option_values", "images", "categories",
             "collections", "tags", "types")


def ordered_kinds():
    rank = {key: n for n, key in enumerate(TAB_ORDER)}
    return sorted(KINDS.values(), key=lambda kind: rank.get(kind.key, len(rank)))


def get_kind(key):
    kind = KINDS.get(key)
    if kind is None:
        abort(404)
    return kind


@bp.get("/")
def index():
    """Deleted rows of one kind, newest first, each with Restore."""
    if not KINDS:
        return render_template("trash/index.html", kinds=[], kind=None, rows=[], page=None, q="")
    kind = (KINDS.get(request.args.get("kind", "")) or KINDS.get(DEFAULT_KIND)
            or next(iter(KINDS.values())))
    q = request.args.get("q", "").strip()
    number = page_number(request.args.get("page"))
    rows, total = kind.list_deleted(get_conn(), q=q, limit=PER_PAGE,
                                    offset=(number - 1) * PER_PAGE)
    page = Page(number, PER_PAGE, total)
    return render_page("trash/index.html", "trash/_rows.html", kinds=ordered_kinds(),
                       kind=kind, rows=rows, page=page, q=q)


@bp.post("/<kind_key>/<item_id>/restore")
def restore(kind_key, item_id):
    kind = get_kind(kind_key)
    new_handle = request.form.get("new_handle", "").strip() or None
    try:
        with transaction() as conn:
            name = kind.restore(conn, item_id=item_id, new_handle=new_handle)
    except RestoreConflict as conflict:
        return render_template("trash/restore_conflict.html", kind=kind, item_id=item_id,
                               conflict=conflict, new_handle=new_handle or conflict.suggestion,
                               next_url=request.form.get("next", "")), 422
    if name is None:
        abort(404)
    flash(f"“{name}” restored.", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("trash.index", kind=kind.key))


@bp.route("/<kind_key>/<item_id>/purge", methods=["GET", "POST"])
def purge(kind_key, item_id):
    """Delete for good, after a confirmation page (admins only)."""
    require_role("admin")
    kind = get_kind(kind_key)
    if kind.purge is None:
        abort(404)
    if request.method == "GET":
        return render_template("trash/purge.html", kind=kind, item_id=item_id)
    try:
        with transaction() as conn:
            name = kind.purge(conn, item_id=item_id)
    except PurgeRefused as refused:
        flash(refused.message, "error")
        return redirect(url_for("trash.index", kind=kind.key))
    if name is None:
        abort(404)
    flash(f"“{name}” deleted permanently.", "success")
    return redirect(url_for("trash.index", kind=kind.key))
