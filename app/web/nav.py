"""The sidebar: every area that is registered, in the order staff use them."""

from flask import current_app, request, url_for

AREAS = [
    ("Overview", "home.index"),
    ("Products", "products.index"),
    ("Categories", "categories.index"),
    ("Collections", "collections.index"),
    ("Tags", "tags.index"),
    ("Types", "types.index"),
    ("Trash", "trash.index"),
    ("Users", "users.index"),
]


def nav_items() -> list[dict]:
    items = []
    current = request.endpoint or ""
    for label, endpoint in AREAS:
        if endpoint not in current_app.view_functions:
            continue
        area = endpoint.split(".")[0]
        items.append(
            {
                "label": label,
                "href": url_for(endpoint),
                "active": current.split(".")[0] == area,
            }
        )
    return items


def init_app(app) -> None:
    @app.context_processor
    def inject_nav():
        return {"nav_items": nav_items()}

    @app.template_filter("number")
    def number(value):
        return f"{value:,}" if isinstance(value, int) else value
