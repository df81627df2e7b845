from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from ..auth.security import require_role
from ..db import get_conn, new_change_set_id, transaction
from ..ids import new_id
from ..products.forms import ProductFilterForm
from ..products.queries import ProductFilters
from ..web import render_page
from ..web.pagination import Page, page_number
from . import csvio, queries
from . import export as exporter
from .apply import dry_run, issue_rows
from .forms import ApplyForm, UploadForm
from .jobs import defer_check, defer_import

bp = Blueprint("imports", __name__, url_prefix="/imports")

ITEMS_PER_PAGE = 50
ERRORS_PER_PAGE = 100
KINDS = {"create": "New", "update": "Changed", "unchanged": "Unchanged", "error": "Errors"}
STALE_PREVIEW_DAYS = 7
REPORT_DAYS = 90


@bp.before_request
def editors_only():
    """Importing changes the catalog; exporting only reads it (every role may)."""
    if request.endpoint != "imports.export":
        require_role("editor")


# --- Export -------------------------------------------------------------------------


@bp.get("/export.csv")
def export():
    """The products the list shows (its search, filters and sort), or the selected ones."""
    filters = ProductFilterForm(request.args).filters()
    ids = [i for i in request.args.getlist("ids") if i][:10_000]
    if ids and not request.args.get("all_matching"):
        filters = ProductFilters(ids=ids, sort=filters.sort)
    name = f"products-{datetime.now(UTC):%Y%m%d-%H%M}.csv"
    body = exporter.stream(get_conn(), filters=filters, base_url=request.url_root)
    response = Response(stream_with_context(body), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    # Nothing between here and the browser may hold the stream back to buffer it.
    response.headers["X-Accel-Buffering"] = "no"
    return response


# --- Upload and preview ------------------------------------------------------------------


@bp.get("/template.csv")
def template():
    """An example file with every column, to fill in."""
    response = Response(csvio.template_csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="products-template.csv"'
    return response


def render_index(form, status=200):
    imports = queries.list_imports(get_conn(), limit=20)
    return render_template("imports/index.html", form=form, imports=imports), status


@bp.errorhandler(413)
def too_large(error):
    """A file or paste over the request limit: said at the field, on the import page."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    form = UploadForm(formdata=None)
    form.file.errors = [f"That is more than {limit // (1024 * 1024)} MB, the most one import "
                        "may carry. Split the file into parts and import them one by one."]
    return render_index(form, 413)


@bp.get("/")
def index():
    return render_index(UploadForm())


@bp.post("/")
def create():
    """Read the file, check every row against the catalog (the dry run) and show it.

    A file over IMPORT_CHECK_IN_REQUEST_ROWS rows is checked by a job instead (a
    100,000-row file takes 10–20 s): the page shows it being checked, and the preview
    when it is done, also after a reload or from another tab."""
    form = UploadForm()
    if not form.validate():
        return render_index(form, 422)
    file_name, content = form.content()
    try:
        parsed = csvio.read(content)
    except csvio.FileError as error:
        field = form.file if isinstance(content, bytes) else form.text
        field.errors.append(str(error))
        return render_index(form, 422)
    base_url = request.url_root
    check_later = len(parsed.rows) > current_app.config["IMPORT_CHECK_IN_REQUEST_ROWS"]
    plan = None if check_later else dry_run(get_conn(), parsed, base_url=base_url)
    counts = {"ignored": parsed.ignored} if check_later else \
        {**plan.counts(), "ignored": parsed.ignored}
    import_id = new_id("import")
    text = content if isinstance(content, str) else csvio.decode(content)[0]
    with transaction() as conn:
        queries.delete_stale_imports(conn, preview_days=STALE_PREVIEW_DAYS,
                                     report_days=REPORT_DAYS)
        queries.insert_import(
            conn, import_id=import_id, file_name=file_name, content=text.removeprefix("\ufeff"),
            encoding=parsed.encoding, delimiter=parsed.delimiter, base_url=base_url,
            row_count=len(parsed.rows), counts=counts, change_set_id=new_change_set_id(),
            created_by=current_user_id(), status="checking" if check_later else "previewed")
        if check_later:
            queries.update_import_job(conn, import_id=import_id,
                                      job_id=defer_check(conn, import_id=import_id))
        else:
            queries.insert_import_items(conn, import_id=import_id, items=plan.items())
            queries.replace_import_errors(conn, import_id=import_id, errors=issue_rows(plan))
    return redirect(url_for("imports.show", import_id=import_id))


def current_user_id():
    return g.user["id"] if g.get("user") else None


def get_import_or_404(import_id):
    record = queries.get_import(get_conn(), import_id=import_id)
    if record is None:
        abort(404)
    return record


def list_context(record, args):
    """The preview's open list (new, changed, unchanged or errors) and its page."""
    counts = record["counts"]
    default = "error" if counts.get("error_rows") else "update" if counts.get("update") \
        else "create" if counts.get("create") else "unchanged"
    kind = args.get("show") if args.get("show") in KINDS else default
    number = page_number(args.get("page"))
    conn = get_conn()
    if kind == "error":
        per_page = ERRORS_PER_PAGE
        errors, total = queries.list_import_errors(
            conn, import_id=record["id"], limit=per_page, offset=(number - 1) * per_page)
        items = []
    else:
        per_page = ITEMS_PER_PAGE
        total = counts.get(kind, 0)
        items = queries.list_import_items(conn, import_id=record["id"], kind=kind,
                                          limit=per_page, offset=(number - 1) * per_page)
        errors = []
    tab_counts = {"create": counts.get("create", 0), "update": counts.get("update", 0),
                  "unchanged": counts.get("unchanged", 0), "error": counts.get("errors", 0)}
    return {"kind": kind, "kinds": KINDS, "tab_counts": tab_counts, "items": items,
            "errors": errors, "page": Page(number, per_page, total),
            "list_url": lambda **changes: url_for(
                "imports.show", import_id=record["id"],
                **{k: v for k, v in {**args.to_dict(), **changes}.items() if v})}


def waited(record) -> float:
    """Seconds since the import last changed (a queued import nobody takes needs a word)."""
    return (datetime.now(UTC) - record["updated_at"]).total_seconds()


@bp.get("/<import_id>")
def show(import_id):
    """The preview, the progress of the job applying it, or its final report."""
    record = get_import_or_404(import_id)
    context = list_context(record, request.args)
    return render_page("imports/show.html", "imports/_list.html", record=record,
                       form=ApplyForm(), waited=waited(record),
                       **context)


@bp.get("/<import_id>/status")
def status(import_id):
    """What the page polls while a job runs; a finished job reloads the page."""
    record = get_import_or_404(import_id)
    response = current_app.make_response(
        render_template("imports/_status.html", record=record, form=ApplyForm(),
                        waited=waited(record), oob=True))
    if record["status"] in ("previewed", "applied", "failed") \
            and request.headers.get("HX-Request"):
        response.headers["HX-Refresh"] = "true"
    return response


@bp.post("/<import_id>/apply")
def apply(import_id):
    """Queue the job; from here the page shows its progress."""
    record = get_import_or_404(import_id)
    form = ApplyForm()
    mode = form.mode.data if form.mode.data in ("all", "valid") else None
    if not form.validate() or mode is None:
        abort(400)
    with transaction() as conn:
        queued = queries.update_import_queued(conn, import_id=import_id, mode=mode)
        if queued:
            job_id = defer_import(conn, import_id=import_id)
            queries.update_import_job(conn, import_id=import_id, job_id=job_id)
    if queued:
        what = "the valid rows of " if mode == "valid" else ""
        flash(f"Importing {what}{record['file_name']}: this page shows the progress.", "info")
    else:
        flash("This import has already been started.", "warning")
    return redirect(url_for("imports.show", import_id=import_id))
