from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

MIN_PASSWORD = 10


def new_password_field(label="Password"):
    return PasswordField(
        label,
        validators=[
            DataRequired(message="Enter a password."),
            Length(min=MIN_PASSWORD, max=256,
                   message=f"Use at least {MIN_PASSWORD} characters."),
        ],
        description=f"At least {MIN_PASSWORD} characters.",
    )


def confirm_field(of="password"):
    return PasswordField(
        "Repeat the password",
        validators=[DataRequired(message="Repeat the password."),
                    EqualTo(of, message="The two passwords differ.")],
    )


def email_field():
    return EmailField(
        "Email",
        validators=[DataRequired(message="Enter an email address."),
                    Email(message="Enter a valid email address, like name@shop.com."),
                    Length(max=254)],
        filters=[lambda v: v.strip() if v else v],
    )


class LoginForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired(message="Enter your email address."), Length(max=254)],
        filters=[lambda v: v.strip() if v else v],
    )
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password.")])


class SetupForm(FlaskForm):
    name = StringField("Your name", validators=[Length(max=200)])
    email = email_field()
    password = new_password_field()
    confirm = confirm_field()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(message="Enter your current password.")]
    )
    password = new_password_field("New password")
    confirm = confirm_field()
