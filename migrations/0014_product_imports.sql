-- CSV imports of products (app/imports/): tables of our own beside the seed's 13.
--
-- * product_imports: one uploaded file and its life: previewed (the dry run
--   is done and shown), queued and applying (a job in the queue has it, with
--   progress staff watch on the page, surviving a reload), then applied or
--   failed with a final report. The file's decoded text is kept until the
--   import is applied, so a job on any worker host can read it from the
--   database (the app keeps no files of its own on a web host).
--   change_set_id is chosen at upload and used by every transaction the job
--   runs, so History shows the import as one change-set that can be undone.
-- * product_import_items: what the dry run found per product of the file
--   (create, update with the fields that change, unchanged, or skipped for
--   errors), kept so the preview's lists are paged in SQL, not in memory.
-- * product_import_errors: each error by line, column and reason.
--
-- The job queue's own tables (procrastinate's) are not created here: app/migrate.py
-- applies procrastinate's schema, from the installed package, in a schema of its own.

CREATE TABLE product_imports (
    id text NOT NULL PRIMARY KEY,
    file_name text NOT NULL,
    content text,
    encoding text NOT NULL,
    delimiter text NOT NULL,
    base_url text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'previewed',
    mode text,
    row_count integer NOT NULL DEFAULT 0,
    counts jsonb NOT NULL DEFAULT '{}',
    result jsonb,
    progress_done integer NOT NULL DEFAULT 0,
    progress_total integer NOT NULL DEFAULT 0,
    phase text NOT NULL DEFAULT '',
    error text,
    change_set_id text NOT NULL,
    job_id bigint,
    created_by text REFERENCES staff_users(id) ON DELETE SET NULL,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    started_at timestamp with time zone,
    finished_at timestamp with time zone,

    CONSTRAINT product_imports_status_check
        CHECK (status IN ('previewed', 'queued', 'applying', 'applied', 'failed')),
    CONSTRAINT product_imports_mode_check
        CHECK (mode IS NULL OR mode IN ('all', 'valid'))
);

CREATE INDEX product_imports_created_at_idx
    ON product_imports (created_at DESC);

CREATE TRIGGER product_imports_touch_updated_at
    BEFORE UPDATE ON product_imports
    FOR EACH ROW EXECUTE FUNCTION catalog_touch_updated_at();

CREATE TABLE product_import_items (
    import_id text NOT NULL REFERENCES product_imports(id) ON DELETE CASCADE,
    position integer NOT NULL,
    kind text NOT NULL,
    handle text NOT NULL,
    title text NOT NULL DEFAULT '',
    line integer NOT NULL,
    changes jsonb NOT NULL DEFAULT '[]',
    variants jsonb NOT NULL DEFAULT '{}',

    PRIMARY KEY (import_id, position),
    CONSTRAINT product_import_items_kind_check
        CHECK (kind IN ('create', 'update', 'unchanged', 'error'))
);

CREATE INDEX product_import_items_kind_idx
    ON product_import_items (import_id, kind, position);

CREATE TABLE product_import_errors (
    import_id text NOT NULL REFERENCES product_imports(id) ON DELETE CASCADE,
    position integer NOT NULL,
    line integer NOT NULL,
    column_name text NOT NULL DEFAULT '',
    message text NOT NULL,
    handle text NOT NULL DEFAULT '',

    PRIMARY KEY (import_id, position)
);
