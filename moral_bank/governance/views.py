"""A unit's score of a month explained line by line, for its admins and those above. Rules live in
governance/scores.py."""

from flask import Blueprint, render_template, request

from ..core.db import db
from ..core.permissions import ADMINS, require_unit, roles_required
from ..core.time import month_of
from ..scoring.service import MONTH_RE
from ..units.models import AREA_KINDS, Unit
from . import scores

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
