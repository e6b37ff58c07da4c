"""The incident pages' forms: they check shape; governance/service checks the rules (dates, kinds)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from ..core.forms import max_length, required
from .models import INCIDENT_KINDS, INCIDENT_STATUSES, SUBKINDS
from .settings import FIELDS

DATE_INPUT = {"type": "date", "autocomplete": "off"}
MONTH_INPUT = {"type": "month", "placeholder": "2026-10", "autocomplete": "off"}


def kind_value(kind: str, subkind: str) -> str:
    """A kind and its subkind as one choice of the form's select ("accident/public_safety")."""
    return f"{kind}/{subkind}" if subkind else kind


def split_kind(value: str) -> tuple[str, str]:
    kind, _slash, subkind = (value or "").partition("/")
    return kind, subkind


# Every valid pair, so one plain select does (no script to narrow a second one).
KIND_CHOICES = [
    SelectChoice(kind_value(kind, sub), label if sub else INCIDENT_KINDS[kind])
    for kind, subkinds in SUBKINDS.items()
    for sub, label in subkinds.items()
]


class IncidentForm(FlaskForm):
    kind = SelectField(_l("What happened"), choices=KIND_CHOICES, validate_choice=False)  # checked by the service
    occurred_on = StringField(_l("Date"), validators=[required(), max_length(10)], render_kw=DATE_INPUT)
    summary = TextAreaField(_l("Summary"), validators=[required(), max_length(500)], render_kw={"rows": 3})
    escalated = BooleanField(
        _l("Taken beyond the unit"),
        description=_l("A petition taken to the township or higher; a dispute not settled in the unit."),
    )
    status = SelectField(
        _l("Status"), choices=[SelectChoice(k, v) for k, v in INCIDENT_STATUSES.items()], validate_choice=False
    )
    resolved_on = StringField(
        _l("Resolved on"),
        validators=[Optional(), max_length(10)],
        render_kw=DATE_INPUT,
        description=_l("Only when it is resolved already."),
    )
    resolution = TextAreaField(
        _l("How it was resolved"), validators=[Optional(), max_length(500)], render_kw={"rows": 2}
    )


class ResolveForm(FlaskForm):
    resolved_on = StringField(_l("Resolved on"), validators=[required(), max_length(10)], render_kw=DATE_INPUT)
    resolution = TextAreaField(
        _l("How it was resolved"), validators=[required(), max_length(500)], render_kw={"rows": 3}
    )


class FilterForm(FlaskForm):
    """The list's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    from_month = StringField(_l("From month"), validators=[Optional(), max_length(7)], render_kw=MONTH_INPUT)
    to_month = StringField(_l("To month"), validators=[Optional(), max_length(7)], render_kw=MONTH_INPUT)
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice("", _l("All kinds")), *(SelectChoice(k, v) for k, v in INCIDENT_KINDS.items())],
        validate_choice=False,
    )
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("Open and resolved")),
            *(SelectChoice(k, v) for k, v in INCIDENT_STATUSES.items()),
        ],
        validate_choice=False,
    )

    def validate_kind(self, field) -> None:
        if field.data and field.data not in INCIDENT_KINDS:
            field.data = ""
            raise ValidationError(_l("Choose a kind from the list."))

    def validate_status(self, field) -> None:
        if field.data and field.data not in INCIDENT_STATUSES:
            field.data = ""
            raise ValidationError(_l("Choose open or resolved."))


class SettingsForm(FlaskForm):
    """A county's score rules: whole numbers, checked by governance/settings.update. Fields are added
    below from settings.FIELDS (their labels)."""


def _number_field(label) -> StringField:
    return StringField(label, validators=[required(), max_length(5)], render_kw={"inputmode": "numeric"})


for _name, _label in FIELDS.items():
    setattr(SettingsForm, _name, _number_field(_label))
