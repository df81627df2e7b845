"""Collections, tags and types: flat lists of named things that products point at.

The three areas are one implementation, parametrised by a `Taxonomy`:
`queries.py` takes its table and column names from it (a whitelist, spliced in
through psycopg.sql, never from a request), `views.py` adds the same routes to
each area's blueprint, `trash.py` makes its Trash kind, and the templates live
in templates/taxonomy/ (an area overrides one by adding templates/<area>/<name>).

How products point at them is the one real difference:
- a collection or a type is a column of products (`collection_id`, `type_id`);
- a tag is a row of the junction table `products_tags`.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Taxonomy:
    key: str                    # blueprint name, URL prefix and Trash kind: "tags"
    label: str                  # "Tags"
    noun: str                   # "tag"
    table: str                  # "p_tags"
    id_kind: str                # for app.ids.new_id: "tag"
    name_column: str            # what staff call a row by: "value" or "title"
    unique_column: str          # unique among live rows: "value" or "handle"
    columns: tuple[str, ...]    # what the edit form writes, metadata last
    product_column: str | None  # products.<column> pointing here; None: products_tags
    filter_param: str           # /products?<filter_param>=<id>
    metadata_type: str          # "jsonb", or "json" for p_types
    unlink_phrase: str          # ends "12 live products will ...": "lose this tag"
    member_phrase: str          # "12 products <tagged> organic", "... <in> Summer"
    mergeable: bool = False     # "Merge into…" moves its products to another row

    @property
    def has_handle(self) -> bool:
        return self.unique_column == "handle"

    @property
    def unique_index(self) -> str:
        """The seed's partial unique index on unique_column, e.g. "p_tags_value_unique"."""
        return f"{self.table}_{self.unique_column}_unique"

    @property
    def inline(self) -> bool:
        """One field: created and renamed right in the list."""
        return not self.has_handle

    @property
    def title(self) -> str:
        """The noun for headings and buttons: "Tag"."""
        return self.noun.capitalize()

    def templates(self, name: str) -> list[str]:
        """The area's own template if it has one, else the shared one."""
        return [f"{self.key}/{name}", f"taxonomy/{name}"]
