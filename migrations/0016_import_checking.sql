-- A big file's dry run is a job (app/imports/jobs.py, imports.check), so the upload
-- answers at once: such an import is 'checking' until the job has stored what the
-- file would do, then 'previewed' as before. A small file is still checked within
-- the upload request (IMPORT_CHECK_IN_REQUEST_ROWS).

ALTER TABLE product_imports DROP CONSTRAINT product_imports_status_check;
ALTER TABLE product_imports ADD CONSTRAINT product_imports_status_check
    CHECK (status IN ('checking', 'previewed', 'queued', 'applying', 'applied', 'failed'));
