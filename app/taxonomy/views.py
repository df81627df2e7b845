"""The routes collections, tags and types share, added to each area's blueprint:

    bp = Blueprint("tags", __name__, url_prefix="/tags")
    TaxonomyViews(queries.TAGS, TagForm).register(bp)

Endpoints (all named <area>.<endpoint>):
    index        GET  /               list: q, sort, page; htmx gets _rows.html
    options      GET  /options        <option>s of live rows matching q (max 20) for pickers
    new          GET  /new, POST      create; the inline form (htmx) gets _create.html
    edit         GET  /<id>, POST     the edit page, metadata included
    delete       GET  /<id>/delete    confirmation (htmx: the row turns into it), POST deletes
    row          GET  /<id>/row       the row (Cancel of an inline rename or delete)
  tags and types (one field):
    row_edit     GET  /<id>/row/edit  the row as a rename form
    rename       POST /<id>/rename    save the value; the row back, or the form with 422
    merge        GET  /<id>/merge     choose the target, confirm; POST merges
  collections:
    handle_hint  GET  /handle-hint    the handle an empty handle field will get
"""

import json

import psycopg
from flask import abort, flash, make_response, redirect, render_template, request, url_for

from ..db import get_conn, transaction
from ..ids import new_id
from ..web import render_page, toast_trigger
from ..web.handles import free_handle
from ..web.pagination import Page, page_number
from ..web.render import wants_fragment
from ..web.words import plural
from . import queries

PER_PAGE = 50
QUERY_MAX = 200
# Sent with every change made from a list page; the list refreshes itself on it.
CHANGED_EVENT = "taxonomy-changed"


def search_text(value) -> str:
    return " ".join((value or "").replace("\x00", "").split())[:QUERY_MAX]


class TaxonomyViews:
    def __init__(self, kind, form_class):
        self.kind = kind
        self.form_class = form_class

    def register(self, bp) -> None:
        rules = [
            ("/", "index", self.index, ["GET"]),
            ("/options", "options", self.options, ["GET"]),
            ("/new", "new", self.new, ["GET", "POST"]),
            ("/<item_id>", "edit", self.edit, ["GET", "POST"]),
            ("/<item_id>/delete", "delete", self.delete, ["GET", "POST"]),
            ("/<item_id>/row", "row", self.row, ["GET"]),
        ]
        if self.kind.has_handle:
            rules.append(("/handle-hint", "handle_hint", self.handle_hint, ["GET"]))
        if self.kind.inline:
            rules += [
                ("/<item_id>/row/edit", "row_edit", self.row_edit, ["GET"]),
                ("/<item_id>/rename", "rename", self.rename, ["POST"]),
            ]
        if self.kind.mergeable:
            rules.append(("/<item_id>/merge", "merge", self.merge, ["GET", "POST"]))
        for rule, endpoint, view, methods in rules:
            bp.add_url_rule(rule, endpoint, view, methods=methods)

    # --- helpers --------------------------------------------------------------

    def url(self, endpoint, **values) -> str:
        return url_for(f"{self.kind.key}.{endpoint}", **values)

    def render(self, name, status=200, **context):
        return render_template(self.kind.templates(name), kind=self.kind, **context), status

    def page(self, page_name, fragment_name, status=200, **context):
        return render_page(self.kind.templates(page_name), self.kind.templates(fragment_name),
                           status=status, kind=self.kind, **context)

    def get_or_404(self, item_id):
        item = queries.get_item(get_conn(), kind=self.kind, item_id=item_id)
        if item is None:
            abort(404)
        return item

    def form_data(self, item) -> dict:
        return {**{c: item[c] for c in self.kind.columns}, "updated_at": item["updated_at"]}

    def changed(self, response, message, action_html=None):
        """An htmx answer to a change: a toast, and the list refreshes."""
        toast = {"message": message, "level": "success"}
        if action_html:
            toast |= {"actionHtml": action_html, "timeout": 12000}
        response.headers["HX-Trigger"] = json.dumps({"toast": toast, CHANGED_EVENT: True})
        return response

    def parse_sort(self, value):
        """(sort key, descending) from ?sort=value|-value|products|-updated|...;
        anything else is the default, by name A-Z."""
        value = value or ""
        keys = {self.kind.name_column: "name", "products": "products", "updated": "updated"}
        key = keys.get(value.removeprefix("-"))
        if key is None:
            return "name", False
        return key, value.startswith("-")

    # --- saving ---------------------------------------------------------------

    def save(self, form, item=None, columns=None):
        """Insert (item None) or update from a valid form: the row, or None with the
        reason on the form (a taken value or handle, a change made meanwhile)."""
        kind = self.kind
        columns = columns or kind.columns
        values = {c: form[c].data for c in columns}
        item_id = item["id"] if item else new_id(kind.id_kind)
        # The version is checked only when the whole form is saved, not on a rename.
        version = form.updated_at.data if item and columns == kind.columns else None
        try:
            with transaction() as conn:
                if "handle" in values and not values["handle"]:
                    values["handle"] = free_handle(conn, table=kind.table, base=values["title"],
                                                   exclude_id=item_id)
                if item is None:
                    row = queries.insert_item(conn, kind=kind, item_id=item_id, values=values)
                else:
                    row = queries.update_item(conn, kind=kind, item_id=item_id, values=values,
                                              updated_at=version)
        except psycopg.errors.UniqueViolation as error:
            if error.diag.constraint_name != kind.unique_index:
                raise
            self.report_taken(form, values[kind.unique_column], item_id)
            return None
        except psycopg.errors.CheckViolation as error:
            if error.diag.constraint_name != f"{kind.table}_metadata_size_check":
                raise
            form.metadata.errors.append("Stored, this metadata is over 10 KB. Make it smaller.")
            return None
        if row is None:
            self.report_changed(form, item)
        return row

    def report_taken(self, form, value, item_id):
        kind = self.kind
        if kind.has_handle:
            suggestion = free_handle(get_conn(), table=kind.table, base=value, exclude_id=item_id)
            form.handle.errors.append(f"The handle “{value}” is taken; try “{suggestion}”.")
        else:
            form[kind.unique_column].errors.append(f"A {kind.noun} “{value}” already exists.")

    def report_changed(self, form, item):
        current = queries.get_item(get_conn(), kind=self.kind, item_id=item["id"])
        if current is None:
            form.form_errors.append(f"This {self.kind.noun} was deleted meanwhile. "
                                    "Restore it from the Trash to change it.")
            return
        form.form_errors.append(
            f"Someone else saved this {self.kind.noun} while you were editing it "
            f"(it is now called “{current['name']}”). Nothing was saved: check your "
            "changes below and save again to keep them.")
        form.updated_at.data = current["updated_at"]

    # --- list -----------------------------------------------------------------

    def index(self):
        """The live rows, with their live product counts: a fixed 2 statements."""
        q = search_text(request.args.get("q"))
        sort, descending = self.parse_sort(request.args.get("sort"))
        conn = get_conn()
        total = queries.count_items(conn, kind=self.kind, q=q)
        page = Page(page_number(request.args.get("page")), PER_PAGE, total)
        rows = queries.list_items(conn, kind=self.kind, q=q, sort=sort, descending=descending,
                                  limit=PER_PAGE, offset=page.offset)
        create_form = self.form_class(formdata=None) if self.kind.inline else None
        return self.page("index.html", "_rows.html", rows=rows, page=page, q=q, sort=sort,
                         descending=descending, form=create_form)

    def options(self):
        """For pickers elsewhere: <option>s of the live rows matching q, best first."""
        rows = queries.list_options(get_conn(), kind=self.kind,
                                    q=search_text(request.args.get("q")),
                                    exclude_id=request.args.get("exclude") or None)
        return self.render("_options.html", options=rows,
                           selected=request.args.get("selected"))

    # --- create and edit ------------------------------------------------------

    def new(self):
        kind = self.kind
        form = self.form_class()
        if form.validate_on_submit() and (row := self.save(form)):
            message = f"{kind.title} “{row['name']}” created."
            if wants_fragment():
                body, _ = self.render("_create.html", form=self.form_class(formdata=None),
                                      focus=True)
                return self.changed(make_response(body), message)
            flash(message, "success")
            return redirect(self.url("index"))
        status = 422 if form.errors else 200
        return self.page("new.html", "_create.html", status=status, form=form, focus=True)

    def edit(self, item_id):
        item = self.get_or_404(item_id)
        form = self.form_class(data=self.form_data(item))
        if form.validate_on_submit() and (row := self.save(form, item)):
            flash(f"{self.kind.title} “{row['name']}” saved.", "success")
            return redirect(self.url("index"))
        return self.render("edit.html", 422 if form.errors else 200, item=item, form=form)

    def handle_hint(self):
        """As the title is typed: the handle an empty handle field will get."""
        title = search_text(request.args.get("title"))
        handle = free_handle(get_conn(), table=self.kind.table, base=title,
                             exclude_id=request.args.get("item_id") or None) if title else None
        return self.render("_handle_hint.html", handle=handle)

    # --- inline rename (tags, types) ------------------------------------------

    def row(self, item_id):
        return self.render("_row.html", row=self.get_or_404(item_id), focus=True)

    def row_edit(self, item_id):
        item = self.get_or_404(item_id)
        return self.render("_row_form.html", row=item,
                           form=self.form_class(formdata=None, data=self.form_data(item)))

    def rename(self, item_id):
        item = self.get_or_404(item_id)
        form = self.form_class(data=self.form_data(item))
        column = self.kind.name_column
        if form.validate_on_submit() and (row := self.save(form, item, columns=(column,))):
            message = f"Renamed “{item['name']}” to “{row['name']}”."
            if not wants_fragment():
                flash(message, "success")
                return redirect(self.url("index"))
            fresh = queries.get_item(get_conn(), kind=self.kind, item_id=item_id)
            body, _ = self.render("_row.html", row=fresh, focus=True)
            return toast_trigger(make_response(body), message)
        if wants_fragment():
            return self.render("_row_form.html", 422, row=item, form=form)
        return self.render("edit.html", 422, item=item, form=form)

    # --- delete ---------------------------------------------------------------

    def delete(self, item_id):
        """GET: how many live products it would affect; POST: to the Trash, with them."""
        kind = self.kind
        item = self.get_or_404(item_id)
        if request.method == "GET":
            return self.page("delete.html", "_row_delete.html", item=item)
        with transaction() as conn:
            name = queries.soft_delete_item(conn, kind=kind, item_id=item_id)
            if name is None:
                abort(404)
            products = queries.detach_products(conn, kind=kind, item_id=item_id)
        message = f"{kind.title} “{name}” moved to the Trash"
        if products:
            verb = "has" if products == 1 else "have"
            message += f"; {plural(products, 'product')} no longer {verb} it"
        message += "."
        if wants_fragment():
            undo, _ = self.render("_undo.html", item_id=item_id)
            return self.changed(make_response(""), message, action_html=undo)
        flash(message, "success")
        return redirect(self.url("index"))

    # --- merge (tags, types) --------------------------------------------------

    def merge(self, item_id):
        """Move every product of this row to another and delete this one."""
        kind = self.kind
        source = self.get_or_404(item_id)
        target_id = request.values.get("target_id") or None
        conn = get_conn()
        target = None
        if target_id and target_id != item_id:
            target = queries.get_item(conn, kind=kind, item_id=target_id)
        if request.method == "POST":
            if target is None:
                flash(f"Choose the {kind.noun} to merge “{source['name']}” into.", "error")
                return redirect(self.url("merge", item_id=item_id))
            moved = None
            with transaction() as conn:
                locked = queries.lock_live_items(conn, kind=kind, item_ids=[item_id, target_id])
                if len(locked) == 2:
                    moved = queries.move_products(conn, kind=kind, source_id=item_id,
                                                  target_id=target_id)
                    queries.soft_delete_item(conn, kind=kind, item_id=item_id)
            if moved is None:
                flash(f"One of the two {kind.noun}s was deleted meanwhile; nothing was merged.",
                      "error")
                return redirect(self.url("index"))
            flash(f"Merged “{source['name']}” into “{target['name']}”: "
                  f"{plural(moved, 'product')} moved. “{source['name']}” is in the Trash.",
                  "success")
            return redirect(self.url("index"))
        q = search_text(request.args.get("q"))
        options = queries.list_options(conn, kind=kind, q=q, exclude_id=item_id)
        counts = None
        if target:
            counts = queries.count_merge(conn, kind=kind, source_id=item_id, target_id=target_id)
        return self.page("merge.html", "_merge_confirm.html", item=source, target=target,
                         counts=counts, options=options, q=q)
