"""The township and county dashboards (their admins), the rankings to download, and the public
summary of an area. The figures are made in governance/dashboard.py."""

from flask import Blueprint, abort, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..core.db import db
from ..core.errors import NotFound
from ..core.permissions import has_role, public, require_unit, roles_required
from ..core.views import MIMETYPES, download
from ..units import service as units
from ..units.models import AREA_KINDS, Unit
from . import dashboard, ranking

bp = Blueprint("dashboards", __name__)
AREA_ADMINS = ("county_admin", "township_admin")


def _area(code: str, admin: bool = True) -> Unit:
    """The township or county of `code` (for its admins: checked before saying what it is)."""
    area = units.by_code(code)
    if area is None:
        abort(404)
    if admin:
        require_unit(area, *AREA_ADMINS)
    if area.kind not in AREA_KINDS:
        raise NotFound(_("No township or county has the code %(code)s.", code=code), field="code")
    return area


def _figures(area: Unit, with_units: bool) -> dashboard.Dashboard:
    period = dashboard.parse_period(request.args.get("period"))
    return dashboard.cached(area, period, dashboard.parse_trend(request.args.get("months")), with_units)


@bp.get("/dashboard/<code>")
@roles_required(*AREA_ADMINS)
def area_dashboard(code: str):
    """Where the area stands: compliance and warnings, rankings, incidents, trends, the colour grid."""
    area = _area(code)
    d = _figures(area, with_units=True)
    db.session.commit()  # scores computed on first opening are kept
    return render_template(
        "governance/dashboard/area.html",
        area=area,
        d=d,
        admin=True,
        labels=dashboard.LABELS,
        groups=dashboard.GROUPS,
        chart=dashboard.chart_data(d),
        choices=dashboard.period_choices(d.period),
        can_set_rules=area.kind == "county" and has_role(current_user, ("county_admin",), area),
    )


@bp.get("/dashboard/<code>/units.<fmt>")
@roles_required(*AREA_ADMINS)
def unit_ranking(code: str, fmt: str):
    """Every unit of the area ranked by its self-governance score of the period (CSV or XLSX)."""
    area = _area(code)
    if fmt not in MIMETYPES:
        abort(404)
    period = dashboard.parse_period(request.args.get("period"))
    ranked = ranking.rank(area, period.months, fill=True, year=period.year)
    db.session.commit()
    columns, rows = dashboard.unit_rows(ranked.rows())
    return download(fmt, f"ranking-units-{area.code}-{period.text}", columns, rows)


@bp.get("/dashboard/<code>/townships.<fmt>")
@roles_required(*AREA_ADMINS)
def township_ranking(code: str, fmt: str):
    """The county's townships ranked by compliance, with their warnings (CSV or XLSX)."""
    area = _area(code)
    if fmt not in MIMETYPES:
        abort(404)
    if area.kind != "county":
        raise NotFound(_("Only a county ranks its townships."), field="code")
    d = _figures(area, with_units=False)
    columns, rows = dashboard.township_rows(d)
    return download(fmt, f"ranking-townships-{area.code}-{d.period.text}", columns, rows)


@bp.get("/summary/<code>")
@public
def summary(code: str):
    """The area's standing for everyone: compliance, the townships' warnings and ranks, incident
    counts and trends; no unit's score or colour and no incident's details."""
    area = _area(code, admin=False)
    d = _figures(area, with_units=False)
    page = render_template(
        "governance/dashboard/summary.html",
        area=area,
        d=d,
        admin=False,
        labels=dashboard.LABELS,
        groups=dashboard.GROUPS,
        chart=dashboard.chart_data(d),
        choices=dashboard.period_choices(d.period),
    )
    response = make_response(page)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
