"""Who is signed in, what their role allows, and the headers every response carries.

Every route needs a signed-in, active user unless it is listed in PUBLIC_ENDPOINTS,
and every write (POST/PUT/PATCH/DELETE) needs the editor role unless it is listed
in SELF_SERVICE_ENDPOINTS. Both checks run before any view, so a route added
later is protected without doing anything.
"""

import secrets
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (
    abort,
    current_app,
    g,
    has_app_context,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf

from ..db import get_conn
from . import queries

ROLES = ("admin", "editor", "viewer")
ROLE_RANK = {"viewer": 0, "editor": 1, "admin": 2}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PUBLIC_ENDPOINTS = {"auth.login", "auth.setup", "home.healthz", "static"}
# Writes about one's own account, allowed to every signed-in role.
SELF_SERVICE_ENDPOINTS = {"auth.logout", "auth.password"}

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Product images may be added by URL from any https/http host.
        "img-src 'self' data: https: http:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def password_hasher() -> PasswordHasher:
    """argon2 with its recommended parameters (tests may lower them through config)."""
    params = current_app.config.get("ARGON2_PARAMS", {}) if has_app_context() else {}
    return PasswordHasher(**params)


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not there is an account: unknown emails verify a dummy."""
    hasher = password_hasher()
    if password_hash is None:
        password_hash = _dummy_hash(hasher)
        password = password + "\0never"
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _DUMMY:
        _DUMMY[key] = hasher.hash(secrets.token_hex(16))
    return _DUMMY[key]


def needs_rehash(password_hash: str) -> bool:
    return password_hasher().check_needs_rehash(password_hash)


def start_session(user) -> None:
    session.clear()
    session["uid"] = user["id"]
    session["ver"] = user["session_version"]
    session.permanent = True
    # The new session's CSRF secret is made now, not by the first page after sign-in:
    # showing a page then never changes the session, which lets the page cache keep
    # pages for any client (app/web/pagecache.py).
    g.pop("csrf_token", None)
    generate_csrf()


def has_role(user, role: str) -> bool:
    return user is not None and ROLE_RANK[user["role"]] >= ROLE_RANK[role]


def require_role(role: str) -> None:
    if not has_role(g.get("user"), role):
        abort(403)


def safe_next(target: str | None) -> str | None:
    """A path on this site to go to after login, or None for anything else."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\\\r\n\t") or urlsplit(target).netloc:
        return None
    return target


def page_csrf_token() -> str:
    """The templates' csrf_token(): flask-wtf's generate_csrf() once per request. It
    keeps the token in `g` already, but finds its settings again on every call, and a
    variant grid page asks ~300 times (a form per row and per option value)."""
    token = g.get("page_csrf_token")
    if token is None:
        token = g.page_csrf_token = generate_csrf()
    return token


def _load_user() -> None:
    g.user = None
    user_id = session.get("uid")
    if not user_id:
        return
    user = queries.get_signed_in_user(get_conn(), user_id=user_id)
    if user and user["is_active"] and session.get("ver") == user["session_version"]:
        g.db_snapshot = user.pop("db_snapshot")
        g.user = user
    else:
        session.clear()


def _unauthenticated():
    from ..web.render import htmx

    if htmx:
        current = urlsplit(htmx.current_url or "/")
        target = url_for("auth.login", next=safe_next(current.path) or "/")
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = target
        return response
    next_path = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=safe_next(next_path)))


def _guard():
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None
    _load_user()
    if g.user is None:
        return _unauthenticated()
    if request.method in WRITE_METHODS and endpoint not in SELF_SERVICE_ENDPOINTS:
        require_role("editor")
    return None


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint not in ("static", "media.media"):
        headers.setdefault("Cache-Control", "no-store")
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose cookie is Secure whenever the request came over https."""

    def get_cookie_secure(self, app) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def init_app(app) -> None:
    app.session_interface = SessionInterface()
    if app.config.get("PROXY_FIX"):
        # Behind a load balancer: trust its X-Forwarded-Proto/For/Host (one hop).
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.before_request(_guard)
    app.after_request(_security_headers)

    @app.context_processor
    def inject_user():
        user = g.get("user")
        return {
            "current_user": user,
            "can_edit": has_role(user, "editor"),
            "is_admin": has_role(user, "admin"),
        }
