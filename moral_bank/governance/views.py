"""A unit's score of a month explained line by line, for its admins and those above. Rules live in
governance/scores.py."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.db import db
from ..core.permissions import ADMINS, require_unit, roles_required
from ..core.time import month_of
from ..core.views import saved
from ..scoring.service import MONTH_RE
from ..units.models import AREA_KINDS, Unit
from . import scores
from . import settings as rules
from .forms import SettingsForm

bp = Blueprint("governance", __name__, url_prefix="/governance")


def _months_back(month: str, n: int) -> list[str]:
    year, mon = int(month[:4]), int(month[5:7])
    out = []
    for _i in range(n):
        out.append(f"{year:04d}-{mon:02d}")
        year, mon = (year - 1, 12) if mon == 1 else (year, mon - 1)
    return out


@bp.get("/units/<int:unit_id>/score")
@roles_required(*ADMINS)
def unit_score(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *ADMINS)
    now = month_of()
    asked = (request.args.get("month") or "").strip()
    month = asked if MONTH_RE.match(asked) and asked <= now else now
    if unit.kind in AREA_KINDS:
        return render_template("governance/score.html", unit=unit, month=month, score=None, lines=[], months=[])
    score = scores.score_of(unit, month)
    lines = scores.explain(score)
    db.session.commit()  # a score computed on first asking is kept
    return render_template(
        "governance/score.html", unit=unit, month=month, score=score, lines=lines, months=_months_back(now, 12)
    )


@bp.route("/counties/<int:unit_id>/settings", methods=["GET", "POST"])
@roles_required("county_admin")
def settings_page(unit_id: int):
    """The county's score rules (weights, colour bands, targets, warnings), for its county admins."""
    county = db.get_or_404(Unit, unit_id)
    require_unit(county, "county_admin")
    if county.kind != "county":
        abort(404)
    current = scores.settings_of(county.id)
    form = SettingsForm(data={name: str(getattr(current, name)) for name in rules.FIELDS})
    if form.validate_on_submit():
        changes = {}
        for name in rules.FIELDS:
            text = getattr(form, name).data.strip()
            changes[name] = int(text) if text.isascii() and text.isdigit() else text  # else refused
        done = _("Settings saved. This month's scores were recomputed with them.")
        if saved(form, lambda: rules.update(county, changes, current_user), done):
            return redirect(url_for("governance.settings_page", unit_id=county.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("governance/settings.html", county=county, form=form, rules=rules), status
