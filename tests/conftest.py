"""Fixtures: a real PostgreSQL per test session, a clean state per test, a real browser."""

import os
import re
import threading
from pathlib import Path

import psycopg
import pytest
from flask.testing import FlaskClient
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from app import create_app, pgserver
from app.auth import queries as auth_queries
from app.auth.security import hash_password
from app.config import ROOT
from app.ids import new_id
from app.migrate import migrate

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Durability is not what tests check; turning it off makes the suite several times faster.
TEST_SERVER_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
TEST_SERVER_DIR = ROOT / ".local" / "pgtest"


def pytest_configure(config):
    """Start the embedded test server once, in the process that starts the test workers.

    Its first start (the OS user, initdb) is then over before any worker runs, and
    this process holds the server until the whole run ends.
    """
    if hasattr(config, "workerinput") or os.environ.get("TEST_DATABASE_URL"):
        return
    pgserver.hold_until_exit()
    pgserver.start(TEST_SERVER_DIR, TEST_SERVER_SETTINGS)


def _server_urls(worker_id: str) -> tuple[str, str]:
    """(admin URL, test database URL) on TEST_DATABASE_URL's server or the embedded one.

    The name is unique per test run and worker, so two runs at once do not collide.
    """
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:8]
    dbname = f"catalog_test_{run}_{worker_id}"
    if os.environ.get("TEST_DATABASE_URL"):
        params = conninfo_to_dict(os.environ["TEST_DATABASE_URL"])
        admin = make_conninfo(**{**params, "dbname": "postgres"})
        return admin, make_conninfo(**{**params, "dbname": dbname})
    pgserver.hold_until_exit()
    server = pgserver.start(TEST_SERVER_DIR, TEST_SERVER_SETTINGS)
    return server.get_uri("postgres"), server.get_uri(dbname)


@pytest.fixture(scope="session")
def database_url(worker_id):
    admin_url, url = _server_urls(worker_id)
    dbname = conninfo_to_dict(url)["dbname"]
    pgserver.ensure_database(admin_url, dbname, drop=True)
    migrate(url)
    yield url
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@pytest.fixture(scope="session")
def admin_database_url(worker_id, database_url):
    return _server_urls(worker_id)[0]


@pytest.fixture(scope="session")
def _app_tables(database_url):
    """Every table a test can fill: the catalog's, and the job queue's jobs (one a
    test queued and did not run would otherwise be taken by a later test's worker).
    Not the queue's registered workers: the browser tests' worker runs across tests."""
    from app.migrate import JOB_QUEUE_SCHEMA

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            """
            SELECT quote_ident(schemaname) || '.' || quote_ident(tablename)
              FROM pg_tables
             WHERE schemaname IN ('public', %s)
               AND tablename NOT IN ('schema_migrations', 'procrastinate_workers')
            """,
            (JOB_QUEUE_SCHEMA,),
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
            # Cheap hashes keep the suite fast; production uses argon2's defaults.
            "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8192, "parallelism": 1},
        }
    )
    app.test_client_class = CatalogClient
    yield app
    app.extensions["catalog_pool"].close()


class CatalogClient(FlaskClient):
    """Flask's test client plus what a browser does for us: CSRF tokens and htmx headers."""

    def csrf_token(self) -> str:
        html = self.get("/login").get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    def submit(self, url, data=None, *, htmx=False, method="POST", **kwargs):
        """Send a form as the page would, with a valid CSRF token."""
        headers = dict(kwargs.pop("headers", {}))
        headers["X-CSRFToken"] = self.csrf_token()
        if htmx:
            headers["HX-Request"] = "true"
        return self.open(url, method=method, data=data or {}, headers=headers, **kwargs)


PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(app, conn):
    """Create a staff account: make_user(role="editor", email=None, password=PASSWORD)."""

    def make(role="editor", email=None, password=PASSWORD, name="", is_active=True):
        email = email or f"{role}-{new_id('user')[-6:].lower()}@shop.example"
        with app.app_context():
            password_hash = hash_password(password)
        user = auth_queries.insert_user(conn, user_id=new_id("user"), email=email, name=name,
                                        password_hash=password_hash, role=role)
        if not is_active:
            conn.execute("UPDATE staff_users SET is_active = false WHERE id = %s", (user["id"],))
        return {**user, "password": password}

    return make


def sign_in(client, email, password=PASSWORD):
    return client.submit("/login", {"email": email, "password": password})


@pytest.fixture
def anonymous_client(app):
    return app.test_client()


@pytest.fixture
def login_as(app, make_user):
    """login_as("viewer") -> a test client signed in as a new account with that role."""

    def login(role="editor", client=None):
        client = client or app.test_client()
        user = make_user(role)
        response = sign_in(client, user["email"])
        assert response.status_code == 302, response.get_data(as_text=True)
        client.user = user
        return client

    return login


@pytest.fixture
def client(login_as):
    """A client signed in as an editor: the everyday staff member."""
    return login_as("editor")


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
    from playwright.sync_api import expect, sync_playwright

    # Playwright's 5 s assumes a quiet machine. Beside another suite on these 2
    # cores the browser tests ran 1.5-2.2x slower (2:28 alone, 3:43-5:20 loaded),
    # so a step that takes 3 s alone could miss 5 s. A lost request or drop still
    # fails, after 15 s.
    expect.set_options(timeout=15_000)
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
def anonymous_page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors, blocked = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # What the Content-Security-Policy blocks is reported on the console only.
    page.on("console", lambda message: blocked.append(message.text) if message.type == "error"
            and "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not blocked, f"The Content-Security-Policy blocked: {blocked}"


def browser_sign_in(page, email, password=PASSWORD):
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def page_as(anonymous_page, make_user):
    """page_as("viewer") -> the browser page, signed in as a new account with that role."""

    def sign_in_as(role="editor"):
        user = make_user(role)
        browser_sign_in(anonymous_page, user["email"])
        anonymous_page.user = user
        return anonymous_page

    return sign_in_as


@pytest.fixture
def page(page_as):
    """The browser, signed in as an editor."""
    return page_as("editor")
