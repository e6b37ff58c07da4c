from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Optional

from ..core.forms import max_length, required


class HouseholdForm(FlaskForm):
    code = StringField(_l("Household code"), validators=[required(), max_length(32)])
    head_name = StringField(_l("Head of household"), validators=[required(), max_length(50)])
    members = StringField(
        _l("Other members"), validators=[Optional(), max_length(1000)], description=_l("Names separated by ';'")
    )
    address = StringField(_l("Address"), validators=[Optional(), max_length(200)])
    grid_cell = StringField(_l("Grid cell"), validators=[Optional(), max_length(50)])
    phone = StringField(_l("Phone"), validators=[Optional(), max_length(20)], render_kw={"inputmode": "tel"})


class HouseholdEditForm(FlaskForm):
    head_name = StringField(_l("Head of household"), validators=[required(), max_length(50)])
    address = StringField(_l("Address"), validators=[Optional(), max_length(200)])
    grid_cell = StringField(_l("Grid cell"), validators=[Optional(), max_length(50)])
    phone = StringField(_l("Phone"), validators=[Optional(), max_length(20)], render_kw={"inputmode": "tel"})


class MemberForm(FlaskForm):
    name = StringField(_l("Member's name"), validators=[required(), max_length(50)])
