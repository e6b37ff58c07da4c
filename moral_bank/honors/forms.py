from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..core.forms import max_length, required
from ..scoring.models import CATEGORY_LABELS
from .models import PERIOD_LABELS, RULE_LABELS

NUMBER = {"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"}


class PeriodForm(FlaskForm):
    period = HiddenField(validators=[required(), max_length(7)])


class NominateForm(FlaskForm):
    period = HiddenField(validators=[required(), max_length(7)])
    category = SelectField(_l("Star"), choices=[], validate_choice=True)
    household = StringField(_l("Household code"), validators=[required(), max_length(32)])
    reason = TextAreaField(_l("Why this household"), validators=[required(), max_length(500)], render_kw={"rows": 2})


class RevokeForm(FlaskForm):
    reason = StringField(_l("Reason for revoking"), validators=[required(), max_length(500)])


class CategoryForm(FlaskForm):
    # Ranges and codes are checked by honors/service.add_category.
    code = StringField(_l("Code"), validators=[required(), max_length(32)], description=_l("e.g. good-son"))
    name = StringField(_l("Name (简体中文)"), validators=[required(), max_length(50)])
    name_hant = StringField(_l("Name (繁體中文)"), validators=[Optional(), max_length(80)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), max_length(80)])
    period = SelectField(
        _l("Named every"), choices=[SelectChoice(k, v) for k, v in PERIOD_LABELS.items()], default="month"
    )
    rule = SelectField(_l("Chosen by"), choices=[SelectChoice(k, v) for k, v in RULE_LABELS.items()], default="ranking")
    rubric_categories = SelectMultipleField(
        _l("Standards that count"), choices=[SelectChoice(k, v) for k, v in CATEGORY_LABELS.items()]
    )
    deed_categories = StringField(
        _l("Deed categories that count (codes, separated by spaces)"), validators=[Optional(), max_length(300)]
    )
    per_unit = StringField(_l("Stars per unit"), validators=[required(), max_length(3)], default="2", render_kw=NUMBER)
    bonus = StringField(_l("Bonus points"), validators=[required(), max_length(4)], default="10", render_kw=NUMBER)
    min_points = StringField(
        _l("Minimum points"), validators=[required(), max_length(6)], default="1", render_kw=NUMBER
    )
