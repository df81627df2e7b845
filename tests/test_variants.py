"""Options, values, generating variants, the grid, and what the database guarantees."""

import html
import json
import re
import threading
import time

import psycopg
import pytest
from psycopg.rows import dict_row

from app.ids import new_id
from app.web.ordering import merge_order
from tests.factories import make_product

# --- Helpers ------------------------------------------------------------------


def add_option(client, pid, title, values=""):
    return client.submit(f"/products/{pid}/options", {"title": title, "values": values},
                         htmx=True)


def options(conn, pid):
    """{title: {value: id}} of the product's live options, and the option ids in order."""
    rows = conn.execute(
        """
        SELECT o.id AS option_id, o.title, v.id, v.value
          FROM p_options AS o
          LEFT JOIN p_option_values AS v ON v.option_id = o.id AND v.deleted_at IS NULL
         WHERE o.product_id = %s AND o.deleted_at IS NULL
         ORDER BY (o.metadata ->> 'rank')::int, (v.metadata ->> 'rank')::int
        """, (pid,)).fetchall()
    out = {}
    for r in rows:
        out.setdefault(r["title"], {"id": r["option_id"], "values": {}})
        if r["id"]:
            out[r["title"]]["values"][r["value"]] = r["id"]
    return out


def live_variants(conn, pid):
    return conn.execute(
        """
        SELECT id, title, sku, weight, variant_rank, updated_at
          FROM p_variants
         WHERE product_id = %s AND deleted_at IS NULL
         ORDER BY variant_rank, id
        """, (pid,)).fetchall()


def variant_by_title(conn, pid, title):
    return next(v for v in live_variants(conn, pid) if v["title"] == title)


def generate(client, pid):
    return client.submit(f"/products/{pid}/variants/generate", {}, htmx=True)


def product_with_options(client, conn, title="Linen Shirt", **opts):
    """A product with options (name=values, in order), generated."""
    pid = make_product(conn, title)
    for name, values in opts.items():
        assert add_option(client, pid, name, values).status_code == 200
    assert generate(client, pid).status_code == 200
    return pid


def toast(response):
    return json.loads(response.headers.get("HX-Trigger", "{}")).get("toast", {}).get("message", "")


def text(response):
    return html.unescape(response.get_data(as_text=True))


def row_data(conn, variant_id, **changes):
    """What a grid row posts: every column as loaded, the version and `original`."""
    v = conn.execute("SELECT * FROM p_variants WHERE id = %s", (variant_id,)).fetchone()
    cols = ("title", "sku", "barcode", "ean", "upc", "weight", "length", "height", "width",
            "allow_backorder", "manage_inventory", "origin_country", "hs_code", "mid_code",
            "material")
    original = {c: (v[c] if isinstance(v[c], bool) else ("" if v[c] is None else str(v[c])))
                for c in cols}
    data = {c: val for c, val in original.items() if not isinstance(val, bool)}
    data.update({c: "y" for c in cols if original[c] is True})
    data.update({"version": v["updated_at"].isoformat(), "original": json.dumps(original)})
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def save_row(client, pid, variant_id, data, htmx=True):
    return client.submit(f"/products/{pid}/variants/{variant_id}/row", data, htmx=htmx)


def input_value(body, variant_id, column):
    match = re.search(rf'id="v-{variant_id}-{column}"[^>]*?value="([^"]*)"', body)
    if match is None:
        match = re.search(rf'value="([^"]*)"[^>]*?id="v-{variant_id}-{column}"', body)
    return html.unescape(match.group(1)) if match else None


# --- Options and values -------------------------------------------------------


def test_an_option_is_added_with_its_values_in_the_order_typed(client, conn):
    pid = make_product(conn)
    response = add_option(client, pid, "Color", "Red, Blue ,Green, Red")
    assert response.status_code == 200
    assert toast(response) == "Option “Color” added with 3 values."
    assert 'id="variant-options"' in text(response)
    assert list(options(conn, pid)["Color"]["values"]) == ["Red", "Blue", "Green"]
    assert json.loads(response.headers["HX-Trigger"])["variants-changed"]


def test_option_titles_are_unique_per_product_with_a_message_at_the_field(client, conn):
    pid, other = make_product(conn), make_product(conn, "Other")
    add_option(client, pid, "Color", "Red")
    response = add_option(client, pid, "Color", "Blue, Green")
    body = text(response)
    assert response.status_code == 422
    assert 'id="new-option-title-error">This product already has an option “Color”.' in body
    assert 'value="Blue, Green"' in body  # what was typed stays
    assert list(options(conn, pid)) == ["Color"]
    assert add_option(client, other, "Color", "Red").status_code == 200


def test_renaming_an_option_to_a_taken_title_is_refused_at_the_field(client, conn):
    pid = make_product(conn)
    add_option(client, pid, "Color", "Red")
    add_option(client, pid, "Size", "S")
    size = options(conn, pid)["Size"]["id"]
    response = client.submit(f"/products/{pid}/options/{size}", {"title": "Color"}, htmx=True)
    assert response.status_code == 422
    assert f'id="option-title-{size}-error">This product already has an option “Color”.' in text(
        response)
    assert list(options(conn, pid)) == ["Color", "Size"]


def test_values_are_unique_per_option_with_a_message_at_the_field(client, conn):
    pid = make_product(conn)
    add_option(client, pid, "Color", "Red, Blue")
    color = options(conn, pid)["Color"]
    response = client.submit(f"/products/{pid}/options/{color['id']}/values",
                             {"values": "Green, Red"}, htmx=True)
    assert response.status_code == 422
    assert "Color already has “Red”." in text(response)
    assert 'value="Green, Red"' in text(response)
    blue = color["values"]["Blue"]
    response = client.submit(f"/products/{pid}/options/{color['id']}/values/{blue}",
                             {"value": "Red"}, htmx=True)
    assert response.status_code == 422
    assert f'id="value-{blue}-error">This option already has a value “Red”.' in text(response)
    assert list(options(conn, pid)["Color"]["values"]) == ["Red", "Blue"]


def test_renames_and_reorders_retitle_generated_titles_but_not_custom_ones(client, conn):
    pid = product_with_options(client, conn, Color="Red, Blue", Size="S, M")
    custom = variant_by_title(conn, pid, "Blue / M")["id"]
    conn.execute("UPDATE p_variants SET title = 'Midnight M' WHERE id = %s", (custom,))
    opts = options(conn, pid)
    red = opts["Color"]["values"]["Red"]
    client.submit(f"/products/{pid}/options/{opts['Color']['id']}/values/{red}",
                  {"value": "Crimson"}, htmx=True)
    client.submit(f"/products/{pid}/options/{opts['Size']['id']}/move", {"direction": "up"},
                  htmx=True)
    assert [v["title"] for v in live_variants(conn, pid)] == [
        "S / Crimson", "M / Crimson", "S / Blue", "Midnight M"]
    assert list(options(conn, pid)) == ["Size", "Color"]
    client.submit(f"/products/{pid}/options/{opts['Color']['id']}", {"title": "Colour"},
                  htmx=True)
    assert list(options(conn, pid)) == ["Size", "Colour"]


def test_a_new_option_gives_existing_variants_its_first_value(client, conn):
    pid = product_with_options(client, conn, Color="Red, Blue")
    response = add_option(client, pid, "Size", "M, L")
    assert "2 existing variants got its first value." in toast(response)
    assert [v["title"] for v in live_variants(conn, pid)] == ["Red / M", "Blue / M"]
    assert generate(client, pid).status_code == 200
    assert [v["title"] for v in live_variants(conn, pid)] == [
        "Red / M", "Blue / M", "Red / L", "Blue / L"]


def test_deleting_an_option_in_use_is_refused_with_the_count_unless_confirmed(client, conn):
    pid = product_with_options(client, conn, Color="Red, Blue", Size="S, M, L")
    size = options(conn, pid)["Size"]["id"]
    response = client.submit(f"/products/{pid}/options/{size}/delete", {}, htmx=True)
    body = text(response)
    assert response.status_code == 422
    assert "“Size” is used by 6 variants, so it was not deleted." in body
    assert f"/products/{pid}/variants?option={size}" in body
    assert "Delete “Size” and its 6 variants" in body
    assert len(live_variants(conn, pid)) == 6 and "Size" in options(conn, pid)

    response = client.submit(f"/products/{pid}/options/{size}/delete",
                             {"confirm": "variants"}, htmx=True)
    assert response.status_code == 200
    assert toast(response) == "Option “Size” moved to Trash with 6 variants. Restore it from " \
        "the Trash."
    assert live_variants(conn, pid) == [] and list(options(conn, pid)) == ["Color"]
    stamps = conn.execute(
        """
        SELECT DISTINCT deleted_at FROM p_variants WHERE product_id = %(p)s
        UNION SELECT deleted_at FROM p_options WHERE id = %(o)s
        UNION SELECT deleted_at FROM p_option_values WHERE option_id = %(o)s
        """, {"p": pid, "o": size}).fetchall()
    assert len(stamps) == 1  # one transaction, one instant


def test_deleting_a_value_in_use_is_refused_unless_confirmed_and_ranks_stay_dense(client, conn):
    pid = product_with_options(client, conn, Color="Red, Blue, Green", Size="S, M")
    blue = options(conn, pid)["Color"]["values"]["Blue"]
    color = options(conn, pid)["Color"]["id"]
    url = f"/products/{pid}/options/{color}/values/{blue}/delete"
    response = client.submit(url, {}, htmx=True)
    assert response.status_code == 422
    assert "“Blue” is used by 2 variants, so it was not deleted." in text(response)
    assert f"/products/{pid}/variants?value={blue}" in text(response)
    assert len(live_variants(conn, pid)) == 6
    assert client.submit(url, {"confirm": "variants"}, htmx=True).status_code == 200
    rows = live_variants(conn, pid)
    assert [v["title"] for v in rows] == ["Red / S", "Red / M", "Green / S", "Green / M"]
    assert [v["variant_rank"] for v in rows] == [0, 1, 2, 3]


def test_an_unused_value_is_deleted_without_asking_and_can_be_restored(client, conn, login_as):
    pid = product_with_options(client, conn, Color="Red")
    color = options(conn, pid)["Color"]
    client.submit(f"/products/{pid}/options/{color['id']}/values", {"values": "Teal"}, htmx=True)
    teal = options(conn, pid)["Color"]["values"]["Teal"]
    response = client.submit(f"/products/{pid}/options/{color['id']}/values/{teal}/delete", {},
                             htmx=True)
    assert response.status_code == 200
    assert list(options(conn, pid)["Color"]["values"]) == ["Red"]
    trash = client.get("/trash/?kind=option_values")
    assert "Teal" in text(trash)
    assert client.submit(f"/trash/option_values/{teal}/restore").status_code == 302
    assert list(options(conn, pid)["Color"]["values"]) == ["Red", "Teal"]


# --- Generating variants ------------------------------------------------------


def test_generate_makes_every_combination_in_option_order(client, conn):
    pid = make_product(conn)
    add_option(client, pid, "Color", "Red, Blue, Green")
    response = add_option(client, pid, "Size", "S, M, L")
    assert "Color (3) × Size (3) = 9 combinations" in text(response)
    assert "Generate 9 variants" in text(response)
    response = generate(client, pid)
    assert toast(response) == "9 variants created."
    rows = live_variants(conn, pid)
    assert [v["title"] for v in rows] == [
        "Red / S", "Red / M", "Red / L", "Blue / S", "Blue / M", "Blue / L",
        "Green / S", "Green / M", "Green / L"]
    assert [v["variant_rank"] for v in rows] == list(range(9))
    assert all(v["id"].startswith("variant_") and len(v["id"]) == 34 for v in rows)
    held = conn.execute(
        """
        SELECT count(*) AS n FROM p_variants_options AS vo JOIN p_variants AS v
            ON v.id = vo.variant_id WHERE v.product_id = %s
        """, (pid,)).fetchone()["n"]
    assert held == 18
    assert "Every combination exists." in text(response)


def test_generate_skips_combinations_that_exist(client, conn):
    pid = make_product(conn)
    add_option(client, pid, "Color", "Red, Blue")
    add_option(client, pid, "Size", "S, M")
    opts = options(conn, pid)
    response = client.submit(f"/products/{pid}/variants/new", {
        f"option-{opts['Color']['id']}": opts["Color"]["values"]["Blue"],
        f"option-{opts['Size']['id']}": opts["Size"]["values"]["M"], "title": "Navy M"},
        htmx=True)
    assert response.status_code == 200
    conn.execute("UPDATE p_variants SET sku = 'NAVY-M' WHERE product_id = %s", (pid,))
    before = variant_by_title(conn, pid, "Navy M")
    assert "Generate 3 variants" in text(client.get(f"/products/{pid}/options",
                                                    headers={"HX-Request": "true"}))
    assert toast(generate(client, pid)) == "3 variants created."
    rows = live_variants(conn, pid)
    assert [(v["title"], v["variant_rank"]) for v in rows] == [
        ("Navy M", 0), ("Red / S", 1), ("Red / M", 2), ("Blue / S", 3)]
    assert variant_by_title(conn, pid, "Navy M") == before  # untouched
    assert toast(generate(client, pid)) == "Every combination exists already; nothing to create."
    assert len(live_variants(conn, pid)) == 4


def test_generate_refuses_above_2048_variants_with_the_numbers(client, conn):
    pid = make_product(conn)
    for name in ("A", "B", "C"):
        add_option(client, pid, name, ", ".join(f"{name}{i}" for i in range(13)))
    form = text(client.get(f"/products/{pid}/options", headers={"HX-Request": "true"}))
    assert "A (13) × B (13) × C (13) = 2,197 combinations: generating them would give this " \
        "product 2,197 variants (2,197 new and 0 existing); a product can have at most " \
        "2,048." in form
    assert re.search(r'<button[^>]*disabled[^>]*id="generate-button"', form)
    response = generate(client, pid)
    assert response.status_code == 422
    assert "at most 2,048" in toast(response)
    assert live_variants(conn, pid) == []


def test_generating_1000_combinations_is_one_fast_transaction(client, conn, count_statements):
    pid = make_product(conn)
    for name in ("A", "B", "C"):
        add_option(client, pid, name, ", ".join(f"{name}{i}" for i in range(10)))
    started = time.perf_counter()
    response = generate(client, pid)
    elapsed = time.perf_counter() - started
    assert toast(response) == "1,000 variants created."
    assert len(live_variants(conn, pid)) == 1000
    assert elapsed < 1.0, f"generating 1,000 variants took {elapsed:.3f}s"
    # user, lock, overview, one INSERT for variants and links, then the editor again
    assert count_statements(response) <= 6


def wait_for_lock_waiters(conn, n, timeout=10.0):
    """Until n other sessions wait for a lock (bounded polling, not a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = conn.execute(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()").fetchone()["n"]
        if waiting >= n:
            return
        time.sleep(0.02)
    raise AssertionError(f"{n} sessions never waited for a lock")


def test_two_generations_at_once_create_each_combination_once(client, login_as, conn,
                                                               database_url):
    """The app locks the product row: the second generation waits, then finds the
    first's variants and creates nothing."""
    pid = make_product(conn)
    add_option(client, pid, "Color", "Red, Blue")
    add_option(client, pid, "Size", "S, M")
    results = []
    clients = [client, login_as("editor")]
    with psycopg.connect(database_url) as holder:
        holder.execute("SELECT 1 FROM products WHERE id = %s FOR UPDATE", (pid,))
        threads = [threading.Thread(target=lambda c=c: results.append(toast(generate(c, pid))))
                   for c in clients]
        for t in threads:
            t.start()
        wait_for_lock_waiters(conn, 2)  # both requests wait for the row lock we hold
        assert results == []
        holder.commit()
        for t in threads:
            t.join(10)
    assert sorted(results) == ["4 variants created.",
                               "Every combination exists already; nothing to create."]
    assert len(live_variants(conn, pid)) == 4


# --- What the database guarantees ---------------------------------------------


def sql_product_with_values(conn):
    pid = make_product(conn)
    color, size = new_id("option"), new_id("option")
    conn.execute("INSERT INTO p_options (id, title, product_id) VALUES (%s, 'Color', %s), "
                 "(%s, 'Size', %s)", (color, pid, size, pid))
    ids = {name: new_id("option_value") for name in ("Red", "Blue", "S", "M")}
    conn.execute(
        "INSERT INTO p_option_values (id, value, option_id) VALUES "
        "(%s, 'Red', %s), (%s, 'Blue', %s), (%s, 'S', %s), (%s, 'M', %s)",
        (ids["Red"], color, ids["Blue"], color, ids["S"], size, ids["M"], size))
    return pid, ids


def sql_variant(conn, pid, *value_ids, title="V"):
    vid = new_id("variant")
    conn.execute("INSERT INTO p_variants (id, title, product_id) VALUES (%s, %s, %s)",
                 (vid, title, pid))
    if value_ids:
        conn.execute("INSERT INTO p_variants_options SELECT %s, unnest(%s::text[])",
                     (vid, list(value_ids)))
    return vid


def test_sql_cannot_give_a_variant_two_values_of_one_option(conn):
    pid, v = sql_product_with_values(conn)
    vid = sql_variant(conn, pid, v["Red"], v["S"])
    with pytest.raises(psycopg.errors.UniqueViolation) as caught:
        conn.execute("INSERT INTO p_variants_options VALUES (%s, %s)", (vid, v["Blue"]))
    assert caught.value.diag.constraint_name == "p_variants_options_one_value_per_option"


def test_sql_cannot_make_two_live_variants_with_one_combination(conn):
    pid, v = sql_product_with_values(conn)
    first = sql_variant(conn, pid, v["Red"], v["S"])
    unique = "variant_combinations_product_combination_unique"
    # inserting the same values, in any order
    with pytest.raises(psycopg.errors.UniqueViolation) as caught:
        sql_variant(conn, pid, v["S"], v["Red"])
    assert caught.value.diag.constraint_name == unique
    # changing another variant's values to them
    other = sql_variant(conn, pid, v["Blue"], v["S"])
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("UPDATE p_variants_options SET option_value_id = %s "
                     "WHERE variant_id = %s AND option_value_id = %s", (v["Red"], other, v["Blue"]))
    # a deleted variant frees its combination; restoring it over a live one is refused
    conn.execute("UPDATE p_variants SET deleted_at = now() WHERE id = %s", (first,))
    again = sql_variant(conn, pid, v["Red"], v["S"])
    with pytest.raises(psycopg.errors.UniqueViolation) as caught:
        conn.execute("UPDATE p_variants SET deleted_at = NULL WHERE id = %s", (first,))
    assert caught.value.diag.constraint_name == unique
    # one statement that inserts two equal combinations is refused whole
    a, b = sql_variant(conn, pid), sql_variant(conn, pid)
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("INSERT INTO p_variants_options VALUES (%s, %s), (%s, %s), (%s, %s), "
                     "(%s, %s)", (a, v["Blue"], a, v["M"], b, v["M"], b, v["Blue"]))
    live = conn.execute(
        "SELECT variant_id FROM variant_combinations WHERE product_id = %s ORDER BY 1",
        (pid,)).fetchall()
    assert sorted(r["variant_id"] for r in live) == sorted([again, other])
    # variants without values (a product's default variant) are not constrained
    sql_variant(conn, pid), sql_variant(conn, pid)


def test_two_transactions_inserting_one_combination_cannot_both_commit(conn, database_url):
    pid, v = sql_product_with_values(conn)
    a, b = sql_variant(conn, pid), sql_variant(conn, pid)
    outcome = {}
    with psycopg.connect(database_url) as first:
        first.execute("INSERT INTO p_variants_options VALUES (%s, %s), (%s, %s)",
                      (a, v["Red"], a, v["M"]))

        def second():
            with psycopg.connect(database_url, row_factory=dict_row) as other:
                try:
                    other.execute("SET lock_timeout = '10s'")
                    other.execute("INSERT INTO p_variants_options VALUES (%s, %s), (%s, %s)",
                                  (b, v["M"], b, v["Red"]))
                    other.commit()
                    outcome["second"] = "committed"
                except psycopg.errors.UniqueViolation:
                    outcome["second"] = "refused"

        thread = threading.Thread(target=second)
        thread.start()
        wait_for_lock_waiters(conn, 1)  # the second waits on the first's uncommitted key
        assert outcome == {}
        first.commit()
        thread.join(15)
    assert outcome == {"second": "refused"}


# --- The grid -----------------------------------------------------------------


def test_a_row_save_writes_its_columns_and_answers_with_the_row(client, conn):
    pid = product_with_options(client, conn, Color="Red, Blue")
    red = variant_by_title(conn, pid, "Red")
    response = save_row(client, pid, red["id"], row_data(
        conn, red["id"], sku=" LS-RED ", weight="250", origin_country="pt",
        allow_backorder="y", manage_inventory=None))
    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith("<tr") and f'id="variant-{red["id"]}"' in body
    assert "Saved" in body
    assert input_value(body, red["id"], "sku") == "LS-RED"
    assert input_value(body, red["id"], "origin_country") == "PT"
    row = conn.execute("SELECT * FROM p_variants WHERE id = %s", (red["id"],)).fetchone()
    assert (row["sku"], row["weight"], row["origin_country"], row["allow_backorder"],
            row["manage_inventory"]) == ("LS-RED", 250, "PT", True, False)


def test_a_duplicate_sku_is_refused_naming_the_holder_and_changes_nothing(client, conn):
    make_product(conn, "Wool Beanie", skus=["WB-1"])
    pid = product_with_options(client, conn, Color="Red, Blue")
    red = variant_by_title(conn, pid, "Red")
    response = save_row(client, pid, red["id"], row_data(conn, red["id"], sku="WB-1",
                                                         weight="300"))
    body = text(response)
    assert response.status_code == 422
    assert 'SKU “WB-1” is already used by “Wool Beanie” (variant “WB-1”).' in body
    assert input_value(body, red["id"], "sku") == "WB-1"  # kept as typed
    assert input_value(body, red["id"], "weight") == "300"
    assert f'id="v-{red["id"]}-sku" ' in body and 'aria-invalid="true"' in body
    assert variant_by_title(conn, pid, "Red") == red  # nothing changed, not even the weight
    blue = variant_by_title(conn, pid, "Blue")
    conn.execute("UPDATE p_variants SET sku = 'LS-BLUE' WHERE id = %s", (blue["id"],))
    response = save_row(client, pid, red["id"], row_data(conn, red["id"], sku="LS-BLUE"))
    assert "already used by another variant of this product, “Blue”" in text(response)


def test_a_weight_that_is_no_whole_number_is_refused_at_its_cell(client, conn):
    pid = product_with_options(client, conn, Color="Red")
    red = variant_by_title(conn, pid, "Red")
    for typed in ("12.5", "heavy", "-3", "99999999999"):
        response = save_row(client, pid, red["id"], row_data(conn, red["id"], weight=typed))
        assert response.status_code == 422, typed
        assert input_value(text(response), red["id"], "weight") == typed
    assert "Enter a whole number of grams, like 250." in text(
        save_row(client, pid, red["id"], row_data(conn, red["id"], weight="12.5")))
    assert variant_by_title(conn, pid, "Red") == red


def test_a_colleagues_save_to_other_columns_is_kept(client, conn):
    pid = product_with_options(client, conn, Color="Red")
    red = variant_by_title(conn, pid, "Red")
    loaded = row_data(conn, red["id"])
    conn.execute("UPDATE p_variants SET weight = 500 WHERE id = %s", (red["id"],))
    response = save_row(client, pid, red["id"], {**loaded, "sku": "RED-1"})
    assert response.status_code == 200
    assert "Saved, with a colleague" in text(response)
    assert input_value(text(response), red["id"], "weight") == "500"
    row = variant_by_title(conn, pid, "Red")
    assert (row["sku"], row["weight"]) == ("RED-1", 500)


def test_a_colleagues_save_to_the_same_column_is_a_conflict(client, conn):
    pid = product_with_options(client, conn, Color="Red")
    red = variant_by_title(conn, pid, "Red")
    loaded = row_data(conn, red["id"])
    conn.execute("UPDATE p_variants SET sku = 'THEIRS' WHERE id = %s", (red["id"],))
    response = save_row(client, pid, red["id"], {**loaded, "sku": "MINE"})
    body = text(response)
    assert response.status_code == 409
    assert "someone else changed SKU meanwhile" in body
    assert input_value(body, red["id"], "sku") == "THEIRS"  # the row shows their value
    assert "Yours was “MINE”." in body
    assert "was not saved" in toast(response)
    assert variant_by_title(conn, pid, "Red")["sku"] == "THEIRS"


def test_rows_save_without_javascript_through_plain_forms(client, conn):
    make_product(conn, "Wool Beanie", skus=["WB-1"])
    pid = product_with_options(client, conn, Color="Red")
    red = variant_by_title(conn, pid, "Red")
    back = f"/products/{pid}/variants"
    response = save_row(client, pid, red["id"], {**row_data(conn, red["id"], sku="R-1"),
                                                 "next": back}, htmx=False)
    assert response.status_code == 302 and response.headers["Location"] == back
    assert variant_by_title(conn, pid, "Red")["sku"] == "R-1"
    response = save_row(client, pid, red["id"], {**row_data(conn, red["id"], sku="WB-1"),
                                                 "next": back}, htmx=False)
    body = text(response)
    assert response.status_code == 422 and "<html" in body
    assert "is already used by “Wool Beanie”" in body
    assert input_value(body, red["id"], "sku") == "WB-1"
    assert variant_by_title(conn, pid, "Red")["sku"] == "R-1"


def test_bulk_edit_sets_one_column_on_the_selected_rows(client, conn):
    pid = product_with_options(client, conn, Color="Red, Blue, Green")
    ids = [v["id"] for v in live_variants(conn, pid)]
    response = client.submit(f"/products/{pid}/variants/bulk", {
        "ids": ids[:2], "action": "set", "field": "weight", "value": "250"}, htmx=True)
    assert response.status_code == 200
    assert toast(response) == "Weight (g) set to “250” on 2 variants."
    assert [v["weight"] for v in live_variants(conn, pid)] == [250, 250, None]
    response = client.submit(f"/products/{pid}/variants/bulk", {
        "ids": ids, "action": "set", "field": "allow_backorder", "flag": "y"}, htmx=True)
    assert toast(response) == "Allow backorder set to yes on 3 variants."
    response = client.submit(f"/products/{pid}/variants/bulk", {
        "ids": ids, "action": "set", "field": "weight", "value": "a lot"}, htmx=True)
    assert response.status_code == 422 and "enter a whole number" in text(response)
    response = client.submit(f"/products/{pid}/variants/bulk", {
        "ids": ids, "action": "set", "field": "sku", "value": "SAME"}, htmx=True)
    assert response.status_code == 422  # codes are unique: not a bulk column
    assert [v["weight"] for v in live_variants(conn, pid)] == [250, 250, None]


def test_bulk_delete_is_soft_and_keeps_ranks_dense(client, conn):
    pid = product_with_options(client, conn, Color="Red, Blue, Green, Black")
    ids = [v["id"] for v in live_variants(conn, pid)]
    response = client.submit(f"/products/{pid}/variants/bulk", {
        "ids": [ids[0], ids[2]], "action": "delete"}, htmx=True)
    assert toast(response) == "2 variants moved to Trash. Restore them from the Trash."
    assert [(v["title"], v["variant_rank"]) for v in live_variants(conn, pid)] == [
        ("Blue", 0), ("Black", 1)]
    assert conn.execute("SELECT count(*) AS n FROM p_variants WHERE product_id = %s",
                        (pid,)).fetchone()["n"] == 4
    assert "Red" in text(client.get("/trash/?kind=variants"))
    assert client.submit(f"/trash/variants/{ids[0]}/restore").status_code == 302
    assert [v["title"] for v in live_variants(conn, pid)] == ["Blue", "Black", "Red"]


def test_the_order_posted_after_a_drag_becomes_dense_ranks(client, conn):
    pid = product_with_options(client, conn, Color="A, B, C, D, E")
    ids = {v["title"]: v["id"] for v in live_variants(conn, pid)}
    order = [ids[t] for t in ("C", "A", "B", "E", "D")]
    response = client.submit(f"/products/{pid}/variants/order", {"ids": order}, htmx=True)
    assert response.status_code == 200 and "Order saved." in text(response)
    assert [(v["title"], v["variant_rank"]) for v in live_variants(conn, pid)] == [
        ("C", 0), ("A", 1), ("B", 2), ("E", 3), ("D", 4)]
    # a stale list from a second colleague: unknown ids are ignored, missing ones keep
    # their place, ranks stay 0..n-1
    client.submit(f"/products/{pid}/variants/order",
                  {"ids": [ids["D"], "variant_gone", ids["A"], ids["D"]]}, htmx=True)
    rows = live_variants(conn, pid)
    assert [v["title"] for v in rows] == ["C", "D", "B", "E", "A"]
    assert [v["variant_rank"] for v in rows] == [0, 1, 2, 3, 4]


def test_a_drag_the_page_already_shows_answers_with_the_status_line_only(client, conn):
    pid = product_with_options(client, conn, Color="A, B, C")
    ids = {v["title"]: v["id"] for v in live_variants(conn, pid)}
    shown = client.submit(f"/products/{pid}/variants/order",
                          {"ids": [ids["B"], ids["A"], ids["C"]]}, htmx=True)
    assert shown.headers["HX-Reswap"] == "none"
    assert text(shown).strip().startswith('<p class="grid-status')
    assert 'hx-swap-oob="true">Order saved.</p>' in text(shown)
    # A list that no longer matches what is saved (a variant gone since) reloads the grid.
    stale = client.submit(f"/products/{pid}/variants/order",
                          {"ids": [ids["C"], "variant_gone", ids["A"]]}, htmx=True)
    assert "HX-Reswap" not in stale.headers
    assert 'id="variant-grid"' in text(stale)


def test_merge_order_puts_a_page_of_rows_in_order_and_leaves_the_rest():
    assert merge_order(list("abcdef"), list("fedcba")) == list("fedcba")
    assert merge_order(list("abcdef"), ["d", "c"]) == list("abdcef")
    assert merge_order(list("abcdef"), ["x", "b", "b", "a"]) == list("bacdef")
    assert merge_order(list("abc"), []) == list("abc")


def test_two_reorders_at_once_keep_ranks_dense_and_unique(app, client, login_as, conn):
    pid = product_with_options(client, conn, Color=", ".join(f"C{i}" for i in range(30)))
    ids = [v["id"] for v in live_variants(conn, pid)]
    other = login_as("editor")
    posts = [(client, list(reversed(ids))), (other, ids[10:] + ids[:10])]
    threads = [threading.Thread(target=lambda c=c, o=o: c.submit(
        f"/products/{pid}/variants/order", {"ids": o}, htmx=True)) for c, o in posts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    ranks = sorted(v["variant_rank"] for v in live_variants(conn, pid))
    assert ranks == list(range(30))


def test_one_variant_is_added_by_choosing_a_value_of_each_option(client, conn):
    pid = make_product(conn)
    add_option(client, pid, "Color", "Red, Blue")
    add_option(client, pid, "Size", "S, M")
    opts = options(conn, pid)
    choice = {f"option-{opts['Color']['id']}": opts["Color"]["values"]["Blue"],
              f"option-{opts['Size']['id']}": opts["Size"]["values"]["S"]}
    response = client.submit(f"/products/{pid}/variants/new", choice, htmx=True)
    assert toast(response) == "Variant “Blue / S” added."
    response = client.submit(f"/products/{pid}/variants/new", choice, htmx=True)
    assert response.status_code == 422
    assert "“Blue / S” exists already." in text(response)
    assert "Open “Blue / S”" in text(response)
    response = client.submit(f"/products/{pid}/variants/new",
                             {f"option-{opts['Color']['id']}": opts["Color"]["values"]["Red"]},
                             htmx=True)
    assert response.status_code == 422 and "Choose a Size." in text(response)
    assert [v["title"] for v in live_variants(conn, pid)] == ["Blue / S"]


def test_the_variant_page_saves_every_field_its_values_place_and_metadata(client, conn):
    pid = product_with_options(client, conn, Color="Red, Blue", Size="S, M")
    red_s = variant_by_title(conn, pid, "Red / S")
    opts = options(conn, pid)
    page = client.get(f"/products/{pid}/variants/{red_s['id']}")
    assert page.status_code == 200 and "Option values" in text(page)
    data = row_data(conn, red_s["id"], title="Red small", sku="RS-1", weight="120",
                    hs_code="6205", original=None)
    data.update({"metadata_json": '{"supplier_ref": "SUP-12"}', "position": "4",
                 "thumbnail": "https://img.example/rs.jpg",
                 f"option-{opts['Color']['id']}": opts["Color"]["values"]["Red"],
                 f"option-{opts['Size']['id']}": opts["Size"]["values"]["S"]})
    response = client.submit(f"/products/{pid}/variants/{red_s['id']}", data)
    assert response.status_code == 302, text(response)
    row = conn.execute("SELECT * FROM p_variants WHERE id = %s", (red_s["id"],)).fetchone()
    assert (row["title"], row["sku"], row["weight"], row["hs_code"], row["metadata"],
            row["thumbnail"]) == ("Red small", "RS-1", 120, "6205", {"supplier_ref": "SUP-12"},
                                  "https://img.example/rs.jpg")
    assert [v["title"] for v in live_variants(conn, pid)][3] == "Red small"
    # too much metadata, and a combination another variant holds
    data["version"] = conn.execute("SELECT updated_at FROM p_variants WHERE id = %s",
                                   (red_s["id"],)).fetchone()["updated_at"].isoformat()
    big = dict(data, metadata_json=json.dumps({"note": "x" * 10_300}))
    response = client.submit(f"/products/{pid}/variants/{red_s['id']}", big)
    assert response.status_code == 422 and "the limit is 10 KB" in text(response)
    clash = dict(data, **{f"option-{opts['Size']['id']}": opts["Size"]["values"]["M"]})
    response = client.submit(f"/products/{pid}/variants/{red_s['id']}", clash)
    assert response.status_code == 422
    assert "Another variant, “Red / M”, holds these values." in text(response)
    assert variant_by_title(conn, pid, "Red small")["sku"] == "RS-1"


def test_the_variant_page_refuses_a_stale_save(client, conn):
    pid = product_with_options(client, conn, Color="Red")
    red = variant_by_title(conn, pid, "Red")
    data = row_data(conn, red["id"], sku="MINE", original=None)
    conn.execute("UPDATE p_variants SET sku = 'THEIRS' WHERE id = %s", (red["id"],))
    response = client.submit(f"/products/{pid}/variants/{red['id']}", data)
    assert response.status_code == 409
    assert "Someone else saved this variant while you were editing" in text(response)
    assert variant_by_title(conn, pid, "Red")["sku"] == "THEIRS"


def test_restoring_an_option_brings_back_its_values_and_variants(client, conn):
    pid = product_with_options(client, conn, Color="Red, Blue", Size="S")
    size = options(conn, pid)["Size"]["id"]
    client.submit(f"/products/{pid}/options/{size}/delete", {"confirm": "variants"}, htmx=True)
    assert live_variants(conn, pid) == []
    assert "Size" in text(client.get("/trash/?kind=options"))
    assert client.submit(f"/trash/options/{size}/restore").status_code == 302
    assert list(options(conn, pid)) == ["Color", "Size"]
    assert sorted(v["title"] for v in live_variants(conn, pid)) == ["Blue / S", "Red / S"]


def test_restoring_a_variant_whose_combination_is_live_again_is_refused(client, conn):
    pid = product_with_options(client, conn, Color="Red, Blue")
    red = variant_by_title(conn, pid, "Red")
    client.submit(f"/products/{pid}/variants/{red['id']}/delete")
    generate(client, pid)  # makes a new Red
    response = client.submit(f"/trash/variants/{red['id']}/restore")
    assert response.status_code == 422
    assert "holds the same option values now" in text(response)
    assert [v["title"] for v in live_variants(conn, pid)] == ["Blue", "Red"]


# --- Pages, sizes and roles ---------------------------------------------------


def test_pages_run_a_fixed_number_of_statements_from_10_to_2000_variants(
        client, conn, count_statements):
    small = product_with_options(client, conn, "Small", Color=", ".join(
        f"C{i}" for i in range(10)))
    large = product_with_options(client, conn, "Large", Color=", ".join(
        f"C{i}" for i in range(20)), Size=", ".join(f"S{i}" for i in range(10)),
        Material=", ".join(f"M{i}" for i in range(10)))
    assert len(live_variants(conn, large)) == 2000
    urls = ["/products/{}/variants", "/products/{}/variants?page=20",
            "/products/{}", "/products/{}/variants?embed=1"]
    for url in urls:
        headers = {"HX-Request": "true"} if "embed" in url else {}
        counts = [count_statements(client.get(url.format(pid), headers=headers))
                  for pid in (small, large)]
        assert counts[0] == counts[1] <= 4, (url, counts)
    body = text(client.get(f"/products/{large}/variants?page=2"))
    assert body.count('<tr id="variant-') == 100
    assert "2,000 variants · Page 2 of 20" in body


def test_the_product_page_loads_the_options_editor_and_the_first_screen(client, conn):
    pid = product_with_options(client, conn, Color="Red, Blue")
    page = text(client.get(f"/products/{pid}"))
    assert f'hx-get="/products/{pid}/variants?embed=1"' in page
    assert f'href="/products/{pid}/variants"' in page  # works without JavaScript too
    section = text(client.get(f"/products/{pid}/variants?embed=1",
                              headers={"HX-Request": "true"}))
    assert 'id="variant-options"' in section and 'id="variant-grid"' in section
    assert "Open the full grid" in section


def test_a_viewer_reads_the_grid_but_gets_no_controls_and_cannot_write(client, login_as, conn):
    pid = product_with_options(client, conn, Color="Red")
    red = variant_by_title(conn, pid, "Red")
    viewer = login_as("viewer")
    body = text(viewer.get(f"/products/{pid}/variants"))
    assert "Red" in body and "Generate" not in body and "Add a variant" not in body
    assert 'id="row-' not in body and "readonly" in body
    assert save_row(viewer, pid, red["id"], row_data(conn, red["id"], sku="X")).status_code == 403
    assert add_option(viewer, pid, "Size", "S").status_code == 403


def test_unknown_products_and_variants_are_404(client, conn):
    pid = make_product(conn)
    assert client.get("/products/prod_nope/variants").status_code == 404
    assert client.get(f"/products/{pid}/variants/variant_nope").status_code == 404
    assert add_option(client, "prod_nope", "Color", "Red").status_code == 404


def test_several_default_variants_keep_their_place_when_a_first_option_comes(client, conn):
    pid = make_product(conn, skus=["A-1", "A-2"])  # two variants without options
    response = add_option(client, pid, "Color", "Red, Blue")
    assert response.status_code == 200
    assert "Existing variants have no Color yet" in toast(response)
    assert [(v["title"], v["sku"]) for v in live_variants(conn, pid)] == [
        ("A-1", "A-1"), ("A-2", "A-2")]
    assert toast(generate(client, pid)) == "2 variants created."


def test_variant_routes_do_not_clash_with_the_product_routes(app):
    rules = [(r.rule, m) for r in app.url_map.iter_rules() for m in r.methods
             if m not in ("HEAD", "OPTIONS")]
    assert len(rules) == len(set(rules))
    urls = app.url_map.bind("localhost")
    assert urls.match("/products/new", method="GET")[0] == "products.new"
    assert urls.match("/products/bulk", method="POST")[0] == "products.bulk"
    assert urls.match("/products/prod_1/delete", method="POST")[0] == "products.delete"
    assert urls.match("/products/prod_1/variants", method="GET")[0] == "variants.index"
    assert urls.match("/products/prod_1/variants/bulk", method="POST")[0] == "variants.bulk"
    assert urls.match("/products/prod_1/options", method="POST")[0] == "variants.add_option"
