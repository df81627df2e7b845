"""One template serves the full page and, for htmx, only the fragment that changed."""

import json

from flask import make_response, render_template
from flask_htmx import HTMX

htmx = HTMX()


def wants_fragment() -> bool:
    """An htmx swap wants the fragment; boosted and history-restore requests want the page."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(page_template: str, fragment_template: str, status: int = 200, **context):
    template = fragment_template if wants_fragment() else page_template
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def toast_trigger(response, message: str, level: str = "success"):
    """Ask the page to show a toast after this htmx response is swapped."""
    triggers = json.loads(response.headers.get("HX-Trigger", "{}") or "{}")
    triggers["toast"] = {"message": message, "level": level}
    response.headers["HX-Trigger"] = json.dumps(triggers)
    return response
