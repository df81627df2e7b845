-- Junction tables are keyed (product, other); finding the products of a
-- category or a tag needs the other column first (DESIGN.md decision 7).
-- images.product_id and products_images.variant_id/image_id get the indexes
-- their foreign keys need for lookups and for deletes on the parent.

CREATE INDEX p_categories_products_category_idx
    ON p_categories_products (p_categories_id, product_id);

CREATE INDEX products_tags_tag_idx
    ON products_tags (product_tag_id, product_id);

CREATE INDEX p_variants_options_option_value_idx
    ON p_variants_options (option_value_id);

CREATE INDEX images_product_id_idx
    ON images (product_id, rank) WHERE (deleted_at IS NULL);

CREATE INDEX products_images_variant_idx
    ON products_images (variant_id);

CREATE INDEX products_images_image_idx
    ON products_images (image_id);
