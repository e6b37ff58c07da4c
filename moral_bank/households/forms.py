from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional


class HouseholdForm(FlaskForm):
    code = StringField(_l("Household code"), validators=[DataRequired(), Length(max=32)])
    head_name = StringField(_l("Head of household"), validators=[DataRequired(), Length(max=50)])
    members = StringField(_l("Other members"), validators=[Optional(), Length(max=1000)],
                          description=_l("Names separated by ';'"))
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    grid_cell = StringField(_l("Grid cell"), validators=[Optional(), Length(max=50)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)], render_kw={"inputmode": "tel"})


class HouseholdEditForm(FlaskForm):
    head_name = StringField(_l("Head of household"), validators=[DataRequired(), Length(max=50)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    grid_cell = StringField(_l("Grid cell"), validators=[Optional(), Length(max=50)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)], render_kw={"inputmode": "tel"})


class MemberForm(FlaskForm):
    name = StringField(_l("Member's name"), validators=[DataRequired(), Length(max=50)])
