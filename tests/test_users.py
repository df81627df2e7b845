"""Admins manage staff accounts; the last admin cannot be removed."""

from tests.conftest import PASSWORD, sign_in


def test_only_admins_see_the_users_page(login_as):
    assert login_as("admin").get("/users/").status_code == 200
    assert login_as("editor").get("/users/").status_code == 403
    assert login_as("viewer").get("/users/").status_code == 403


def test_an_admin_creates_an_account_that_can_sign_in(app, login_as, conn):
    admin = login_as("admin")
    response = admin.submit("/users/new", {"email": "Bo@Shop.example", "name": "Bo",
                                           "role": "viewer", "password": PASSWORD})
    assert response.status_code == 302
    assert "Bo@Shop.example" in admin.get("/users/").get_data(as_text=True)
    assert sign_in(app.test_client(), "bo@shop.example").status_code == 302


def test_a_taken_email_is_reported_on_the_field(login_as, make_user):
    make_user("viewer", email="bo@shop.example")
    admin = login_as("admin")
    response = admin.submit("/users/new", {"email": "BO@shop.example", "name": "Bo 2",
                                           "role": "viewer", "password": PASSWORD})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "An account with this email already exists." in html
    assert 'value="Bo 2"' in html


def test_the_last_admin_cannot_be_demoted_or_deactivated(login_as, conn):
    admin = login_as("admin")
    me = admin.user["id"]
    demote = admin.submit(f"/users/{me}", {"name": "", "role": "editor"})
    assert demote.status_code == 422
    assert "at least one active admin" in demote.get_data(as_text=True)
    admin.submit(f"/users/{me}/active")
    row = conn.execute("SELECT role, is_active FROM staff_users WHERE id = %s", (me,)).fetchone()
    assert row == {"role": "admin", "is_active": True}


def test_with_two_admins_one_can_be_demoted(login_as, make_user, conn):
    admin = login_as("admin")
    other = make_user("admin")
    response = admin.submit(f"/users/{other['id']}", {"name": "", "role": "viewer"})
    assert response.status_code == 302
    role = conn.execute("SELECT role FROM staff_users WHERE id = %s", (other["id"],)).fetchone()
    assert role["role"] == "viewer"


def test_deactivating_an_account_ends_its_sessions(app, login_as):
    admin = login_as("admin")
    editor = login_as("editor")
    assert editor.get("/").status_code == 200
    admin.submit(f"/users/{editor.user['id']}/active")
    assert editor.get("/").status_code == 302
    assert sign_in(app.test_client(), editor.user["email"]).status_code == 422


def test_an_admin_resets_a_password(app, login_as):
    admin = login_as("admin")
    editor = login_as("editor")
    response = admin.submit(f"/users/{editor.user['id']}/password",
                            {"reset-password": "another good secret"})
    assert response.status_code == 302
    assert editor.get("/").status_code == 302
    assert sign_in(app.test_client(), editor.user["email"],
                   "another good secret").status_code == 302
