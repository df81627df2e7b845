"""Options, values and the variant grid in real Chromium, mostly from the keyboard."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_sign_in
from tests.factories import make_product


def sku_cell(page, label):
    return page.get_by_label(f"SKU, {label}", exact=True)


def db_skus(conn, pid):
    rows = conn.execute("SELECT title, sku FROM p_variants WHERE product_id = %s "
                        "AND deleted_at IS NULL ORDER BY variant_rank", (pid,)).fetchall()
    return {r["title"]: r["sku"] for r in rows}


def add_option_by_keyboard(page, title, values):
    page.get_by_label("Option name", exact=True).fill(title)
    page.keyboard.press("Tab")
    page.keyboard.type(values)
    page.keyboard.press("Enter")
    expect(page.get_by_role("list", name=f"Values of {title}")).to_be_visible()


def build_3_by_3(page, conn):
    pid = make_product(conn, "Linen Shirt")
    page.goto(f"/products/{pid}")
    add_option_by_keyboard(page, "Color", "Red, Blue, Green")
    add_option_by_keyboard(page, "Size", "S, M, L")
    expect(page.get_by_text("Color (3) × Size (3) = 9 combinations")).to_be_visible()
    page.get_by_role("button", name="Generate 9 variants").click()
    expect(page.locator("#variant-grid tbody tr")).to_have_count(9)
    # Generating ends with the caret in the first SKU cell, once the new grid has
    # settled: a test that clicks before then would have its focus taken away.
    expect(sku_cell(page, "Red / S")).to_be_focused()
    return pid


def test_build_options_generate_and_fill_skus_without_the_mouse(page, conn):
    pid = build_3_by_3(page, conn)
    expect(page.get_by_text("9 variants created.")).to_be_visible()
    # The product's own summary beside the form follows the grid.
    expect(page.locator("#variant-summary")).to_contain_text("9 variants")
    titles = page.locator("#variant-grid tbody td[data-col=title] input")
    expect(titles.first).to_have_value("Red / S")
    expect(titles.last).to_have_value("Green / L")
    # Generating puts the caret in the first SKU cell: type, Enter, type, Enter ...
    expect(sku_cell(page, "Red / S")).to_be_focused()
    for sku in ("LS-RED-S", "LS-RED-M", "LS-RED-L"):
        page.keyboard.type(sku)
        page.keyboard.press("Enter")
    expect(sku_cell(page, "Blue / S")).to_be_focused()
    # Over to the weight column (barcode, EAN, UPC, weight) and up to the top.
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Control+ArrowUp")
    expect(page.get_by_label("Weight (g), Red / S", exact=True)).to_be_focused()
    for weight in ("210", "220"):
        page.keyboard.type(weight)
        page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # leaves the cell: nothing to save there
    expect(page.locator(f"#status-{row_id(page, 'Red / M')}")).to_have_text("Saved")
    expect(sku_cell(page, "Red / L")).to_have_value("LS-RED-L")
    expect(page.locator("tr.is-saving")).to_have_count(0)
    skus = db_skus(conn, pid)
    assert [skus[t] for t in ("Red / S", "Red / M", "Red / L", "Blue / S")] == [
        "LS-RED-S", "LS-RED-M", "LS-RED-L", None]
    weights = conn.execute("SELECT title, weight FROM p_variants WHERE product_id = %s "
                           "AND weight IS NOT NULL ORDER BY variant_rank", (pid,)).fetchall()
    assert [(w["title"], w["weight"]) for w in weights] == [("Red / S", 210), ("Red / M", 220)]


def test_a_3_option_product_with_60_variants_is_built_and_filled_from_the_keyboard(page, conn):
    """One click to start; then only keys: options, generate, 60 SKUs, 60 weights."""
    pid = make_product(conn, "Field Jacket")
    page.goto(f"/products/{pid}")
    page.get_by_label("Option name", exact=True).click()
    for title, values in (("Color", "Black, Olive, Navy, Sand, Rust"), ("Size", "S, M, L, XL"),
                          ("Material", "Cotton, Wax, Wool")):
        page.keyboard.type(title)
        page.keyboard.press("Tab")
        page.keyboard.type(values)
        page.keyboard.press("Enter")
        expect(page.get_by_role("list", name=f"Values of {title}")).to_be_visible()
        expect(page.get_by_label("Values", exact=True)).to_be_focused()
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # back to the values field, then on to the buttons
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Generate 60 variants")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#variant-grid tbody tr")).to_have_count(60)
    expect(sku_cell(page, "Black / S / Cotton")).to_be_focused()
    for n in range(1, 61):
        page.keyboard.type(f"FJ-{n:03}")
        page.keyboard.press("Enter")
    for _ in range(4):  # barcode, EAN, UPC, weight
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Control+ArrowUp")
    expect(page.get_by_label("Weight (g), Black / S / Cotton", exact=True)).to_be_focused()
    for n in range(60):
        page.keyboard.type(str(900 + n))
        page.keyboard.press("Enter")
    last = page.get_by_label("Weight (g), Rust / XL / Wool", exact=True)
    expect(last).to_be_focused()
    expect(page.locator(f"#status-{row_id(page, 'Rust / XL / Wool')}")).to_have_text("Saved")
    expect(page.locator("tr.is-saving")).to_have_count(0)  # every queued save answered
    rows = conn.execute("SELECT sku, weight FROM p_variants WHERE product_id = %s "
                        "AND deleted_at IS NULL ORDER BY variant_rank", (pid,)).fetchall()
    assert [r["sku"] for r in rows] == [f"FJ-{n:03}" for n in range(1, 61)]
    assert [r["weight"] for r in rows] == list(range(900, 960))


def row_id(page, label):
    return page.get_by_label(f"SKU, {label}", exact=True).get_attribute("id")[2:-4]


def test_a_duplicate_sku_is_refused_in_its_cell_and_fixed_there(page, conn):
    make_product(conn, "Wool Beanie", skus=["WB-1"])
    pid = build_3_by_3(page, conn)
    cell = sku_cell(page, "Red / S")
    cell.click()
    page.keyboard.type("WB-1")
    page.keyboard.press("Enter")
    error = page.locator("td.has-error .cell-error")
    expect(error).to_have_text("SKU “WB-1” is already used by “Wool Beanie” (variant “WB-1”).")
    expect(cell).to_have_value("WB-1")
    expect(cell).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#status-{row_id(page, 'Red / S')}")).to_contain_text("Not saved")
    assert db_skus(conn, pid)["Red / S"] is None
    page.keyboard.press("ArrowUp")
    expect(cell).to_be_focused()
    page.keyboard.type("LS-RED-S")
    page.keyboard.press("Enter")
    expect(page.locator(f"#status-{row_id(page, 'Red / S')}")).to_have_text("Saved")
    expect(error).to_have_count(0)
    assert db_skus(conn, pid)["Red / S"] == "LS-RED-S"


def test_keyboard_moves_between_cells_and_escape_puts_the_saved_value_back(page, conn):
    pid = build_3_by_3(page, conn)
    title = page.get_by_label("Title, Red / S", exact=True)
    title.click()
    # A click edits the cell (set just after the click, on a timer): wait for it, or a
    # quick Escape would come first and the timer put the cell back into editing.
    expect(title).to_have_class(re.compile(r"\bis-editing\b"))
    page.keyboard.press("Escape")  # a selected cell: arrows move
    expect(title).not_to_have_class(re.compile(r"\bis-editing\b"))
    page.keyboard.press("ArrowRight")
    expect(sku_cell(page, "Red / S")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(sku_cell(page, "Red / M")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_label("Title, Red / M", exact=True)).to_be_focused()
    page.keyboard.press("End")
    expect(page.get_by_label("Material, Red / M", exact=True)).to_be_focused()
    for _ in range(3):  # the row's Open link, the next row's select box, its first cell
        page.keyboard.press("Tab")
    expect(page.get_by_label("Title, Red / L", exact=True)).to_be_focused()
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
    expect(page.get_by_label("Material, Red / M", exact=True)).to_be_focused()
    # Enter edits (the caret moves inside), Escape puts the saved value back
    page.keyboard.press("Home")
    page.keyboard.press("Enter")
    page.keyboard.type(" XL")
    page.keyboard.press("ArrowLeft")  # moves the caret while editing
    expect(page.get_by_label("Title, Red / M", exact=True)).to_be_focused()
    expect(page.get_by_label("Title, Red / M", exact=True)).to_have_value("Red / M XL")
    page.keyboard.press("Escape")
    expect(page.get_by_label("Title, Red / M", exact=True)).to_have_value("Red / M")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Title, Red / L", exact=True)).to_be_focused()
    # Space toggles a checkbox cell and saves its row at once
    backorder = page.get_by_label("Allow backorder, Red / L", exact=True)
    backorder.focus()
    page.keyboard.press("Space")
    expect(page.locator(f"#status-{row_id(page, 'Red / L')}")).to_have_text("Saved")
    rows = conn.execute("SELECT title, allow_backorder FROM p_variants WHERE product_id = %s "
                        "ORDER BY variant_rank", (pid,)).fetchall()
    assert [r["title"] for r in rows if r["allow_backorder"]] == ["Red / L"]
    assert [r["title"] for r in rows][:3] == ["Red / S", "Red / M", "Red / L"]


def expect_visible_focus(locator):
    expect(locator).to_be_focused()
    expect(locator).to_have_css("outline-style", "solid")


@pytest.mark.parametrize("grid", ["", "/variants"], ids=["product-page", "grid-page"])
def test_select_boxes_and_open_links_are_reached_from_the_keyboard(page, conn, grid):
    pid = make_product(conn, "Canvas Tote", skus=["CT-1", "CT-2", "CT-3"])
    page.goto(f"/products/{pid}{grid}")
    page.get_by_label("Title, CT-1", exact=True).focus()
    # Row 2's select box is left of its first cell, row 3's below it.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowLeft")
    expect_visible_focus(page.get_by_label("Select CT-2", exact=True))
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect_visible_focus(page.get_by_label("Select CT-3", exact=True))
    page.keyboard.press("Space")
    expect(page.get_by_text("2 variants selected.")).to_be_visible()
    expect(page.get_by_label("Select CT-1", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Select CT-2", exact=True)).to_be_checked()
    expect(page.get_by_label("Select CT-3", exact=True)).to_be_checked()
    # Shift+Tab from row 3's box goes back to row 2's Open link; Tab comes back.
    page.keyboard.press("Shift+Tab")
    open_2 = page.get_by_role("link", name="Open CT-2", exact=True)
    expect_visible_focus(open_2)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Select CT-3", exact=True)).to_be_focused()
    # Row 2 again by ↑, to its last cell (End) and right onto the Open link.
    page.keyboard.press("ArrowUp")
    page.keyboard.press("End")
    page.keyboard.press("ArrowRight")
    expect_visible_focus(open_2)
    # Its focus ring (3px, 2px off) is not cut off by the grid's scrolling edge.
    assert open_2.evaluate("a => a.closest('.table-wrap').getBoundingClientRect().right"
                           " - a.getBoundingClientRect().right") >= 5
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/products/{pid}/variants/\w+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("CT-2")


def test_a_reader_tabs_past_the_yes_no_cells_to_the_open_link(page_as, conn):
    pid = make_product(conn, "Canvas Tote", skus=["CT-1", "CT-2"])
    page = page_as("viewer")
    page.goto(f"/products/{pid}/variants")
    page.get_by_label("Width (mm), CT-1", exact=True).focus()
    page.keyboard.press("Tab")  # the backorder and inventory boxes are disabled for a reader
    expect(page.get_by_label("Country of origin, CT-1", exact=True)).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.press("Tab")
    expect_visible_focus(page.get_by_role("link", name="Open CT-1", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("CT-1")


def test_bulk_edit_sets_a_column_on_the_selected_rows(page, conn):
    pid = build_3_by_3(page, conn)
    page.get_by_label("Select Red / S", exact=True).check()
    page.get_by_label("Select Blue / S", exact=True).check()
    page.get_by_label("Select Green / S", exact=True).check()
    expect(page.get_by_text("3 variants selected.")).to_be_visible()
    page.get_by_label("Column to set").select_option(label="Weight (g)")
    page.get_by_label("New value", exact=True).fill("180")
    page.get_by_role("button", name="Set on selected").click()
    expect(page.get_by_text("Weight (g) set to “180” on 3 variants.")).to_be_visible()
    expect(page.get_by_label("Weight (g), Blue / S", exact=True)).to_have_value("180")
    expect(page.get_by_label("Weight (g), Blue / M", exact=True)).to_have_value("")
    rows = conn.execute("SELECT title FROM p_variants WHERE product_id = %s AND weight = 180 "
                        "ORDER BY variant_rank", (pid,)).fetchall()
    assert [r["title"] for r in rows] == ["Red / S", "Blue / S", "Green / S"]

    page.get_by_label("Select all variants on this page").check()
    page.get_by_label("Column to set").select_option(label="Manage inventory")
    page.get_by_label("New value, yes or no").select_option(label="No")
    page.get_by_role("button", name="Set on selected").click()
    expect(page.get_by_text("Manage inventory set to no on 9 variants.")).to_be_visible()
    assert conn.execute("SELECT count(*) AS n FROM p_variants WHERE product_id = %s "
                        "AND manage_inventory", (pid,)).fetchone()["n"] == 0


def test_dragging_a_row_changes_the_order_and_it_survives_a_reload(page, conn):
    pid = build_3_by_3(page, conn)
    page.goto(f"/products/{pid}/variants")
    rows = page.locator("#variant-grid tbody tr")
    handle = rows.nth(2).locator("td.col-handle")
    handle.drag_to(rows.nth(0).locator("td.col-handle"))
    expect(page.get_by_text("Order saved.")).to_be_visible()
    first_titles = ["Red / L", "Red / S", "Red / M"]
    titles = page.locator("#variant-grid tbody td[data-col=title] input")
    for i, title in enumerate(first_titles):
        expect(titles.nth(i)).to_have_value(title)
    page.reload()
    for i, title in enumerate(first_titles):
        expect(titles.nth(i)).to_have_value(title)
    ranks = conn.execute("SELECT title, variant_rank FROM p_variants WHERE product_id = %s "
                         "ORDER BY variant_rank", (pid,)).fetchall()
    assert [r["title"] for r in ranks[:3]] == first_titles
    assert [r["variant_rank"] for r in ranks] == list(range(9))


def test_alt_arrow_moves_a_row_from_the_keyboard(page, conn):
    pid = build_3_by_3(page, conn)
    sku_cell(page, "Red / S").click()
    page.keyboard.press("Alt+ArrowDown")
    expect(page.get_by_text("Order saved.")).to_be_visible()
    expect(sku_cell(page, "Red / S")).to_be_focused()
    titles = page.locator("#variant-grid tbody td[data-col=title] input")
    expect(titles.nth(0)).to_have_value("Red / M")
    expect(titles.nth(1)).to_have_value("Red / S")
    first = conn.execute("SELECT title FROM p_variants WHERE product_id = %s "
                         "ORDER BY variant_rank LIMIT 1", (pid,)).fetchone()
    assert first["title"] == "Red / M"


def test_an_edit_in_progress_is_saved_before_the_grid_reloads(page, conn):
    pid = build_3_by_3(page, conn)
    sku_cell(page, "Red / S").click()
    page.keyboard.type("TYPED-THEN-MOVED")
    page.keyboard.press("Alt+ArrowDown")  # reorders (and reloads the grid) mid-edit
    expect(page.get_by_text("Order saved.")).to_be_visible()
    expect(sku_cell(page, "Red / S")).to_have_value("TYPED-THEN-MOVED")
    expect(sku_cell(page, "Red / S")).to_be_focused()
    titles = page.locator("#variant-grid tbody td[data-col=title] input")
    expect(titles.nth(1)).to_have_value("Red / S")
    assert db_skus(conn, pid)["Red / S"] == "TYPED-THEN-MOVED"


def test_deleting_a_value_in_use_asks_first_and_lists_the_count(page, conn):
    build_3_by_3(page, conn)
    page.get_by_role("button", name="Remove Color value Blue").click()
    expect(page.get_by_text("“Blue” is used by 3 variants, so it was not deleted.")).to_be_visible()
    page.get_by_role("button", name="Delete “Blue” and its 3 variants").click()
    expect(page.get_by_text("Value “Blue” moved to Trash with 3 variants.")).to_be_visible()
    expect(page.locator("#variant-grid tbody tr")).to_have_count(6)
    expect(page.get_by_role("list", name="Values of Color").locator(".chip")).to_have_count(2)


def test_the_grid_works_without_javascript(browser, live_server, make_user, conn):
    make_product(conn, "Wool Beanie", skus=["WB-1"])
    pid = make_product(conn, "Linen Shirt")
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        browser_sign_in(page, make_user("editor")["email"])
        page.goto(f"/products/{pid}/variants")
        page.get_by_label("Option name", exact=True).fill("Color")
        page.get_by_label("Values", exact=True).fill("Red, Blue")
        page.get_by_role("button", name="Add option").click()
        expect(page.get_by_text("Option “Color” added with 2 values.")).to_be_visible()
        page.get_by_role("button", name="Generate 2 variants").click()
        expect(page.get_by_text("2 variants created.")).to_be_visible()
        sku_cell(page, "Red").fill("WB-1")
        page.get_by_role("button", name="Save Red").click()
        expect(page.get_by_text("SKU “WB-1” is already used by “Wool Beanie”")).to_be_visible()
        expect(sku_cell(page, "Red")).to_have_value("WB-1")
        sku_cell(page, "Red").fill("LS-RED")
        sku_cell(page, "Red").press("Enter")
        expect(page.get_by_text("“Red” saved.")).to_be_visible()
        assert db_skus(conn, pid) == {"Red": "LS-RED", "Blue": None}
        expect(page).to_have_url(re.compile(rf"/products/{pid}/variants$"))
    finally:
        context.close()
