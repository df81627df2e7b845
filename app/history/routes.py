"""History: a product's changes, recent activity, and reverting either."""

from datetime import UTC, datetime, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..auth.security import has_role, safe_next
from ..db import get_conn, request_change_set_id, transaction
from ..web.pagecache import vary_by_time
from ..web.pagination import Page, page_number
from ..web.render import render_page
from . import describe, queries
from .revert import RevertRefused, revert_changes

bp = Blueprint("history", __name__)

PER_PAGE = 50
KINDS = {"create": "Created", "update": "Changed", "delete": "Moved to Trash",
         "restore": "Restored", "move": "Moved", "link": "Linked", "unlink": "Unlinked",
         "purge": "Deleted for good"}
AREAS = {"products": "Products", "categories": "Categories", "collections": "Collections",
         "tags": "Tags", "types": "Types"}


def described(conn, changes):
    names = describe.list_names(conn, ids=describe.referenced_ids(changes))
    return [{**c, "text": describe.describe(c, names)} for c in changes]


@bp.get("/products/<product_id>/history")
def product_history(product_id):
    conn = get_conn()
    product = queries.get_product(conn, product_id=product_id)
    if product is None:
        abort(404)
    page = Page(page_number(request.args.get("page")), PER_PAGE,
                queries.count_product_changes(conn, product_id=product_id))
    changes = queries.list_product_changes(conn, product_id=product_id,
                                           limit=page.per_page, offset=page.offset)
    return render_page("history/product.html", "history/_changes.html", product=product,
                       page=page, changes=described(conn, changes))


def activity_filters():
    args = request.args
    user_id = args.get("user") or None
    if not has_role(g.user, "admin"):
        user_id = g.user["id"]
    kind = args.get("kind") if args.get("kind") in KINDS else None
    area = args.get("area") if args.get("area") in AREAS else None
    return {"user_id": user_id, "kind": kind, "area": area}


@bp.get("/activity")
def activity():
    """Recent change-sets across the catalog; admins see everyone's, others their own."""
    conn = get_conn()
    filters = activity_filters()
    page = Page(page_number(request.args.get("page")), PER_PAGE,
                queries.count_change_sets(conn, **filters))
    sets = queries.list_change_sets(conn, **filters, limit=page.per_page, offset=page.offset)
    firsts = [change for s in sets for change in s["changes"]]
    names = describe.list_names(conn, ids=describe.referenced_ids(firsts))
    for s in sets:
        s["texts"] = [describe.describe(c, names) for c in s["changes"]]
    is_admin = has_role(g.user, "admin")
    return render_page("history/activity.html", "history/_sets.html", sets=sets, page=page,
                       filters=filters, kinds=KINDS, areas=AREAS,
                       users=queries.list_activity_users(conn) if is_admin else [])


@bp.get("/activity/<change_set_id>")
def change_set(change_set_id):
    conn = get_conn()
    found = queries.get_change_set(conn, change_set_id=change_set_id)
    if found is None or not may_see(found):
        abort(404)
    changes = queries.list_set_changes(conn, change_set_id=change_set_id, limit=1000)
    return render_template("history/change_set.html", change_set=found,
                           changes=described(conn, changes))


def may_see(change_set) -> bool:
    return has_role(g.user, "admin") or change_set["user_id"] == g.user["id"]


@bp.post("/activity/<change_set_id>/revert")
def revert_set(change_set_id):
    """Undo a whole change-set (a bulk action, an import, one save) as one new change."""
    conn = get_conn()
    found = queries.get_change_set(conn, change_set_id=change_set_id)
    if found is None:
        abort(404)
    try:
        with transaction(label=f"Undo of {set_title(found)}") as conn:
            changes = queries.list_set_changes(conn, change_set_id=change_set_id)
            count = revert_changes(conn, changes, whole_set_id=change_set_id)
            queries.mark_revert(conn, change_set_id=request_change_set_id(),
                                reverts_id=change_set_id)
    except RevertRefused as refused:
        return refusal(refused, title=set_title(found))
    if session.get("undo", {}).get("id") == change_set_id:
        session.pop("undo")
    flash(f"Undone: {set_title(found)} ({count} {'change' if count == 1 else 'changes'}).",
          "success")
    return redirect(next_url())


@bp.post("/history/changes/<change_id>/revert")
def revert_change(change_id):
    # A plain segment, not <int:>: the sign-in and role checks answer before any 404.
    if not change_id.isdigit():
        abort(404)
    conn = get_conn()
    change = queries.get_change(conn, change_id=int(change_id))
    if change is None:
        abort(404)
    text = describe.describe(change, {})
    title = f"{text['verb']} {text['subject']}"
    try:
        with transaction(label=f"Revert: {title}") as conn:
            revert_changes(conn, [change])
    except RevertRefused as refused:
        return refusal(refused, title=title)
    flash(f"Reverted: {title}.", "success")
    return redirect(next_url(change["product_id"]))


def refusal(refused: RevertRefused, *, title: str):
    conn = get_conn()
    return render_template("history/refused.html", message=refused.message, title=title,
                           conflicts=described(conn, refused.conflicts),
                           back=next_url()), 409


def next_url(product_id=None) -> str:
    target = safe_next(request.form.get("next"))
    if target:
        return target
    if product_id:
        return url_for("history.product_history", product_id=product_id)
    return url_for("history.activity")


def set_title(change_set) -> str:
    return change_set["label"] or f"changes of {describe.ago(change_set['created_at'])}"


def offer_undo(message: str) -> None:
    """After a bulk action: remember its change-set so the product list offers
    Undo for hours (UNDO_HOURS), not only while the toast shows."""
    session["undo"] = {"id": request_change_set_id(), "label": message,
                       "at": datetime.now(UTC).isoformat()}


def pending_undo():
    """The signed-in user's last bulk action, while it may still be undone from the list."""
    undo = session.get("undo")
    if not undo:
        return None
    vary_by_time()
    at = datetime.fromisoformat(undo["at"])
    if datetime.now(UTC) - at > timedelta(hours=current_app.config["UNDO_HOURS"]):
        session.pop("undo")
        return None
    return {**undo, "ago": describe.ago(at)}


@bp.post("/activity/undo/dismiss")
def dismiss_undo():
    session.pop("undo", None)
    if request.headers.get("HX-Request"):
        return ""
    return redirect(next_url())


def init_app(app) -> None:
    app.jinja_env.filters["ago"] = describe.ago
    app.jinja_env.globals.update(history_user=describe.user_name, pending_undo=pending_undo)
