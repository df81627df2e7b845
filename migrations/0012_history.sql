-- History: every write to the seed's tables is recorded with who, when, and
-- the fields it changed (old and new), so staff can see what happened to a
-- product and put any change back.
--
-- Why triggers: a recorder in the database cannot be forgotten by a route,
-- a bulk statement, an import job or a Trash restore, and it writes in the
-- same transaction as the change, so there is never a change without its
-- record nor a record without its change. The application says who is
-- writing and which change-set the writes belong to through transaction-local
-- settings (app.db.transaction sets catalog.user_id, catalog.change_set_id and
-- catalog.change_label as its first statement). The triggers are statement
-- level with transition tables, so a bulk change of 1,000 rows is recorded by
-- one INSERT … SELECT per table, not 1,000 trigger calls.
--
-- Records are compact: an update keeps only the fields that changed
-- (updated_at excluded) as {"field": [old, new]}; a created, linked,
-- unlinked or purged row keeps the row. A write with catalog.history = 'off'
-- (the demo-data loader, 600,000 rows) is not recorded.

CREATE TABLE change_sets (
    id text NOT NULL PRIMARY KEY,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    user_id text,
    label text NOT NULL DEFAULT '',
    -- Set on a change-set that undid another one.
    reverts_id text,

    CONSTRAINT change_sets_user_fk
        FOREIGN KEY (user_id) REFERENCES staff_users(id) ON DELETE SET NULL
);

-- Recent activity, and one user's recent activity.
CREATE INDEX change_sets_created_at_idx ON change_sets (created_at DESC);
CREATE INDEX change_sets_user_id_idx ON change_sets (user_id, created_at DESC);

CREATE TABLE changes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    change_set_id text NOT NULL,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    table_name text NOT NULL,
    -- The row's id; for a junction row its key columns joined by '/'.
    row_id text NOT NULL,
    -- The product the row belongs to, when it belongs to one.
    product_id text,
    kind text NOT NULL,
    -- What the row was called when it changed ("Red / L", "Summer").
    label text,
    data jsonb NOT NULL,

    CONSTRAINT changes_change_set_fk
        FOREIGN KEY (change_set_id) REFERENCES change_sets(id) ON DELETE CASCADE,
    CONSTRAINT changes_kind_check
        CHECK (kind IN ('create', 'update', 'delete', 'restore', 'move',
                        'link', 'unlink', 'purge'))
);

-- "This product's history", newest first.
CREATE INDEX changes_product_id_idx ON changes (product_id, id DESC)
    WHERE product_id IS NOT NULL;
-- A change-set's changes (activity, revert).
CREATE INDEX changes_change_set_id_idx ON changes (change_set_id, id);
-- Later changes of the same row (a revert's conflict check).
CREATE INDEX changes_row_idx ON changes (table_name, row_id, id);

-- Makes the change-set row the first time a transaction writes, and returns
-- its id. Without settings (psql, a script) each transaction is its own set.
CREATE FUNCTION catalog_history_change_set() RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    set_id text := nullif(current_setting('catalog.change_set_id', true), '');
BEGIN
    IF set_id IS NULL THEN
        set_id := 'cs_tx' || txid_current();
    END IF;
    INSERT INTO change_sets (id, user_id, label)
    VALUES (set_id,
            nullif(current_setting('catalog.user_id', true), ''),
            coalesce(current_setting('catalog.change_label', true), ''))
    ON CONFLICT (id) DO NOTHING;
    RETURN set_id;
END;
$$;

-- Arguments: the SQL giving, for a row `r`, its key, its product and its
-- readable name; then 'row' (a table with id and deleted_at) or 'link'
-- (a junction table: inserts are links, deletes unlinks).
CREATE FUNCTION catalog_history_record() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    key_sql text := TG_ARGV[0];
    product_sql text := TG_ARGV[1];
    label_sql text := TG_ARGV[2];
    shape text := TG_ARGV[3];
    set_id text;
BEGIN
    IF current_setting('catalog.history', true) = 'off' THEN
        RETURN NULL;
    END IF;
    set_id := catalog_history_change_set();

    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND shape = 'link') THEN
        EXECUTE format(
            'INSERT INTO changes (change_set_id, table_name, row_id, product_id, kind, label, data)
             SELECT $1, %L, %s, %s, %L, %s, to_jsonb(r) - %L - %L
               FROM new_rows AS r',
            TG_TABLE_NAME, key_sql, product_sql,
            CASE shape WHEN 'link' THEN 'link' ELSE 'create' END,
            label_sql, 'created_at', 'updated_at')
        USING set_id;
    END IF;

    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND shape = 'link') THEN
        EXECUTE format(
            'INSERT INTO changes (change_set_id, table_name, row_id, product_id, kind, label, data)
             SELECT $1, %L, %s, %s, %L, %s, to_jsonb(r)
               FROM old_rows AS r',
            TG_TABLE_NAME, key_sql, product_sql,
            CASE shape WHEN 'link' THEN 'unlink' ELSE 'purge' END,
            label_sql)
        USING set_id;
    END IF;

    IF TG_OP = 'UPDATE' AND shape = 'row' THEN
        EXECUTE format(
            'INSERT INTO changes (change_set_id, table_name, row_id, product_id, kind, label, data)
             SELECT $1, %L, d.row_id, d.product_id,
                    CASE
                        WHEN d.diff ? ''deleted_at'' AND d.diff -> ''deleted_at'' ->> 1 IS NOT NULL
                            THEN ''delete''
                        WHEN d.diff ? ''deleted_at'' THEN ''restore''
                        WHEN d.diff - ''rank'' - ''variant_rank'' - ''parent_id'' = ''{}''::jsonb
                            THEN ''move''
                        ELSE ''update''
                    END,
                    d.label, d.diff
               FROM (
                    SELECT %s AS row_id, %s AS product_id, %s AS label,
                           (SELECT jsonb_object_agg(k.key, jsonb_build_array(k.value, after_row -> k.key))
                              FROM jsonb_each(before_row) AS k
                             WHERE k.key <> ''updated_at''
                               AND k.value IS DISTINCT FROM after_row -> k.key) AS diff
                      FROM new_rows AS r
                      JOIN old_rows AS o ON o.id = r.id
                     CROSS JOIN LATERAL (SELECT to_jsonb(o) AS before_row, to_jsonb(r) AS after_row) AS j
                    ) AS d
              WHERE d.diff IS NOT NULL',
            TG_TABLE_NAME, key_sql, product_sql, label_sql)
        USING set_id;
    END IF;
    RETURN NULL;
END;
$$;

-- One trigger per event: PostgreSQL allows transition tables only on
-- single-event triggers.
CREATE FUNCTION catalog_history_attach(tbl text, key_sql text, product_sql text,
                                       label_sql text, shape text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
             FOR EACH STATEMENT EXECUTE FUNCTION catalog_history_record(%L, %L, %L, %L)',
        tbl || '_history_ins', tbl, key_sql, product_sql, label_sql, shape);
    EXECUTE format(
        'CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
             FOR EACH STATEMENT EXECUTE FUNCTION catalog_history_record(%L, %L, %L, %L)',
        tbl || '_history_upd', tbl, key_sql, product_sql, label_sql, shape);
    EXECUTE format(
        'CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
             FOR EACH STATEMENT EXECUTE FUNCTION catalog_history_record(%L, %L, %L, %L)',
        tbl || '_history_del', tbl, key_sql, product_sql, label_sql, shape);
END;
$$;

SELECT catalog_history_attach('products', 'r.id', 'r.id', 'r.title', 'row');
SELECT catalog_history_attach('p_variants', 'r.id', 'r.product_id', 'r.title', 'row');
SELECT catalog_history_attach('p_options', 'r.id', 'r.product_id', 'r.title', 'row');
SELECT catalog_history_attach('p_option_values', 'r.id',
    '(SELECT o.product_id FROM p_options AS o WHERE o.id = r.option_id)', 'r.value', 'row');
SELECT catalog_history_attach('images', 'r.id', 'r.product_id', 'r.url', 'row');
SELECT catalog_history_attach('p_categories', 'r.id', 'NULL', 'r.name', 'row');
SELECT catalog_history_attach('p_collections', 'r.id', 'NULL', 'r.title', 'row');
SELECT catalog_history_attach('p_tags', 'r.id', 'NULL', 'r.value', 'row');
SELECT catalog_history_attach('p_types', 'r.id', 'NULL', 'r.value', 'row');
SELECT catalog_history_attach('products_tags', 'r.product_id || ''/'' || r.product_tag_id',
    'r.product_id', '(SELECT t.value FROM p_tags AS t WHERE t.id = r.product_tag_id)', 'link');
SELECT catalog_history_attach('p_categories_products', 'r.product_id || ''/'' || r.p_categories_id',
    'r.product_id', '(SELECT c.name FROM p_categories AS c WHERE c.id = r.p_categories_id)', 'link');
SELECT catalog_history_attach('products_images',
    'r.product_id || ''/'' || r.variant_id || ''/'' || r.image_id',
    'r.product_id', '(SELECT v.title FROM p_variants AS v WHERE v.id = r.variant_id)', 'link');
SELECT catalog_history_attach('p_variants_options', 'r.variant_id || ''/'' || r.option_value_id',
    '(SELECT v.product_id FROM p_variants AS v WHERE v.id = r.variant_id)',
    '(SELECT v.title FROM p_variants AS v WHERE v.id = r.variant_id)', 'link');

DROP FUNCTION catalog_history_attach(text, text, text, text, text);
