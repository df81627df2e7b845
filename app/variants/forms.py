"""Forms for options, values and variants.

The grid's row, option and bulk forms are posted by htmx as often as a cell is
left; CSRFProtect checks every POST already (the X-CSRFToken header, or the
hidden csrf_token field without JavaScript), so they skip FlaskForm's own
token check. The variant page's form keeps it.
"""

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..web.fields import image_address
from ..web.metadata import parse_metadata
from .grid import BULK_FIELDS, COLUMNS_BY_NAME, FIELD_NAMES

MAX_INT = 2_147_483_647
MAX_VALUES_AT_ONCE = 100
COUNTRY = re.compile(r"^[A-Z]{2}$")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def upper(value):
    return value.strip().upper() if isinstance(value, str) else value


def whole_number(form, field):
    """Blank, or a whole number from 0 to 2,147,483,647 (the column is an integer)."""
    text = (field.data or "").replace("\u202f", "").replace(" ", "")
    if not text:
        return
    if not text.isdigit():
        unit = COLUMNS_BY_NAME[field.name].unit
        raise ValidationError(f"Enter a whole number of {'grams' if unit == 'g' else 'mm'}, "
                              f"like {'250' if unit == 'g' else '120'}.")
    if int(text) > MAX_INT:
        raise ValidationError("That number is too large.")


def country_code(form, field):
    if field.data and not COUNTRY.match(field.data):
        raise ValidationError("Use the two-letter country code, like PT or US.")


def split_values(text) -> list[str]:
    """"Red, Blue ,red" -> ["Red", "Blue", "red"]: trimmed, blanks and repeats dropped."""
    seen, values = set(), []
    for raw in (text or "").split(","):
        value = " ".join(raw.split())
        if value and value not in seen:
            seen.add(value)
            values.append(value)
    return values


def values_list(form, field):
    values = split_values(field.data)
    if len(values) > MAX_VALUES_AT_ONCE:
        raise ValidationError(f"Add at most {MAX_VALUES_AT_ONCE} values at once.")
    long = [v for v in values if len(v) > 100]
    if long:
        raise ValidationError(f"A value can have at most 100 characters (“{long[0][:30]}…”).")


class _NoTokenForm(FlaskForm):
    class Meta:
        csrf = False


class _RowValues:
    def typed(self) -> dict:
        """What each input showed when posted (kept on the page when refused)."""
        return {name: (bool(self[name].data) if self[name].type == "BooleanField"
                       else self[name].data or "") for name in FIELD_NAMES}

    def values(self) -> dict:
        """The columns as they are stored: NULL for blanks, integers, booleans."""
        out = {}
        for name in FIELD_NAMES:
            data = self[name].data
            kind = COLUMNS_BY_NAME[name].kind
            if kind == "bool":
                out[name] = bool(data)
            elif kind == "int":
                text = (data or "").replace("\u202f", "").replace(" ", "")
                out[name] = int(text) if text else None
            else:
                out[name] = data or None
        if out["title"] is None:
            out["title"] = ""
        return out


class _RowFields(_RowValues, FlaskForm):
    """The grid's editable columns as form fields, named after the seed's columns."""

    title = StringField("Title", filters=[strip], validators=[
        DataRequired(message="Give the variant a title."), Length(max=255)])
    sku = StringField("SKU", filters=[strip], validators=[Length(max=100)])
    barcode = StringField("Barcode", filters=[strip], validators=[Length(max=100)])
    ean = StringField("EAN", filters=[strip], validators=[Length(max=100)])
    upc = StringField("UPC", filters=[strip], validators=[Length(max=100)])
    weight = StringField("Weight (g)", filters=[strip], validators=[whole_number])
    length = StringField("Length (mm)", filters=[strip], validators=[whole_number])
    height = StringField("Height (mm)", filters=[strip], validators=[whole_number])
    width = StringField("Width (mm)", filters=[strip], validators=[whole_number])
    allow_backorder = BooleanField("Allow backorder")
    manage_inventory = BooleanField("Manage inventory")
    origin_country = StringField("Country of origin", filters=[upper], validators=[country_code])
    hs_code = StringField("HS code", filters=[strip], validators=[Length(max=50)])
    mid_code = StringField("MID code", filters=[strip], validators=[Length(max=50)])
    material = StringField("Material", filters=[strip], validators=[Length(max=200)])


class VariantRowForm(_RowFields):
    """One grid row, posted when a cell is left; `original` is what the row was loaded
    with (to tell my changes from a colleague's), `version` its updated_at."""

    class Meta:
        csrf = False

    version = HiddenField()
    original = HiddenField()


class VariantForm(_RowFields):
    """A variant's own page: every column, its metadata and its place."""

    thumbnail = StringField("Thumbnail URL", validators=[image_address])
    metadata_json = TextAreaField(
        "Metadata (JSON)", description="A JSON object, at most 10 KB, "
        "like {\"supplier_ref\": \"SUP-12\"}. Leave empty for none.")
    position = StringField("Position", filters=[strip], validators=[Optional()],
                           description="Its place in the product's list of variants.")
    version = HiddenField()

    def validate_position(self, field):
        if field.data and (not field.data.isdigit() or int(field.data) < 1):
            raise ValidationError("Enter a position of 1 or more.")

    def metadata_value(self):
        """The metadata as a dict (None when empty); raises ValueError with a message."""
        value = parse_metadata(self.metadata_json.data)
        return value or None


class OptionForm(_NoTokenForm):
    title = StringField("Option name", filters=[strip], validators=[
        DataRequired(message="Name the option, like Color or Size."), Length(max=100)])
    values = StringField("Values", filters=[strip], validators=[values_list],
                         description="Separate values with commas, like Red, Blue, Green.")


class OptionRenameForm(_NoTokenForm):
    title = StringField("Option name", filters=[strip], validators=[
        DataRequired(message="An option needs a name."), Length(max=100)])


class ValuesForm(_NoTokenForm):
    values = StringField("Add values", filters=[strip], validators=[
        DataRequired(message="Type a value, or several separated by commas."), values_list])


class ValueRenameForm(_NoTokenForm):
    value = StringField("Value", filters=[strip], validators=[
        DataRequired(message="A value cannot be empty."), Length(max=100)])


class BulkForm(_NoTokenForm):
    """Set one column to one value on the selected variants, or delete them."""

    ids = SelectMultipleField("Selected variants", choices=[], validate_choice=False)
    action = SelectField("Action", choices=[SelectChoice("set", "Set"),
                                            SelectChoice("delete", "Delete")],
                         default="set", validate_choice=True)
    # Checked by parsed_value(), so that "Delete" needs no column.
    field = SelectField("Column", choices=[SelectChoice(c.name, c.label) for c in BULK_FIELDS],
                        validate_choice=False)
    value = StringField("New value", filters=[strip])
    flag = SelectField("New value", choices=[SelectChoice("y", "Yes"), SelectChoice("", "No")],
                       validate_choice=False)

    def parsed_value(self):
        """The value to store for the chosen column; raises ValueError with a message."""
        column = COLUMNS_BY_NAME.get(self.field.data)
        if column is None or column not in BULK_FIELDS:
            raise ValueError("Choose a column to set (codes such as SKU are unique: set them "
                             "one row at a time).")
        if column.kind == "bool":
            return bool(self.flag.data)
        text = self.value.data or ""
        if column.kind == "int":
            text = text.replace(" ", "")
            if text and (not text.isdigit() or int(text) > MAX_INT):
                raise ValueError(f"{column.label}: enter a whole number, like 250.")
            return int(text) if text else None
        if column.kind == "country":
            text = text.upper()
            if text and not COUNTRY.match(text):
                raise ValueError("Use the two-letter country code, like PT or US.")
        if column.name == "title" and not text:
            raise ValueError("A variant needs a title.")
        limit = {"title": 255, "material": 200}.get(column.name, 50)
        if len(text) > limit:
            raise ValueError(f"{column.label}: at most {limit} characters.")
        return text or None


class ReorderForm(_NoTokenForm):
    ids = SelectMultipleField("Order", choices=[], validate_choice=False)

