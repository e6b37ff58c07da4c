"""The three-zero ledger: recording and resolving a unit's incidents (the rules; views and imports
call these). Each change marks the month's score for recomputation."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..core import audit
from ..core.db import db
from ..core.errors import DomainError, raise_field_errors
from ..core.time import month_of, today
from ..units.models import AREA_KINDS, Unit
from . import scores
from .models import INCIDENT_KINDS, SUBKINDS, Incident, UnitScore

EARLIEST = date(2000, 1, 1)


def _date(value, field: str, errors: list) -> date | None:
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value or "").strip())
        except ValueError:
            errors.append((field, _("Give the date as YYYY-MM-DD.")))
            return None
    if not EARLIEST <= day <= today():
        errors.append((field, _("The date must lie between 2000-01-01 and today.")))
        return None
    return day


def _text(value, field: str, errors: list, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        errors.append((field, _("This field is required.")))
    elif len(text) > 500:
        errors.append((field, _("At most %(n)s characters.", n=500)))
    return text[:500]


def check(unit: Unit | None, fields: dict) -> dict:
    """The fields of an incident, checked: every problem at once, by field."""
    errors: list[tuple[str, str]] = []
    if unit is None:
        errors.append(("unit", _("No unit has this code.")))
    elif unit.kind in AREA_KINDS:
        errors.append(("unit", _("Incidents are recorded for villages, communities, enterprises and institutions.")))
    kind = fields.get("kind") if isinstance(fields.get("kind"), str) else ""
    subkind = (fields.get("subkind") or "") if isinstance(fields.get("subkind") or "", str) else None
    if kind not in INCIDENT_KINDS:
        errors.append(("kind", _("Choose petition, accident, case, dispute or hazard.")))
    elif subkind not in SUBKINDS[kind]:
        errors.append(("subkind", _("This kind of incident takes one of: %(names)s.", names=_subkind_names(kind))))
    occurred_on = _date(fields.get("occurred_on"), "occurred_on", errors)
    summary = _text(fields.get("summary"), "summary", errors)
    escalated = fields.get("escalated", False)
    if not isinstance(escalated, bool):
        errors.append(("escalated", _("Escalated is yes or no.")))
    status = fields.get("status") or "open"
    resolved_on, resolution = None, ""
    if status not in ("open", "resolved"):
        errors.append(("status", _("The status is open or resolved.")))
    elif status == "resolved":
        resolved_on = _date(fields.get("resolved_on"), "resolved_on", errors)
        resolution = _text(fields.get("resolution"), "resolution", errors, required=False)
        if resolved_on and occurred_on and resolved_on < occurred_on:
            errors.append(("resolved_on", _("It cannot be resolved before it happened.")))
    raise_field_errors(errors)
    return {
        "kind": kind,
        "subkind": subkind,
        "occurred_on": occurred_on,
        "summary": summary,
        "escalated": escalated,
        "status": status,
        "resolved_on": resolved_on,
        "resolution": resolution,
    }


def _subkind_names(kind: str) -> str:
    return "、".join(k for k in SUBKINDS[kind] if k) or "—"


def record(unit: Unit, fields: dict, actor) -> Incident:
    """Record an incident of `unit` (checked), and mark its month's score for recomputation."""
    values = check(unit, fields)
    incident = Incident(unit_id=unit.id, recorded_by_id=getattr(actor, "id", None), **values)
    db.session.add(incident)
    db.session.flush()
    audit.record("incident.record", incident, actor=actor, unit_id=unit.id, kind=values["kind"])
    scores.touch(unit.id, month_of(values["occurred_on"]))
    return incident


def resolve(incident: Incident, resolved_on, resolution, actor) -> Incident:
    """Mark an open incident resolved, on a day not before it happened, saying how."""
    if incident.status == "resolved":
        raise DomainError(_("This incident is resolved already."))
    errors: list[tuple[str, str]] = []
    day = _date(resolved_on, "resolved_on", errors)
    how = _text(resolution, "resolution", errors)
    if day and day < incident.occurred_on:
        errors.append(("resolved_on", _("It cannot be resolved before it happened.")))
    raise_field_errors(errors)
    incident.status, incident.resolved_on, incident.resolution = "resolved", day, how
    db.session.flush()
    audit.record("incident.resolve", incident, actor=actor, unit_id=incident.unit_id)
    scores.touch(incident.unit_id, month_of(incident.occurred_on))
    return incident


def touch(unit_id: int, month: str) -> None:
    """Another domain changed an input of the unit's month (a reviewed sheet, an approved or revoked
    star, a household added): its score is recomputed when the transaction commits."""
    scores.touch(unit_id, month)


def last_month_score(unit: Unit) -> UnitScore | None:
    """What the public sees of a unit: its three-zero status and score of the last whole month."""
    first = today().replace(day=1)
    return scores.shown(unit, month_of(date.fromordinal(first.toordinal() - 1)))


def incidents_count() -> int:
    return db.session.scalar(select(func.count(Incident.id)))


def compute_month(month: str) -> int:
    """Score every unit for a month (the monthly job; changes in between recompute on their own)."""
    return scores.compute(month)


def incidents_of(area: Unit, first: date | None = None, last: date | None = None, kind: str | None = None):
    """A select of the incidents of `area` and the units under it, newest first (for paging)."""
    query = select(Incident).join(Unit, Unit.id == Incident.unit_id).where(Unit.path.startswith(area.path))
    if first is not None:
        query = query.where(Incident.occurred_on >= first)
    if last is not None:
        query = query.where(Incident.occurred_on <= last)
    if kind in INCIDENT_KINDS:
        query = query.where(Incident.kind == kind)
    return query.order_by(Incident.occurred_on.desc(), Incident.id.desc())
