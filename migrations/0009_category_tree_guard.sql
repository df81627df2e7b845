-- The seed keeps categories as an adjacency list (p_categories.parent_id) and
-- nothing in it stops a category from becoming its own ancestor, which would
-- hide a whole branch from every tree walk. The app refuses such moves with a
-- message; this is the guarantee behind it, for every writer.
--
-- * A category may not be its own parent, nor move under one of its
--   descendants: a trigger walks up from the new parent (recursive CTE, over
--   deleted rows too: a cycle through the Trash is still a cycle).
-- * Two moves checked at the same time could each pass and together make a
--   cycle (A under B while B under A). Every change of parent_id therefore
--   takes one transaction-scoped advisory lock for the whole tree, and the
--   app takes the same lock (catalog_lock_category_tree()) before it changes
--   parents or ranks, so moves run one after the other and each check sees the
--   commits before it. Moves are rare and short; one lock is enough.
-- * Ranks are dense per parent (0..n-1): the app's job, not this trigger's.

CREATE FUNCTION catalog_lock_category_tree() RETURNS void
LANGUAGE sql VOLATILE AS $$
    -- 0x0CA7E6 is an arbitrary constant shared by every process of this app.
    SELECT pg_advisory_xact_lock(2, 0x0CA7E6);
$$;

CREATE FUNCTION catalog_category_no_cycle() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parent_id IS NULL THEN
        RETURN NEW;
    END IF;
    IF NEW.parent_id = NEW.id THEN
        RAISE EXCEPTION 'category % cannot be its own parent', NEW.id
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'p_categories_no_cycle';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        -- A new row cannot close a cycle with committed rows (nothing points
        -- at it yet), so only updates need to wait for other moves.
        PERFORM catalog_lock_category_tree();
    END IF;
    -- UNION, not UNION ALL: ends even if the table already holds a cycle.
    IF EXISTS (
        WITH RECURSIVE ancestors (id, parent_id) AS (
            SELECT c.id, c.parent_id
              FROM p_categories AS c
             WHERE c.id = NEW.parent_id
            UNION
            SELECT c.id, c.parent_id
              FROM p_categories AS c
              JOIN ancestors AS a ON c.id = a.parent_id
        )
        SELECT 1
          FROM ancestors
         WHERE id = NEW.id
    ) THEN
        RAISE EXCEPTION 'category % cannot move under its own descendant %', NEW.id, NEW.parent_id
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'p_categories_no_cycle';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER p_categories_no_cycle_ins
    BEFORE INSERT ON p_categories
    FOR EACH ROW EXECUTE FUNCTION catalog_category_no_cycle();

CREATE TRIGGER p_categories_no_cycle_upd
    BEFORE UPDATE OF parent_id ON p_categories
    FOR EACH ROW
    WHEN (NEW.parent_id IS DISTINCT FROM OLD.parent_id)
    EXECUTE FUNCTION catalog_category_no_cycle();
