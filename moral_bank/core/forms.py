"""Forms shared by several domains."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired


class UploadForm(FlaskForm):
    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[FileRequired(_l("Please choose a file.")),
                    FileAllowed(["csv", "xlsx"], _l("Please upload a .csv or .xlsx file."))],
        render_kw={"accept": ".csv,.xlsx"},
    )


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A button-only form: CSRF protection for a POST with no fields."""
