"""History in real Chromium: edits show up in the product's History tab, and a
change is put back from there."""

from playwright.sync_api import expect

from tests.factories import make_category, make_product


def test_edits_appear_in_history_and_a_sku_change_is_reverted(page, conn):
    pid = make_product(conn, "T-Shirt", handle="t-shirt", skus=["TS-R-L"])
    make_category(conn, "Shirts")
    page.goto(f"/products/{pid}")

    page.get_by_label("Title", exact=True).fill("T-Shirt Classic")
    categories = page.get_by_label("Categories", exact=True)
    categories.hover()  # its options load when it is first used
    expect(categories.locator("option")).to_have_count(1)
    categories.select_option(label="Shirts")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("T-Shirt Classic")

    sku = page.get_by_label("SKU, TS-R-L", exact=True)
    sku.fill("TS-RED-L")
    sku.press("Enter")
    expect(page.locator("#variant-grid").get_by_text("Saved", exact=True)).to_be_visible()

    page.get_by_role("navigation", name="Product").get_by_role("link", name="History").click()
    history = page.locator("#history tbody")
    expect(history).to_contain_text("changed product T-Shirt Classic")
    expect(history).to_contain_text("title T-Shirt → T-Shirt Classic")
    expect(history).to_contain_text("added to category Shirts")
    expect(history).to_contain_text("SKU TS-R-L → TS-RED-L")

    page.get_by_role("button", name="Revert: changed variant TS-R-L").click()
    expect(page.locator(".toast")).to_contain_text("Reverted: changed variant TS-R-L")
    expect(history.locator("tr").first).to_contain_text("SKU TS-RED-L → TS-R-L")

    page.get_by_role("navigation", name="Product").get_by_role("link", name="Details").click()
    expect(page.get_by_label("SKU, TS-R-L", exact=True)).to_have_value("TS-R-L")
    assert conn.execute("SELECT sku FROM p_variants WHERE product_id = %s",
                        (pid,)).fetchone()["sku"] == "TS-R-L"
    assert conn.execute("SELECT title FROM products WHERE id = %s",
                        (pid,)).fetchone()["title"] == "T-Shirt Classic"
