"""Serves uploaded and generated images from MEDIA_ROOT (a media store in production)."""

from flask import Blueprint, current_app, send_from_directory

from .urls import MEDIA_PATH

bp = Blueprint("media", __name__)

# Uploads are stored under their content's hash (app/images/storage.py): a name
# never serves other bytes, so a browser may keep a file for a year unasked.
# Private: /media/ needs a signed-in user, so shared caches must not keep it.
ONE_YEAR = 365 * 24 * 3600


@bp.get(MEDIA_PATH + "<path:filename>")
def media(filename):
    response = send_from_directory(current_app.config["MEDIA_ROOT"], filename, max_age=ONE_YEAR)
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
