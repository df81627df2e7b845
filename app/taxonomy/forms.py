"""Form pieces collections, tags and types share: the name field, metadata, the version."""

import json
from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..web.metadata import METADATA_EXAMPLE, parse_metadata

NAME_MAX = 200


def squeeze(value):
    """Trim and collapse runs of spaces, so “t  shirt ” and “t shirt” are one name."""
    return " ".join(value.split()) if isinstance(value, str) else value


def printable(form, field):
    if field.data and any(ord(ch) < 32 or ord(ch) == 127 for ch in field.data):
        raise ValidationError("Use letters, digits, spaces and punctuation only.")


def name_field(label, required_message):
    return StringField(
        label,
        validators=[DataRequired(message=required_message), Length(max=NAME_MAX), printable],
        filters=[squeeze],
    )


class MetadataField(TextAreaField):
    """A JSON object typed as text. `.data` is a dict, or None when left empty.

    The text typed is shown back as typed when it has an error; otherwise the
    stored object, indented.
    """

    typed = None

    def __init__(self, label="Metadata", **kwargs):
        kwargs.setdefault(
            "description",
            f"A JSON object, like {METADATA_EXAMPLE}. Up to 10 KB. Leave empty for none.")
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return  # not sent (a one-field form): keep what it was
        self.typed = valuelist[0]
        self.data = None
        self.data = parse_metadata(self.typed)

    def _value(self):
        if self.typed is not None:
            return self.typed
        if not self.data:
            return ""
        return json.dumps(self.data, indent=2, ensure_ascii=False)


class VersionField(HiddenField):
    """The row's updated_at when the form was loaded: a save from an older version is
    refused instead of overwriting someone else's change."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0]:
            try:
                self.data = datetime.fromisoformat(valuelist[0])
            except ValueError:
                raise ValueError("This form is out of date. Reload the page.") from None

    def _value(self):
        return self.data.isoformat() if isinstance(self.data, datetime) else ""


class ValueForm(FlaskForm):
    """A tag or a type. Areas relabel `value` ("Tag", "Type")."""

    value = name_field("Value", "Enter a value.")
    metadata = MetadataField()
    updated_at = VersionField()
