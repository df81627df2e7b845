"""The overview page, the health check and the error pages."""

import pytest

from app import create_app
from app.ids import new_id
from tests.conftest import CatalogClient, sign_in


def add_products(conn, n, status="published"):
    conn.execute(
        """
        INSERT INTO products (id, title, handle, status)
        SELECT %(prefix)s || g, 'Product ' || g, %(prefix)s || g, %(status)s
          FROM generate_series(1, %(n)s) AS g
        """,
        {"prefix": new_id("product") + "-", "n": n, "status": status},
    )


def test_overview_shows_live_counts_from_the_database(client, conn):
    add_products(conn, 3, "published")
    add_products(conn, 2, "draft")
    conn.execute("UPDATE products SET deleted_at = now() WHERE id IN "
                 "(SELECT id FROM products WHERE status = 'draft' LIMIT 1)")
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-count="products">4<' in html
    assert 'data-count="published">3<' in html
    assert 'data-count="draft">1<' in html


def test_an_htmx_request_gets_only_the_counts_fragment(client):
    response = client.get("/", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="home-counts"' in html
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_a_boosted_request_gets_the_whole_page(client):
    response = client.get("/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in response.get_data(as_text=True)


@pytest.mark.parametrize("rows", [0, 300])
def test_overview_runs_one_statement_whatever_the_data_size(client, conn, count_statements, rows):
    add_products(conn, rows)
    # One for the signed-in user, one for all the counts.
    assert count_statements(client.get("/")) == 2


def test_healthz_answers_200_with_the_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_not(database_url):
    from psycopg.conninfo import make_conninfo

    broken = create_app({"DATABASE_URL": make_conninfo(database_url, dbname="no_such_db"),
                         "SECRET_KEY": "x", "TESTING": True})
    try:
        response = broken.test_client().get("/healthz")
    finally:
        broken.extensions["catalog_pool"].close()
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_an_unknown_page_gets_a_friendly_404(client):
    response = client.get("/no/such/page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Not found" in html
    assert 'href="/"' in html


def test_an_unknown_page_under_htmx_gets_a_fragment(client):
    response = client.get("/no/such/page", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert "<html" not in response.get_data(as_text=True)


def test_a_server_error_gets_a_friendly_500_not_a_traceback(database_url, make_user):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x"})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    app.test_client_class = CatalogClient
    try:
        client = app.test_client()
        sign_in(client, make_user("viewer")["email"])
        response = client.get("/boom")
    finally:
        app.extensions["catalog_pool"].close()
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert "secret internals" not in html


def test_media_files_are_served_from_the_media_root(client, media_root):
    (media_root / "demo").mkdir(exist_ok=True)
    (media_root / "demo" / "a.txt").write_text("hello")
    assert client.get("/media/demo/a.txt").get_data(as_text=True) == "hello"
    assert client.get("/media/../secret_key").status_code == 404


def test_the_sidebar_marks_products_on_every_page_of_a_product(client, conn):
    from tests.factories import make_product

    pid = make_product(conn, "Linen Shirt")
    for url in (f"/products/{pid}", f"/products/{pid}/history", f"/products/{pid}/variants",
                "/imports/"):
        html = client.get(url).get_data(as_text=True)
        assert 'aria-current="page">Products</a>' in html, url
        assert 'aria-current="page">Activity</a>' not in html, url
    assert 'aria-current="page">Activity</a>' in client.get("/activity").get_data(as_text=True)


def test_every_page_has_an_icon_that_is_served(client):
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
