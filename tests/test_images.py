"""Product images by URL and upload, their order, thumbnails, variant images, category
images, the media store, and the Trash."""

import hashlib
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from app.ids import new_id
from tests.factories import make_category, make_product, make_products

# --- Helpers ------------------------------------------------------------------


def png_bytes(size=(64, 48), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def images(conn, pid):
    """The product's live images in rank order."""
    return conn.execute(
        "SELECT id, url, rank, metadata FROM images WHERE product_id = %s "
        "AND deleted_at IS NULL ORDER BY rank, id", (pid,)).fetchall()


def add_urls(client, pid, *urls, htmx=True):
    return client.submit(f"/products/{pid}/images", {"urls": "\n".join(urls)}, htmx=htmx)


def upload(client, pid, *files, htmx=True):
    """files: (bytes, filename) pairs, sent as the file field of the media form."""
    data = {"urls": "", "files": [(io.BytesIO(body), name) for body, name in files]}
    return client.submit(f"/products/{pid}/images", data, htmx=htmx,
                         content_type="multipart/form-data")


def toast(response):
    return json.loads(response.headers["HX-Trigger"])["toast"]["message"]


def text(response):
    return response.get_data(as_text=True)


URLS = ["https://cdn.example.com/front.jpg", "https://cdn.example.com/back.jpg",
        "http://img.example.org/detail.png"]


# --- Adding by URL ------------------------------------------------------------


def test_urls_one_per_line_are_added_in_order_with_dense_ranks(client, conn):
    pid = make_product(conn)
    response = add_urls(client, pid, URLS[0], "", f"  {URLS[1]}  ", URLS[2])
    assert response.status_code == 200
    assert toast(response) == "3 images added."
    rows = images(conn, pid)
    assert [r["url"] for r in rows] == URLS
    assert [r["rank"] for r in rows] == [0, 1, 2]
    page = text(response)
    assert 'id="media"' in page and page.count('class="media-item') == 3
    assert ">Main</span>" in page


def test_an_address_already_there_is_not_added_twice(client, conn):
    pid = make_product(conn)
    add_urls(client, pid, URLS[0])
    response = add_urls(client, pid, URLS[0], URLS[1], URLS[1])
    assert toast(response) == "1 image added. 1 was there already."
    assert [r["url"] for r in images(conn, pid)] == URLS[:2]


@pytest.mark.parametrize(("bad", "message"), [
    ("javascript:alert(1)", "“javascript:” addresses are not allowed"),
    ("data:image/png;base64,AAAA", "“data:” addresses are not allowed"),
    ("file:///etc/passwd", "“file:” addresses are not allowed"),
    ("ftp://files.example.com/a.jpg", "Use an http:// or https:// address"),
    ("https:///no-host.jpg", "The address needs a host"),
    ("https://cdn.example.com/" + "a" * 2100, "the limit is 2,048"),
])
def test_a_bad_address_is_refused_naming_its_line_and_nothing_is_saved(
        client, conn, bad, message):
    pid = make_product(conn)
    response = add_urls(client, pid, URLS[0], bad, URLS[1])
    page = text(response)
    assert response.status_code == 422
    assert "Line 2 (" in page and message in page
    # What was typed stays in the field.
    assert URLS[0] in page and URLS[1] in page
    assert images(conn, pid) == []


def test_an_empty_submission_asks_for_an_address_or_a_file(client, conn):
    pid = make_product(conn)
    response = add_urls(client, pid, "", "   ")
    assert response.status_code == 422
    assert "Paste at least one image address, or choose files to upload." in text(response)


def test_without_javascript_a_refused_address_comes_back_on_the_images_page(client, conn):
    pid = make_product(conn, "Linen Shirt")
    response = add_urls(client, pid, "javascript:alert(1)", htmx=False)
    assert response.status_code == 422
    page = text(response)
    assert "Images of Linen Shirt" in page and "Line 1 (" in page


# --- Uploading ------------------------------------------------------------------


def test_an_uploaded_png_is_stored_by_content_with_a_preview_and_served(
        client, conn, media_root):
    pid = make_product(conn)
    body = png_bytes()
    response = upload(client, pid, (body, "red.png"))
    assert response.status_code == 200, text(response)
    assert toast(response) == "1 image added."
    (row,) = images(conn, pid)
    meta = row["metadata"]
    # This app's media path, whatever host the upload came to.
    assert row["url"].startswith("/media/")
    assert row["url"].endswith(f"{meta['sha256']}.png")
    assert (meta["filename"], meta["content_type"], meta["width"], meta["height"]) == (
        "red.png", "image/png", 64, 48)
    key = row["url"].split("/media/", 1)[1]
    assert (Path(media_root) / key).read_bytes() == body

    served = client.get(row["url"])
    assert served.status_code == 200 and served.data == body
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    cache = served.headers["Cache-Control"]
    assert "max-age=31536000" in cache and "immutable" in cache

    preview = client.get(meta["preview"].removeprefix("http://localhost"))
    assert preview.headers["Content-Type"] == "image/webp"
    assert preview.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(preview.data)).size == (64, 48)
    # The grid shows the preview.
    assert meta["preview"] in text(response)


def test_a_large_photo_gets_a_small_preview(client, conn):
    pid = make_product(conn)
    out = io.BytesIO()
    Image.new("RGB", (2400, 1200), (10, 120, 200)).save(out, format="JPEG", quality=80)
    upload(client, pid, (out.getvalue(), "wide.jpg"))
    (row,) = images(conn, pid)
    preview = client.get(row["metadata"]["preview"].removeprefix("http://localhost"))
    assert Image.open(io.BytesIO(preview.data)).size == (480, 240)
    assert row["url"].endswith(".jpg")


def test_the_same_file_twice_is_stored_once_and_added_once(client, conn):
    pid = make_product(conn)
    body = png_bytes(color=(1, 2, 3))
    upload(client, pid, (body, "a.png"))
    response = upload(client, pid, (body, "copy-of-a.png"))
    assert toast(response) == "The product has that image already."
    assert len(images(conn, pid)) == 1


@pytest.mark.parametrize(("body", "name", "message"), [
    (b"just some notes, not a picture\n", "notes.png", "“notes.png” is not a JPEG, PNG, WebP"),
    (b"%PDF-1.4\n1 0 obj\n", "scan.jpg", "“scan.jpg” is not a JPEG, PNG, WebP"),
    (png_bytes()[:60], "cut.png", "“cut.png” looks like an image but is damaged"),
    (b"", "empty.gif", "“empty.gif” is empty."),
])
def test_a_file_that_is_not_a_whole_image_is_refused(client, conn, media_root, body, name,
                                                     message):
    pid = make_product(conn)
    before = sorted(Path(media_root).rglob("*"))
    response = upload(client, pid, (png_bytes(color=(9, 9, 9)), "fine.png"), (body, name))
    assert response.status_code == 422
    assert message in text(response)
    assert images(conn, pid) == []
    # Nothing of that submission was stored, the valid file neither.
    assert sorted(Path(media_root).rglob("*")) == before


def test_an_image_of_too_many_pixels_is_refused(client, conn):
    pid = make_product(conn)
    out = io.BytesIO()
    Image.new("1", (8000, 7000)).save(out, format="PNG")
    response = upload(client, pid, (out.getvalue(), "bomb.png"))
    assert response.status_code == 422
    assert "“bomb.png” is 8,000 × 7,000 pixels; the limit is 50 megapixels." in text(response)


def test_an_svg_is_refused_whatever_its_declared_type(client, conn):
    pid = make_product(conn)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    data = {"files": [(io.BytesIO(svg), "logo.png", "image/png")]}
    response = client.submit(f"/products/{pid}/images", data, htmx=True,
                             content_type="multipart/form-data")
    assert response.status_code == 422
    assert "“logo.png” is not a JPEG, PNG, WebP or GIF image" in text(response)


def test_a_file_over_10_mb_is_refused_at_the_field(client, conn):
    pid = make_product(conn)
    big = png_bytes() + b"\0" * (10 * 1024 * 1024)
    response = upload(client, pid, (big, "huge.png"))
    assert response.status_code == 422
    assert "“huge.png” is 10.0 MB; the limit is 10.0 MB per file." in text(response)
    assert images(conn, pid) == []


def test_a_phones_multi_picture_jpeg_is_stored_as_a_jpeg(client, conn):
    data = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(
        data, "MPO", save_all=True, append_images=[Image.new("RGB", (40, 30), "blue")])
    pid = make_product(conn, "Camera bag")
    response = upload(client, pid, (data.getvalue(), "photo.jpg"))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    [image] = conn.execute("SELECT url, metadata FROM images WHERE product_id = %s",
                           (pid,)).fetchall()
    assert image["url"].endswith(".jpg")
    assert image["metadata"]["content_type"] == "image/jpeg"


@pytest.mark.parametrize("htmx", [True, False])
def test_an_upload_over_the_request_limit_is_refused_cleanly(client, conn, app, htmx):
    pid = make_product(conn, "Linen Shirt")
    limit = app.config["MAX_CONTENT_LENGTH"]
    chunk = b"\0" * (limit // 2)
    response = upload(client, pid, (chunk, "a.png"), (chunk, "b.png"), (b"x", "c.png"),
                      htmx=htmx)
    page = text(response)
    # Swapped into the section for htmx (422), a page of its own without JavaScript.
    assert response.status_code == (422 if htmx else 413)
    assert "Those files add up to more than 20.0 MB" in page
    assert 'id="media"' in page
    assert ("Images of Linen Shirt" in page) == (not htmx)
    assert images(conn, pid) == []


# --- Order, thumbnail, delete -------------------------------------------------------


def test_reorder_writes_dense_ranks_in_the_posted_order(client, conn):
    pid = make_product(conn)
    add_urls(client, pid, *URLS)
    ids = [r["id"] for r in images(conn, pid)]
    conn.execute("UPDATE images SET rank = rank * 10 + 5 WHERE product_id = %s", (pid,))
    response = client.submit(f"/products/{pid}/images/order",
                             {"ids": [ids[2], ids[0], ids[1]]}, htmx=True)
    assert 'id="media-status" aria-live="polite">Order saved.</p>' in text(response)
    assert "HX-Trigger" not in response.headers
    rows = images(conn, pid)
    assert [r["id"] for r in rows] == [ids[2], ids[0], ids[1]]
    assert [r["rank"] for r in rows] == [0, 1, 2]
    # An image left out of the post (added meanwhile) keeps its place.
    client.submit(f"/products/{pid}/images/order", {"ids": [ids[1], ids[2]]}, htmx=True)
    assert [r["id"] for r in images(conn, pid)] == [ids[1], ids[0], ids[2]]


def test_earlier_and_later_buttons_move_one_place_without_javascript(client, conn):
    pid = make_product(conn)
    add_urls(client, pid, *URLS)
    ids = [r["id"] for r in images(conn, pid)]
    response = client.submit(f"/products/{pid}/images/{ids[2]}/move",
                             {"direction": "earlier", "next": f"/products/{pid}/images"})
    assert response.status_code == 302 and response.location == f"/products/{pid}/images"
    assert [r["id"] for r in images(conn, pid)] == [ids[0], ids[2], ids[1]]
    client.submit(f"/products/{pid}/images/{ids[0]}/move", {"direction": "later"})
    rows = images(conn, pid)
    assert [r["id"] for r in rows] == [ids[2], ids[0], ids[1]]
    assert [r["rank"] for r in rows] == [0, 1, 2]


def test_delete_keeps_ranks_dense_and_undo_puts_the_image_back_in_its_place(client, conn):
    pid = make_product(conn)
    add_urls(client, pid, *URLS)
    ids = [r["id"] for r in images(conn, pid)]
    response = client.submit(f"/products/{pid}/images/{ids[1]}/delete", htmx=True)
    trigger = json.loads(response.headers["HX-Trigger"])["toast"]
    assert trigger["message"] == "“back.jpg” moved to Trash."
    assert f"/products/{pid}/images/{ids[1]}/restore" in trigger["actionHtml"]
    rows = images(conn, pid)
    assert [(r["id"], r["rank"]) for r in rows] == [(ids[0], 0), (ids[2], 1)]
    assert conn.execute("SELECT deleted_at IS NOT NULL AS gone FROM images WHERE id = %s",
                        (ids[1],)).fetchone()["gone"]

    response = client.submit(f"/products/{pid}/images/{ids[1]}/restore", htmx=True)
    assert toast(response) == "“back.jpg” restored."
    rows = images(conn, pid)
    assert [(r["id"], r["rank"]) for r in rows] == [(ids[0], 0), (ids[1], 1), (ids[2], 2)]


def test_deleted_images_are_in_the_trash_and_restore_from_there(client, conn, login_as):
    pid = make_product(conn, "Linen Shirt")
    add_urls(client, pid, *URLS)
    ids = [r["id"] for r in images(conn, pid)]
    client.submit(f"/products/{pid}/images/{ids[0]}/delete")
    page = text(client.get("/trash/?kind=images"))
    assert "front.jpg" in page and "Linen Shirt" in page
    response = client.submit(f"/trash/images/{ids[0]}/restore")
    assert response.status_code == 302
    assert [r["id"] for r in images(conn, pid)] == ids
    # Admins delete for good: the row and its variant links go.
    client.submit(f"/products/{pid}/images/{ids[2]}/delete")
    admin = login_as("admin")
    response = admin.submit(f"/trash/images/{ids[2]}/purge")
    assert response.status_code == 302
    assert conn.execute("SELECT count(*) AS n FROM images WHERE id = %s",
                        (ids[2],)).fetchone()["n"] == 0


def test_images_of_a_deleted_product_are_not_listed_on_their_own(client, conn):
    pid = make_product(conn)
    add_urls(client, pid, URLS[0])
    client.submit(f"/products/{pid}/delete")
    assert "front.jpg" not in text(client.get("/trash/?kind=images"))


def test_set_as_thumbnail_writes_products_thumbnail_and_tells_the_page_its_version(
        client, conn):
    pid = make_product(conn)
    add_urls(client, pid, *URLS)
    ids = [r["id"] for r in images(conn, pid)]
    before = conn.execute("SELECT updated_at FROM products WHERE id = %s",
                          (pid,)).fetchone()["updated_at"]
    response = client.submit(f"/products/{pid}/images/{ids[1]}/thumbnail", htmx=True)
    product = conn.execute("SELECT thumbnail, updated_at FROM products WHERE id = %s",
                           (pid,)).fetchone()
    assert product["thumbnail"] == URLS[1]
    event = json.loads(response.headers["HX-Trigger"])["product-thumbnail"]
    assert event == {"thumbnail": URLS[1], "version": product["updated_at"].isoformat(),
                     "previous_version": before.isoformat()}
    page = text(response)
    item = page.split(f'id="image-{ids[1]}"', 1)[1].split("</li>", 1)[0]
    assert ">Thumbnail</span>" in item and "Set as thumbnail" not in item


def test_an_uploaded_thumbnail_is_its_preview(client, conn):
    pid = make_product(conn)
    upload(client, pid, (png_bytes(), "red.png"))
    (row,) = images(conn, pid)
    client.submit(f"/products/{pid}/images/{row['id']}/thumbnail")
    thumbnail = conn.execute("SELECT thumbnail FROM products WHERE id = %s",
                             (pid,)).fetchone()["thumbnail"]
    assert thumbnail == row["metadata"]["preview"]
    assert thumbnail.startswith("/media/")


# --- Variant images -------------------------------------------------------------


def test_variant_images_and_thumbnails_are_chosen_per_image(client, conn):
    pid = make_product(conn, skus=["RED-S", "RED-M", "BLUE-S"])
    add_urls(client, pid, *URLS[:2])
    image_id = images(conn, pid)[1]["id"]
    variants = {r["sku"]: r["id"] for r in conn.execute(
        "SELECT id, sku FROM p_variants WHERE product_id = %s", (pid,))}
    page = text(client.get(f"/products/{pid}/images/{image_id}/variants"))
    assert "RED-S" in page and "BLUE-S" in page and "Use as the thumbnail of" in page

    response = client.submit(f"/products/{pid}/images/{image_id}/variants", {
        "listed": list(variants.values()),
        "shown": [variants["RED-S"]],
        "thumbnail": [variants["RED-M"]]})
    assert response.status_code == 302
    assert response.location == f"/products/{pid}#media-area"
    links = conn.execute("SELECT variant_id FROM products_images WHERE image_id = %s "
                         "AND product_id = %s", (image_id, pid)).fetchall()
    assert {r["variant_id"] for r in links} == {variants["RED-S"], variants["RED-M"]}
    thumbs = {r["sku"]: r["thumbnail"] for r in conn.execute(
        "SELECT sku, thumbnail FROM p_variants WHERE product_id = %s", (pid,))}
    assert thumbs == {"RED-S": None, "RED-M": URLS[1], "BLUE-S": None}

    # The section counts them; the grid shows the thumbnail from its own row.
    section = text(client.get(f"/products/{pid}/images", headers={"HX-Request": "true"}))
    assert "2 of 3 variants" in section and "All variants" in section
    grid = text(client.get(f"/products/{pid}/variants"))
    assert f'<img class="thumb" src="{URLS[1]}"' in grid

    # Unticking: the links go, and the thumbnail taken from this image goes too.
    client.submit(f"/products/{pid}/images/{image_id}/variants",
                  {"listed": list(variants.values()), "shown": [], "thumbnail": []})
    assert conn.execute("SELECT count(*) AS n FROM products_images WHERE image_id = %s",
                        (image_id,)).fetchone()["n"] == 0
    assert conn.execute("SELECT count(*) AS n FROM p_variants WHERE product_id = %s "
                        "AND thumbnail IS NOT NULL", (pid,)).fetchone()["n"] == 0


def test_variant_images_touch_only_the_listed_variants_of_that_product(client, conn):
    pid = make_product(conn, skus=["A-1", "A-2"])
    other = make_product(conn, "Other", skus=["B-1"])
    add_urls(client, pid, URLS[0])
    image_id = images(conn, pid)[0]["id"]
    ids = {r["sku"]: r["id"] for r in conn.execute("SELECT id, sku FROM p_variants")}
    conn.execute("INSERT INTO products_images VALUES (%s, %s, %s)", (pid, image_id, ids["A-2"]))
    client.submit(f"/products/{pid}/images/{image_id}/variants", {
        "listed": [ids["A-1"], ids["B-1"]], "shown": [ids["A-1"], ids["B-1"]],
        "thumbnail": [ids["B-1"]]})
    links = conn.execute("SELECT product_id, variant_id FROM products_images").fetchall()
    assert {(r["product_id"], r["variant_id"]) for r in links} == {
        (pid, ids["A-1"]), (pid, ids["A-2"])}
    assert conn.execute("SELECT thumbnail FROM p_variants WHERE id = %s",
                        (ids["B-1"],)).fetchone()["thumbnail"] is None
    assert other


# --- A category's image -----------------------------------------------------------


def test_a_category_image_can_be_uploaded_and_belongs_to_no_product(client, conn):
    category = make_category(conn, "Women")
    response = client.submit(f"/categories/{category}/image/add",
                             {"image_url": "", "file": (io.BytesIO(png_bytes()), "women.png")},
                             content_type="multipart/form-data")
    assert response.status_code == 302
    image = conn.execute("SELECT i.url, i.product_id, i.metadata FROM images AS i "
                         "JOIN p_categories AS c ON c.image_id = i.id WHERE c.id = %s",
                         (category,)).fetchone()
    assert image["product_id"] is None and image["url"].endswith(".png")
    assert image["metadata"]["filename"] == "women.png"
    page = text(client.get(f"/categories/{category}"))
    assert image["url"] in page and 'enctype="multipart/form-data"' in page


def test_a_category_image_by_address_replaces_the_old_one(client, conn):
    category = make_category(conn, "Women")
    client.submit(f"/categories/{category}/image/add",
                  {"image_url": "https://cdn.example.com/1.jpg"})
    first = conn.execute("SELECT image_id FROM p_categories WHERE id = %s",
                         (category,)).fetchone()["image_id"]
    client.submit(f"/categories/{category}/image/add",
                  {"image_url": "https://cdn.example.com/2.jpg"})
    rows = conn.execute("SELECT url, deleted_at IS NOT NULL AS gone FROM images "
                        "ORDER BY created_at").fetchall()
    assert [(r["url"], r["gone"]) for r in rows] == [
        ("https://cdn.example.com/1.jpg", True), ("https://cdn.example.com/2.jpg", False)]
    assert first


@pytest.mark.parametrize(("data", "message"), [
    ({"image_url": "javascript:alert(1)"}, "“javascript:” addresses are not allowed"),
    ({"image_url": ""}, "Paste the image’s web address, or choose a file."),
    ({"image_url": "", "file": (io.BytesIO(b"hello"), "a.png")}, "“a.png” is not a JPEG"),
])
def test_a_bad_category_image_is_refused_at_the_field(client, conn, data, message):
    category = make_category(conn, "Women")
    response = client.submit(f"/categories/{category}/image/add", data,
                             content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in text(response)
    assert conn.execute("SELECT count(*) AS n FROM images").fetchone()["n"] == 0


# --- Pages, roles, statements -------------------------------------------------------


def test_the_section_runs_a_fixed_number_of_statements(client, conn, count_statements):
    small = make_products(conn, 1, variants_each=2) + "1"
    large = make_products(conn, 1, variants_each=50) + "1"
    for pid, n in ((small, 1), (large, 40)):
        conn.execute(
            "INSERT INTO images (id, url, rank, product_id) "
            "SELECT %s || g, 'https://cdn.example.com/' || g || '.jpg', g - 1, %s "
            "FROM generate_series(1, %s) AS g", (new_id("image"), pid, n))
        conn.execute(
            "INSERT INTO products_images (product_id, image_id, variant_id) "
            "SELECT i.product_id, i.id, v.id FROM images AS i "
            "JOIN p_variants AS v ON v.product_id = i.product_id WHERE i.product_id = %s",
            (pid,))
    counts = [count_statements(client.get(f"/products/{pid}/images",
                                          headers={"HX-Request": "true"}))
              for pid in (small, large)]
    assert counts[0] == counts[1] <= 3
    page = [count_statements(client.get(f"/products/{pid}/images")) for pid in (small, large)]
    assert page[0] == page[1] <= 3


def test_the_product_page_loads_the_section_after_itself(client, conn):
    pid = make_product(conn)
    page = text(client.get(f"/products/{pid}"))
    assert f'hx-get="/products/{pid}/images"' in page
    assert "/static/images.js" in page


def test_a_viewer_sees_the_images_but_no_controls_and_cannot_write(login_as, client, conn):
    pid = make_product(conn)
    add_urls(client, pid, *URLS)
    viewer = login_as("viewer")
    page = text(viewer.get(f"/products/{pid}/images", headers={"HX-Request": "true"}))
    assert page.count('class="media-item') == 3
    for control in ("Set as thumbnail", "Add images", "media-handle", ">Delete<"):
        assert control not in page
    assert add_urls(viewer, pid, URLS[0]).status_code == 403
    image_id = images(conn, pid)[0]["id"]
    assert viewer.submit(f"/products/{pid}/images/{image_id}/delete").status_code == 403


def test_unknown_products_and_images_are_404(client, conn):
    pid = make_product(conn)
    assert client.get("/products/prod_nope/images").status_code == 404
    assert client.submit(f"/products/{pid}/images/img_nope/thumbnail").status_code == 404
    assert client.submit(f"/products/{pid}/images/img_nope/delete").status_code == 404
    assert client.get(f"/products/{pid}/images/img_nope/variants").status_code == 404


def test_media_outside_the_store_is_not_served(client, conn):
    assert client.get("/media/../secret_key").status_code == 404
    assert client.get("/media/nothing-here.png").status_code == 404


def test_an_oversized_category_upload_is_refused_at_the_file_field(client, conn, app):
    category = make_category(conn, "Women")
    body = b"\0" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.submit(f"/categories/{category}/image/add",
                             {"file": (io.BytesIO(body), "poster.png")},
                             content_type="multipart/form-data")
    assert response.status_code == 413
    page = text(response)
    assert "Those files add up to more than 20.0 MB" in page and 'id="file-error"' in page
    assert conn.execute("SELECT count(*) AS n FROM images").fetchone()["n"] == 0


# --- What the camera wrote -------------------------------------------------------


def camera_exif(orientation=6):
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0xA431] = "SN-12345"  # the body's serial number
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}  # GPS
    return exif


def stored_file(media_root, image) -> bytes:
    sha = image["metadata"]["sha256"]
    extension = image["url"].rsplit(".", 1)[1]
    data = (Path(media_root) / sha[:2] / f"{sha}.{extension}").read_bytes()
    assert image["metadata"]["bytes"] == len(data)
    return data


@pytest.mark.parametrize("image_format, extension", [("JPEG", "jpg"), ("PNG", "png"),
                                                     ("WEBP", "webp")])
def test_an_upload_is_stored_without_location_serial_or_owner_but_turned_right(
        client, conn, media_root, image_format, extension):
    from PIL.PngImagePlugin import PngInfo

    picture = Image.new("RGB", (40, 30), "red")
    picture.putpixel((3, 4), (10, 200, 30))
    options = {"exif": camera_exif(), "xmp": b"<x:xmpmeta>Home, 52.52 N</x:xmpmeta>"}
    if image_format == "PNG":
        info = PngInfo()
        info.add_text("Author", "Anna Example")
        options = {"exif": camera_exif(), "pnginfo": info}
    if image_format == "WEBP":
        options["lossless"] = True
    out = io.BytesIO()
    picture.save(out, image_format, **options)
    sent = out.getvalue()
    assert b"SN-12345" in sent
    pid = make_product(conn, "Camera bag")
    response = upload(client, pid, (sent, f"photo.{extension}"))
    assert response.status_code == 200, text(response)[:500]
    [image] = images(conn, pid)
    kept = stored_file(media_root, image)
    for private in (b"SN-12345", b"PhoneMaker", b"52.52", b"Anna Example"):
        assert private not in kept
    with Image.open(io.BytesIO(sent)) as before, Image.open(io.BytesIO(kept)) as after:
        exif = after.getexif()
        assert exif.get_ifd(0x8825) == {} and 0xA431 not in exif
        if image_format == "JPEG":  # browsers turn JPEGs by it: it stays
            assert exif.get(0x0112) == 6
        assert after.tobytes() == before.tobytes()  # the very same pixels, not re-encoded
    assert image["metadata"]["sha256"] == hashlib.sha256(kept).hexdigest()


def test_a_multi_picture_jpeg_keeps_only_the_picture_shown(client, conn, media_root):
    data = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(
        data, "MPO", save_all=True, exif=camera_exif(orientation=1),
        append_images=[Image.new("RGB", (40, 30), "blue")])
    pid = make_product(conn, "Camera bag")
    assert upload(client, pid, (data.getvalue(), "photo.jpg")).status_code == 200
    [image] = images(conn, pid)
    kept = stored_file(media_root, image)
    assert b"SN-12345" not in kept and b"MPF\x00" not in kept
    with Image.open(io.BytesIO(kept)) as stored:
        red, green, blue = stored.getpixel((5, 5))
        assert stored.format == "JPEG" and red > 200 and green < 50 and blue < 50
        assert 0x0112 not in stored.getexif()  # orientation 1 needs no EXIF at all
