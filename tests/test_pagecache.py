"""The page cache: a page is sent again only while the database, the account, the
session and the request are what they were when it was rendered."""

import gzip
import time

import psycopg

from app import create_app
from app.web.pagecache import Entry, PageCache
from tests.conftest import sql_statements
from tests.factories import make_product


def text(response) -> str:
    return response.get_data(as_text=True)


def rendered_then_cached(client, conn, url, **kwargs):
    """Two GETs of url: rendered, then sent from the cache. The snapshot is the whole
    PostgreSQL server's, and the test running beside this one on it commits now and then
    (any commit, anywhere, starts the cache afresh), so this tries until no commit fell
    between the two."""
    for _ in range(50):
        conn.execute("SELECT pg_current_xact_id()")  # a commit: the first GET renders
        first, again = client.get(url, **kwargs), client.get(url, **kwargs)
        if sql_statements(again) == 1:
            return first, again
    raise AssertionError(f"{url} was never sent from the cache")


def settled(client, url, **kwargs):
    """GET url until the session stops changing (the first view makes its CSRF token)."""
    client.get(url, **kwargs)
    return client.get(url, **kwargs)


def test_an_unchanged_page_is_sent_again_from_one_statement(client, conn, count_statements):
    make_product(conn, "Linen Shirt")
    first, again = rendered_then_cached(client, conn, "/products/")
    assert count_statements(first) > 1
    assert count_statements(again) == 1  # the signed-in user, with the snapshot
    assert again.get_data() == first.get_data() and "Linen Shirt" in text(again)


def test_signing_in_makes_the_csrf_secret_so_no_page_changes_the_session(client):
    with client.session_transaction() as session:
        assert session.get("csrf_token")  # a page need not add it, so it may be kept


def test_a_commit_by_anyone_shows_on_the_next_view(client, conn, count_statements):
    pid = make_product(conn, "Linen Shirt")
    settled(client, "/products/")
    settled(client, f"/products/{pid}")
    # A change made outside the app, as psql or a script would make it.
    conn.execute("UPDATE products SET title = 'Hemp Shirt' WHERE id = %s", (pid,))
    listing, page = client.get("/products/"), client.get(f"/products/{pid}")
    assert "Hemp Shirt" in text(listing) and "Linen Shirt" not in text(listing)
    assert 'value="Hemp Shirt"' in text(page)
    assert count_statements(listing) > 1 and count_statements(page) > 1


def test_a_page_rendered_while_a_write_was_in_flight_is_not_used_after_its_commit(
        client, conn, database_url):
    pid = make_product(conn, "Linen Shirt")
    with psycopg.connect(database_url) as writer:
        writer.execute("UPDATE products SET title = 'Hemp Shirt' WHERE id = %s", (pid,))
        # Rendered and stored while the update is not committed: the old title.
        assert "Linen Shirt" in text(settled(client, "/products/"))
        assert "Linen Shirt" in text(client.get("/products/"))
        writer.commit()
    assert "Hemp Shirt" in text(client.get("/products/"))


def test_each_account_gets_its_own_page(login_as, conn):
    make_product(conn, "Linen Shirt")
    editor, viewer = login_as("editor"), login_as("viewer")
    assert 'aria-label="Select all on this page"' in text(settled(editor, "/products/"))
    page = text(settled(viewer, "/products/"))
    assert "Linen Shirt" in page and 'aria-label="Select all on this page"' not in page


def test_the_fragment_and_the_whole_page_are_kept_apart(client, conn):
    make_product(conn, "Linen Shirt")
    for _ in range(2):
        fragment = text(settled(client, "/products/", headers={"HX-Request": "true"}))
        page = text(settled(client, "/products/"))
        assert "<html" not in fragment and 'id="product-results"' in fragment
        assert "<html" in page


def test_a_flash_is_shown_once_and_never_sent_again(client, conn):
    pid = make_product(conn, "Linen Shirt")
    make_product(conn, "Wool Beanie")
    settled(client, "/products/")
    client.submit(f"/products/{pid}/delete", {})
    # Deleting leaves a message for the next page, which shows it once.
    shown = text(client.get("/products/"))
    assert "“Linen Shirt” moved to Trash." in shown and "Wool Beanie" in shown
    for _ in range(2):
        again = text(client.get("/products/"))
        assert "moved to Trash" not in again and "Wool Beanie" in again


def test_a_page_that_shows_the_time_is_not_stored(client, conn, count_statements):
    for i in range(3):
        make_product(conn, f"Draft {i}")
    client.submit("/products/bulk", {"all_matching": "y", "query": "",
                                     "action": "status", "status": "proposed"})
    # "Your bulk change just now" reads the clock: it becomes "2 min ago", then expires.
    for _ in range(2):
        response = client.get("/products/")
        assert "Your bulk change just now" in text(response)
        assert count_statements(response) > 1


def test_the_least_recently_used_pages_go_first_and_old_ones_expire():
    cache = PageCache(max_bytes=100, max_age=60)

    def put(key, size=25, age=0.0):
        cache.put(key, Entry(time.monotonic() - age, 200, [], b"x" * size))

    put("a"), put("b")
    put("too big", size=26)  # over a quarter of the budget: never stored
    assert cache.get("too big") is None
    cache.get("a")  # "a" was used last: "b" goes first
    put("c"), put("d"), put("e")
    assert list(cache.entries) == ["a", "c", "d", "e"] and cache.size == 100
    assert cache.get("b") is None
    put("f")
    assert list(cache.entries) == ["c", "d", "e", "f"] and cache.size == 100
    put("old", age=61)
    assert cache.get("old") is None and "old" not in cache.entries and cache.size == 75


def test_page_cache_mb_0_turns_it_off(database_url):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x", "PAGE_CACHE_MB": 0,
                      "DB_POOL_MIN": 0})
    try:
        assert "page_cache" not in app.extensions
    finally:
        app.extensions["catalog_pool"].close()


def test_a_page_from_the_cache_is_sent_like_a_rendered_one(client, conn, count_statements):
    make_product(conn, "Linen Shirt")
    rendered, cached = rendered_then_cached(client, conn, "/products/",
                                            headers={"Accept-Encoding": "gzip"})
    assert count_statements(rendered) > 1 and count_statements(cached) == 1
    for response in (rendered, cached):
        assert response.headers["Content-Encoding"] == "gzip"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert "HX-Request" in response.headers["Vary"]
    assert gzip.decompress(cached.get_data()) == gzip.decompress(rendered.get_data())
