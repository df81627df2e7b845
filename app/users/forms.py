from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length

from ..auth.forms import email_field, new_password_field

ROLE_CHOICES = [
    SelectChoice("viewer", "Viewer: reads everything, changes nothing"),
    SelectChoice("editor", "Editor: changes the catalog"),
    SelectChoice("admin", "Admin: also manages staff accounts"),
]


class UserCreateForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=200)])
    email = email_field()
    role = SelectField("Role", choices=ROLE_CHOICES, default="editor")
    password = new_password_field("Initial password")


class UserEditForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES)


class ResetPasswordForm(FlaskForm):
    password = new_password_field("New password")
