"""A county's rules for the self-governance score and compliance: the weights of the score's five
parts, the colour bands, households per star, the compliance targets and the warning bands. Checked
here (the database's constraints are the last guard); saving rescores this month's units."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core import audit
from ..core.db import db
from ..core.errors import DomainError, raise_field_errors
from ..core.time import month_of
from ..units.models import Unit
from . import scores
from .models import GovernanceSettings

WEIGHTS = {
    "weight_zeros": _l("Three zeros"),
    "weight_participation": _l("Participation"),
    "weight_virtue": _l("Virtue level"),
    "weight_honors": _l("Honor density"),
    "weight_disputes": _l("Dispute resolution"),
}
BANDS = {"green": _l("Green from"), "blue": _l("Blue from"), "yellow": _l("Yellow from"), "orange": _l("Orange from")}
TARGETS = {
    "target_villages": _l("Villages and communities compliant (%)"),
    "target_others": _l("Enterprises and institutions compliant (%)"),
}
WARNINGS = {
    "warn_blue": _l("Blue warning: short by less than (points)"),
    "warn_yellow": _l("Yellow warning: short by less than (points)"),
    "warn_orange": _l("Orange warning: short by less than (points)"),
}
DENSITY = {"households_per_star": _l("Households per star for full honor points")}
FIELDS = {**WEIGHTS, **BANDS, **DENSITY, **TARGETS, **WARNINGS}


def _whole(value, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def _check(v: dict) -> list[tuple[str, str]]:
    """The errors of a complete set of values, field by field."""
    errors = []
    for name in WEIGHTS:
        if _whole(v[name], 0, 100) is None:
            errors.append((name, _("A weight is a whole number from 0 to 100.")))
    for name in BANDS:
        if _whole(v[name], 1, 100) is None:
            errors.append((name, _("A colour band starts at a whole score from 1 to 100.")))
    if _whole(v["households_per_star"], 1, 10_000) is None:
        errors.append(("households_per_star", _("Households per star is a whole number from 1 to 10000.")))
    for name in TARGETS:
        if _whole(v[name], 1, 100) is None:
            errors.append((name, _("A target is a whole percentage from 1 to 100.")))
    for name in WARNINGS:
        if _whole(v[name], 1, 100) is None:
            errors.append((name, _("A warning band is a whole number of points from 1 to 100.")))
    if errors:
        return errors
    if sum(v[name] for name in WEIGHTS) != 100:
        total = sum(v[name] for name in WEIGHTS)
        errors.append(("weight_zeros", _("The five weights add up to %(n)s; they must add up to 100.", n=total)))
    elif v["weight_zeros"] + v["weight_disputes"] == 0:
        message = _("Enterprises and institutions are scored on the three zeros and disputes: weigh one of them.")
        errors.append(("weight_zeros", message))
    if not v["green"] > v["blue"] > v["yellow"] > v["orange"]:
        errors.append(("green", _("The bands go down: green above blue, blue above yellow, yellow above orange.")))
    if not v["warn_blue"] < v["warn_yellow"] < v["warn_orange"]:
        errors.append(("warn_blue", _("The warnings go up: blue below yellow, yellow below orange.")))
    return errors


def update(county: Unit, changes: dict, actor=None) -> GovernanceSettings:
    """Change any of FIELDS of the county's settings (whole numbers); the rest stay. This month's scores
    of its units are recomputed with them; earlier months keep the scores they were given."""
    if county.kind != "county":
        raise DomainError(_("Only a county sets the score's rules."), field="county")
    unknown = sorted(set(changes) - set(FIELDS))
    raise_field_errors([(key, _("Unknown setting.")) for key in unknown])
    current = scores.settings_of(county.id)
    values = {name: getattr(current, name) for name in FIELDS} | changes
    raise_field_errors(_check(values))
    if db.session.get(GovernanceSettings, county.id) is None:
        db.session.add(current)
    for name, value in changes.items():
        setattr(current, name, value)
    db.session.flush()
    audit.record("governance.settings", actor=actor, unit_id=county.id, **changes)
    scores.compute(month_of(), area=county)
    return current
