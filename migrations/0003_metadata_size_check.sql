-- "Metadata field limited to 10KB" (DESIGN.md decision 5). The seed states it
-- for products; every metadata column gets the same limit so no table becomes
-- the place big blobs go. Measured on the stored JSON text, in bytes. The form
-- checks first and shows the size; this is the guarantee behind it.

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'products', 'p_variants', 'p_categories', 'p_collections', 'p_options',
        'p_option_values', 'p_tags', 'p_types', 'images'
    ] LOOP
        EXECUTE format(
            'ALTER TABLE %I ADD CONSTRAINT %I CHECK (octet_length(metadata::text) <= 10240)',
            t, t || '_metadata_size_check');
    END LOOP;
END;
$$;
