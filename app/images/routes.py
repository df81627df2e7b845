"""A product's images (by URL or upload, in order, thumbnail, variant images) and a
category's image.

The product page loads the media section (templates/images/_section.html) with
htmx after the page; every change answers with the section again. Without
JavaScript /products/<id>/images is a page of its own and each change is a
plain form that comes back to it.
"""

import json

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from ..auth.security import safe_next
from ..db import get_conn, set_change_label, transaction
from ..ids import new_id
from ..products.missing import abort_missing_product
from ..trash.registry import RestoreConflict, TrashKind, register
from ..web import render_page
from ..web.ordering import merge_order
from ..web.render import wants_fragment
from ..web.words import plural
from . import queries, uploads
from .forms import CategoryImageForm, ImageAddForm, ImageOrderForm, VariantImagesForm
from .storage import get_storage

bp = Blueprint("images", __name__)

# The event the product page listens for after "Set as thumbnail" (static/images.js):
# its form's thumbnail field and version follow, so saving the form keeps it.
THUMBNAIL_EVENT = "product-thumbnail"


def get_product_or_404(conn, product_id):
    product = queries.get_product(conn, product_id=product_id)
    if product is None:
        abort_missing_product(conn, product_id)
    return product


def lock_product_or_404(conn, product_id):
    product = queries.lock_product(conn, product_id=product_id)
    if product is None:
        abort(404)
    return product


def section_context(conn, product, *, form=None, status_message=""):
    """Everything templates/images/_section.html shows."""
    images = queries.list_images(conn, product_id=product["id"])
    thumbnail = product["thumbnail"]
    for image in images:
        image["is_thumbnail"] = bool(thumbnail) and thumbnail in (image["url"],
                                                                  image["preview_url"])
    return {
        "product": product,
        "images": images,
        "form": form or ImageAddForm(formdata=None),
        "thumbnail_elsewhere": bool(thumbnail) and not any(i["is_thumbnail"] for i in images),
        "status_message": status_message,
        "upload_limits": {"file": uploads.FILE_LIMIT, "files": uploads.MAX_FILES,
                          "total": current_app.config.get("MAX_CONTENT_LENGTH") or 0},
    }


def render_section(product_id, *, form=None, status=200, message=None, level="success",
                   status_line=False, triggers=None, action_html=None):
    """The section for htmx, with the message as a toast (or, for the small news of a
    reorder, in the section's status line); the images page for a refused plain form."""
    conn = get_conn()
    product = get_product_or_404(conn, product_id)
    context = section_context(conn, product, form=form,
                              status_message=message if status_line else "")
    response = render_page("images/index.html", "images/_section.html", status=status,
                           **context)
    found = dict(triggers or {})
    if message and not status_line and wants_fragment():
        found["toast"] = {"message": message, "level": level}
        if action_html:
            found["toast"] |= {"actionHtml": action_html, "timeout": 12000}
    if found:
        response.headers["HX-Trigger"] = json.dumps(found)
    return response


def back_to(product_id):
    """Where a plain form returns: the page it was posted from, else the images page."""
    return safe_next(request.form.get("next")) or url_for("images.index",
                                                          product_id=product_id)


def changed(product_id, message, *, level="success", status_line=False, triggers=None,
            undo=None):
    """After a change: the section for htmx, else a redirect with a flash message."""
    if wants_fragment():
        action_html = render_template("images/_undo.html", **undo) if undo else None
        return render_section(product_id, message=message, level=level,
                              status_line=status_line, triggers=triggers,
                              action_html=action_html)
    if undo:
        flash({"text": message, "undo": undo["url"], "next": back_to(product_id)}, level)
    else:
        flash(message, level)
    return redirect(back_to(product_id))


# --- The section --------------------------------------------------------------


@bp.get("/products/<product_id>/images")
def index(product_id):
    """The product's images; for htmx the section the product page loads after itself."""
    conn = get_conn()
    product = get_product_or_404(conn, product_id)
    return render_page("images/index.html", "images/_section.html",
                       **section_context(conn, product))


@bp.post("/products/<product_id>/images")
def add(product_id):
    """Add images by address (one per line) and by upload: all of them, or none."""
    get_product_or_404(get_conn(), product_id)
    form = ImageAddForm()
    if not form.validate():
        return render_section(product_id, form=form, status=422)
    storage = get_storage()
    # Files first: a file stored for a row that then fails to commit is only an
    # unused file (stored by content, harmless); a row without its file would be broken.
    candidates = [{"url": url, "metadata": None} for url in form.url_list]
    candidates += [uploads.store(storage, upload) for upload in form.uploads]
    set_change_label(f"Added {plural(len(candidates), 'image')}")
    with transaction() as conn:
        lock_product_or_404(conn, product_id)
        there = queries.list_live_urls(conn, product_id=product_id,
                                       urls=[c["url"] for c in candidates])
        fresh, seen = [], set(there)
        for candidate in candidates:
            if candidate["url"] not in seen:
                seen.add(candidate["url"])
                fresh.append({"id": new_id("image"), **candidate})
        queries.insert_images(conn, product_id=product_id, images=fresh)
    skipped = len(candidates) - len(fresh)
    if not fresh:
        message, level = ("The product has " + ("that image" if skipped == 1 else
                                                "those images") + " already.", "info")
    else:
        message, level = f"{plural(len(fresh), 'image')} added.", "success"
        if skipped:
            message += f" {plural(skipped, 'was', 'were')} there already."
    return changed(product_id, message, level=level)


@bp.post("/products/<product_id>/images/order")
def reorder(product_id):
    """Ranks after a drag: dense (0..n-1) in the posted order; an image added meanwhile
    keeps its place."""
    form = ImageOrderForm()
    with transaction() as conn:
        lock_product_or_404(conn, product_id)
        current = queries.list_image_ids(conn, product_id=product_id)
        order = merge_order(current, [i for i in form.ids.data if i])
        queries.update_ranks(conn, product_id=product_id, image_ids=order)
    return changed(product_id, "Order saved.", status_line=True)


@bp.post("/products/<product_id>/images/<image_id>/move")
def move(product_id, image_id):
    """One place earlier or later (buttons without JavaScript)."""
    step = -1 if request.form.get("direction") == "earlier" else 1
    with transaction() as conn:
        lock_product_or_404(conn, product_id)
        order = queries.list_image_ids(conn, product_id=product_id)
        if image_id not in order:
            abort(404)
        at = order.index(image_id)
        to = min(max(at + step, 0), len(order) - 1)
        order.insert(to, order.pop(at))
        queries.update_ranks(conn, product_id=product_id, image_ids=order)
    return changed(product_id, "Order saved.", status_line=True)


@bp.post("/products/<product_id>/images/<image_id>/thumbnail")
def set_thumbnail(product_id, image_id):
    """products.thumbnail becomes this image (its preview, when it has one)."""
    with transaction() as conn:
        lock_product_or_404(conn, product_id)
        image = queries.get_image(conn, product_id=product_id, image_id=image_id)
        if image is None:
            abort(404)
        versions = queries.update_product_thumbnail(conn, product_id=product_id,
                                                    thumbnail=image["preview_url"])
    event = {THUMBNAIL_EVENT: {"thumbnail": image["preview_url"],
                               "version": versions["updated_at"].isoformat(),
                               "previous_version": versions["previous_updated_at"].isoformat()}}
    return changed(product_id, f"“{image['name']}” is the product’s thumbnail now.",
                   triggers=event)


@bp.post("/products/<product_id>/images/<image_id>/delete")
def delete(product_id, image_id):
    with transaction() as conn:
        lock_product_or_404(conn, product_id)
        deleted = queries.soft_delete_image(conn, product_id=product_id, image_id=image_id)
        if deleted is None:
            abort(404)
        queries.update_dense_ranks(conn, product_id=product_id)
    undo = {"url": url_for("images.restore", product_id=product_id, image_id=image_id),
            "next": back_to(product_id)}
    return changed(product_id, f"“{deleted['name']}” moved to Trash.", undo=undo)


@bp.post("/products/<product_id>/images/<image_id>/restore")
def restore(product_id, image_id):
    """Undo a delete: the image comes back where it was."""
    try:
        with transaction() as conn:
            found = queries.get_deleted_image(conn, image_id=image_id)
            if found is None or found["product_id"] != product_id:
                abort(404)
            name = restore_image(conn, item_id=image_id)
    except RestoreConflict as conflict:
        return changed(product_id, conflict.message, level="error")
    if name is None:
        abort(404)
    return changed(product_id, f"“{name}” restored.")


# --- Variant images -----------------------------------------------------------


@bp.route("/products/<product_id>/images/<image_id>/variants", methods=["GET", "POST"])
def variants(product_id, image_id):
    """Which variants show this image, and which use it as their thumbnail."""
    conn = get_conn()
    product = get_product_or_404(conn, product_id)
    image = queries.get_image(conn, product_id=product_id, image_id=image_id)
    if image is None:
        abort(404)
    if request.method == "GET":
        rows = queries.list_variants(conn, product_id=product_id, image_id=image_id)
        thumbs = {image["url"], image["preview_url"]}
        for row in rows:
            row["uses_thumbnail"] = row["thumbnail"] in thumbs
        return render_template("images/variants.html", product=product, image=image,
                               variants=rows)
    form = VariantImagesForm()
    listed = [i for i in form.listed.data if i]
    thumbnails = [i for i in form.thumbnail.data if i in listed]
    # A variant's thumbnail is one of the images it shows.
    shown = list(dict.fromkeys([i for i in form.shown.data if i in listed] + thumbnails))
    with transaction() as conn:
        lock_product_or_404(conn, product_id)
        links = queries.update_image_variants(conn, product_id=product_id, image_id=image_id,
                                              listed=listed, shown=shown)
        thumbed = queries.update_variant_thumbnails(
            conn, product_id=product_id, listed=listed, chosen=thumbnails,
            thumbnail=image["preview_url"], image_urls=[image["url"], image["preview_url"]])
    if not (links["added"] or links["removed"] or thumbed):
        flash("Nothing changed.", "info")
    else:
        message = f"“{image['name']}” is shown for " + (
            plural(len(shown), "variant") if shown else "every variant")
        if thumbed:
            message += f"; {plural(len(thumbed), 'variant thumbnail')} changed"
        flash(message + ".", "success")
    return redirect(safe_next(request.form.get("next"))
                    or url_for("products.edit", product_id=product_id, _anchor="media-area"))


# --- A category's image ---------------------------------------------------------


@bp.post("/categories/<category_id>/image/add")
def category_image(category_id):
    """A category's image by address or upload: an image of no product, replacing the
    one it had (which goes to the Trash if nothing else uses it)."""
    from ..categories import queries as category_queries
    from ..categories.routes import get_category_or_404, render_edit

    category = get_category_or_404(category_id)
    form = CategoryImageForm()
    if not form.validate():
        return render_edit(category, image_form=form, status=422)
    if form.upload:
        stored = uploads.store(get_storage(), form.upload)
        url, metadata = stored["url"], stored["metadata"]
    else:
        url, metadata = form.image_url.data, None
    with transaction() as conn:
        image = queries.insert_image(conn, image_id=new_id("image"), url=url,
                                     metadata=metadata)
        moved = category_queries.update_category_image(conn, category_id=category_id,
                                                       image_id=image["id"])
        if moved is None:
            abort(404)
        if moved["previous_image_id"]:
            category_queries.soft_delete_orphan_image(conn, image_id=moved["previous_image_id"])
    flash("Image saved.", "success")
    return redirect(url_for("categories.edit", category_id=category_id, _anchor="image"))


# --- Too large ------------------------------------------------------------------


@bp.errorhandler(413)
def too_large(error):
    """More than MAX_CONTENT_LENGTH in one request: the form says so at its file field
    (the body was never read, so nothing typed can be shown again)."""
    from ..web.errors import render_error

    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    message = (f"Those files add up to more than {uploads.megabytes(limit)}, the most one "
               "upload may carry. Nothing was saved: upload fewer files at a time.")
    args = request.view_args or {}
    conn = get_conn()
    if request.endpoint == "images.add" and queries.get_product(
            conn, product_id=args["product_id"]):
        form = ImageAddForm(formdata=None)
        form.files.errors = [message]
        return render_section(args["product_id"], form=form,
                              status=422 if wants_fragment() else 413)
    if request.endpoint == "images.category_image":
        from ..categories import queries as category_queries
        from ..categories.routes import render_edit

        category = category_queries.get_category(conn, category_id=args["category_id"])
        if category:
            form = CategoryImageForm(formdata=None)
            form.file.errors = [message]
            return render_edit(category, image_form=form, status=413)
    return render_error(413)


# --- Trash --------------------------------------------------------------------


def restore_image(conn, *, item_id, new_handle=None):
    """Back at the rank it had, with its variant links (they were never removed)."""
    image = queries.get_deleted_image(conn, image_id=item_id)
    if image is None:
        return None
    if queries.lock_product(conn, product_id=image["product_id"]) is None:
        raise RestoreConflict(f"“{image['name']}” belongs to a product in the Trash: "
                              "restore the product first.")
    queries.restore_image(conn, product_id=image["product_id"], image_id=item_id,
                          rank=image["rank"])
    queries.update_dense_ranks(conn, product_id=image["product_id"])
    return image["name"]


register(TrashKind(
    key="images",
    label="Images",
    list_deleted=queries.list_deleted_images,
    restore=restore_image,
    purge=queries.purge_image,
))
