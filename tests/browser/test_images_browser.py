"""The product page's media section in real Chromium: add by URL and upload, drag to
reorder, thumbnail, refusals, delete and undo, variant images, a category's image."""

import io

from PIL import Image
from playwright.sync_api import expect

from tests.factories import make_category, make_product

CDN = "https://cdn.example.com"
URLS = [f"{CDN}/front.jpg", f"{CDN}/back.jpg", f"{CDN}/detail.jpg"]


def png_bytes(color=(30, 90, 200), size=(120, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def serve_cdn(page):
    """The tests run offline: answer for the image host with a small PNG."""
    body = png_bytes((200, 200, 200))
    page.route(f"{CDN}/**", lambda route: route.fulfill(body=body, content_type="image/png"))


def open_product(page, conn, **kwargs):
    pid = make_product(conn, "Linen Shirt", **kwargs)
    serve_cdn(page)
    page.goto(f"/products/{pid}")
    expect(page.get_by_role("heading", name="Media")).to_be_visible()
    return pid


def items(page):
    return page.locator("#media .media-item")


def names(page):
    return page.locator("#media .media-item .media-name")


def add_urls(page, *urls):
    page.get_by_label("Image URLs").fill("\n".join(urls))
    page.get_by_role("button", name="Add images").click()


def db_urls(conn, pid):
    rows = conn.execute("SELECT url, rank FROM images WHERE product_id = %s "
                        "AND deleted_at IS NULL ORDER BY rank", (pid,)).fetchall()
    assert [r["rank"] for r in rows] == list(range(len(rows)))
    return [r["url"] for r in rows]


def test_add_three_urls_reorder_by_drag_and_the_order_survives_a_reload(page, conn):
    pid = open_product(page, conn)
    add_urls(page, *URLS)
    expect(page.get_by_text("3 images added.")).to_be_visible()
    expect(names(page)).to_have_text(["front.jpg", "back.jpg", "detail.jpg"])
    expect(items(page).first.get_by_text("Main", exact=True)).to_be_visible()

    # Drag the third image by its handle onto the first one's place.
    handle = items(page).nth(2).locator(".media-handle")
    target = items(page).nth(0).locator(".media-frame")
    box = target.bounding_box()
    handle.drag_to(target, target_position={"x": box["width"] * 0.25, "y": box["height"] / 2})
    expect(page.locator("#media-status")).to_have_text("Order saved.")
    expect(names(page)).to_have_text(["detail.jpg", "front.jpg", "back.jpg"])
    assert db_urls(conn, pid) == [URLS[2], URLS[0], URLS[1]]

    page.reload()
    expect(names(page)).to_have_text(["detail.jpg", "front.jpg", "back.jpg"])
    expect(items(page).first.get_by_text("Main", exact=True)).to_be_visible()


def test_arrow_keys_on_the_handle_move_an_image_and_keep_the_focus(page, conn):
    pid = open_product(page, conn)
    add_urls(page, *URLS)
    expect(names(page)).to_have_count(3)
    items(page).nth(0).locator(".media-handle").focus()
    page.keyboard.press("ArrowRight")
    expect(names(page)).to_have_text(["back.jpg", "front.jpg", "detail.jpg"])
    expect(page.get_by_role("button", name="Move front.jpg, position 2 of 3")).to_be_focused()
    page.keyboard.press("End")
    expect(names(page)).to_have_text(["back.jpg", "detail.jpg", "front.jpg"])
    # The section came back from the server with the new order.
    expect(page.get_by_role("button", name="Move front.jpg, position 3 of 3")).to_be_focused()
    assert db_urls(conn, pid) == [URLS[1], URLS[2], URLS[0]]


def test_set_as_thumbnail_and_the_product_form_saves_without_a_conflict(page, conn):
    pid = open_product(page, conn)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    add_urls(page, *URLS)
    items(page).nth(0).get_by_role("button", name="Set as thumbnail").click()
    expect(page.get_by_label("Thumbnail URL")).to_have_value(URLS[0])
    # The form counts as unchanged: leaving the page does not ask first.
    page.reload()
    expect(items(page).nth(0).get_by_text("Thumbnail", exact=True)).to_be_visible()
    assert dialogs == []
    items(page).nth(1).get_by_role("button", name="Set as thumbnail").click()
    expect(items(page).nth(1).get_by_text("Thumbnail", exact=True)).to_be_visible()
    expect(items(page).nth(1).get_by_role("button", name="Set as thumbnail")).to_have_count(0)
    # The product form on the page follows, so saving it keeps the thumbnail.
    expect(page.get_by_label("Thumbnail URL")).to_have_value(URLS[1])
    page.get_by_label("Subtitle").fill("Washed linen")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Product “Linen Shirt” saved.")).to_be_visible()
    product = conn.execute("SELECT thumbnail, subtitle FROM products WHERE id = %s",
                           (pid,)).fetchone()
    assert (product["thumbnail"], product["subtitle"]) == (URLS[1], "Washed linen")
    expect(items(page).nth(1).get_by_text("Thumbnail", exact=True)).to_be_visible()


def test_upload_a_real_png_and_see_it_served(page, conn, tmp_path):
    pid = open_product(page, conn)
    picture = tmp_path / "blue-shirt.png"
    picture.write_bytes(png_bytes())
    page.get_by_label("Upload files").set_input_files(str(picture))
    page.get_by_role("button", name="Add images").click()
    expect(page.get_by_text("1 image added.")).to_be_visible()
    expect(names(page)).to_have_text(["blue-shirt.png"])

    preview = page.get_by_role("img", name="Main image: blue-shirt.png")
    expect(preview).to_be_visible()
    # The browser loaded the preview from /media/ (a broken image has no width).
    page.wait_for_function("img => img.complete && img.naturalWidth === 120",
                           arg=preview.element_handle())
    url = conn.execute("SELECT url FROM images WHERE product_id = %s", (pid,)).fetchone()["url"]
    served = page.request.get(url)
    assert served.status == 200 and served.body() == picture.read_bytes()
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"


def test_a_javascript_url_is_refused_with_the_message_and_nothing_is_saved(page, conn):
    pid = open_product(page, conn)
    add_urls(page, URLS[0], "javascript:alert(document.cookie)")
    urls = page.get_by_label("Image URLs")
    expect(page.get_by_text("Line 2 (“javascript:alert(document.cookie)”): “javascript:” "
                            "addresses are not allowed")).to_be_visible()
    expect(urls).to_have_attribute("aria-invalid", "true")
    expect(urls).to_have_value(f"{URLS[0]}\njavascript:alert(document.cookie)")
    expect(page.get_by_text("No images yet")).to_be_visible()
    assert db_urls(conn, pid) == []


def test_a_text_file_renamed_png_is_refused(page, conn, tmp_path):
    pid = open_product(page, conn)
    fake = tmp_path / "notes.png"
    fake.write_text("These are my notes, not a picture.\n")
    page.get_by_label("Upload files").set_input_files(str(fake))
    page.get_by_role("button", name="Add images").click()
    expect(page.get_by_text("“notes.png” is not a JPEG, PNG, WebP or GIF image.")).to_be_visible()
    expect(page.get_by_label("Upload files")).to_have_attribute("aria-invalid", "true")
    assert db_urls(conn, pid) == []


def test_a_file_over_the_limit_is_refused_before_it_is_sent(page, conn, tmp_path):
    pid = open_product(page, conn)
    big = tmp_path / "poster.png"
    big.write_bytes(png_bytes() + b"\0" * (11 * 1024 * 1024))
    requests = []
    page.on("request", lambda r: requests.append(r.url) if r.method == "POST" else None)
    page.get_by_label("Upload files").set_input_files(str(big))
    message = "“poster.png” is 11 MB; the limit is 10 MB per file."
    expect(page.get_by_text(message)).to_be_visible()
    page.get_by_role("button", name="Add images").click()
    expect(page.get_by_label("Upload files")).to_be_focused()
    assert requests == [] and db_urls(conn, pid) == []


def test_delete_then_undo_from_the_toast(page, conn):
    pid = open_product(page, conn)
    add_urls(page, *URLS)
    items(page).nth(1).get_by_role("button", name="Delete").click()
    expect(page.get_by_text("“back.jpg” moved to Trash.")).to_be_visible()
    expect(names(page)).to_have_text(["front.jpg", "detail.jpg"])
    assert db_urls(conn, pid) == [URLS[0], URLS[2]]
    page.locator(".toast").filter(has_text="moved to Trash").get_by_role(
        "button", name="Undo").click()
    expect(page.get_by_text("“back.jpg” restored.")).to_be_visible()
    expect(names(page)).to_have_text(["front.jpg", "back.jpg", "detail.jpg"])
    assert db_urls(conn, pid) == URLS


def test_choose_variants_and_a_variant_thumbnail_shown_in_the_grid(page, conn):
    pid = open_product(page, conn, skus=["LS-S", "LS-M", "LS-L"])
    add_urls(page, *URLS[:2])
    items(page).nth(1).get_by_role("link", name="Variants").click()
    expect(page.get_by_role("heading", name="Variants showing “back.jpg”")).to_be_visible()
    page.get_by_label("LS-S", exact=True).check()
    page.get_by_label("Use as the thumbnail of LS-M").check()
    expect(page.get_by_label("LS-M", exact=True)).to_be_checked()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("“back.jpg” is shown for 2 variants; 1 variant thumbnail changed.")
           ).to_be_visible()
    expect(items(page).nth(1).get_by_text("2 of 3 variants")).to_be_visible()
    row = page.locator("#variant-grid tr.grid-row").filter(
        has=page.get_by_label("SKU, LS-M", exact=True))
    expect(row.locator("td.col-thumb img")).to_have_attribute("src", URLS[1])
    links = conn.execute("SELECT v.sku FROM products_images AS pi JOIN p_variants AS v "
                         "ON v.id = pi.variant_id WHERE pi.product_id = %s ORDER BY v.sku",
                         (pid,)).fetchall()
    assert [r["sku"] for r in links] == ["LS-M", "LS-S"]


def test_a_category_image_by_upload(page, conn, tmp_path):
    category = make_category(conn, "Shirts")
    picture = tmp_path / "shirts.png"
    picture.write_bytes(png_bytes((20, 160, 90)))
    page.goto(f"/categories/{category}")
    page.get_by_label("Or upload a file").set_input_files(str(picture))
    page.get_by_role("button", name="Save image").click()
    expect(page.get_by_text("Image saved.")).to_be_visible()
    image = page.get_by_role("img", name="Image of Shirts")
    page.wait_for_function("img => img.complete && img.naturalWidth === 120",
                           arg=image.element_handle())
    row = conn.execute("SELECT i.product_id FROM images AS i JOIN p_categories AS c "
                       "ON c.image_id = i.id WHERE c.id = %s", (category,)).fetchone()
    assert row["product_id"] is None
