"""The API's three-zero endpoints: recording an incident, a unit's score of a month, an area's
compliance (on the API blueprint; imported by views.py so they are registered with it)."""

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..core.db import db
from ..core.errors import DomainError, NotFound
from ..core.permissions import ADMINS, public, roles_required
from ..core.time import month_of, today
from ..governance import areas, scores
from ..governance import service as governance
from ..governance.models import Incident, UnitScore
from ..scoring.service import MONTH_RE
from ..units import service as units
from ..units.models import AREA_KINDS
from .views import _json_body, _unit, bp


def _incident_json(i: Incident) -> dict:
    return {
        "id": i.id,
        "unit": i.unit.code,
        "kind": i.kind,
        "subkind": i.subkind,
        "occurred_on": i.occurred_on.isoformat(),
        "summary": i.summary,
        "escalated": i.escalated,
        "status": i.status,
        "resolved_on": i.resolved_on.isoformat() if i.resolved_on else None,
        "resolution": i.resolution,
    }


def score_json(s: UnitScore) -> dict:
    return {
        "unit": s.unit.code,
        "month": s.month,
        "three_zero": {
            "petition": s.petitions_escalated == 0,
            "accident": s.accidents == 0,
            "case": s.cases == 0,
            "compliant": s.compliant,
        },
        "components": {
            "zeros": {"met": s.zeros_met, "points": s.zeros_points},
            "participation": {"rated": s.rated, "households": s.households, "points": s.participation_points},
            "virtue": {
                "points_total": s.points_total,
                "rated": s.rated,
                "rubric_max": s.rubric_max,
                "points": s.virtue_points,
            },
            "honors": {"stars": s.stars, "households": s.households, "points": s.honor_points},
            "disputes": {"resolved": s.disputes_resolved, "disputes": s.disputes, "points": s.dispute_points},
        },
        "score": s.score,
        "colour": s.colour,
    }


def _month_arg() -> str:
    month = (request.args.get("month") or month_of()).strip()
    if not MONTH_RE.match(month) or month > month_of():
        raise DomainError(_("Give the month as YYYY-MM, not after this month."), field="month")
    return month


@bp.post("/incidents")
@roles_required(*ADMINS)
def create_incident():
    """Record an incident of a unit (its admins, and the township's and county's)."""
    body = _json_body()
    unit = _unit(body.get("unit") if isinstance(body.get("unit"), str) else "", *ADMINS)
    incident = governance.record(unit, body, current_user)
    body = _incident_json(incident)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/units/<code>/score")
@public
def unit_score(code: str):
    """A unit's three-zero status and self-governance score of a month (this month by default)."""
    unit = units.by_code(code)
    if unit is None or unit.kind in AREA_KINDS:
        raise NotFound(_("No unit has the code %(code)s.", code=code), field="unit")
    found = scores.score_of(unit, _month_arg())
    body = score_json(found)
    db.session.commit()  # a score computed on first asking is kept
    return jsonify(body)


@bp.get("/areas/<code>/compliance")
@public
def area_compliance(code: str):
    """A township's or the county's compliance of a month (`month=`) or a year (`year=`, this year by
    default): per kind, per kind group against its target with the warning, and overall."""
    area = units.by_code(code)
    if area is None or area.kind not in AREA_KINDS:
        raise NotFound(_("No township or county has the code %(code)s.", code=code), field="area")
    year_text = (request.args.get("year") or "").strip()
    if request.args.get("month"):
        first, last = areas.period_range(month=_month_arg())
    elif not year_text:
        first, last = areas.period_range(year=today().year)
    elif year_text.isdigit() and 2000 <= int(year_text) <= today().year:
        first, last = areas.period_range(year=int(year_text))
    else:
        raise DomainError(_("Give the year as YYYY, from 2000 to this year."), field="year")
    return jsonify(areas.compliance(area, first, last).as_json())
