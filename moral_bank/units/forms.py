from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Optional

from ..core.forms import max_length, required
from .models import KIND_LABELS


def kind_choices():
    return [(k, str(v)) for k, v in KIND_LABELS.items()]


class UnitForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[required(), max_length(32)],
        description=_l("Letters and digits, unique in the county; it cannot change later."),
    )
    name = StringField(_l("Name"), validators=[required(), max_length(100)])
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)
    parent_code = StringField(_l("Parent unit code"), validators=[Optional(), max_length(32)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()


class UnitEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(100)])
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()
