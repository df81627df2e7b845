"""Form validators every area's forms share."""

from wtforms.validators import ValidationError

from .urls import stored_image_url


def image_address(form, field):
    """An image address or nothing: field.data becomes its stored form (app/web/urls.py),
    or None when blank."""
    try:
        field.data = stored_image_url(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from None
