from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..core.forms import max_length


class ClaimForm(FlaskForm):
    # Every field is checked by claims/service.report, which names them all at once.
    category = SelectField(_l("Kind of good deed"), choices=[], validate_choice=False)
    happened_on = StringField(_l("When did it happen?"), validators=[max_length(10)], render_kw={"type": "date"})
    text = TextAreaField(_l("What happened"), validators=[max_length(500)], render_kw={"rows": 4, "maxlength": 500})
    member_id = SelectField(_l("Who did it (optional)"), choices=[], validate_choice=False)
    witness = StringField(
        _l("A witness (optional)"),
        validators=[max_length(50)],
        render_kw={"autocomplete": "off"},
        description=_l("Someone the reviewer may ask, e.g. a neighbour."),
    )
    # Checked and re-encoded one by one by core/photos.store.
    photos = MultipleFileField(
        _l("Photos (up to 6, optional)"),
        render_kw={"accept": ".jpg,.jpeg,.png,.webp,image/jpeg,image/png,image/webp", "multiple": True},
    )


class ClaimReviewForm(FlaskForm):
    points = StringField(
        _l("Points"),
        validators=[Optional(), max_length(4)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    comment = TextAreaField(
        _l("Comment for the household"),
        validators=[Optional(), max_length(500)],
        render_kw={"rows": 2, "maxlength": 500},
        description=_l("Needed when not approving; the household reads it."),
    )
