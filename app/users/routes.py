import psycopg
from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from ..auth import queries as auth_queries
from ..auth.security import hash_password, require_role, start_session
from ..db import get_conn, transaction
from ..ids import new_id
from . import queries
from .forms import ResetPasswordForm, UserCreateForm, UserEditForm

bp = Blueprint("users", __name__, url_prefix="/users")

LAST_ADMIN = "Catalog needs at least one active admin. Make someone else an admin first."


@bp.before_request
def admins_only():
    require_role("admin")


def get_user_or_404(user_id):
    user = auth_queries.get_user(get_conn(), user_id=user_id)
    if user is None:
        abort(404)
    return user


def is_last_admin(conn, user_id) -> bool:
    return queries.lock_active_admins(conn) == [user_id]


@bp.get("/")
def index():
    return render_template("users/index.html", users=queries.list_users(get_conn()))


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            with transaction() as conn:
                user = auth_queries.insert_user(
                    conn, user_id=new_id("user"), email=form.email.data,
                    name=form.name.data.strip(), role=form.role.data,
                    password_hash=hash_password(form.password.data))
        except psycopg.errors.UniqueViolation:
            form.email.errors.append("An account with this email already exists.")
        else:
            flash(f"Account for {user['email']} created.", "success")
            return redirect(url_for("users.index"))
    status = 422 if form.errors else 200
    return render_template("users/new.html", form=form), status


@bp.route("/<user_id>", methods=["GET", "POST"])
def edit(user_id):
    user = get_user_or_404(user_id)
    form = UserEditForm(data=user)
    password_form = ResetPasswordForm(prefix="reset")
    if form.validate_on_submit():
        with transaction() as conn:
            if form.role.data != "admin" and user["is_active"] and is_last_admin(conn, user_id):
                form.role.errors.append(LAST_ADMIN)
            else:
                user = queries.update_user(
                    conn, user_id=user_id, name=form.name.data.strip(), role=form.role.data)
        if not form.errors:
            flash(f"{user['email']} saved.", "success")
            return redirect(url_for("users.index"))
    status = 422 if form.errors else 200
    return render_template("users/edit.html", user=user, form=form,
                           password_form=password_form), status


@bp.post("/<user_id>/active")
def toggle_active(user_id):
    user = get_user_or_404(user_id)
    activate = not user["is_active"]
    with transaction() as conn:
        if not activate and user["role"] == "admin" and is_last_admin(conn, user_id):
            flash(LAST_ADMIN, "error")
            return redirect(url_for("users.edit", user_id=user_id))
        user = queries.set_active(conn, user_id=user_id, is_active=activate)
    state = "reactivated" if activate else "deactivated; their sessions have ended"
    flash(f"{user['email']} {state}.", "success")
    return redirect(url_for("users.index"))


@bp.post("/<user_id>/password")
def reset_password(user_id):
    user = get_user_or_404(user_id)
    password_form = ResetPasswordForm(prefix="reset")
    if not password_form.validate_on_submit():
        form = UserEditForm(data=user)
        return render_template("users/edit.html", user=user, form=form,
                               password_form=password_form), 422
    with transaction() as conn:
        user = auth_queries.update_password(
            conn, user_id=user_id, password_hash=hash_password(password_form.password.data))
        auth_queries.clear_throttle(conn, email_key=user["email"].lower())
    if user_id == g.user["id"]:
        start_session(user)  # an admin resetting their own password stays signed in here
    flash(f"New password set for {user['email']}; their sessions have ended.", "success")
    return redirect(url_for("users.index"))
