from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..core.forms import max_length, required

PHOTO_INPUT = {"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}


class SheetForm(FlaskForm):
    """A rating sheet; one text field per rubric item is added by `sheet_form`."""

    note = TextAreaField(_l("Note"), validators=[Optional(), max_length(500)], render_kw={"rows": 2})
    # Checked and re-encoded by core/photos.store.
    photo = FileField(_l("Photo (optional)"), render_kw=PHOTO_INPUT)


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


class PublishForm(FlaskForm):
    month = StringField(
        _l("Month"),
        validators=[required(), max_length(7)],
        render_kw={"placeholder": "2026-10", "inputmode": "numeric"},
    )


class ObjectionForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[required(), max_length(50)], render_kw={"autocomplete": "name"})
    phone = StringField(
        _l("Your phone number"),
        validators=[required(), max_length(20)],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
        description=_l("The unit admin calls you back about it."),
    )
    reason = TextAreaField(
        _l("What is wrong?"), validators=[required(), max_length(500)], render_kw={"rows": 4, "maxlength": 500}
    )


class ResolveForm(FlaskForm):
    resolution = TextAreaField(
        _l("Reason for the objector"),
        validators=[Optional(), max_length(500)],
        render_kw={"rows": 2},
        description=_l("Required when rejecting; the objector sees it."),
    )


class ReviewForm(FlaskForm):
    comment = TextAreaField(
        _l("What should the scorer correct?"),
        validators=[Optional(), max_length(500)],
        render_kw={"rows": 2, "maxlength": 500},
        description=_l("Needed when returning it."),
    )


class DeedForm(FlaskForm):
    # Every field is checked by scoring/deeds.record_deed, which reports them all at once.
    category = SelectField(_l("Kind of deed"), choices=[], validate_choice=False)
    points = StringField(
        _l("Points"), validators=[max_length(4)], render_kw={"inputmode": "numeric", "autocomplete": "off"}
    )
    reason = TextAreaField(_l("What happened"), validators=[max_length(500)], render_kw={"rows": 3})
    happened_on = StringField(_l("Date"), validators=[max_length(10)], render_kw={"type": "date"})
    member_id = SelectField(_l("Who (optional)"), choices=[], validate_choice=False)
    photo = FileField(_l("Photo (optional)"), render_kw=PHOTO_INPUT)
    client_key = HiddenField()


class CorrectionForm(FlaskForm):
    points = StringField(
        _l("Right points"),
        validators=[required(), max_length(5)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    reason = TextAreaField(_l("Reason"), validators=[required(), max_length(500)], render_kw={"rows": 2})


class SettingsForm(FlaskForm):
    # Ranges are checked by scoring/service.update_settings.
    notice_days = StringField(
        _l("Notice period (days)"),
        validators=[required(), max_length(2)],
        render_kw={"inputmode": "numeric"},
        description=_l("0 to 30 days; lines post after this many days on the notice board."),
    )
    name_privacy = RadioField(
        _l("Names on the notice board"),
        choices=[SelectChoice("masked", _l("Masked, like 王*保")), SelectChoice("full", _l("In full"))],
        validate_choice=False,
    )
    pin_threshold = StringField(
        _l("Shop: PIN needed above (points)"),
        validators=[required(), max_length(6)],
        render_kw={"inputmode": "numeric"},
        description=_l("A redemption worth more than this needs the household's PIN (0: always)."),
    )
    black_list_threshold = StringField(
        _l("Black list: deductions in a period of at least (points)"),
        validators=[required(), max_length(5)],
        render_kw={"inputmode": "numeric"},
        description=_l("1 to 10000; a household whose posted deductions in a period add up to this is on it."),
    )
    black_list_public = RadioField(
        _l("Black list on the public honor roll"),
        choices=[
            SelectChoice("off", _l("No: only admins see it")),
            SelectChoice("on", _l("Yes: masked names and the kind of deduction only")),
        ],
        validate_choice=False,
    )

    claims_per_day = StringField(
        _l("Self-reports a household may send a day"),
        validators=[Optional(), max_length(2)],
        render_kw={"inputmode": "numeric"},
        description=_l("1 to 20; stops a household flooding the reviewers."),
    )
    claims_two_step = RadioField(
        _l("Review of self-reports"),
        choices=[
            SelectChoice("off", _l("One step: the household's scorer or a unit admin")),
            SelectChoice("on", _l("Two steps: the household's scorer first, then a unit admin")),
        ],
        validate_choice=False,
    )


class AssignForm(FlaskForm):
    scorer = SelectField(_l("Scorer"), choices=[], validate_choice=False)
    cell = SelectField(_l("Or a whole grid cell"), choices=[], validate_choice=False)
