"""Signing in and out, first-run setup and roles, in real Chromium."""

import re

from playwright.sync_api import expect

from app.auth.routes import create_setup_token
from tests.conftest import PASSWORD, browser_sign_in


def test_first_run_setup_with_the_token_creates_the_admin_and_lands_home(
        app, anonymous_page, conn):
    page = anonymous_page
    with app.app_context():
        from app.db import get_conn

        token = create_setup_token(get_conn())
    page.goto(f"/setup?token={token}")
    page.get_by_label("Your name").fill("Ana Souza")
    page.get_by_label("Email").fill("ana@shop.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill("something else entirely")
    page.get_by_role("button", name="Create admin account").click()
    # A mistake keeps what was typed and says what is wrong beside the field.
    expect(page.get_by_text("The two passwords differ.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("ana@shop.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create admin account").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator(".nav-footer")).to_contain_text("Ana Souza")
    assert conn.execute("SELECT role FROM staff_users").fetchone()["role"] == "admin"


def test_setup_without_the_token_is_refused(anonymous_page):
    anonymous_page.goto("/setup")
    heading = anonymous_page.get_by_role("heading", name="This setup link is not valid")
    expect(heading).to_be_visible()


def test_a_wrong_password_shows_a_message_and_keeps_the_email(anonymous_page, make_user):
    user = make_user("editor")
    page = anonymous_page
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    page.get_by_label("Email").fill(user["email"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Email or password is incorrect.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(user["email"])
    expect(page.get_by_label("Password")).to_have_value("")


def test_sign_in_returns_to_the_page_asked_for_and_sign_out_ends_it(anonymous_page, make_user):
    user = make_user("admin")
    page = anonymous_page
    page.goto("/users/")
    browser_sign_in_here(page, user["email"])
    expect(page.get_by_role("heading", name="Staff accounts")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def browser_sign_in_here(page, email):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_viewer_sees_no_admin_or_edit_controls(page_as):
    page = page_as("viewer")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Staff accounts")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto("/users/")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_an_admin_adds_an_account_from_the_users_page(page_as, conn):
    page = page_as("admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff accounts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff accounts")  # as it says
    page.get_by_role("link", name="Add account").click()
    page.get_by_label("Email").fill("bo@shop.example")
    page.get_by_label("Name").fill("Bo")
    page.get_by_label("Role").select_option("viewer")
    page.get_by_label("Initial password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Account for bo@shop.example created.")).to_be_visible()
    expect(page.get_by_role("link", name="bo@shop.example")).to_be_visible()
    row = conn.execute("SELECT role FROM staff_users WHERE email = 'bo@shop.example'").fetchone()
    assert row["role"] == "viewer"


def test_another_browser_signs_in_after_setup(anonymous_page, make_user):
    user = make_user("viewer")
    browser_sign_in(anonymous_page, user["email"])
    expect(anonymous_page.get_by_role("heading", name="Overview")).to_be_visible()
