-- Search matches product title and handle and variant SKU/barcode/EAN/UPC,
-- case- and accent-insensitively, as a substring (DESIGN.md decision 7).
-- pg_trgm GIN indexes keep that fast at 100,000 products. unaccent() is only
-- STABLE (its dictionary could change), so an IMMUTABLE wrapper with the
-- dictionary named explicitly makes it usable in an index expression.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE FUNCTION catalog_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN lower(public.unaccent('public.unaccent'::regdictionary, value));

CREATE INDEX products_title_trgm_idx
    ON products USING gin (catalog_fold(title) gin_trgm_ops) WHERE (deleted_at IS NULL);

CREATE INDEX products_handle_trgm_idx
    ON products USING gin (handle gin_trgm_ops) WHERE (deleted_at IS NULL);

CREATE INDEX p_variants_codes_trgm_idx
    ON p_variants USING gin (
        lower(coalesce(sku, '') || ' ' || coalesce(barcode, '') || ' '
              || coalesce(ean, '') || ' ' || coalesce(upc, '')) gin_trgm_ops
    ) WHERE (deleted_at IS NULL);
