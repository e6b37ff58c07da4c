from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional

from ..core.forms import max_length


class SheetForm(FlaskForm):
    """A rating sheet; one text field per rubric item is added by `sheet_form`."""

    note = TextAreaField(_l("Note"), validators=[Optional(), max_length(500)], render_kw={"rows": 2})


def sheet_form(items, **kwargs) -> SheetForm:
    class Form(SheetForm):
        pass

    for item in items:
        setattr(
            Form,
            f"item_{item.code}",
            StringField(
                item.name,
                validators=[Optional(), max_length(4)],
                render_kw={"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off", "class": "score"},
            ),
        )
    return Form(**kwargs)
