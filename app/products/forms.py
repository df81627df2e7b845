import json

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..web.fields import image_address
from ..web.handles import HANDLE_RULE, is_valid_handle, make_handle
from ..web.metadata import check_metadata, parse_metadata
from ..web.widgets import LeanSelect
from .queries import DEFAULT_SORT, SORTS, ProductFilters
from .workflow import STATUSES

MAX_TAGS = 50
SORT_LABELS = {
    "-created": "Newest first", "created": "Oldest first",
    "-updated": "Recently updated", "updated": "Least recently updated",
    "title": "Title A–Z", "-title": "Title Z–A",
    "status": "Status A–Z", "-status": "Status Z–A",
}


def _pairs(items):
    return [SelectChoice(item["id"], item["label"]) for item in items]


def options(*pairs):
    return [SelectChoice(value, label) for value, label in pairs]


def strip(value):
    return value.strip() if isinstance(value, str) else value


def none_if_blank(value):
    value = strip(value)
    return value or None


class ProductFilterForm(Form):
    """The list's query string: search, filters, sort, page. Anything odd falls back."""

    q = StringField("Search", filters=[strip])
    # LeanSelect: every list page renders these; collections, types, tags and
    # categories only with their chosen option (the rest load on first use).
    status = SelectField("Status", choices=options(("", "All statuses"),
                                                   *[(s, s.capitalize()) for s in STATUSES]),
                         widget=LeanSelect())
    collection_id = SelectField("Collection", choices=[], validate_choice=False,
                                widget=LeanSelect())
    type_id = SelectField("Type", choices=[], validate_choice=False, widget=LeanSelect())
    tag_id = SelectField("Tag", choices=[], validate_choice=False, widget=LeanSelect())
    category_id = SelectField("Category", choices=[], validate_choice=False,
                              widget=LeanSelect())
    no_variants = BooleanField("Without variants")
    sort = SelectField("Sort", choices=options(*SORT_LABELS.items()), default=DEFAULT_SORT,
                       widget=LeanSelect())
    page = StringField("Page")

    def filters(self) -> ProductFilters:
        return ProductFilters(
            q=(self.q.data or "")[:200],
            status=self.status.data if self.status.data in STATUSES else None,
            collection_id=self.collection_id.data or None,
            type_id=self.type_id.data or None,
            tag_id=self.tag_id.data or None,
            category_id=self.category_id.data or None,
            no_variants=bool(self.no_variants.data),
            sort=self.sort.data if self.sort.data in SORTS else DEFAULT_SORT,
        )

    LAZY = {"collection_id": "All collections", "type_id": "All types",
            "tag_id": "All tags", "category_id": "All categories"}

    def set_lazy_choices(self, labels) -> None:
        """Each filter select starts with its blank and the chosen option (labels: field
        name -> the chosen option's label); the rest load when it is first used."""
        for name, blank in self.LAZY.items():
            field = getattr(self, name)
            field.choices = options(("", blank))
            if field.data and labels.get(name):
                field.choices += options((field.data, labels[name]))

    @property
    def active(self) -> bool:
        f = self.filters()
        return bool(f.q or f.status or f.collection_id or f.type_id or f.tag_id
                    or f.category_id or f.no_variants)


def valid_handle(form, field):
    if field.data and not is_valid_handle(field.data):
        raise ValidationError(HANDLE_RULE)


class MetadataRow(Form):
    key = StringField("Key", filters=[strip], validators=[Length(max=100)])
    value = StringField("Value", validators=[Length(max=10_000)])


class ProductForm(FlaskForm):
    # General
    title = StringField("Title", filters=[strip], validators=[
        DataRequired(message="Give the product a title."), Length(max=255)])
    subtitle = StringField("Subtitle", filters=[none_if_blank], validators=[Length(max=255)])
    description = TextAreaField("Description", filters=[none_if_blank],
                                validators=[Length(max=20_000)])
    handle = StringField(
        "Handle", filters=[lambda v: strip(v).lower() if v else v],
        validators=[Optional(), Length(max=120), valid_handle],
        description="The product's address in the shop. Leave empty to make one from the title.")
    # Organize
    collection_id = SelectField("Collection", choices=[], validate_choice=False,
                                widget=LeanSelect())
    type_id = SelectField("Type", choices=[], validate_choice=False, widget=LeanSelect())
    tags = StringField("Tags", filters=[strip],
                       description="Separate tags with commas. New tags are created on save.")
    category_ids = SelectMultipleField("Categories", choices=[], validate_choice=False,
                                       widget=LeanSelect(multiple=True))  # 2,000 options
    # Attributes
    weight = StringField("Weight", filters=[none_if_blank], validators=[Length(max=50)])
    length = StringField("Length", filters=[none_if_blank], validators=[Length(max=50)])
    height = StringField("Height", filters=[none_if_blank], validators=[Length(max=50)])
    width = StringField("Width", filters=[none_if_blank], validators=[Length(max=50)])
    origin_country = StringField(
        "Country of origin", filters=[lambda v: strip(v).upper() if v else None],
        validators=[Optional(), Length(min=2, max=2, message="Use the two-letter code, like PT.")],
        description="Two-letter ISO code, like PT or US.")
    hs_code = StringField("HS code", filters=[none_if_blank], validators=[Length(max=50)])
    mid_code = StringField("MID code", filters=[none_if_blank], validators=[Length(max=50)])
    material = StringField("Material", filters=[none_if_blank], validators=[Length(max=200)])
    thumbnail = StringField("Thumbnail URL", filters=[none_if_blank],
                            validators=[image_address])
    # Flags and references
    discountable = BooleanField("Discountable", default=True,
                                description="Discounts may apply to this product.")
    is_giftcard = BooleanField("Gift card")
    external_id = StringField("External ID", filters=[none_if_blank],
                              validators=[Length(max=255)],
                              description="The product's id in another system, if any.")
    # Metadata: key/value rows, or raw JSON for nested values.
    metadata_mode = RadioField("Edit metadata as", choices=options(("rows", "Key/value rows"),
                                                                   ("json", "JSON")),
                               default="rows")
    metadata_rows = None  # set per instance in __init__ (a FieldList needs the row count)
    metadata_json = TextAreaField("Metadata (JSON)")
    # What the form was loaded from: the version for optimistic locking, and the
    # loaded values, to show what changed since when a save is refused.
    version = HiddenField()
    original = HiddenField()

    def validate_tags(self, field):
        if len(self.tag_values()) > MAX_TAGS:
            raise ValidationError(f"At most {MAX_TAGS} tags.")
        if any(len(v) > 100 for v in self.tag_values()):
            raise ValidationError("A tag can have at most 100 characters.")

    def tag_values(self) -> list[str]:
        seen, values = set(), []
        for raw in (self.tags.data or "").split(","):
            value = " ".join(raw.split())
            if value and value.lower() not in seen:
                seen.add(value.lower())
                values.append(value)
        return values

    def set_choices(self, choices) -> None:
        self.collection_id.choices = options(("", "No collection")) + _pairs(choices["collections"])
        self.type_id.choices = options(("", "No type")) + _pairs(choices["types"])
        self.category_ids.choices = _pairs(choices["categories"])

    def metadata_value(self):
        """The metadata as a dict (None when empty); raises ValueError with a message."""
        if self.metadata_mode.data == "json":
            return parse_metadata(self.metadata_json.data)
        else:
            value = {}
            for row in self.metadata_rows.entries:
                key, text = row.form.key.data, row.form.value.data or ""
                if not key and not text:
                    continue
                if not key:
                    raise ValueError(f"The value “{text[:40]}” has no key.")
                if key in value:
                    raise ValueError(f"The key “{key}” appears twice.")
                value[key] = text
        if value:
            check_metadata(value)
        return value or None

    def values(self, metadata) -> dict:
        """The products columns this form sets."""
        return {
            "title": self.title.data,
            "subtitle": self.subtitle.data,
            "description": self.description.data,
            "handle": self.handle.data,
            "collection_id": self.collection_id.data or None,
            "type_id": self.type_id.data or None,
            "weight": self.weight.data,
            "length": self.length.data,
            "height": self.height.data,
            "width": self.width.data,
            "origin_country": self.origin_country.data,
            "hs_code": self.hs_code.data,
            "mid_code": self.mid_code.data,
            "material": self.material.data,
            "thumbnail": self.thumbnail.data,
            "discountable": bool(self.discountable.data),
            "is_giftcard": bool(self.is_giftcard.data),
            "external_id": self.external_id.data,
            "metadata": metadata,
        }


def product_form(formdata=None, product=None, blank_rows=3):
    """A ProductForm for a new product or loaded from one, with metadata rows to fill."""
    from wtforms import FieldList, FormField

    metadata = (product or {}).get("metadata") or {}
    nested = any(not isinstance(v, str) for v in metadata.values())
    rows = [{"key": k, "value": v} for k, v in metadata.items()] if not nested else []

    class BoundProductForm(ProductForm):
        metadata_rows = FieldList(FormField(MetadataRow), min_entries=len(rows) + blank_rows)

    if product is None:
        return BoundProductForm(formdata=formdata)
    data = {
        **comparable(product),
        "tags": ", ".join(product.get("tags") or []),
        "category_ids": list(product.get("category_ids") or []),
        "collection_id": product.get("collection_id") or "",
        "type_id": product.get("type_id") or "",
        "metadata_mode": "json" if nested else "rows",
        "metadata_json": json.dumps(metadata, indent=2, ensure_ascii=False) if metadata else "",
        "metadata_rows": rows,
        "version": product["updated_at"].isoformat(),
    }
    form = BoundProductForm(formdata=formdata, data=data)
    if formdata is None or "original" not in formdata:
        form.original.data = json.dumps(comparable(product), default=str)
    return form


def comparable(product) -> dict:
    """The loaded values staff edit, in a form that compares and serialises simply."""
    values = {k: product.get(k) for k in (
        "title", "subtitle", "description", "handle", "collection_id", "type_id", "weight",
        "length", "height", "width", "origin_country", "hs_code", "mid_code", "material",
        "thumbnail", "discountable", "is_giftcard", "external_id", "metadata")}
    values["tags"] = sorted(product.get("tags") or [], key=str.lower)
    values["category_ids"] = sorted(product.get("category_ids") or [])
    return values


def make_default_handle(title: str) -> str:
    return make_handle(title)


class BulkForm(FlaskForm):
    """A bulk action on the selected products, or on every product the filter matches."""

    ids = SelectMultipleField("Selected products", choices=[], validate_choice=False)
    all_matching = BooleanField("All products matching the filter")
    action = SelectField("Action", choices=options(
        ("status", "Change status"), ("collection", "Set collection"), ("type", "Set type"),
        ("add_tag", "Add tag"), ("remove_tag", "Remove tag"), ("add_category", "Add to category"),
        ("trash", "Move to Trash"),
    ))
    status = SelectField("New status", choices=options(*[(s, s.capitalize()) for s in STATUSES]),
                         validate_choice=False)
    collection_id = SelectField("Collection", choices=[], validate_choice=False)
    type_id = SelectField("Type", choices=[], validate_choice=False)
    tag_id = SelectField("Tag", choices=[], validate_choice=False)
    category_id = SelectField("Category", choices=[], validate_choice=False)
    query = HiddenField()
