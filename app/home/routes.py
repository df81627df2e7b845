from datetime import datetime

from flask import Blueprint, current_app

from ..db import get_conn
from ..web import render_page
from . import queries

bp = Blueprint("home", __name__)

STATUSES = ("draft", "proposed", "published", "rejected")


@bp.get("/")
def index():
    """Overview: what the catalog holds right now."""
    counts = dict(queries.count_catalog(get_conn()))
    by_status = counts.pop("status_counts")
    status_counts = {s: by_status.get(s, 0) for s in STATUSES}
    return render_page(
        "home/index.html",
        "home/_counts.html",
        counts=counts,
        status_counts=status_counts,
        now=datetime.now(),
    )


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not (for load balancers)."""
    pool = current_app.extensions["catalog_pool"]
    try:
        with pool.connection(timeout=2) as conn:
            queries.ping(conn)
    except Exception:
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200
