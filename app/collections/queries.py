"""Collections: the seed's p_collections, pointed at by products.collection_id.

The statements are app/taxonomy/queries.py's; this names the tables they run on.
"""

from ..taxonomy import Taxonomy

COLLECTIONS = Taxonomy(
    key="collections",
    label="Collections",
    noun="collection",
    table="p_collections",
    id_kind="collection",
    name_column="title",
    unique_column="handle",
    columns=("title", "handle", "metadata"),
    product_column="collection_id",
    filter_param="collection_id",
    metadata_type="jsonb",
    unlink_phrase="leave this collection",
    member_phrase="in",
)
