from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, ValidationError

from ..taxonomy.forms import MetadataField, VersionField, name_field
from ..web.handles import HANDLE_RULE, MAX_LENGTH, is_valid_handle


def valid_handle(form, field):
    if field.data and not is_valid_handle(field.data):
        raise ValidationError(HANDLE_RULE)


class CollectionForm(FlaskForm):
    title = name_field("Title", "Enter a title.")
    handle = StringField(
        "Handle",
        validators=[Length(max=MAX_LENGTH), valid_handle],
        filters=[lambda v: v.strip() if v else v],
        description="Leave empty to make one from the title.",
    )
    metadata = MetadataField()
    updated_at = VersionField()
