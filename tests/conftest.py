"""Fixtures: a real PostgreSQL per test session, a clean state per test, a real browser."""

import os
import threading
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from app import create_app, pgserver
from app.config import ROOT
from app.migrate import migrate

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Durability is not what tests check; turning it off makes the suite several times faster.
TEST_SERVER_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def _server_urls(worker_id: str) -> tuple[str, str]:
    """(admin URL, test database URL) on TEST_DATABASE_URL's server or the embedded one."""
    dbname = f"catalog_test_{worker_id}"
    if os.environ.get("TEST_DATABASE_URL"):
        params = conninfo_to_dict(os.environ["TEST_DATABASE_URL"])
        admin = make_conninfo(**{**params, "dbname": "postgres"})
        return admin, make_conninfo(**{**params, "dbname": dbname})
    pgserver.hold_until_exit()
    server = pgserver.start(ROOT / ".local" / "pgtest", TEST_SERVER_SETTINGS)
    return server.get_uri("postgres"), server.get_uri(dbname)


@pytest.fixture(scope="session")
def database_url(worker_id):
    admin_url, url = _server_urls(worker_id)
    pgserver.ensure_database(admin_url, conninfo_to_dict(url)["dbname"], drop=True)
    migrate(url)
    return url


@pytest.fixture(scope="session")
def admin_database_url(worker_id, database_url):
    return _server_urls(worker_id)[0]


@pytest.fixture(scope="session")
def _app_tables(database_url):
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            """
            SELECT quote_ident(tablename)
              FROM pg_tables
             WHERE schemaname = 'public'
               AND tablename <> 'schema_migrations'
            """
        ).fetchall()
    return ", ".join(r[0] for r in rows)


@pytest.fixture(autouse=True)
def _clean_state(database_url, _app_tables):
    """Every test starts from an empty, migrated database."""
    yield
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {_app_tables} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="session")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def app(database_url, media_root):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "MEDIA_ROOT": str(media_root),
            "SQL_COUNT_HEADER": True,
            "DB_POOL_MIN": 1,
            "DB_POOL_MAX": 8,
        }
    )
    yield app
    app.extensions["catalog_pool"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def conn(database_url):
    """A connection of the test's own, as a person checking the database would use."""
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


def sql_statements(response) -> int:
    """How many SQL statements the app ran to answer this response."""
    return int(response.headers["X-SQL-Count"])


@pytest.fixture
def count_statements():
    return sql_statements


# --- The browser -------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(app):
    """The app on a free local port, served from a thread for the browser."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
