"""Forms shared by several domains."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length


# Our own messages for WTForms' validators, so every language comes from our catalogs.
def required() -> DataRequired:
    return DataRequired(message=_l("This field is required."))


def max_length(n: int) -> Length:
    return Length(max=n, message=_l("At most %(max)d characters."))


def length(lo: int, hi: int) -> Length:
    return Length(min=lo, max=hi, message=_l("Between %(min)d and %(max)d characters."))


class UploadForm(FlaskForm):
    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[
            FileRequired(_l("Please choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("Please upload a .csv or .xlsx file.")),
        ],
        render_kw={"accept": ".csv,.xlsx"},
    )


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[required()])


class ActionForm(FlaskForm):
    """A button-only form: CSRF protection for a POST with no fields."""
