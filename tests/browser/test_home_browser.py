"""The overview page in real Chromium: it renders, and htmx swaps a fragment."""

from playwright.sync_api import expect

from tests.test_home import add_products


def test_overview_renders_with_navigation_and_counts(page, conn):
    add_products(conn, 7)
    page.goto("/")
    expect(page).to_have_title("Overview · Catalog")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_role("navigation")).to_be_visible()
    expect(page.locator('[data-count="products"]')).to_have_text("7")


def test_refresh_swaps_the_counts_without_reloading_the_page(page, conn):
    page.goto("/")
    expect(page.locator('[data-count="products"]')).to_have_text("0")
    # A marker set on the window survives an htmx swap but not a page load.
    page.evaluate("window.__notReloaded = true")
    add_products(conn, 12)
    page.get_by_role("button", name="Refresh").or_(page.get_by_role("link", name="Refresh")).click()
    expect(page.locator('[data-count="products"]')).to_have_text("12")
    assert page.evaluate("window.__notReloaded") is True


def test_keyboard_reaches_the_navigation_with_a_visible_focus(page):
    page.goto("/")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const el = document.activeElement;"
        " return {tag: el.tagName, outline: getComputedStyle(el).outlineStyle}; }"
    )
    assert focused["tag"] == "A"
    assert focused["outline"] != "none"
