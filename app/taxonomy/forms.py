"""Form pieces collections, tags and types share: the name field, metadata, the version."""

import json
from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from . import metadata_text

METADATA_LIMIT = 10 * 1024  # bytes; migrations/0003 checks the same in the database
NAME_MAX = 200
METADATA_EXAMPLE = '{"season": "summer"}'


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


def _reject_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


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
        text = self.typed.strip()
        if not text:
            return
        try:
            value = json.loads(text, parse_constant=_reject_constant)
        except ValueError as error:
            where = (f" (line {error.lineno}, column {error.colno})"
                     if isinstance(error, json.JSONDecodeError) else "")
            message = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
            raise ValueError(f"This is not valid JSON: {message}{where}.") from None
        if not isinstance(value, dict):
            raise ValueError(f"Metadata must be a JSON object in braces, like {METADATA_EXAMPLE}.")
        if _has_nul(value):
            raise ValueError("Metadata cannot contain the character \\u0000.")
        size = len(metadata_text(value).encode())
        if size > METADATA_LIMIT:
            raise ValueError(f"Metadata is {size / 1024:.1f} KB ({size:,} bytes); "
                             f"the limit is 10 KB ({METADATA_LIMIT:,} bytes).")
        self.data = value

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
