import hashlib
import secrets

import psycopg
from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for

from ..db import get_conn, transaction
from ..ids import new_id
from . import queries
from .forms import ChangePasswordForm, LoginForm, SetupForm
from .security import (
    hash_password,
    needs_rehash,
    safe_next,
    start_session,
    verify_password,
)

bp = Blueprint("auth", __name__)

# Five failures in a row are free; then 30 s, 60 s, 2 min ... up to 15 min.
FREE_ATTEMPTS = 5
LOCK_BASE_SECONDS = 30
LOCK_MAX_SECONDS = 15 * 60
WRONG_CREDENTIALS = "Email or password is incorrect."


def email_key(email: str) -> str:
    return email.strip().lower()


def _wait_message(seconds: int) -> str:
    when = f"{-(-seconds // 60)} minutes" if seconds >= 90 else f"{max(seconds, 1)} seconds"
    return (f"Too many failed sign-ins for this email. Wait {when}, then try again. "
            "An admin can reset the password if it is lost.")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    next_path = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        key = email_key(form.email.data)
        conn = get_conn()
        throttle = queries.get_throttle(conn, email_key=key)
        if throttle and throttle["is_locked"]:
            form.form_errors.append(_wait_message(throttle["seconds_left"]))
            return render_template("auth/login.html", form=form), 429
        user = queries.get_user_for_login(conn, email=form.email.data)
        password_ok = verify_password(user["password_hash"] if user else None,
                                      form.password.data)
        if not (password_ok and user["is_active"]):
            with transaction() as conn:
                queries.record_failed_login(
                    conn, email_key=key, free_attempts=FREE_ATTEMPTS,
                    base_seconds=LOCK_BASE_SECONDS, max_seconds=LOCK_MAX_SECONDS)
            form.form_errors.append(WRONG_CREDENTIALS)
            return render_template("auth/login.html", form=form), 422
        with transaction() as conn:
            queries.clear_throttle(conn, email_key=key)
            queries.record_login(conn, user_id=user["id"])
            if needs_rehash(user["password_hash"]):
                queries.update_password_hash(
                    conn, user_id=user["id"], password_hash=hash_password(form.password.data))
        start_session(user)
        return redirect(next_path or url_for("home.index"))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_setup_token(conn) -> str | None:
    """A one-time link token while there are no accounts; None once there are."""
    with conn.transaction():
        if queries.count_users(conn):
            return None
        token = secrets.token_urlsafe(24)
        queries.insert_setup_token(conn, token_hash=hash_token(token))
    return token


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """First run: the one-time link creates the first admin."""
    token = request.args.get("token", "")
    conn = get_conn()
    if queries.count_users(conn):
        flash("Catalog is already set up. Sign in with your account.", "info")
        return redirect(url_for("auth.login"))
    form = SetupForm()
    if form.validate_on_submit():
        with transaction() as conn:
            # The token row lock makes two browsers using one link create one admin.
            if not token or not queries.lock_setup_token(conn, token_hash=hash_token(token)):
                abort(403)
            if queries.count_users(conn):
                return redirect(url_for("auth.login"))
            try:
                with conn.transaction():
                    user = queries.insert_user(
                        conn, user_id=new_id("user"), email=form.email.data,
                        name=form.name.data.strip(),
                        password_hash=hash_password(form.password.data), role="admin")
            except psycopg.errors.UniqueViolation:
                return redirect(url_for("auth.login"))
            queries.use_setup_tokens(conn)
            # Setting up signs the admin in: that is their first sign-in.
            queries.record_login(conn, user_id=user["id"])
        start_session(user)
        flash("Welcome to Catalog. Your admin account is ready.", "success")
        return redirect(url_for("home.index"))
    with transaction() as conn:
        valid = bool(token) and queries.lock_setup_token(conn, token_hash=hash_token(token))
    if not valid:
        return render_template("auth/setup_invalid.html"), 403
    status = 422 if form.errors else 200
    return render_template("auth/setup.html", form=form, token=token), status


@bp.route("/account/password", methods=["GET", "POST"])
def password():
    """Everyone changes their own password; every other session of theirs ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        current_hash = queries.get_password_hash(get_conn(), user_id=g.user["id"])
        if not verify_password(current_hash, form.current_password.data):
            form.current_password.errors.append("This is not your current password.")
        else:
            with transaction() as conn:
                user = queries.update_password(
                    conn, user_id=g.user["id"], password_hash=hash_password(form.password.data))
            start_session(user)
            flash("Your password is changed. Other sessions were signed out.", "success")
            return redirect(url_for("home.index"))
    status = 422 if form.errors else 200
    return render_template("auth/password.html", form=form), status
