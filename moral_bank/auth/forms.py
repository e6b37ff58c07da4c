from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, Optional

from ..core.forms import length, max_length, required
from .models import ROLE_LABELS


class LoginForm(FlaskForm):
    username = StringField(
        _l("User name"),
        validators=[required(), max_length(64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"), validators=[required(), max_length(128)], render_kw={"autocomplete": "current-password"}
    )
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[required()], render_kw={"autocomplete": "current-password"}
    )
    new_password = PasswordField(
        _l("New password"), validators=[required(), length(8, 128)], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[required(), EqualTo("new_password", _l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


def role_choices(roles):
    return [(r, str(ROLE_LABELS[r])) for r in roles]


class UserForm(FlaskForm):
    username = StringField(
        _l("User name"), validators=[required(), max_length(64)], render_kw={"autocapitalize": "none"}
    )
    display_name = StringField(_l("Name shown"), validators=[Optional(), max_length(64)])
    password = PasswordField(
        _l("Password"), validators=[required(), length(8, 128)], render_kw={"autocomplete": "new-password"}
    )
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    unit_code = StringField(_l("Unit code"), validators=[required(), max_length(32)])
    household_code = StringField(_l("Household code (residents only)"), validators=[Optional(), max_length(32)])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    unit_code = StringField(_l("Unit code"), validators=[required(), max_length(32)])
    household_code = StringField(_l("Household code (residents only)"), validators=[Optional(), max_length(32)])


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(
        _l("New password"), validators=[required(), length(8, 128)], render_kw={"autocomplete": "new-password"}
    )


PIN_INPUT = {"inputmode": "numeric", "autocomplete": "off", "maxlength": 6, "pattern": "[0-9]*"}


class PinLoginForm(FlaskForm):
    phone = StringField(
        _l("Mobile number"),
        validators=[required(), max_length(20)],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    pin = PasswordField(_l("PIN (4–6 digits)"), validators=[required(), max_length(6)], render_kw=PIN_INPUT)
    next = HiddenField()


class SetPinForm(FlaskForm):
    # The format of both is checked by auth/pins.set_pin, which names each wrong field.
    phone = StringField(_l("Mobile number"), validators=[max_length(20)], render_kw={"inputmode": "tel"})
    pin = StringField(_l("PIN (4–6 digits)"), validators=[max_length(6)], render_kw=PIN_INPUT)


class ChangePinForm(FlaskForm):
    current_pin = PasswordField(_l("Current PIN"), validators=[required(), max_length(6)], render_kw=PIN_INPUT)
    new_pin = PasswordField(_l("New PIN (4–6 digits)"), validators=[required(), max_length(6)], render_kw=PIN_INPUT)
