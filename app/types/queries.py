"""Product types: the seed's p_types, pointed at by products.type_id.

The statements are app/taxonomy/queries.py's; this names the tables they run on.
p_types.metadata is `json` (the seed's choice), not jsonb like the others.
"""

from ..taxonomy import Taxonomy

TYPES = Taxonomy(
    key="types",
    label="Types",
    noun="type",
    table="p_types",
    id_kind="type",
    name_column="value",
    unique_column="value",
    columns=("value", "metadata"),
    product_column="type_id",
    filter_param="type_id",
    metadata_type="json",
    unlink_phrase="have no type",
    member_phrase="of type",
    mergeable=True,
)
