-- The 13 tables of the seed data model with the seed's table names, column
-- names, types, defaults, foreign keys, CHECKs and (partial) indexes.
--
-- Where the seed cannot run as written we decided (DESIGN.md):
--   * Order: the seed's 001..013 order is not runnable (products references
--     p_collections and p_types, p_categories references images), so tables are
--     created in dependency order.
--   * p_variants_options: the seed keys it on variant_id alone yet says a
--     variant has one row per option. Key: (variant_id, option_value_id).
--   * images.product_id: the seed gives it no foreign key, and
--     p_categories.image_id points at images. It gets the foreign key to
--     products and is nullable, so a category's image needs no product.

CREATE TABLE p_types (
    id text NOT NULL PRIMARY KEY,
    value text NOT NULL,
    metadata json,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    deleted_at timestamp with time zone
);

CREATE UNIQUE INDEX p_types_value_unique
    ON p_types (value) WHERE (deleted_at IS NULL);

CREATE INDEX p_types_deleted_at_idx
    ON p_types (deleted_at);


CREATE TABLE p_collections (
    id text NOT NULL PRIMARY KEY,
    title text NOT NULL,
    handle text NOT NULL,
    metadata jsonb,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    deleted_at timestamp with time zone
);

CREATE UNIQUE INDEX p_collections_handle_unique
    ON p_collections (handle) WHERE (deleted_at IS NULL);

CREATE INDEX p_collections_deleted_at_idx
    ON p_collections (deleted_at);


CREATE TABLE products (
    id text NOT NULL PRIMARY KEY,
    title text NOT NULL,
    handle text NOT NULL,
    subtitle text,
    description text,
    is_giftcard boolean NOT NULL DEFAULT false,
    status text NOT NULL DEFAULT 'draft',
    thumbnail text,
    weight text,
    length text,
    height text,
    width text,
    origin_country text,
    hs_code text,
    mid_code text,
    material text,
    collection_id text,
    type_id text,
    discountable boolean NOT NULL DEFAULT true,
    external_id text,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    deleted_at timestamp with time zone,
    metadata jsonb,

    CONSTRAINT products_collection_fk
        FOREIGN KEY (collection_id) REFERENCES p_collections(id),
    CONSTRAINT products_type_fk
        FOREIGN KEY (type_id) REFERENCES p_types(id),
    CONSTRAINT products_status_check
        CHECK (status IN ('draft', 'proposed', 'published', 'rejected'))
);

CREATE UNIQUE INDEX products_handle_unique
    ON products (handle) WHERE (deleted_at IS NULL);

CREATE INDEX products_type_id_idx
    ON products (type_id) WHERE (deleted_at IS NULL);

CREATE INDEX products_collection_id_idx
    ON products (collection_id) WHERE (deleted_at IS NULL);

CREATE INDEX products_deleted_at_idx
    ON products (deleted_at);

CREATE INDEX products_status_idx
    ON products (status) WHERE (deleted_at IS NULL);


-- product_id: nullable with a foreign key (see the header).
CREATE TABLE images (
    id text NOT NULL PRIMARY KEY,
    url text NOT NULL,
    metadata jsonb,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    deleted_at timestamp with time zone,
    rank integer NOT NULL DEFAULT 0,
    product_id text,

    CONSTRAINT images_product_fk
        FOREIGN KEY (product_id) REFERENCES products(id)
);

CREATE INDEX images_url_idx
    ON images (url) WHERE (deleted_at IS NULL);

CREATE INDEX images_deleted_at_idx
    ON images (deleted_at);

CREATE INDEX images_rank_idx
    ON images (rank) WHERE (deleted_at IS NULL);


CREATE TABLE p_variants (
    id text NOT NULL PRIMARY KEY,
    title text NOT NULL,
    sku text,
    barcode text,
    ean text,
    upc text,
    allow_backorder boolean NOT NULL DEFAULT false,
    manage_inventory boolean NOT NULL DEFAULT true,
    hs_code text,
    origin_country text,
    thumbnail text,
    mid_code text,
    material text,
    weight integer,
    length integer,
    height integer,
    width integer,
    metadata jsonb,
    variant_rank integer DEFAULT 0,
    product_id text,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    deleted_at timestamp with time zone,

    CONSTRAINT p_variants_product_fk
        FOREIGN KEY (product_id) REFERENCES products(id)
);

CREATE UNIQUE INDEX p_variants_ean_unique
    ON p_variants (ean) WHERE (deleted_at IS NULL);

CREATE UNIQUE INDEX p_variants_upc_unique
    ON p_variants (upc) WHERE (deleted_at IS NULL);

CREATE UNIQUE INDEX p_variants_sku_unique
    ON p_variants (sku) WHERE (deleted_at IS NULL);

CREATE UNIQUE INDEX p_variants_barcode_unique
    ON p_variants (barcode) WHERE (deleted_at IS NULL);

CREATE INDEX p_variants_product_id_idx
    ON p_variants (product_id) WHERE (deleted_at IS NULL);

CREATE INDEX p_variants_deleted_at_idx
    ON p_variants (deleted_at);

CREATE INDEX p_variants_id_product_id_idx
    ON p_variants (id, product_id) WHERE (deleted_at IS NULL);


CREATE TABLE p_categories (
    id text NOT NULL PRIMARY KEY,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    handle text NOT NULL,
    is_active boolean NOT NULL DEFAULT false,
    is_internal boolean NOT NULL DEFAULT false,
    rank integer NOT NULL DEFAULT 0,
    image_id text,
    thumbnail text,
    parent_id text,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    deleted_at timestamp with time zone,
    metadata jsonb,

    CONSTRAINT p_categories_parent_fk
        FOREIGN KEY (parent_id) REFERENCES p_categories(id),
    CONSTRAINT p_categories_image_fk
        FOREIGN KEY (image_id) REFERENCES images(id)
);

CREATE UNIQUE INDEX p_categories_handle_unique
    ON p_categories (handle) WHERE (deleted_at IS NULL);

CREATE INDEX p_categories_parent_id_idx
    ON p_categories (parent_id) WHERE (deleted_at IS NULL);


CREATE TABLE p_categories_products (
    product_id text NOT NULL,
    p_categories_id text NOT NULL,

    PRIMARY KEY (product_id, p_categories_id),

    CONSTRAINT p_categories_products_product_fk
        FOREIGN KEY (product_id) REFERENCES products(id),
    CONSTRAINT p_categories_products_category_fk
        FOREIGN KEY (p_categories_id) REFERENCES p_categories(id)
);


CREATE TABLE p_options (
    id text NOT NULL PRIMARY KEY,
    title text NOT NULL,
    product_id text NOT NULL,
    metadata jsonb,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    deleted_at timestamp with time zone,

    CONSTRAINT p_options_product_fk
        FOREIGN KEY (product_id) REFERENCES products(id)
);

CREATE INDEX p_options_deleted_at_idx
    ON p_options (deleted_at);

CREATE UNIQUE INDEX p_options_product_title_unique
    ON p_options (product_id, title) WHERE (deleted_at IS NULL);

CREATE INDEX p_options_product_id_idx
    ON p_options (product_id) WHERE (deleted_at IS NULL);


CREATE TABLE p_option_values (
    id text NOT NULL PRIMARY KEY,
    value text NOT NULL,
    option_id text,
    metadata jsonb,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    deleted_at timestamp with time zone,

    CONSTRAINT p_option_values_option_fk
        FOREIGN KEY (option_id) REFERENCES p_options(id)
);

CREATE UNIQUE INDEX p_option_values_option_value_unique
    ON p_option_values (option_id, value) WHERE (deleted_at IS NULL);

CREATE INDEX p_option_values_deleted_at_idx
    ON p_option_values (deleted_at);

CREATE INDEX p_option_values_option_id_idx
    ON p_option_values (option_id) WHERE (deleted_at IS NULL);


-- Keyed on (variant_id, option_value_id), not variant_id alone (see the header).
CREATE TABLE p_variants_options (
    variant_id text NOT NULL,
    option_value_id text NOT NULL,

    PRIMARY KEY (variant_id, option_value_id),

    CONSTRAINT p_variants_options_variant_fk
        FOREIGN KEY (variant_id) REFERENCES p_variants(id),
    CONSTRAINT p_variants_options_option_value_fk
        FOREIGN KEY (option_value_id) REFERENCES p_option_values(id)
);


CREATE TABLE p_tags (
    id text NOT NULL PRIMARY KEY,
    value text NOT NULL,
    metadata jsonb,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    deleted_at timestamp with time zone
);

CREATE UNIQUE INDEX p_tags_value_unique
    ON p_tags (value) WHERE (deleted_at IS NULL);

CREATE INDEX p_tags_deleted_at_idx
    ON p_tags (deleted_at);


CREATE TABLE products_tags (
    product_id text NOT NULL,
    product_tag_id text NOT NULL,

    PRIMARY KEY (product_id, product_tag_id),

    CONSTRAINT products_tags_product_fk
        FOREIGN KEY (product_id) REFERENCES products(id),
    CONSTRAINT products_tags_tag_fk
        FOREIGN KEY (product_tag_id) REFERENCES p_tags(id)
);


CREATE TABLE products_images (
    product_id text NOT NULL,
    image_id text NOT NULL,
    variant_id text NOT NULL,

    PRIMARY KEY (product_id, variant_id, image_id),

    CONSTRAINT products_images_product_fk
        FOREIGN KEY (product_id) REFERENCES products(id),
    CONSTRAINT products_images_image_fk
        FOREIGN KEY (image_id) REFERENCES images(id),
    CONSTRAINT products_images_variant_fk
        FOREIGN KEY (variant_id) REFERENCES p_variants(id)
);
