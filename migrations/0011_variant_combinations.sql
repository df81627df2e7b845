-- Two live variants of one product never hold the same combination of option
-- values: "Red / L" exists once per product. The app checks first and says so
-- at the field; this is the guarantee behind it, for every writer, including
-- two staff generating variants at the same moment.
--
-- The seed's tables have no column for a combination and we add none to them.
-- Instead variant_combinations, a table of our own, holds one row per live
-- variant that has option values: its product and its combination key, the
-- variant's option_value_ids sorted and joined with ','. A unique index on
-- (product_id, combination) does the refusing. A unique index, unlike a
-- trigger that looks for an equal combination, is also right under
-- concurrency: a second transaction inserting the same key waits for the
-- first and fails when it commits, whatever the isolation level.
--
-- Statement triggers (transition tables: one pass per statement, so bulk
-- generation stays set-based) keep the table in step with
--   * p_variants_options: a variant's values were added, removed or changed;
--   * p_variants: a variant was soft-deleted or restored (deleted_at) or moved
--     to another product. Restoring a variant whose combination is live again
--     elsewhere is refused the same way.
-- Variants without option values (a product's single default variant) have
-- no key and are not constrained.
--
-- The grid lists a product's live variants by variant_rank; the index below
-- serves that order and its pages without sorting.

CREATE TABLE variant_combinations (
    variant_id text NOT NULL PRIMARY KEY,
    product_id text NOT NULL,
    combination text NOT NULL,

    CONSTRAINT variant_combinations_variant_fk
        FOREIGN KEY (variant_id) REFERENCES p_variants(id) ON DELETE CASCADE,
    CONSTRAINT variant_combinations_product_fk
        FOREIGN KEY (product_id) REFERENCES products(id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX variant_combinations_product_combination_unique
    ON variant_combinations (product_id, combination);

-- Recompute the keys of these variants from what the tables hold now.
CREATE FUNCTION catalog_sync_variant_combinations(variant_ids text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF variant_ids IS NULL OR cardinality(variant_ids) = 0 THEN
        RETURN;
    END IF;
    -- IN (SELECT unnest(...)) rather than = ANY(...): a hashed semi-join, so a
    -- statement that touches half a million variants stays linear.
    DELETE FROM variant_combinations
     WHERE variant_id IN (SELECT unnest(variant_ids));
    INSERT INTO variant_combinations (variant_id, product_id, combination)
    SELECT v.id,
           v.product_id,
           string_agg(vo.option_value_id, ',' ORDER BY vo.option_value_id COLLATE "C")
      FROM p_variants AS v
      JOIN p_variants_options AS vo ON vo.variant_id = v.id
     WHERE v.id IN (SELECT unnest(variant_ids))
       AND v.deleted_at IS NULL
       AND v.product_id IS NOT NULL
     GROUP BY v.id, v.product_id;
END;
$$;

CREATE FUNCTION catalog_variant_links_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM catalog_sync_variant_combinations(
            ARRAY(SELECT DISTINCT variant_id FROM new_links));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM catalog_sync_variant_combinations(
            ARRAY(SELECT DISTINCT variant_id FROM old_links));
    ELSE
        PERFORM catalog_sync_variant_combinations(
            ARRAY(SELECT variant_id FROM new_links UNION SELECT variant_id FROM old_links));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER p_variants_options_combination_ins
    AFTER INSERT ON p_variants_options
    REFERENCING NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_variant_links_changed();

CREATE TRIGGER p_variants_options_combination_del
    AFTER DELETE ON p_variants_options
    REFERENCING OLD TABLE AS old_links
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_variant_links_changed();

CREATE TRIGGER p_variants_options_combination_upd
    AFTER UPDATE ON p_variants_options
    REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_variant_links_changed();

-- Every update of p_variants passes here (a trigger with transition tables
-- cannot name columns); only rows whose deleted_at or product_id changed
-- cost more than one small join.
CREATE FUNCTION catalog_variant_life_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM catalog_sync_variant_combinations(ARRAY(
        SELECT n.id
          FROM new_variants AS n
          JOIN old_variants AS o ON o.id = n.id
         WHERE n.deleted_at IS DISTINCT FROM o.deleted_at
            OR n.product_id IS DISTINCT FROM o.product_id));
    RETURN NULL;
END;
$$;

CREATE TRIGGER p_variants_combination_upd
    AFTER UPDATE ON p_variants
    REFERENCING OLD TABLE AS old_variants NEW TABLE AS new_variants
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_variant_life_changed();

-- Keys for the variants that exist already. A catalog that holds duplicate
-- combinations stops here, naming one: resolve it, then migrate again.
INSERT INTO variant_combinations (variant_id, product_id, combination)
SELECT v.id,
       v.product_id,
       string_agg(vo.option_value_id, ',' ORDER BY vo.option_value_id COLLATE "C")
  FROM p_variants AS v
  JOIN p_variants_options AS vo ON vo.variant_id = v.id
 WHERE v.deleted_at IS NULL
   AND v.product_id IS NOT NULL
 GROUP BY v.id, v.product_id;

CREATE INDEX p_variants_product_rank_idx
    ON p_variants (product_id, variant_rank, created_at, id) WHERE (deleted_at IS NULL);
