-- The seed says created_at/updated_at are kept "automatically" (DESIGN.md
-- decision 4): a trigger moves updated_at on every update of a seed table.
-- It always moves forward, even within the same microsecond or when the clock
-- is behind, because optimistic locking compares it to the version a form
-- was loaded at.

CREATE FUNCTION catalog_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := greatest(now(), OLD.updated_at + interval '1 microsecond');
    RETURN NEW;
END;
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'products', 'p_variants', 'p_categories', 'p_collections', 'p_options',
        'p_option_values', 'p_tags', 'p_types', 'images'
    ] LOOP
        EXECUTE format(
            'CREATE TRIGGER %I BEFORE UPDATE ON %I
                 FOR EACH ROW EXECUTE FUNCTION catalog_touch_updated_at()',
            t || '_touch_updated_at', t);
    END LOOP;
END;
$$;
