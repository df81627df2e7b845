"""The answer for a product that is not live, on its pages (its own, its variants and
its images; its history stays readable): a 404 that, for a product in the Trash, says
so and offers editors Restore, back to the page they asked for. An old link or a
bookmark should not read as "never existed"."""

from typing import NoReturn

from flask import abort, make_response, render_template, request, url_for

from ..web.errors import render_error
from ..web.render import wants_fragment
from . import queries


def abort_missing_product(conn, product_id) -> NoReturn:
    trashed = queries.get_trashed_product(conn, product_id=product_id)
    if trashed is None:
        abort(404)
    if wants_fragment():
        body = render_error(404, "In the Trash", f"“{trashed['title']}” is in the Trash.")
    else:
        # A post's address takes no GET: Restore then leads to the product's page.
        back_to = (request.full_path.rstrip("?") if request.method == "GET"
                   else url_for("products.edit", product_id=product_id))
        body = render_template("products/trashed.html", product=trashed,
                               back_to=back_to), 404
    abort(make_response(*body))
