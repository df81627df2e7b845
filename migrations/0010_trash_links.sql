-- Restoring a collection, tag or type from the Trash brings its products back
-- with it. Deleting one cuts the products loose in the same transaction
-- (DESIGN.md decision 6: products.collection_id / type_id become NULL; a tag
-- loses its products_tags rows), so nothing in the seed's tables remembers
-- which products they were. The soft delete records them here; a restore
-- relinks them (a collection or type only where the product has not been
-- given another one since) and a permanent delete forgets them.
--
-- item_id names a row of p_collections, p_tags or p_types depending on kind,
-- so it has no foreign key; product_id does, and a product deleted for good
-- takes its recorded links with it.

CREATE TABLE trash_links (
    kind text NOT NULL,
    item_id text NOT NULL,
    product_id text NOT NULL,
    recorded_at timestamp with time zone NOT NULL DEFAULT now(),

    PRIMARY KEY (kind, item_id, product_id),

    CONSTRAINT trash_links_kind_check
        CHECK (kind IN ('collections', 'tags', 'types')),
    CONSTRAINT trash_links_product_fk
        FOREIGN KEY (product_id) REFERENCES products(id) ON DELETE CASCADE
);

-- The cascade from products looks rows up by product.
CREATE INDEX trash_links_product_id_idx
    ON trash_links (product_id);
