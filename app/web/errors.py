"""Friendly error pages; htmx requests get a small fragment instead of a whole page."""

import json
import logging

from flask import make_response, render_template, request
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import HTTPException, InternalServerError

from .render import wants_fragment

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Not allowed", "Your account may not do this. Ask an admin if you need access."),
    404: ("Not found", "There is nothing at this address. It may have been moved or deleted."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What you sent is larger than the server accepts."),
    500: ("Something went wrong",
          "The server hit an error. Nothing was changed; please try again."),
    503: ("Unavailable", "The service is not available right now. Please try again shortly."),
}


def render_error(code: int, title: str | None = None, message: str | None = None):
    default_title, default_message = MESSAGES.get(code, ("Error", "Something went wrong."))
    context = {"code": code, "title": title or default_title, "message": message or default_message}
    template = "errors/_fragment.html" if wants_fragment() else "errors/error.html"
    return render_template(template, **context), code


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        """Nothing is saved, and nothing typed is lost: the page offers to send it again."""
        title = "Your session expired"
        if wants_fragment():
            body, code = render_error(
                400, title, "Nothing was saved. Your input is still on the page: send it again.")
            response = make_response(body, code)
            response.headers["HX-Trigger"] = json.dumps(
                {"csrf-token": generate_csrf(),
                 "toast": {"message": f"{title}. Nothing was saved; send it again.",
                           "level": "error"}})
            return response
        # Passwords are not echoed back into the page.
        fields = [(k, v) for k, v in request.form.items(multi=True)
                  if k != "csrf_token" and "password" not in k and k != "confirm"]
        return render_template("errors/csrf.html", title=title, fields=fields,
                               action=request.full_path.rstrip("?")), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unhandled(error):
        if isinstance(error, HTTPException):
            return http_error(error)
        log.exception("unhandled error")
        return render_error(InternalServerError.code)
