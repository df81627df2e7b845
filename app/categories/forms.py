from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from ..web.fields import image_address
from ..web.handles import HANDLE_RULE, MAX_LENGTH, is_valid_handle
from ..web.metadata import parse_metadata


def select_choices(pairs):
    """(value, label) pairs, such as tree.parent_choices(), as a SelectField's choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def json_object(form, field):
    """A JSON object (or nothing) PostgreSQL will store; sets field.parsed."""
    field.parsed = None
    try:
        field.parsed = parse_metadata(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from None


def handle_rule(form, field):
    field.data = (field.data or "").strip()
    if field.data and not is_valid_handle(field.data):
        raise ValidationError(HANDLE_RULE)


class CategoryForm(FlaskForm):
    name = StringField("Name", validators=[
        InputRequired("Give the category a name."), Length(max=200)])
    handle = StringField(
        "Handle", validators=[Length(max=MAX_LENGTH), handle_rule],
        description="Its address in the shop. Left empty, it is made from the name.")
    description = TextAreaField("Description", validators=[Length(max=20_000)])
    parent_id = SelectField("Parent", choices=[], validate_choice=False)
    is_active = BooleanField("Active", description="Shown in the shop.")
    is_internal = BooleanField("Internal", description="Hidden from the public catalog.")
    thumbnail = StringField("Thumbnail URL", validators=[image_address],
                            description="An http:// or https:// image address.")
    metadata = TextAreaField(
        "Metadata", validators=[json_object],
        description="A JSON object of at most 10 KB, for other systems' extra attributes.")
    updated_at = HiddenField()

    def values(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "description": (self.description.data or "").strip(),
            "is_active": self.is_active.data,
            "is_internal": self.is_internal.data,
            "thumbnail": self.thumbnail.data or None,
            "metadata": getattr(self.metadata, "parsed", None),
        }


class ImageUrlForm(FlaskForm):
    image_url = StringField("Image URL", validators=[
        InputRequired("Paste the image’s web address."), image_address])


class MoveForm(FlaskForm):
    parent_id = SelectField("New parent", choices=[], validate_choice=False)
    position = SelectField("Place", choices=[SelectChoice("last", "Last among its new siblings"),
                                             SelectChoice("first", "First among its new siblings")])
