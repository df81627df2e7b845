"""Catalog: a web app in which shop staff manage a product catalog."""

from flask import Flask, has_request_context, request
from flask_wtf import CSRFProtect

from . import db
from .auth import security
from .config import ROOT, Config
from .web import compression, errors, nav, pagecache
from .web.render import htmx

csrf = CSRFProtect()


class Catalog(Flask):
    """Flask, with the URLs requests build kept per worker.

    A list page builds ~40 (the sidebar, stylesheets, scripts, filters, bulk bar), at
    ~5 µs each through werkzeug's URL map; the same few hundred come back on every
    page. A URL depends only on the endpoint, its values and the request's script
    root, unless a url_defaults function adds values (none is registered; if one
    ever is, nothing is kept) or the call asks for more (an anchor, a method, a
    scheme, an external URL, a relative endpoint), which goes to Flask as before."""

    URLS_KEPT = 4096

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict = {}

    def url_for(self, endpoint, /, *, _anchor=None, _method=None, _scheme=None,
                _external=None, **values):
        if (_anchor is not None or _method is not None or _scheme is not None or _external
                or endpoint[:1] == "." or self.url_default_functions
                or not has_request_context()):
            return super().url_for(endpoint, _anchor=_anchor, _method=_method,
                                   _scheme=_scheme, _external=_external, **values)
        try:  # the type too: True and 1 are equal keys but different URLs
            key = (request.script_root, endpoint,
                   *[(k, type(v), v) for k, v in sorted(values.items())])
            url = self._urls.get(key)
        except TypeError:  # a value that cannot be a key (a list): built every time
            return super().url_for(endpoint, **values)
        if url is None:
            url = super().url_for(endpoint, **values)
            if len(self._urls) >= self.URLS_KEPT:
                self._urls.clear()
            self._urls[key] = url
        return url


def create_app(overrides: dict | None = None) -> Flask:
    app = Catalog(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(Config().as_dict())
    if overrides:
        app.config.from_mapping(overrides)
    if not app.config.get("DATABASE_URL"):
        from .pgserver import embedded_url

        app.config["DATABASE_URL"] = embedded_url()

    compression.init_app(app)  # first: its after_request then runs last
    db.init_app(app)
    pagecache.init_app(app)
    htmx.init_app(app)
    # Before CSRF: an anonymous write is sent to the login page, a viewer's gets 403.
    security.init_app(app)
    csrf.init_app(app)
    app.jinja_env.globals["csrf_token"] = security.page_csrf_token
    errors.init_app(app)
    nav.init_app(app)

    from .auth.routes import bp as auth_bp
    from .categories.routes import bp as categories_bp
    from .collections.routes import bp as collections_bp
    from .history import routes as history
    from .home.routes import bp as home_bp
    from .images.routes import bp as images_bp
    from .imports.routes import bp as imports_bp
    from .products.routes import bp as products_bp
    from .tags.routes import bp as tags_bp
    from .trash.routes import bp as trash_bp
    from .types.routes import bp as types_bp
    from .users.routes import bp as users_bp
    from .variants.routes import bp as variants_bp
    from .web.media import bp as media_bp

    for blueprint in (home_bp, auth_bp, users_bp, products_bp, categories_bp, collections_bp,
                      tags_bp, types_bp, trash_bp, media_bp, variants_bp, images_bp, history.bp,
                      imports_bp):
        app.register_blueprint(blueprint)
    history.init_app(app)
    return app
