"""Tags: the seed's p_tags, linked to products through products_tags.

The statements are app/taxonomy/queries.py's; this names the tables they run on.
"""

from ..taxonomy import Taxonomy

TAGS = Taxonomy(
    key="tags",
    label="Tags",
    noun="tag",
    table="p_tags",
    id_kind="tag",
    name_column="value",
    unique_column="value",
    columns=("value", "metadata"),
    product_column=None,
    filter_param="tag_id",
    metadata_type="jsonb",
    unlink_phrase="lose this tag",
    member_phrase="tagged",
    mergeable=True,
)
