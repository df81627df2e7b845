"""A product's options and values, generating variants, and the variant grid.

Every change takes the product's row lock first (queries.lock_product), so two
staff changing one product's options, variants or their order run one after
the other. The grid saves one row per request; htmx posts it when a cell is
left, and without JavaScript each row is a plain form with a Save button.
"""

import json
from dataclasses import dataclass
from functools import cached_property
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

from ..auth.security import safe_next
from ..db import get_conn, transaction
from ..ids import new_id
from ..products.missing import abort_missing_product
from ..trash.registry import PurgeRefused, RestoreConflict, TrashKind, register
from ..web.ordering import merge_order
from ..web.pagecache import cached_page
from ..web.pagination import Page, page_number
from ..web.render import htmx, wants_fragment
from ..web.words import plural
from . import queries
from .forms import (
    BulkForm,
    OptionForm,
    OptionRenameForm,
    ReorderForm,
    ValueRenameForm,
    ValuesForm,
    VariantForm,
    VariantRowForm,
    split_values,
)
from .grid import (
    BULK_FIELDS,
    CODE_FIELDS,
    CODE_LABELS,
    COLUMNS,
    COLUMNS_BY_NAME,
    FIELD_NAMES,
    AddState,
    EditorState,
    RowState,
    parse_original,
    plan_for,
    shown,
    shown_values,
    with_labels,
)

bp = Blueprint("variants", __name__, url_prefix="/products")

PER_PAGE = 100
# The product page shows the grid's first page (in a scrolling box); its page links
# lead to the grid page.
EMBED_ROWS = 100
COMBINATION_UNIQUE = "variant_combinations_product_combination_unique"
CODE_CONSTRAINTS = {f"p_variants_{name}_unique": name for name in CODE_FIELDS}


# --- Which grid page a request is about ---------------------------------------


@dataclass(frozen=True)
class GridView:
    """A page of the grid: its number, an optional filter, and whether it is the first
    screen embedded in the product page."""

    product_id: str
    number: int = 1
    embed: bool = False
    value_ids: tuple = ()
    option_id: str | None = None

    @property
    def per_page(self) -> int:
        return EMBED_ROWS if self.embed else PER_PAGE

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def filtered(self) -> bool:
        return bool(self.value_ids or self.option_id)

    def url(self, **changes) -> str:
        args = {"page": self.number if self.number > 1 else None,
                "value": list(self.value_ids) or None, "option": self.option_id,
                "embed": "1" if self.embed else None}
        args.update(changes)
        return url_for("variants.index", product_id=self.product_id,
                       **{k: v for k, v in args.items() if v not in (None, "", [])})

    def page_url(self, number: int) -> str:
        """A page's address for a link: on the product page, the full grid's page."""
        if self.embed:
            return self.url(page=number if number > 1 else None, embed=None)
        return self.url(page=number if number > 1 else None)

    @cached_property
    def full_url(self) -> str:
        """This page of the full grid (where a no-JavaScript post comes back to); kept,
        as every row's and option value's form carries it."""
        return self.url(embed=None)

    @property
    def return_to(self) -> str:
        if self.embed:
            return url_for("products.edit", product_id=self.product_id) + "#variants"
        return self.full_url

    @classmethod
    def of(cls, product_id, args, embed=False):
        """From query arguments: request.args, or parse_qs()'s dict of lists."""
        def getlist(key):
            return list(args.getlist(key)) if hasattr(args, "getlist") else list(
                args.get(key, []))

        first = {k: (getlist(k) or [None])[0] for k in ("page", "embed", "option")}
        return cls(product_id=product_id, number=page_number(first["page"]),
                   embed=embed or first["embed"] == "1",
                   value_ids=tuple(v for v in getlist("value") if v)[:20],
                   option_id=first["option"] or None)

    @classmethod
    def from_url(cls, product_id, url):
        """The grid page a URL shows: the grid page, or the product page's first screen."""
        parts = urlsplit(url or "")
        on_product_page = parts.path.rstrip("/") == url_for(
            "products.edit", product_id=product_id).rstrip("/")
        return cls.of(product_id, parse_qs(parts.query), embed=on_product_page)


def posted_view(product_id) -> GridView:
    """The page a write came from: htmx names it; a plain form sends it as `next`."""
    if htmx and htmx.current_url:
        return GridView.from_url(product_id, htmx.current_url)
    return GridView.from_url(product_id, safe_next(request.form.get("next")) or "")


# --- Rendering ----------------------------------------------------------------


def url_patterns(product_id) -> dict:
    """Addresses of each row and chip, made once per page and filled in per id
    (url_for for each of a hundred rows costs more than the rows' SQL)."""
    ids = {"variant_id": "__variant__", "option_id": "__option__", "value_id": "__value__"}
    return {
        "save_row": url_for("variants.save_row", product_id=product_id,
                            variant_id=ids["variant_id"]),
        "edit": url_for("variants.edit", product_id=product_id, variant_id=ids["variant_id"]),
        "rename_value": url_for("variants.rename_value", product_id=product_id,
                                option_id=ids["option_id"], value_id=ids["value_id"]),
        "delete_value": url_for("variants.delete_value", product_id=product_id,
                                option_id=ids["option_id"], value_id=ids["value_id"]),
    }


def get_overview_or_404(conn, product_id):
    overview = queries.get_overview(conn, product_id=product_id)
    if overview is None:
        abort_missing_product(conn, product_id)
    return overview


def page_context(conn, view, *, overview=None, editor=None, overrides=None, add=None,
                 bulk=None, grid_message=None):
    """What the grid page (options editor and grid) shows: three statements."""
    overview = overview or get_overview_or_404(conn, view.product_id)
    options = overview["options"]
    rows = queries.list_variants(conn, product_id=view.product_id, limit=view.per_page,
                                 offset=view.offset, value_ids=view.value_ids,
                                 option_id=view.option_id)
    with_labels(rows, options)
    total = rows[0]["total"] if rows else (0 if view.filtered else overview["variant_count"])
    overrides = overrides or {}
    return {
        "product": overview,
        "options": options,
        "plan": plan_for(overview, queries.MAX_VARIANTS),
        "editor": editor or EditorState(),
        "view": view,
        "page": Page(view.number, view.per_page, total),
        "rows": [overrides.get(r["id"]) or RowState.of(r) for r in rows],
        "add": add or AddState(),
        "bulk": bulk or {},
        "grid_message": grid_message,
        "filter_label": filter_label(options, view),
        "columns": COLUMNS,
        "bulk_fields": BULK_FIELDS,
        "urls": url_patterns(view.product_id),
    }


def filter_label(options, view) -> str | None:
    if view.option_id:
        titles = [o["title"] for o in options if o["id"] == view.option_id]
        return f"with any {titles[0]}" if titles else "with a deleted option"
    if view.value_ids:
        names = [f"{o['title']}: {v['value']}" for o in options for v in o["values"]
                 if v["id"] in view.value_ids]
        return "with " + ", ".join(names) if names else "with a deleted value"
    return None


def render_full(conn, view, *, status=200, **kwargs):
    context = page_context(conn, GridView(**{**view.__dict__, "embed": False}), **kwargs)
    return render_template("variants/index.html", **context), status


def render_grid(conn, view, *, status=200, triggers=None, **kwargs):
    """The grid fragment for htmx, or the full page."""
    if not wants_fragment():
        return render_full(conn, view, status=status, **kwargs)
    response = make_response(render_template(
        "variants/_grid.html", **page_context(conn, view, **kwargs)), status)
    if triggers:
        response.headers["HX-Trigger"] = json.dumps(triggers)
    return response


def toast(message, level="success", **extra):
    return {"message": message, "level": level, **extra}


def options_response(product_id, *, editor=None, status=200, message=None, level="success",
                     changed=False):
    """After a change to options or values: the editor for htmx (and a signal for the
    grid to reload), or a redirect (a full page when refused) without JavaScript."""
    view = posted_view(product_id)
    conn = get_conn()
    if wants_fragment():
        overview = get_overview_or_404(conn, product_id)
        context = {"product": overview, "options": overview["options"],
                   "plan": plan_for(overview, queries.MAX_VARIANTS),
                   "editor": editor or EditorState(), "view": view,
                   "urls": url_patterns(product_id)}
        response = make_response(render_template("variants/_options.html", **context), status)
        triggers = {}
        if changed:
            triggers["variants-changed"] = changed
        if message:
            triggers["toast"] = toast(message, level)
        if triggers:
            response.headers["HX-Trigger"] = json.dumps(triggers)
        return response
    if message:
        flash(message, level)
    if status >= 400:
        return render_full(conn, view, status=status, editor=editor)
    return redirect(view.return_to)


def grid_response(product_id, *, message, level="success", changed_options=False, view=None,
                  status=200, **kwargs):
    """After a change to variants: the grid fragment for htmx, else back to the page."""
    view = view or posted_view(product_id)
    conn = get_conn()
    if wants_fragment():
        triggers = {"toast": toast(message, level)} if message else {}
        if changed_options:
            triggers["options-changed"] = True
        return render_grid(conn, view, status=status, triggers=triggers, **kwargs)
    if message:
        flash(message, level)
    if status >= 400:
        return render_full(conn, view, status=status, **kwargs)
    return redirect(view.return_to)


# --- Pages --------------------------------------------------------------------


@bp.get("/<product_id>/variants")
@cached_page
def index(product_id):
    """The grid with the options editor; htmx gets the grid, or for the product page the
    options editor and the grid's first screen."""
    view = GridView.of(product_id, request.args)
    conn = get_conn()
    context = page_context(conn, view)
    if wants_fragment():
        part = "_grid.html" if request.args.get("part") == "grid" or not view.embed \
            else "_section.html"
        response = make_response(render_template(f"variants/{part}", **context))
        response.vary.add("HX-Request")
        return response
    if view.embed:
        return redirect(view.full_url)
    response = make_response(render_template("variants/index.html", **context))
    response.vary.add("HX-Request")
    return response


@bp.get("/<product_id>/options")
def options(product_id):
    """The options editor alone (it reloads when the grid changes what it counts)."""
    if not wants_fragment():
        return redirect(url_for("variants.index", product_id=product_id))
    return options_response(product_id)


# --- Options and values -------------------------------------------------------


def first_error(field) -> str | None:
    return field.errors[0] if field.errors else None


def give_existing_variants(conn, *, product_id, option_id, option_title) -> str:
    """Live variants without a value of this option get its first value, unless two
    would then share a combination (then they are left as they are)."""
    try:
        with conn.transaction():
            given = queries.insert_missing_option_value(conn, product_id=product_id,
                                                        option_id=option_id)
    except psycopg.errors.UniqueViolation:
        return (f" Existing variants have no {option_title} yet: giving them all the first "
                "value would have made two of them the same. Set it on each variant's page.")
    if not given:
        return ""
    return f" {plural(given, 'existing variant')} got its first value."


@bp.post("/<product_id>/options")
def add_option(product_id):
    form = OptionForm()
    editor = EditorState(typed={"new-option-title": form.title.data or "",
                                "new-option-values": form.values.data or ""})
    if not form.validate():
        editor.errors = {k: v for k, v in (("new-option-title", first_error(form.title)),
                                           ("new-option-values", first_error(form.values)))
                         if v}
        return options_response(product_id, editor=editor, status=422)
    title, values = form.title.data, split_values(form.values.data)
    note = ""
    try:
        with transaction() as conn:
            if queries.lock_product(conn, product_id=product_id) is None:
                abort(404)
            titled = queries.list_generated_title_ids(conn, product_id=product_id)
            option = queries.insert_option(conn, option_id=new_id("option"),
                                           product_id=product_id, title=title)
            if values:
                queries.insert_option_values(
                    conn, option_id=option["id"], values=values,
                    value_ids=[new_id("option_value") for _ in values])
                note = give_existing_variants(conn, product_id=product_id,
                                              option_id=option["id"], option_title=title)
                queries.update_generated_titles(conn, product_id=product_id,
                                                variant_ids=titled)
    except psycopg.errors.UniqueViolation as error:
        if error.diag.constraint_name != "p_options_product_title_unique":
            raise
        editor.errors["new-option-title"] = f"This product already has an option “{title}”."
        return options_response(product_id, editor=editor, status=422)
    listed = f" with {plural(len(values), 'value')}" if values else ""
    return options_response(product_id, message=f"Option “{title}” added{listed}.{note}",
                            changed=True)


@bp.post("/<product_id>/options/<option_id>")
def rename_option(product_id, option_id):
    form = OptionRenameForm()
    key = f"option-title-{option_id}"
    editor = EditorState(typed={key: form.title.data or ""})
    if not form.validate():
        editor.errors[key] = first_error(form.title)
        return options_response(product_id, editor=editor, status=422)
    try:
        with transaction() as conn:
            if queries.lock_product(conn, product_id=product_id) is None:
                abort(404)
            if queries.get_option(conn, product_id=product_id, option_id=option_id) is None:
                abort(404)
            renamed = queries.update_option_title(conn, option_id=option_id,
                                                  title=form.title.data)
    except psycopg.errors.UniqueViolation as error:
        if error.diag.constraint_name != "p_options_product_title_unique":
            raise
        editor.errors[key] = f"This product already has an option “{form.title.data}”."
        return options_response(product_id, editor=editor, status=422)
    if renamed is None:
        return options_response(product_id)
    return options_response(product_id, message=f"Option renamed to “{renamed['title']}”.",
                            changed=True)


@bp.post("/<product_id>/options/<option_id>/move")
def move_option(product_id, option_id):
    """Move an option one place up or down: the grid's columns and generated titles
    follow ("Red / L" becomes "L / Red" when Size moves first)."""
    step = -1 if request.form.get("direction") == "up" else 1
    with transaction() as conn:
        if queries.lock_product(conn, product_id=product_id) is None:
            abort(404)
        ids = queries.list_option_ids(conn, product_id=product_id)
        if option_id not in ids:
            abort(404)
        i = ids.index(option_id)
        j = i + step
        if not 0 <= j < len(ids):
            return options_response(product_id)
        ids[i], ids[j] = ids[j], ids[i]
        titled = queries.list_generated_title_ids(conn, product_id=product_id)
        queries.update_option_ranks(conn, product_id=product_id, option_ids=ids)
        queries.update_generated_titles(conn, product_id=product_id, variant_ids=titled)
    return options_response(product_id, message="Option order saved.", changed=True)


@bp.post("/<product_id>/options/<option_id>/delete")
def delete_option(product_id, option_id):
    """Delete an option; refused while live variants use it, unless confirmed: then
    those variants go to the Trash with it, in the same transaction."""
    return delete_with_variants(
        product_id, noun="Option", name_key="title",
        load=lambda conn: queries.get_option(conn, product_id=product_id, option_id=option_id),
        soft_delete=lambda conn, with_variants: queries.soft_delete_option(
            conn, option_id=option_id, with_variants=with_variants),
        notice=lambda option: in_use_notice(
            product_id, option["title"], option["used"], option_id=option_id,
            key=f"option-{option_id}",
            confirm_url=url_for("variants.delete_option", product_id=product_id,
                                option_id=option_id)))


def delete_with_variants(product_id, *, noun, name_key, load, soft_delete, notice):
    """Soft-delete an option or a value. While live variants use it, answer with a
    notice (count, link, confirm button) unless the form confirmed; then those
    variants go to the Trash with it, in the same transaction."""
    confirmed = request.form.get("confirm") == "variants"
    with transaction() as conn:
        if queries.lock_product(conn, product_id=product_id) is None:
            abort(404)
        row = load(conn)
        if row is None:
            abort(404)
        if row["used"] and not confirmed:
            return options_response(product_id, editor=EditorState(notice=notice(row)),
                                    status=422)
        deleted = soft_delete(conn, with_variants=bool(row["used"]))
        if deleted:
            queries.update_dense_ranks(conn, product_id=product_id)
    also = f" with {plural(deleted, 'variant')}" if deleted else ""
    return options_response(
        product_id, changed=True,
        message=f"{noun} “{row[name_key]}” moved to Trash{also}. Restore it from the Trash.")


def in_use_notice(product_id, name, count, *, key, confirm_url, option_id=None,
                  value_id=None):
    view = GridView(product_id=product_id, option_id=option_id,
                    value_ids=(value_id,) if value_id else ())
    return {"key": key, "name": name, "count": count, "url": view.url(),
            "confirm_url": confirm_url,
            "text": f"“{name}” is used by {plural(count, 'variant')}, so it was not deleted."}


@bp.post("/<product_id>/options/<option_id>/values")
def add_values(product_id, option_id):
    form = ValuesForm()
    key = f"option-values-{option_id}"
    editor = EditorState(typed={key: form.values.data or ""})
    if not form.validate():
        editor.errors[key] = first_error(form.values)
        return options_response(product_id, editor=editor, status=422)
    values = split_values(form.values.data)
    try:
        with transaction() as conn:
            if queries.lock_product(conn, product_id=product_id) is None:
                abort(404)
            option = queries.get_option(conn, product_id=product_id, option_id=option_id)
            if option is None:
                abort(404)
            taken = queries.list_taken_values(conn, option_id=option_id, values=values)
            if taken:
                names = ", ".join(f"“{v}”" for v in values if v in taken)
                editor.errors[key] = f"{option['title']} already has {names}."
                return options_response(product_id, editor=editor, status=422)
            titled = queries.list_generated_title_ids(conn, product_id=product_id)
            queries.insert_option_values(conn, option_id=option_id, values=values,
                                         value_ids=[new_id("option_value") for _ in values])
            note = give_existing_variants(conn, product_id=product_id, option_id=option_id,
                                          option_title=option["title"])
            queries.update_generated_titles(conn, product_id=product_id, variant_ids=titled)
    except psycopg.errors.UniqueViolation as error:
        if error.diag.constraint_name != "p_option_values_option_value_unique":
            raise
        editor.errors[key] = "One of these values was just added by someone else."
        return options_response(product_id, editor=editor, status=422)
    names = ", ".join(values[:5]) + (f" and {len(values) - 5} more" if len(values) > 5 else "")
    return options_response(product_id, changed=True,
                            message=f"Added {names} to {option['title']}.{note}")


@bp.post("/<product_id>/options/<option_id>/values/<value_id>")
def rename_value(product_id, option_id, value_id):
    form = ValueRenameForm()
    key = f"value-{value_id}"
    editor = EditorState(typed={key: form.value.data or ""})
    if not form.validate():
        editor.errors[key] = first_error(form.value)
        return options_response(product_id, editor=editor, status=422)
    try:
        with transaction() as conn:
            if queries.lock_product(conn, product_id=product_id) is None:
                abort(404)
            if queries.get_option(conn, product_id=product_id, option_id=option_id) is None:
                abort(404)
            if queries.get_option_value(conn, option_id=option_id, value_id=value_id) is None:
                abort(404)
            titled = queries.list_generated_title_ids(conn, product_id=product_id)
            renamed = queries.update_option_value(conn, value_id=value_id,
                                                  value=form.value.data)
            queries.update_generated_titles(conn, product_id=product_id, variant_ids=titled)
    except psycopg.errors.UniqueViolation as error:
        if error.diag.constraint_name != "p_option_values_option_value_unique":
            raise
        editor.errors[key] = f"This option already has a value “{form.value.data}”."
        return options_response(product_id, editor=editor, status=422)
    if renamed is None:
        return options_response(product_id)
    return options_response(product_id, changed=True,
                            message=f"Value renamed to “{renamed['value']}”.")


@bp.post("/<product_id>/options/<option_id>/values/<value_id>/delete")
def delete_value(product_id, option_id, value_id):
    def load(conn):
        if queries.get_option(conn, product_id=product_id, option_id=option_id) is None:
            return None
        return queries.get_option_value(conn, option_id=option_id, value_id=value_id)

    return delete_with_variants(
        product_id, noun="Value", name_key="value", load=load,
        soft_delete=lambda conn, with_variants: queries.soft_delete_option_value(
            conn, value_id=value_id, with_variants=with_variants),
        notice=lambda value: in_use_notice(
            product_id, value["value"], value["used"], value_id=value_id,
            key=f"value-{value_id}",
            confirm_url=url_for("variants.delete_value", product_id=product_id,
                                option_id=option_id, value_id=value_id)))


# --- Generating ---------------------------------------------------------------


@bp.post("/<product_id>/variants/generate")
def generate(product_id):
    """Create every missing combination in one transaction and one statement."""
    with transaction() as conn:
        if queries.lock_product(conn, product_id=product_id) is None:
            abort(404)
        plan = plan_for(get_overview_or_404(conn, product_id), queries.MAX_VARIANTS)
        if not plan.total:
            message, level, created = (
                "Add options with values first; every option needs at least one value.",
                "warning", 0)
        elif plan.too_many:
            message, level, created = plan.refusal(), "error", 0
        elif not plan.missing:
            message, level, created = "Every combination exists already; nothing to create.", \
                "info", 0
        else:
            created = queries.insert_missing_combinations(
                conn, product_id=product_id,
                variant_ids=[new_id("variant") for _ in range(plan.missing)])
            message, level = f"{plural(created, 'variant')} created.", "success"
    # After generating, the page puts the caret in the grid's first SKU cell.
    return options_response(product_id, message=message, level=level,
                            changed={"focus": "grid"} if created else False,
                            status=422 if level == "error" else 200)


# --- The grid: one row --------------------------------------------------------


def holder_message(field, holder, product_id) -> str:
    label = CODE_LABELS[field]
    where = (f"another variant of this product, “{holder['variant_title']}”"
             if holder["product_id"] == product_id
             else f"“{holder['product_title']}” (variant “{holder['variant_title']}”)")
    return f"{label} “{holder['value']}” is already used by {where}."


def code_errors(conn, *, product_id, variant_id, values) -> dict:
    codes = {f: values[f] for f in CODE_FIELDS if values.get(f)}
    holders = queries.list_code_holders(conn, codes=codes, exclude_id=variant_id)
    return {f: holder_message(f, h, product_id) for f, h in holders.items()}


def row_response(state, *, product_id, status=200, toast_message=None, level="error"):
    """The row for htmx (the page merges it into its row), else the full page."""
    conn = get_conn()
    view = posted_view(product_id)
    if not wants_fragment():
        if status < 400:
            flash(f"“{state.variant['title']}” saved.", "success")
            return redirect(view.return_to)
        return render_full(conn, view, status=status, overrides={state.id: state})
    overview = get_overview_or_404(conn, product_id)
    with_labels([state.variant], overview["options"])
    response = make_response(render_template(
        "variants/_row.html", row=state, options=overview["options"], product=overview,
        view=view, columns=COLUMNS, urls=url_patterns(product_id)), status)
    if toast_message:
        response.headers["HX-Trigger"] = json.dumps({"toast": toast(toast_message, level)})
    return response


@bp.post("/<product_id>/variants/<variant_id>/row")
def save_row(product_id, variant_id):
    """Save one row of the grid. Only the columns changed since the row was loaded are
    written; if a colleague saved the row meanwhile, their changes to other columns
    are kept (merged) and a change to the same column is a conflict: nothing is
    saved and the row shows their values."""
    conn = get_conn()
    current = queries.get_variant(conn, product_id=product_id, variant_id=variant_id)
    if current is None:
        return gone_response(product_id)
    form = VariantRowForm()
    original = parse_original(form.original.data)
    typed = form.typed()

    def refused(errors, message="Fix the marked cells, or press Esc in them to undo."):
        state = RowState(variant=current, values=typed, saved=dict(original or typed),
                         original=dict(original or shown_values(current)), errors=errors,
                         version=form.version.data or current["updated_at"].isoformat(),
                         status="error", message=message)
        return row_response(state, product_id=product_id, status=422)

    if not form.validate():
        return refused({name: form[name].errors[0] for name in FIELD_NAMES
                        if form[name].errors})
    values = form.values()
    if original is None:
        changed = dict(values)
    else:
        changed = {f: v for f, v in values.items() if shown(v) != original.get(f)}
    if not changed:
        return row_response(RowState.of(current), product_id=product_id)
    errors = code_errors(conn, product_id=product_id, variant_id=variant_id, values=changed)
    if errors:
        return refused(errors)
    try:
        with transaction() as conn:
            outcome, clash = save_changes(conn, product_id, variant_id, form.version.data,
                                          original, changed)
    except psycopg.errors.UniqueViolation as error:
        field = CODE_CONSTRAINTS.get(error.diag.constraint_name)
        if field is None:
            raise
        errors = code_errors(get_conn(), product_id=product_id, variant_id=variant_id,
                             values={field: changed.get(field)})
        return refused(errors or {field: f"This {CODE_LABELS[field]} was just taken."})
    fresh = queries.get_variant(get_conn(), product_id=product_id, variant_id=variant_id)
    if fresh is None or outcome == "gone":
        return gone_response(product_id)
    if outcome == "conflict":
        mine = {f: shown(changed[f]) for f in clash}
        errors = {f: f"Changed meanwhile by someone else. Yours was “{mine[f] or '(empty)'}”."
                  for f in clash}
        names = ", ".join(COLUMNS_BY_NAME[f].label for f in clash)
        state = RowState.of(fresh, errors=errors, status="conflict",
                            message=f"Not saved: someone else changed {names} meanwhile. "
                                    "The row shows their values now.")
        return row_response(state, product_id=product_id, status=409,
                            toast_message=f"“{fresh['title']}” was not saved: someone else "
                                          f"changed {names} meanwhile.", level="warning")
    message = "Saved"
    if outcome == "merged":
        message = "Saved, with a colleague's changes to other columns"
    return row_response(RowState.of(fresh, status="saved", message=message),
                        product_id=product_id)


def save_changes(conn, product_id, variant_id, version, original, changed):
    """('saved' | 'merged' | 'conflict' | 'gone', clashing columns)."""
    try:
        with conn.transaction():
            if queries.update_variant(conn, product_id=product_id, variant_id=variant_id,
                                      version=version or None, fields=changed):
                return "saved", set()
    except psycopg.errors.DataError:
        pass  # a version that is no timestamp: compare with the current row below
    current = queries.get_variant(conn, product_id=product_id, variant_id=variant_id, lock=True)
    if current is None:
        return "gone", set()
    if original is None:
        return "conflict", set(changed)
    theirs = {f for f in FIELD_NAMES if shown(current[f]) != original.get(f)}
    clash = {f for f in changed if f in theirs and shown(current[f]) != shown(changed[f])}
    if clash:
        return "conflict", clash
    queries.update_variant(conn, product_id=product_id, variant_id=variant_id,
                           version=current["updated_at"], fields=changed)
    return "merged", set()


def gone_response(product_id):
    message = "This variant was deleted meanwhile; nothing was saved."
    if wants_fragment():
        response = make_response(message, 404)
        response.headers["HX-Trigger"] = json.dumps({"toast": toast(message, "error")})
        return response
    flash(message, "error")
    return redirect(posted_view(product_id).return_to)


# --- The grid: several rows ---------------------------------------------------


@bp.post("/<product_id>/variants/bulk")
def bulk(product_id):
    """Set one column on the selected variants, or delete them: one transaction."""
    form = BulkForm()
    ids = [i for i in form.ids.data if i][:queries.MAX_VARIANTS]
    bulk_state = {"selected": set(ids), "field": form.field.data, "value": form.value.data,
                  "flag": form.flag.data, "action": form.action.data}
    if not form.validate():
        return grid_response(product_id, message="Choose an action and a column.",
                             level="error", status=422, bulk=bulk_state)
    if not ids:
        return grid_response(product_id, message="Select variants first (the boxes on the "
                             "left, or the one in the header for the whole page).",
                             level="warning", bulk=bulk_state)
    if form.action.data == "delete":
        with transaction() as conn:
            if queries.lock_product(conn, product_id=product_id) is None:
                abort(404)
            deleted = queries.soft_delete_variants(conn, product_id=product_id,
                                                   variant_ids=ids)
            queries.update_dense_ranks(conn, product_id=product_id)
        return grid_response(product_id, changed_options=True,
                             message=f"{plural(len(deleted), 'variant')} moved to Trash. "
                                     "Restore them from the Trash.")
    try:
        value = form.parsed_value()
    except ValueError as error:
        bulk_state["error"] = str(error)
        return grid_response(product_id, message=str(error), level="error", status=422,
                             bulk=bulk_state)
    column = COLUMNS_BY_NAME[form.field.data]
    with transaction() as conn:
        if queries.lock_product(conn, product_id=product_id) is None:
            abort(404)
        changed = queries.update_variants_field(conn, product_id=product_id, variant_ids=ids,
                                                field=column.name, value=value)
    shown_value = ("yes" if value else "no") if column.kind == "bool" else (
        f"“{value}”" if value is not None else "empty")
    return grid_response(
        product_id, bulk={"selected": set(ids)},
        message=f"{column.label} set to {shown_value} on {plural(changed, 'variant')}"
                + (f" ({len(ids) - changed} already had it)." if changed < len(ids) else "."))


def shows_order(posted, order) -> bool:
    """Whether rows shown in the posted order are, as they stand, a run of the saved
    order (a colleague's reorder or a vanished variant means the page must reload)."""
    if not posted or posted[0] not in order:
        return False
    start = order.index(posted[0])
    return order[start:start + len(posted)] == posted


@bp.post("/<product_id>/variants/order")
def reorder(product_id):
    """Ranks after a drag: dense (0..n-1) and unique, also when two staff reorder at once
    (the product lock makes the second rewrite from the first's result)."""
    form = ReorderForm()
    posted = [i for i in form.ids.data if i]
    with transaction() as conn:
        if queries.lock_product(conn, product_id=product_id) is None:
            abort(404)
        current = queries.list_variant_ids(conn, product_id=product_id)
        order = merge_order(current, posted)
        queries.update_variant_ranks(conn, product_id=product_id, variant_ids=order)
    if wants_fragment() and shows_order(posted, order):
        # The page already shows this order (the rows were dragged there): only the
        # status line changes, not 500 KB of grid re-rendered and sent back.
        response = make_response(render_template(
            "variants/_grid_status.html", grid_message="Order saved.", oob=True))
        response.headers["HX-Reswap"] = "none"
        return response
    if wants_fragment():
        return render_grid(get_conn(), posted_view(product_id), grid_message="Order saved.")
    flash("Order saved.", "success")
    return redirect(posted_view(product_id).return_to)


@bp.post("/<product_id>/variants/new")
def create(product_id):
    """Add one variant by choosing a value of each option; a combination that exists is
    refused with a link to the variant that holds it."""
    conn = get_conn()
    overview = get_overview_or_404(conn, product_id)
    options = overview["options"]
    add = AddState(chosen={o["id"]: request.form.get(f"option-{o['id']}", "") for o in options},
                   title=" ".join(request.form.get("title", "").split()))
    for option in options:
        if add.chosen[option["id"]] not in {v["id"] for v in option["values"]}:
            add.errors[f"option-{option['id']}"] = f"Choose a {option['title']}."
    if not options and not add.title:
        add.errors["title"] = "Give the variant a title."
    if len(add.title) > 255:
        add.errors["title"] = "At most 255 characters."
    if add.errors:
        return grid_response(product_id, message=None, status=422, add=add)
    value_ids = [add.chosen[o["id"]] for o in options]
    names = {v["id"]: v["value"] for o in options for v in o["values"]}
    title = add.title or " / ".join(names[v] for v in value_ids)
    variant_id = new_id("variant")
    try:
        with transaction() as conn:
            if queries.lock_product(conn, product_id=product_id) is None:
                abort(404)
            existing = value_ids and queries.get_variant_by_combination(
                conn, product_id=product_id, value_ids=value_ids)
            if not existing:
                queries.insert_variant(conn, variant_id=variant_id, product_id=product_id,
                                       title=title, value_ids=value_ids)
    except psycopg.errors.UniqueViolation as error:
        if error.diag.constraint_name != COMBINATION_UNIQUE:
            raise
        existing = queries.get_variant_by_combination(get_conn(), product_id=product_id,
                                                      value_ids=value_ids)
    if existing:
        add.existing = existing
        add.errors["combination"] = (f"“{' / '.join(names[v] for v in value_ids)}” exists "
                                     "already.")
        return grid_response(product_id, message=None, status=422, add=add)
    view = posted_view(product_id)
    count = overview["variant_count"] + 1
    last = GridView(product_id=product_id, number=-(-count // view.per_page), embed=view.embed)
    if view.filtered or view.embed:
        last = view
    return grid_response(product_id, view=last, changed_options=True,
                         message=f"Variant “{title}” added.")


# --- A variant's own page -----------------------------------------------------


def variant_form_data(variant):
    data = shown_values(variant)
    data.update({
        "thumbnail": variant.get("thumbnail") or "",
        "metadata_json": json.dumps(variant["metadata"], indent=2, ensure_ascii=False)
        if variant.get("metadata") else "",
        "position": str(variant["position"]),
        "version": variant["updated_at"].isoformat(),
    })
    return data


def render_variant(overview, variant, form, *, chosen=None, option_errors=None, conflict=None,
                   status=200):
    held = variant.get("option_values") or {}
    return render_template(
        "variants/edit.html", product=overview, options=overview["options"], variant=variant,
        form=form, chosen=chosen if chosen is not None else {
            o["id"]: held.get(o["id"], {}).get("id", "") for o in overview["options"]},
        option_errors=option_errors or {}, conflict=conflict,
        grid_url=url_for("variants.index", product_id=overview["id"]),
    ), status


@bp.route("/<product_id>/variants/<variant_id>", methods=["GET", "POST"])
def edit(product_id, variant_id):
    """Every column of one variant, its option values, its metadata and its place."""
    conn = get_conn()
    overview = get_overview_or_404(conn, product_id)
    variant = queries.get_variant(conn, product_id=product_id, variant_id=variant_id)
    if variant is None:
        abort(404)
    with_labels([variant], overview["options"])
    if request.method == "GET":
        return render_variant(overview, variant, VariantForm(data=variant_form_data(variant)))
    form = VariantForm()
    options = overview["options"]
    chosen = {o["id"]: request.form.get(f"option-{o['id']}", "") for o in options}
    option_errors = {o["id"]: f"Choose one of {o['title']}'s values, or none."
                     for o in options
                     if chosen[o["id"]] and chosen[o["id"]] not in {v["id"] for v in o["values"]}}
    valid = form.validate()
    metadata = None
    try:
        metadata = form.metadata_value()
    except ValueError as error:
        form.metadata_json.errors = [*form.metadata_json.errors, str(error)]
        valid = False
    if not valid or option_errors:
        return render_variant(overview, variant, form, chosen=chosen,
                              option_errors=option_errors, status=422)
    fields = {**form.values(), "thumbnail": form.thumbnail.data or None, "metadata": metadata}
    errors = code_errors(conn, product_id=product_id, variant_id=variant_id, values=fields)
    for name, message in errors.items():
        form[name].errors = [message]
    if errors:
        return render_variant(overview, variant, form, chosen=chosen, status=422)
    value_ids = [v for v in chosen.values() if v]
    try:
        with transaction() as conn:
            queries.lock_product(conn, product_id=product_id)
            saved = queries.update_variant(conn, product_id=product_id, variant_id=variant_id,
                                           version=form.version.data, fields=fields)
            if saved is not None:
                queries.set_variant_values(conn, variant_id=variant_id, value_ids=value_ids)
                position = int(form.position.data) if form.position.data else None
                if position and position != variant["position"]:
                    order = [v for v in queries.list_variant_ids(conn, product_id=product_id)
                             if v != variant_id]
                    order.insert(min(position, len(order) + 1) - 1, variant_id)
                    queries.update_variant_ranks(conn, product_id=product_id, variant_ids=order)
    except psycopg.errors.UniqueViolation as error:
        name = error.diag.constraint_name
        if name == COMBINATION_UNIQUE:
            holder = queries.get_variant_by_combination(get_conn(), product_id=product_id,
                                                        value_ids=value_ids)
            message = (f"Another variant, “{holder['title']}”, holds these values."
                       if holder else "Another variant holds these values.")
            return render_variant(overview, variant, form, chosen=chosen,
                                  option_errors={"combination": message}, status=422)
        field = CODE_CONSTRAINTS.get(name)
        if field is None:
            raise
        form[field].errors = [f"This {CODE_LABELS[field]} was just taken by another variant."]
        return render_variant(overview, variant, form, chosen=chosen, status=422)
    except psycopg.errors.DataError:
        saved = None
    if saved is None:
        current = queries.get_variant(get_conn(), product_id=product_id, variant_id=variant_id)
        if current is None:
            return gone_response(product_id)
        with_labels([current], options)
        differs = [(COLUMNS_BY_NAME[f].label, shown(current[f]), shown(fields[f]))
                   for f in FIELD_NAMES if shown(current[f]) != shown(fields[f])]
        form.version.data = current["updated_at"].isoformat()
        return render_variant(overview, current, form, chosen=chosen, status=409,
                              conflict={"updated_at": current["updated_at"],
                                        "differs": differs})
    flash(f"Variant “{fields['title']}” saved.", "success")
    return redirect(url_for("variants.edit", product_id=product_id, variant_id=variant_id))


@bp.post("/<product_id>/variants/<variant_id>/delete")
def delete(product_id, variant_id):
    with transaction() as conn:
        if queries.lock_product(conn, product_id=product_id) is None:
            abort(404)
        deleted = queries.soft_delete_variants(conn, product_id=product_id,
                                               variant_ids=[variant_id])
        if not deleted:
            abort(404)
        queries.update_dense_ranks(conn, product_id=product_id)
    grid = url_for("variants.index", product_id=product_id)
    flash({"text": f"Variant “{deleted[0]['title']}” moved to Trash.",
           "undo": url_for("trash.restore", kind_key="variants", item_id=variant_id),
           "next": grid}, "success")
    return redirect(grid)


# --- Trash --------------------------------------------------------------------


def restore_conflict(error, *, what) -> RestoreConflict:
    """A RestoreConflict saying which live row now holds what the restore needs."""
    name = error.diag.constraint_name
    if name == COMBINATION_UNIQUE:
        return RestoreConflict(f"{what} cannot be restored: a live variant of the product "
                               "holds the same option values now. Delete or change that "
                               "variant first.")
    if name in CODE_CONSTRAINTS:
        return RestoreConflict(f"{what} cannot be restored: its "
                               f"{CODE_LABELS[CODE_CONSTRAINTS[name]]} is used by another "
                               "variant now. Change that one first.")
    if name == "p_options_product_title_unique":
        return RestoreConflict(f"{what} cannot be restored: the product has an option of "
                               "that name again. Rename or delete it first.")
    if name == "p_option_values_option_value_unique":
        return RestoreConflict(f"{what} cannot be restored: the option has that value again. "
                               "Rename or delete it first.")
    raise error


def restore_variant(conn, *, item_id, new_handle=None):
    variant = queries.get_deleted_variant(conn, variant_id=item_id)
    if variant is None:
        return None
    queries.lock_product(conn, product_id=variant["product_id"])
    what = f"“{variant['title']}”"
    if variant["dead_values"]:
        raise RestoreConflict(f"{what} holds {', '.join(variant['dead_values'])}, which "
                              "was deleted. Restore that option or value first.")
    holders = queries.list_code_holders(
        conn, codes={f: variant[f] for f in CODE_FIELDS}, exclude_id=item_id)
    if holders:
        listed = "; ".join(holder_message(f, h, variant["product_id"])
                           for f, h in holders.items())
        raise RestoreConflict(f"{what} cannot be restored yet: {listed} Change that first.")
    try:
        with conn.transaction():
            queries.restore_variants(conn, product_id=variant["product_id"],
                                     variant_ids=[item_id])
    except psycopg.errors.UniqueViolation as error:
        raise restore_conflict(error, what=what) from None
    return variant["title"]


def restore_option(conn, *, item_id, new_handle=None):
    option = queries.get_deleted_option(conn, option_id=item_id)
    if option is None:
        return None
    queries.lock_product(conn, product_id=option["product_id"])
    try:
        with conn.transaction():
            queries.restore_option(conn, option_id=item_id, value_ids=option["value_ids"])
            queries.restore_variants(conn, product_id=option["product_id"],
                                     variant_ids=option["variant_ids"])
    except psycopg.errors.UniqueViolation as error:
        raise restore_conflict(error, what=f"Option “{option['title']}”") from None
    return option["title"]


def purge_option(conn, *, item_id):
    row = queries.purge_option(conn, item_id=item_id)
    if row is None:
        return None
    if row["held_by"]:
        raise PurgeRefused(f"“{row['title']}” cannot be deleted permanently while "
                           f"{plural(row['held_by'], 'variant')} hold its values. Delete "
                           "those variants permanently first.")
    return row["title"]


def restore_option_value(conn, *, item_id, new_handle=None):
    value = queries.get_deleted_option_value(conn, value_id=item_id)
    if value is None:
        return None
    queries.lock_product(conn, product_id=value["product_id"])
    try:
        with conn.transaction():
            queries.restore_option_value(conn, value_id=item_id)
            queries.restore_variants(conn, product_id=value["product_id"],
                                     variant_ids=value["variant_ids"])
    except psycopg.errors.UniqueViolation as error:
        raise restore_conflict(error, what=f"Value “{value['value']}”") from None
    return value["value"]


def purge_option_value(conn, *, item_id):
    row = queries.purge_option_value(conn, item_id=item_id)
    if row is None:
        return None
    if row["held_by"]:
        raise PurgeRefused(f"“{row['value']}” cannot be deleted permanently while "
                           f"{plural(row['held_by'], 'variant')} hold it. Delete those "
                           "variants permanently first.")
    return row["value"]


register(TrashKind(key="variants", label="Variants", list_deleted=queries.list_deleted_variants,
                   restore=restore_variant,
                   purge=lambda conn, *, item_id: queries.purge_variant(conn, item_id=item_id)))
register(TrashKind(key="options", label="Options", list_deleted=queries.list_deleted_options,
                   restore=restore_option, purge=purge_option))
register(TrashKind(key="option_values", label="Option values",
                   list_deleted=queries.list_deleted_option_values,
                   restore=restore_option_value, purge=purge_option_value))
