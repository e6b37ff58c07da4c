"""The shop's report pages: a shop's month (clerks and admins) and a unit's points by month (admins),
each also as a CSV or XLSX download (?format=csv|xlsx)."""

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from ..core.db import db
from ..core.errors import DomainError
from ..core.permissions import ADMINS, require_unit, roles_required
from ..core.time import month_of
from ..core.views import MIMETYPES, download
from ..units.models import Unit
from . import reports
from .models import Shop

bp = Blueprint("shop_reports", __name__)


def _month() -> str:
    return reports.check_month(request.args.get("month") or month_of())


def _format() -> str | None:
    fmt = request.args.get("format") or None
    if fmt is not None and fmt not in MIMETYPES:
        raise DomainError(_("The format must be csv or xlsx."), field="format")
    return fmt


@bp.get("/shops/<int:shop_id>/report")
@roles_required(*ADMINS, "clerk")
def shop_report(shop_id: int):
    shop = db.get_or_404(Shop, shop_id)
    require_unit(shop.unit, *ADMINS, "clerk")
    month, fmt = _month(), _format()
    days = reports.shop_days(shop, month)
    if fmt:
        columns = (_("Date"), _("Redemptions"), _("Voided"), _("Points redeemed"), _("Items out"))
        rows = [(d.day.isoformat(), d.redemptions, d.voided, d.points, d.items) for d in days.days]
        t = days.total
        rows.append((_("Total"), t.redemptions, t.voided, t.points, t.items))
        return download(fmt, f"shop-{shop.id}-{month}", columns, rows)
    items = reports.shop_items(shop, *reports.month_range(month))
    return render_template("shop/report.html", shop=shop, report=days, items=items, **_months(month))


@bp.get("/units/<int:unit_id>/points-report")
@roles_required(*ADMINS)
def points_report(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit)
    month, fmt = _month(), _format()
    report = reports.unit_points(unit, month)
    if fmt:
        columns = (
            _("Code"),
            _("Unit"),
            _("Households"),
            _("Points issued"),
            _("Points redeemed"),
            _("Points outstanding"),
        )
        rows = [(r.code, r.name, r.households, r.issued, r.redeemed, r.outstanding) for r in report.rows]
        t = report.total
        rows.append(("", _("Total"), t.households, t.issued, t.redeemed, t.outstanding))
        return download(fmt, f"points-{unit.code}-{month}", columns, rows)
    return render_template("shop/points_report.html", unit=unit, report=report, **_months(month))


def _months(month: str) -> dict:
    """The month shown and its neighbours for the ‹ › links (no link past this month)."""
    earlier, later = reports.shift(month, -1), reports.shift(month, 1)
    return {
        "month": month,
        "this_month": month_of(),
        "earlier": earlier if earlier >= reports.FIRST_MONTH else None,
        "later": later if later <= month_of() else None,
    }
