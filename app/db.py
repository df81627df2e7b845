"""The connection pool, one connection per request, and the transaction helper.

Connections run in autocommit mode; a write goes through `transaction()`, so a
transaction is always explicit and ends with the block.
"""

from contextlib import contextmanager

import psycopg
from flask import current_app, g, has_request_context
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool


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


@contextmanager
def transaction():
    """`with transaction() as conn:`: one transaction, committed on success."""
    conn = get_conn()
    with conn.transaction():
        yield conn


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
