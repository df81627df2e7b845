"""Sign-in, first-run setup, lockout, sessions and passwords."""

import pytest

from app.auth.routes import create_setup_token
from tests.conftest import PASSWORD, sign_in


def test_pages_need_a_signed_in_user(anonymous_client):
    response = anonymous_client.get("/?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/?x%3D1"


def test_htmx_requests_without_a_session_get_401_and_a_redirect_header(anonymous_client):
    response = anonymous_client.get(
        "/", headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/users/"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/users/"


def test_login_lands_where_the_user_was_going(anonymous_client, make_user):
    user = make_user("viewer")
    response = anonymous_client.submit(
        "/login?next=/users/", {"email": user["email"].upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/users/"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
    "http:/evil.example",
])
def test_login_ignores_a_next_that_leaves_the_site(anonymous_client, make_user, target):
    user = make_user("viewer")
    response = anonymous_client.submit(
        "/login", {"email": user["email"], "password": PASSWORD}, query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_wrong_password_says_so_without_revealing_the_account(anonymous_client, make_user):
    user = make_user("editor")
    wrong = anonymous_client.submit("/login", {"email": user["email"], "password": "nope"})
    unknown = anonymous_client.submit("/login", {"email": "ghost@shop.example", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 422
    assert "Email or password is incorrect." in wrong.get_data(as_text=True)
    assert "Email or password is incorrect." in unknown.get_data(as_text=True)
    # What was typed stays in the form (the password never comes back).
    assert f'value="{user["email"]}"' in wrong.get_data(as_text=True)
    assert "nope" not in wrong.get_data(as_text=True)


def test_a_deactivated_account_cannot_sign_in(anonymous_client, make_user):
    user = make_user("editor", is_active=False)
    response = sign_in(anonymous_client, user["email"])
    assert response.status_code == 422
    assert anonymous_client.get("/").status_code == 302


def test_five_failures_in_a_row_lock_the_email_with_growing_delays(
        anonymous_client, make_user, conn):
    user = make_user("editor")
    for _ in range(5):
        assert sign_in(anonymous_client, user["email"], "wrong").status_code == 422
    locked = sign_in(anonymous_client, user["email"])  # even the right password waits
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.get_data(as_text=True)
    first = conn.execute("SELECT failed_logins, locked_until - now() AS wait "
                         "FROM login_throttle").fetchone()
    assert first["failed_logins"] == 5
    # Once the wait is over, another failure locks for twice as long.
    conn.execute("UPDATE login_throttle SET locked_until = now() - interval '1 second'")
    sign_in(anonymous_client, user["email"], "wrong")
    second = conn.execute("SELECT locked_until - now() AS wait FROM login_throttle").fetchone()
    assert second["wait"].total_seconds() > 1.8 * first["wait"].total_seconds()


def test_an_unknown_email_is_locked_exactly_like_a_real_one(anonymous_client):
    for _ in range(5):
        sign_in(anonymous_client, "ghost@shop.example", "wrong")
    response = sign_in(anonymous_client, "ghost@shop.example", "wrong")
    assert response.status_code == 429


def test_a_successful_sign_in_resets_the_counter(anonymous_client, make_user, conn):
    user = make_user("editor")
    for _ in range(3):
        sign_in(anonymous_client, user["email"], "wrong")
    assert sign_in(anonymous_client, user["email"]).status_code == 302
    assert conn.execute("SELECT count(*) AS n FROM login_throttle").fetchone()["n"] == 0


def test_logout_ends_the_session(client):
    assert client.get("/").status_code == 200
    response = client.submit("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_a_stale_hash_is_rehashed_on_login(app, anonymous_client, make_user, conn):
    user = make_user("editor")
    conn.execute("UPDATE staff_users SET password_hash = %s WHERE id = %s",
                 (_hash_with(time_cost=2), user["id"]))
    assert sign_in(anonymous_client, user["email"]).status_code == 302
    stored = conn.execute("SELECT password_hash FROM staff_users WHERE id = %s",
                          (user["id"],)).fetchone()["password_hash"]
    assert "t=1" in stored


def _hash_with(**params):
    from argon2 import PasswordHasher

    return PasswordHasher(**{"memory_cost": 8192, "parallelism": 1, **params}).hash(PASSWORD)


def test_changing_the_password_ends_other_sessions(app, login_as):
    mine = login_as("viewer")
    other = app.test_client()
    assert sign_in(other, mine.user["email"]).status_code == 302
    response = mine.submit("/account/password", {
        "current_password": PASSWORD, "password": "a brand new secret", "confirm":
        "a brand new secret"})
    assert response.status_code == 302
    assert mine.get("/").status_code == 200  # this browser stays signed in
    assert other.get("/").status_code == 302  # the other one is signed out
    assert sign_in(app.test_client(), mine.user["email"], "a brand new secret").status_code == 302


def test_changing_the_password_needs_the_current_one(client):
    response = client.submit("/account/password", {
        "current_password": "not it", "password": "a brand new secret",
        "confirm": "a brand new secret"})
    assert response.status_code == 422
    assert "This is not your current password." in response.get_data(as_text=True)


def test_setup_without_a_token_is_refused(anonymous_client):
    response = anonymous_client.get("/setup")
    assert response.status_code == 403
    assert "not valid" in response.get_data(as_text=True)


def test_setup_with_the_token_creates_the_first_admin_once(app, anonymous_client, conn):
    with app.app_context():
        from app.db import get_conn

        token = create_setup_token(get_conn())
    assert anonymous_client.get(f"/setup?token={token}").status_code == 200
    form = {"name": "Ana", "email": "ana@shop.example", "password": PASSWORD, "confirm": PASSWORD}
    response = anonymous_client.submit(f"/setup?token={token}", form)
    assert response.status_code == 302
    assert anonymous_client.get("/").status_code == 200
    rows = conn.execute("SELECT email, role, last_login_at IS NOT NULL AS signed_in "
                        "FROM staff_users").fetchall()
    assert rows == [{"email": "ana@shop.example", "role": "admin", "signed_in": True}]
    # The link is spent: a second visit is sent to sign in and creates nothing.
    again = app.test_client().submit(f"/setup?token={token}", {**form, "email": "eve@shop.example"})
    assert again.status_code == 302 and again.headers["Location"] == "/login"
    assert conn.execute("SELECT count(*) AS n FROM staff_users").fetchone()["n"] == 1


def test_no_setup_token_is_made_once_there_are_accounts(app, make_user):
    make_user("admin")
    with app.app_context():
        from app.db import get_conn

        assert create_setup_token(get_conn()) is None
