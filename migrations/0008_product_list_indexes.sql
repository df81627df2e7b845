-- The product list sorts by created_at (newest first, the default), updated_at
-- and title, and filters by status with the default sort. The seed has no index
-- for any of these orders, so every page would sort all live products. Each
-- index ends with id, the list's tie-breaker, so ORDER BY ... , id is served
-- straight from the index.

CREATE INDEX products_live_created_idx
    ON products (created_at DESC, id DESC) WHERE (deleted_at IS NULL);

CREATE INDEX products_live_updated_idx
    ON products (updated_at DESC, id DESC) WHERE (deleted_at IS NULL);

CREATE INDEX products_live_title_idx
    ON products (title, id) WHERE (deleted_at IS NULL);

CREATE INDEX products_live_status_created_idx
    ON products (status, created_at DESC, id DESC) WHERE (deleted_at IS NULL);
