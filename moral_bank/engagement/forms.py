from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..core.forms import max_length, required
from .service import BODY_MAX, TITLE_MAX

PHOTO_INPUT = {"accept": "image/jpeg,image/png,image/webp"}


class AnnouncementForm(FlaskForm):
    # The rules (lengths, dates) are checked again by engagement/service, the same for the API.
    title = StringField(_l("Title"), validators=[required(), max_length(TITLE_MAX)])
    body = TextAreaField(_l("Text"), validators=[required(), max_length(BODY_MAX)], render_kw={"rows": 6})
    audience = RadioField(
        _l("Who may read it"),
        choices=[
            SelectChoice("public", _l("Everyone (public)")),
            SelectChoice("residents", _l("Residents only")),
        ],
        default="public",
    )
    pinned = BooleanField(_l("Pin it at the top"))
    expires_on = StringField(
        _l("Show until (YYYY-MM-DD, optional)"),
        validators=[Optional(), max_length(10)],
        render_kw={"type": "date"},
    )
    image = FileField(_l("Picture (optional)"), render_kw=PHOTO_INPUT)
    remove_image = BooleanField(_l("Remove the picture"))
