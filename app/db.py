"""The connection pool, one connection per request, and the transaction helper.

Connections run in autocommit mode; a write goes through `transaction()`, so a
transaction is always explicit and ends with the block.
"""

from contextlib import contextmanager

import psycopg
from flask import current_app, g, has_request_context
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from app.ids import new_id


class CountingCursor(psycopg.Cursor):
    """Counts statements per request, so tests can prove a page's queries are fixed."""

    def execute(self, query, params=None, **kwargs):
        if has_request_context():
            g.sql_count = g.get("sql_count", 0) + 1
        return super().execute(query, params, **kwargs)

    def executemany(self, query, params_seq, **kwargs):
        if has_request_context():
            g.sql_count = g.get("sql_count", 0) + 1
        return super().executemany(query, params_seq, **kwargs)


def make_pool(url: str, *, min_size: int = 1, max_size: int = 10) -> ConnectionPool:
    def configure(conn):
        conn.autocommit = True

    return ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"row_factory": dict_row, "cursor_factory": CountingCursor},
        configure=configure,
        open=True,
        name="catalog",
    )


def get_conn() -> psycopg.Connection:
    """The request's connection, taken from the pool on first use."""
    if "db_conn" not in g:
        pool = current_app.extensions["catalog_pool"]
        g.db_conn = pool.getconn(timeout=current_app.config.get("DB_CONNECT_TIMEOUT", 10))
    return g.db_conn


def release_conn(exc=None) -> None:
    conn = g.pop("db_conn", None)
    if conn is not None:
        current_app.extensions["catalog_pool"].putconn(conn)


def like_pattern(text: str) -> str:
    """A LIKE pattern matching text anywhere, with LIKE's own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def new_change_set_id() -> str:
    """A change-set id: every write of one request or one job shares it in History."""
    return new_id("change_set")


def request_change_set_id() -> str:
    """The current request's change-set id, made on first use."""
    if "change_set_id" not in g:
        g.change_set_id = new_change_set_id()
    return g.change_set_id


@contextmanager
def transaction(conn=None, *, user_id=None, change_set_id=None, label=None):
    """`with transaction() as conn:`: one transaction, committed on success.

    The transaction first tells the History recorder (migration 0012) who is
    writing and which change-set the writes belong to, as transaction-local
    settings its triggers read. Inside a request they default to the
    signed-in user and the request's change-set; a job passes them itself.
    `label` names the change-set ("Bulk: status → Active, 1,000 products").
    """
    if conn is None:
        conn = get_conn()
    if has_request_context():
        user = g.get("user")
        if user_id is None and user is not None:
            user_id = user["id"]
        if change_set_id is None:
            change_set_id = request_change_set_id()
        if label is None:
            label = g.get("change_label")
    with conn.transaction():
        conn.execute(
            "SELECT set_config('catalog.user_id', %s, true),"
            " set_config('catalog.change_set_id', %s, true),"
            " set_config('catalog.change_label', %s, true)",
            (user_id or "", change_set_id or new_change_set_id(), label or ""),
        )
        yield conn


def set_change_label(label: str) -> None:
    """Name this request's change-set in History (call before the write)."""
    g.change_label = label


def init_app(app) -> None:
    pool = make_pool(
        app.config["DATABASE_URL"],
        min_size=app.config["DB_POOL_MIN"],
        max_size=app.config["DB_POOL_MAX"],
    )
    app.extensions["catalog_pool"] = pool
    app.teardown_appcontext(release_conn)

    @app.after_request
    def sql_count_header(response):
        if app.config.get("SQL_COUNT_HEADER"):
            response.headers["X-SQL-Count"] = str(g.get("sql_count", 0))
        return response
