"""Security every route gets without asking: roles on writes, CSRF, headers, escaping."""

import re

import pytest

from tests.conftest import sign_in

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Writes that do not need the editor role, and why.
OPEN_WRITES = {
    "auth.login": "signing in",
    "auth.setup": "first-run setup, guarded by its one-time token",
    "auth.logout": "anyone signed in may sign out",
    "auth.password": "anyone signed in may change their own password",
}


def write_routes(app):
    """Every (endpoint, method, concrete URL) that changes something."""
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & WRITE_METHODS):
            url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "x", rule.rule)
            routes.append((rule.endpoint, method, url))
    return routes


def test_the_walk_finds_the_write_routes(app):
    endpoints = {endpoint for endpoint, _, _ in write_routes(app)}
    assert {"auth.logout", "users.new", "users.toggle_active"} <= endpoints


def test_every_write_route_refuses_a_viewer(app, login_as):
    viewer = login_as("viewer")
    for endpoint, method, url in write_routes(app):
        if endpoint in OPEN_WRITES:
            continue
        response = viewer.submit(url, method=method)
        assert response.status_code == 403, (endpoint, method, url, response.status_code)


def test_every_write_route_refuses_an_anonymous_user(app):
    client = app.test_client()
    for endpoint, method, url in write_routes(app):
        if endpoint in {"auth.login", "auth.setup"}:
            continue
        response = client.submit(url, method=method)
        assert response.status_code == 302, (endpoint, method, url)
        assert response.headers["Location"].startswith("/login")
        htmx = client.submit(url, method=method, htmx=True)
        assert htmx.status_code == 401, (endpoint, method, url)


def test_a_form_post_without_csrf_token_is_refused_with_a_clear_page(login_as, conn):
    admin = login_as("admin")
    response = admin.post("/users/new", data={"email": "x@shop.example", "role": "viewer",
                                               "password": "long enough pw"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your session expired" in html
    # What was typed is kept, ready to send again with a fresh token; the password is not.
    assert 'name="email" value="x@shop.example"' in html
    assert "long enough pw" not in html
    assert conn.execute("SELECT count(*) AS n FROM staff_users").fetchone()["n"] == 1


def test_an_htmx_post_with_a_stale_token_is_refused(login_as, conn):
    admin = login_as("admin")
    response = admin.post("/users/new", data={"email": "x@shop.example", "role": "viewer",
                                               "password": "long enough pw"},
                          headers={"HX-Request": "true", "X-CSRFToken": "stale"})
    assert response.status_code == 400
    assert "<html" not in response.get_data(as_text=True)
    assert conn.execute("SELECT count(*) AS n FROM staff_users").fetchone()["n"] == 1


def test_every_page_carries_the_security_headers(client, anonymous_client):
    for response in (client.get("/"), anonymous_client.get("/login"),
                     client.get("/no/such/page")):
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_the_session_cookie_is_httponly_and_samesite(app, make_user):
    user = make_user("viewer")
    response = sign_in(app.test_client(), user["email"])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_the_session_cookie_is_secure_over_https(app, make_user):
    user = make_user("viewer")
    client = app.test_client()
    base = "https://catalog.example"
    html = client.get("/login", base_url=base).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/login", base_url=base, headers={"Referer": f"{base}/login"}, data={
        "csrf_token": token, "email": user["email"], "password": "correct horse battery"})
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]
    plain = sign_in(app.test_client(), user["email"])
    assert "Secure" not in plain.headers["Set-Cookie"]


@pytest.mark.parametrize("evil", ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>'])
def test_names_shown_on_pages_are_escaped(login_as, make_user, evil):
    make_user("viewer", name=evil)
    html = login_as("admin").get("/users/").get_data(as_text=True)
    assert evil not in html
    assert "&lt;" in html


def test_a_request_that_ends_after_a_save_cannot_drop_the_saves_message(client, conn, app):
    from tests.factories import make_product
    from tests.test_products import edit_form, form_data

    pid = make_product(conn, "Linen Shirt")
    before = client.get_cookie("session").value
    assert "Set-Cookie" not in client.get(f"/products/{pid}").headers  # a view sends none
    saved = client.submit(f"/products/{pid}", form_data(**edit_form(client, pid),
                                                         title="Hemp Shirt"))
    assert saved.status_code == 302 and "Set-Cookie" in saved.headers  # with the message
    # The page's media section, asked for before the save, answered after it.
    late = app.test_client()
    late.set_cookie("session", before)
    answer = late.get(f"/products/{pid}/images", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    assert "Product “Hemp Shirt” saved." in client.get(f"/products/{pid}").get_data(
        as_text=True)


EVIL = '"><img src=x onerror=alert(1)>'


def test_product_list_rows_and_variant_grid_cells_escape_what_staff_typed(client, conn):
    """Both are written in Python (app/products/rows.py, RowState.cells), not by Jinja's
    autoescape: every typed value must still arrive as text."""
    from tests.factories import make_collection, make_product, make_type

    pid = make_product(conn, f"Shirt {EVIL}", skus=[f"SKU{EVIL}"],
                       collection_id=make_collection(conn, f"Summer {EVIL}"),
                       type_id=make_type(conn, f"Tops {EVIL}"))
    conn.execute("UPDATE products SET thumbnail = %s WHERE id = %s",
                 (f"https://img.example/a.jpg?x={EVIL}", pid))
    conn.execute("UPDATE p_variants SET material = %s WHERE product_id = %s", (EVIL, pid))
    listing = client.get("/products/").get_data(as_text=True)
    grid = client.get(f"/products/{pid}/variants").get_data(as_text=True)
    for html in (listing, grid):
        assert "<img src=x" not in html
    # The title (link and select box label), collection, type and thumbnail.
    assert listing.count("&#34;&gt;&lt;img src=x onerror=alert(1)&gt;") == 5
    assert 'value="SKU&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"' in grid
    assert 'name="material" value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"' in grid
