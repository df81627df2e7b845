"""The sidebar: every area that is registered, in the order staff use them."""

from flask import current_app, g, request, url_for

from ..auth.security import has_role

# (label, endpoint, the role that sees it)
AREAS = [
    ("Overview", "home.index", "viewer"),
    ("Products", "products.index", "viewer"),
    ("Categories", "categories.index", "viewer"),
    ("Collections", "collections.index", "viewer"),
    ("Tags", "tags.index", "viewer"),
    ("Types", "types.index", "viewer"),
    ("Activity", "history.activity", "viewer"),
    ("Trash", "trash.index", "viewer"),
    ("Staff accounts", "users.index", "admin"),
]
# Pages of an area whose blueprint is another's: a product's variants, images, import
# and history are Products to staff (Activity is everyone's changes, not one product's).
AREA_OF = {"variants": "products", "images": "products", "imports": "products",
           "history.product_history": "products"}


def current_area() -> str:
    endpoint = request.endpoint or ""
    blueprint = endpoint.split(".")[0]
    return AREA_OF.get(endpoint) or AREA_OF.get(blueprint) or blueprint


def nav_items() -> list[dict]:
    """The areas this user may open; none before sign-in."""
    items = []
    current = current_area()
    user = g.get("user")
    for label, endpoint, role in AREAS:
        if endpoint not in current_app.view_functions or not has_role(user, role):
            continue
        area = endpoint.split(".")[0]
        items.append(
            {
                "label": label,
                "href": url_for(endpoint),
                "active": current == area,
            }
        )
    return items


class _LazyNavItems:
    """nav_items(), built when the sidebar is rendered: an htmx fragment never shows
    it, and a url_for per area is wasted on every swap."""

    def __init__(self):
        self._items = None

    def _get(self) -> list[dict]:
        if self._items is None:
            self._items = nav_items()
        return self._items

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __bool__(self) -> bool:
        return bool(self._get())


def url_with(**changes) -> str:
    """This page's URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items()})
    args = {k: v for k, v in args.items() if v not in (None, "")}
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def page_url(number: int) -> str:
    return url_with(page=number if number > 1 else None)


def init_app(app) -> None:
    app.jinja_env.globals.update(url_with=url_with, page_url=page_url)

    @app.context_processor
    def inject_nav():
        return {"nav_items": _LazyNavItems()}

    @app.template_filter("number")
    def number(value):
        return f"{value:,}" if isinstance(value, int) else value
