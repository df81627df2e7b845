"""axe-core on every main page, signed in as staff on the demo catalog: no violation.

axe is put into the page through Playwright (page.evaluate), not a <script> tag, so
the app's Content-Security-Policy is the one real users get.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.demo import load_demo_data

AXE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"


def axe_violations(page):
    """What axe-core finds on the page as it is now, as readable lines."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(AXE.read_text())
    found = page.evaluate(
        """() => axe.run(document, {resultTypes: ["violations"]})
                 .then(r => r.violations.map(v => ({id: v.id, impact: v.impact,
                   help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.html)})))""")
    return [f"{v['impact']} {v['id']}: {v['help']} in {v['nodes']}" for v in found]


@pytest.fixture
def demo_catalog(conn, media_root):
    load_demo_data(conn, products=60, media_root=media_root)
    product = conn.execute(
        """
        SELECT p.id FROM products AS p
         WHERE p.deleted_at IS NULL
           AND EXISTS (SELECT 1 FROM p_variants AS v WHERE v.product_id = p.id)
           AND EXISTS (SELECT 1 FROM images AS i WHERE i.product_id = p.id)
         ORDER BY p.id LIMIT 1
        """).fetchone()
    # Something in the Trash and in History, so those pages show rows.
    conn.execute("UPDATE products SET deleted_at = now() WHERE id = (SELECT max(id) FROM products)")
    category = conn.execute(
        "SELECT id FROM p_categories WHERE image_id IS NOT NULL ORDER BY id LIMIT 1").fetchone()
    return product["id"], category["id"]


def main_pages(product_id, category_id):
    return [
        ("overview", "/"),
        ("product list", "/products/"),
        ("product page", f"/products/{product_id}"),
        ("variant grid", f"/products/{product_id}/variants"),
        ("images", f"/products/{product_id}/images"),
        ("product history", f"/products/{product_id}/history"),
        ("new product", "/products/new"),
        ("category tree", "/categories/"),
        ("a category", f"/categories/{category_id}"),
        ("collections", "/collections/"),
        ("tags", "/tags/"),
        ("types", "/types/"),
        ("activity", "/activity"),
        ("trash", "/trash/"),
        ("import", "/imports/"),
        ("staff accounts", "/users/"),
    ]


def test_no_main_page_has_an_accessibility_violation(page_as, demo_catalog):
    page = page_as("admin")
    # A change of the admin's own, so Activity lists it.
    product_id, category_id = demo_catalog
    page.goto(f"/products/{product_id}")
    page.get_by_label("Subtitle").fill("Checked for accessibility")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("saved.").first).to_be_visible()
    problems = {}
    for name, url in main_pages(product_id, category_id):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        found = axe_violations(page)
        if found:
            problems[name] = found
    assert problems == {}, "\n".join(f"{name}: {line}" for name, lines in problems.items()
                                      for line in lines)


def test_the_sign_in_page_has_no_accessibility_violation(anonymous_page):
    anonymous_page.goto("/login")
    assert axe_violations(anonymous_page) == []
