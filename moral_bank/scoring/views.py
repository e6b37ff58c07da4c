"""The scorer's phone pages: the month's worklist and one household's rating sheet."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.db import db
from ..core.errors import DomainError, FieldErrors
from ..core.permissions import require_unit, roles_required
from ..core.time import month_of
from ..households.models import Household
from ..units.models import Unit
from . import service, sheets
from .forms import sheet_form

bp = Blueprint("scoring", __name__, url_prefix="/scoring")


def _month() -> str:
    return service.check_month(request.args.get("month") or month_of())


@bp.get("/units/<int:unit_id>/worklist")
@roles_required(*sheets.SCORERS)
def worklist(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *sheets.SCORERS)
    month = _month()
    rows = sheets.worklist(current_user, unit, month)
    done = sum(1 for _h, sheet in rows if sheet is not None and sheet.status != "draft")
    return render_template("scoring/worklist.html", unit=unit, month=month, rows=rows, done=done)


@bp.route("/households/<int:household_id>/sheet", methods=["GET", "POST"])
@roles_required(*sheets.SCORERS)
def sheet(household_id: int):
    household = db.get_or_404(Household, household_id)
    if not sheets.can_score(current_user, household):
        abort(403)
    month = _month()
    scoring_month = service.open_month(household.unit, month, current_user)
    items = scoring_month.rubric.items
    existing = sheets.sheet_for(household, month)
    data = {f"item_{s.item.code}": str(s.points) for s in existing.scores} if existing else {}
    form = sheet_form(items, data={**data, "note": existing.note if existing else ""})
    if form.validate_on_submit():
        raw = {i.code: form[f"item_{i.code}"].data for i in items}
        submit = request.form.get("action") == "submit"
        scores, errors = sheets.parse_scores(raw, items)
        try:
            if errors:  # report the unreadable cells and the out-of-range ones together
                bad = {name for name, _m in errors}
                more = sheets.score_errors({i.code: i for i in items}, scores, submit)
                raise FieldErrors(errors + [e for e in more if e[0] not in bad])
            sheets.save_sheet(household, month, scores, form.note.data or "", current_user, submit=submit)
        except DomainError as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Submitted for review.") if submit else _("Draft saved."), "success")
            return redirect(url_for("scoring.worklist", unit_id=household.unit_id, month=month))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "scoring/sheet.html",
        household=household,
        month=month,
        groups=sheets.by_category(items),
        form=form,
        sheet=existing,
    ), status


def _show_errors(form, exc: DomainError) -> None:
    fields = getattr(exc, "fields", None) or {exc.field: exc.message}
    for name, message in fields.items():
        target = form._fields.get("item_" + name.removeprefix("scores.")) if name else None
        if target is not None:
            target.errors = [*target.errors, message]
        else:
            form.form_errors.append(message)
