"""Catalog.url_for keeps the URLs requests build; each must be the one Flask builds."""

from flask import Flask, url_for


def test_kept_urls_are_the_ones_flask_builds(app):
    calls = [
        ("products.index", {}),
        ("products.index", {"status": "draft", "page": 2}),
        ("products.index", {"page": True}),  # equal to 1 as a key, not as a URL
        ("products.index", {"page": 1}),
        ("products.edit", {"product_id": "prod_1"}),
        ("products.edit", {"product_id": "a b/ü"}),
        ("variants.index", {"product_id": "prod_1", "value": ["v1", "v2"]}),  # a list
        ("static", {"filename": "app.css"}),
    ]
    with app.test_request_context("/products/", base_url="http://catalog.example/shop"):
        for _ in range(2):  # built, then kept
            for endpoint, values in calls:
                assert url_for(endpoint, **values) == Flask.url_for(app, endpoint, **values)
        assert url_for("products.index", page=True) == "/shop/products/?page=True"
        assert url_for("products.index", page=1) == "/shop/products/?page=1"
        assert url_for("products.index", _anchor="top") == "/shop/products/#top"
        assert url_for("products.index", _external=True) == "http://catalog.example/shop/products/"
    with app.test_request_context("/products/", base_url="http://catalog.example/"):
        assert url_for("products.index") == "/products/"  # another script root
