"""Products in real Chromium: the list, create, conflicts, delete and Trash."""

import re

from playwright.sync_api import expect

from tests.conftest import browser_sign_in
from tests.factories import make_collection, make_product, make_products, make_type


def result_titles(page):
    return page.locator("#product-results tbody td:nth-child(3) a")


def test_search_as_you_type_updates_the_list_and_the_address(page, conn):
    make_product(conn, "Linen Shirt")
    make_product(conn, "Wool Beanie")
    page.goto("/products/")
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("Search products").press_sequentially("linen", delay=30)
    expect(result_titles(page)).to_have_text(["Linen Shirt"])
    expect(page).to_have_url(re.compile(r"/products/\?q=linen"))
    assert page.evaluate("window.__notReloaded") is True


def test_filter_sort_and_page_survive_a_reload_and_back(page, conn):
    make_products(conn, 70, status="draft")
    make_product(conn, "Published one", status="published")
    page.goto("/products/")
    page.get_by_label("Filter by status").select_option("draft")
    expect(page.get_by_text("70 products")).to_be_visible()
    page.get_by_role("link", name="Title").click()
    expect(page).to_have_url(re.compile(r"sort=title"))
    page.get_by_role("link", name="Page 2").click()
    expect(result_titles(page)).to_have_count(20)
    expect(page).to_have_url(re.compile(r"status=draft.*sort=title.*page=2"))
    first_on_page_2 = result_titles(page).first.inner_text()
    page.reload()
    expect(result_titles(page)).to_have_count(20)
    expect(result_titles(page).first).to_have_text(first_on_page_2)
    expect(page.get_by_label("Filter by status")).to_have_value("draft")
    page.go_back()
    expect(result_titles(page)).to_have_count(50)


def test_the_collection_filter_loads_its_options_when_used_and_keeps_the_choice(page, conn):
    summer = make_collection(conn, "Summer")
    make_collection(conn, "Winter")
    make_product(conn, "Linen Shirt", collection_id=summer)
    make_product(conn, "Wool Beanie")
    page.goto("/products/")
    select = page.get_by_label("Filter by collection")
    expect(select.locator("option")).to_have_count(1)
    select.focus()
    expect(select.locator("option")).to_have_text(["All collections", "Summer", "Winter"])
    select.select_option(label="Summer")
    expect(result_titles(page)).to_have_text(["Linen Shirt"])
    page.reload()
    expect(page.get_by_label("Filter by collection")).to_have_value(summer)
    expect(result_titles(page)).to_have_text(["Linen Shirt"])


def test_categories_load_when_the_field_is_used_and_are_found_by_typing(page, conn):
    from tests.factories import make_category

    women = make_category(conn, "Women")
    shirts = make_category(conn, "Shirts", parent_id=women)
    scarves = make_category(conn, "Scarves", parent_id=women)
    for n in range(20):
        make_category(conn, f"Shelf {n}")
    pid = make_product(conn, "Linen Shirt", category_ids=[shirts])
    page.goto(f"/products/{pid}")
    categories = page.get_by_label("Categories", exact=True)
    expect(categories.locator("option")).to_have_count(1)  # only the chosen one
    page.get_by_label("Filter Categories").fill("scarv")
    expect(categories.locator("option")).to_have_count(23)  # loaded on first use
    expect(categories.locator("option:not([hidden])")).to_have_text(["Women › Scarves"])
    expect(categories).to_have_values([shirts])  # typing keeps what is chosen
    categories.select_option([shirts, scarves])
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Product “Linen Shirt” saved.")).to_be_visible()
    linked = {r["id"] for r in conn.execute(
        "SELECT p_categories_id AS id FROM p_categories_products WHERE product_id = %s",
        (pid,))}
    assert linked == {shirts, scarves}


def test_bulk_status_change_reports_the_refused_products_by_name(page, conn):
    make_product(conn, "Ready one", status="proposed")
    make_product(conn, "Still a draft", status="draft")
    page.goto("/products/")
    page.get_by_label("Select all on this page").check()
    expect(page.get_by_text("2 selected.")).to_be_visible()
    page.get_by_label("Action", exact=True).select_option("status")
    page.get_by_label("New status").select_option("published")
    page.get_by_role("button", name="Apply").click()
    toast = page.locator("#toasts .toast-message")
    expect(toast).to_contain_text("1 product now published.")
    expect(toast).to_contain_text("“Still a draft” (draft)")
    statuses = {r["title"]: r["status"]
                for r in conn.execute("SELECT title, status FROM products")}
    assert statuses == {"Ready one": "published", "Still a draft": "draft"}
    expect(page.locator("#product-results .badge-status-published")).to_have_count(1)


def test_create_with_a_taken_handle_keeps_the_input_and_suggests_one(page, conn):
    make_product(conn, "Other", handle="linen-shirt")
    make_collection(conn, "Summer")
    page.goto("/products/new")
    page.get_by_label("Title", exact=True).fill("Linen Shirt")
    expect(page.locator("#handle-suggestion")).to_contain_text("linen-shirt-2")
    page.get_by_label("Handle").fill("linen-shirt")
    page.get_by_label("Subtitle").fill("Breezy and light")
    page.get_by_label("Collection", exact=True).select_option(label="Summer")
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_text("The handle “linen-shirt” is taken by another product; "
                            "try “linen-shirt-2”.")).to_be_visible()
    expect(page.get_by_label("Subtitle")).to_have_value("Breezy and light")
    expect(page.get_by_label("Collection", exact=True)).to_have_value(re.compile("pcol_"))
    page.get_by_label("Handle").fill("linen-shirt-2")
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_text("Product “Linen Shirt” created.")).to_be_visible()
    assert conn.execute("SELECT count(*) AS n FROM products").fetchone()["n"] == 2


def test_two_staff_editing_one_product_get_a_conflict_not_an_overwrite(
        page, browser, live_server, make_user, conn):
    pid = make_product(conn, "Linen Shirt")
    other_context = browser.new_context(base_url=live_server)
    other = other_context.new_page()
    browser_sign_in(other, make_user("editor")["email"])
    page.goto(f"/products/{pid}")
    other.goto(f"/products/{pid}")
    other.get_by_label("Title", exact=True).fill("Linen Shirt by colleague")
    other.get_by_role("button", name="Save").click()
    expect(other.get_by_text("Product “Linen Shirt by colleague” saved.")).to_be_visible()
    other_context.close()

    page.get_by_label("Subtitle").fill("My careful subtitle")
    page.keyboard.press("Control+s")
    warning = page.get_by_text("Someone else saved this product while you were editing")
    expect(warning).to_be_visible()
    expect(page.locator("#conflict")).to_contain_text("Linen Shirt by colleague")
    expect(page.get_by_label("Subtitle")).to_have_value("My careful subtitle")
    row = conn.execute("SELECT title, subtitle FROM products").fetchone()
    assert row == {"title": "Linen Shirt by colleague", "subtitle": None}


def test_a_colleagues_save_shows_on_my_next_view_of_pages_i_have_seen(
        page, browser, live_server, make_user, conn):
    pid = make_product(conn, "Linen Shirt")
    for _ in range(2):  # seen twice: the second view comes from the page cache
        page.goto("/products/")
        expect(result_titles(page)).to_have_text(["Linen Shirt"])
        page.goto(f"/products/{pid}")
        expect(page.get_by_label("Title", exact=True)).to_have_value("Linen Shirt")
    other_context = browser.new_context(base_url=live_server)
    other = other_context.new_page()
    browser_sign_in(other, make_user("editor")["email"])
    other.goto(f"/products/{pid}")
    other.get_by_label("Title", exact=True).fill("Hemp Shirt")
    other.get_by_role("button", name="Save").click()
    expect(other.get_by_text("Product “Hemp Shirt” saved.")).to_be_visible()
    other_context.close()

    page.reload()
    expect(page.get_by_label("Title", exact=True)).to_have_value("Hemp Shirt")
    page.go_back()
    expect(result_titles(page)).to_have_text(["Hemp Shirt"])


def test_delete_then_undo_from_the_toast(page, conn):
    pid = make_product(conn, "Linen Shirt")
    page.goto(f"/products/{pid}")
    page.get_by_role("button", name="Move to Trash").click()
    expect(page.get_by_text("“Linen Shirt” moved to Trash.")).to_be_visible()
    expect(result_titles(page)).to_have_count(0)
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("“Linen Shirt” restored.")).to_be_visible()
    expect(result_titles(page)).to_have_text(["Linen Shirt"])


def test_restore_from_trash_with_a_handle_clash(page, conn):
    pid = make_product(conn, "Linen Shirt", handle="linen-shirt")
    conn.execute("UPDATE products SET deleted_at = now() WHERE id = %s", (pid,))
    make_product(conn, "Newer Shirt", handle="linen-shirt")
    page.goto("/trash/?kind=products")
    page.get_by_role("button", name="Restore Linen Shirt").click()
    clash = page.get_by_text("The handle “linen-shirt” now belongs to “Newer Shirt”")
    expect(clash).to_be_visible()
    expect(page.get_by_label("New handle")).to_have_value("linen-shirt-2")
    page.get_by_role("button", name="Restore with this handle").click()
    expect(page.get_by_text("“Linen Shirt” restored.")).to_be_visible()
    row = conn.execute("SELECT handle, deleted_at FROM products WHERE id = %s", (pid,)).fetchone()
    assert row == {"handle": "linen-shirt-2", "deleted_at": None}


def test_a_trashed_products_address_restores_it_in_place(page, conn):
    pid = make_product(conn, "Linen Shirt")
    conn.execute("UPDATE products SET deleted_at = now() WHERE id = %s", (pid,))
    page.goto(f"/products/{pid}")
    expect(page.get_by_role("heading", name="“Linen Shirt” is in the Trash")).to_be_visible()
    page.get_by_role("button", name="Restore").click()
    expect(page).to_have_url(re.compile(f"/products/{pid}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Linen Shirt")
    expect(page.get_by_text("“Linen Shirt” restored.")).to_be_visible()


def test_trash_row_actions_share_one_line_and_the_search_placeholder_fits(page_as, conn):
    page = page_as("admin")
    pid = make_product(conn, "Linen Shirt")
    conn.execute("UPDATE products SET deleted_at = now() WHERE id = %s", (pid,))
    page.goto("/trash/?kind=products")
    restore = page.get_by_role("button", name="Restore Linen Shirt").bounding_box()
    purge = page.get_by_role("link", name="Delete permanently, Linen Shirt").bounding_box()
    assert abs(restore["y"] - purge["y"]) < 1 and restore["height"] == purge["height"]
    assert purge["x"] > restore["x"] + restore["width"]
    for kind in ("products", "option_values"):  # the longest placeholder
        page.goto(f"/trash/?kind={kind}")
        overflow = page.get_by_role("searchbox").evaluate("""input => {
            const style = getComputedStyle(input);
            const context = document.createElement("canvas").getContext("2d");
            context.font = style.font;
            // Chromium keeps about 20px of a search box for its clear button.
            const room = input.clientWidth - parseFloat(style.paddingLeft)
                         - parseFloat(style.paddingRight) - 20;
            return context.measureText(input.placeholder).width - room;
        }""")
        assert overflow <= 0, kind


def test_leaving_with_unsaved_changes_asks_first(page, conn):
    pid = make_product(conn, "Linen Shirt")
    page.goto(f"/products/{pid}")
    page.get_by_label("Subtitle").fill("Unsaved words")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Overview").click()
    expect(page.get_by_label("Subtitle")).to_have_value("Unsaved words")
    assert dialogs == ["beforeunload"]


def test_tags_are_chips_with_suggestions_and_new_ones_are_created(page, conn):
    from tests.factories import make_tag

    make_tag(conn, "organic")
    make_tag(conn, "linen & co")
    page.goto("/products/new")
    page.get_by_label("Title", exact=True).fill("Linen Shirt")
    suggestions = page.locator("#tag-suggestions option")
    expect(suggestions).to_have_count(0)  # they load when the tag box is first used
    tags = page.get_by_role("combobox", name="Tags")
    tags.focus()
    expect(suggestions).to_have_count(2)
    assert suggestions.evaluate_all("os => os.map(o => o.value)") == ["linen & co", "organic"]
    tags.fill("organic")
    tags.press("Enter")
    tags.press_sequentially("summer,")
    tags.press_sequentially("oops")
    tags.press("Enter")
    expect(page.locator(".tag-chip")).to_have_text(["organic×", "summer×", "oops×"])
    page.get_by_role("button", name="Remove tag oops").click()
    expect(page.locator(".tag-chip")).to_have_count(2)
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_text("Product “Linen Shirt” created.")).to_be_visible()
    expect(page.locator(".tag-chip")).to_have_text(["organic×", "summer×"])
    rows = conn.execute("SELECT value FROM p_tags ORDER BY value").fetchall()
    assert [r["value"] for r in rows] == ["linen & co", "organic", "summer"]


def test_collection_and_type_are_searchable_selects(page, conn):
    for title in ("Summer 2026", "Winter 2026", "Café Classics"):
        make_collection(conn, title)
    page.goto("/products/new")
    page.get_by_label("Filter Collection").fill("cafe")
    expect(page.get_by_label("Collection", exact=True)).to_have_value(re.compile("pcol_"))
    chosen = page.get_by_label("Collection", exact=True).evaluate(
        "select => select.options[select.selectedIndex].text")
    assert chosen == "Café Classics"
    expect(page.get_by_text("1 matching")).to_be_attached()


def test_bulk_set_collection_after_a_search_swap(page, conn):
    summer = make_collection(conn, "Summer")
    make_product(conn, "Linen Shirt")
    make_product(conn, "Wool Beanie")
    page.goto("/products/")
    page.get_by_label("Search products").fill("linen")
    expect(result_titles(page)).to_have_text(["Linen Shirt"])
    page.get_by_label("Select all on this page").check()
    page.get_by_label("Action", exact=True).select_option("collection")
    bulk_collection = page.get_by_label("Collection", exact=True)
    bulk_collection.focus()
    expect(bulk_collection.locator("option", has_text="Summer")).to_have_count(1)
    bulk_collection.select_option(label="Summer")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#toasts .toast-message")).to_contain_text("Collection set on 1 of 1")
    rows = {r["title"]: r["collection_id"]
            for r in conn.execute("SELECT title, collection_id FROM products")}
    assert rows == {"Linen Shirt": summer, "Wool Beanie": None}


def test_the_list_fits_a_1280_pixel_window_whatever_the_handles(page, conn):
    summer = make_collection(conn, "Homewares essentials for the whole family")
    cards = make_type(conn, "Accessories")
    for n in range(3):
        make_product(conn, f"Organic cotton crew neck tee, relaxed fit {n}",
                     handle=f"organic-cotton-crew-neck-tee-relaxed-fit-washed-black-{n}",
                     collection_id=summer, type_id=cards, status="published",
                     skus=[f"SKU-{n}-{v}" for v in range(12)])
    page.goto("/products/")
    expect(result_titles(page)).to_have_count(3)
    wrap = page.locator("#product-results .table-wrap")
    assert wrap.evaluate("w => w.scrollWidth - w.clientWidth") <= 0
    handle = page.locator("#product-results td.col-handle span").first
    assert handle.get_attribute("title").startswith("organic-cotton-crew-neck-tee")
