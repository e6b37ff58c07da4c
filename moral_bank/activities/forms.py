from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..core.forms import max_length


class ActivityForm(FlaskForm):
    # Every field is checked by activities/service.check, which names them all at once.
    title = StringField(_l("Title"), validators=[max_length(120)], render_kw={"maxlength": 120})
    description = TextAreaField(
        _l("What volunteers will do"), validators=[max_length(2000)], render_kw={"rows": 3, "maxlength": 2000}
    )
    place = StringField(_l("Place"), validators=[max_length(120)], render_kw={"maxlength": 120})
    starts_at = StringField(_l("Starts"), validators=[max_length(25)], render_kw={"type": "datetime-local"})
    ends_at = StringField(_l("Ends"), validators=[max_length(25)], render_kw={"type": "datetime-local"})
    signup_deadline = StringField(
        _l("Sign-up deadline (optional)"),
        validators=[max_length(25)],
        render_kw={"type": "datetime-local"},
        description=_l("Until then residents may sign up and cancel; by default, the start."),
    )
    capacity = StringField(_l("Places (households)"), validators=[max_length(5)], render_kw={"inputmode": "numeric"})
    category = SelectField(_l("Counts as (kind of good deed)"), choices=[], validate_choice=False)
    points = StringField(
        _l("Points for each household that comes"),
        validators=[max_length(5)],
        render_kw={"inputmode": "numeric"},
    )
    served = StringField(
        _l("Open to (unit codes, optional)"),
        validators=[Optional(), max_length(500)],
        description=_l("Leave empty for every unit under this one."),
    )


class SignupForm(FlaskForm):
    member_name = StringField(
        _l("Who will come (optional)"), validators=[Optional(), max_length(50)], render_kw={"maxlength": 50}
    )


class AddHouseholdForm(FlaskForm):
    household = StringField(
        _l("Household code or card code"),
        validators=[max_length(300)],
        render_kw={"autocomplete": "off"},
    )
    member_name = StringField(_l("Who will come (optional)"), validators=[Optional(), max_length(50)])


class CardCheckInForm(FlaskForm):
    code = StringField(
        _l("Card code"),
        validators=[max_length(300)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
        description=_l("Scan the household's card or phone QR, or type the code under it."),
    )
    household_id = HiddenField()


class CheckInForm(FlaskForm):
    t = HiddenField()


class ScanForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it only leads to the check-in page

    code = StringField(_l("Check-in code"), validators=[Optional(), max_length(300)])
