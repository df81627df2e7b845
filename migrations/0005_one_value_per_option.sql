-- A variant holds one value of each option: "Red / Large", never "Red / Blue"
-- (DESIGN.md decision 1). The seed's junction has no option column, so the
-- rule is checked per statement over the rows it wrote (transition tables keep
-- bulk inserts to one check, not one per row).

CREATE FUNCTION catalog_check_one_value_per_option() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    clash record;
BEGIN
    SELECT vo.variant_id, v.option_id
      INTO clash
      FROM p_variants_options AS vo
      JOIN p_option_values AS v ON v.id = vo.option_value_id
     WHERE vo.variant_id IN (SELECT variant_id FROM written)
     GROUP BY vo.variant_id, v.option_id
    HAVING count(*) > 1
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'variant % holds two values of option %', clash.variant_id, clash.option_id
            USING ERRCODE = 'unique_violation',
                  CONSTRAINT = 'p_variants_options_one_value_per_option';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER p_variants_options_one_value_per_option_ins
    AFTER INSERT ON p_variants_options
    REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_check_one_value_per_option();

CREATE TRIGGER p_variants_options_one_value_per_option_upd
    AFTER UPDATE ON p_variants_options
    REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_check_one_value_per_option();
