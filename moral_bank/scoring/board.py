"""The public notice board of a unit (no login), objections, and the objector's receipt page."""

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_login import current_user

from ..core.db import db
from ..core.errors import DomainError
from ..core.extensions import limiter
from ..core.permissions import public
from ..core.views import apply_form_error
from ..units import service as units
from . import notices
from .forms import ObjectionForm
from .models import NoticeLine

bp = Blueprint("board", __name__)


def _unit(code: str):
    unit = units.by_code(code)
    if unit is None:
        abort(404)
    return unit


@bp.get("/notice-board/<code>")
@public
def board(code: str):
    unit = _unit(code)
    batches = [(n, notices.lines_of(n)) for n in notices.board(unit)]
    return render_template(
        "scoring/board.html",
        unit=unit,
        batches=batches,
        shown=lambda name: notices.shown_name(unit, name),
        running=notices.running,
        ends_text=notices.ends_text,
    )


@bp.route("/notice-board/<code>/lines/<int:line_id>/objection", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["OBJECTION_RATE_LIMIT"], methods=["POST"])
@public
def objection(code: str, line_id: int):
    unit = _unit(code)
    line = db.get_or_404(NoticeLine, line_id)
    notice = line.notice
    if notice.unit_id != unit.id:
        abort(404)
    form = ObjectionForm()
    if form.validate_on_submit():
        try:
            raised = notices.object_to(notice, line.id, form.name.data, form.phone.data, form.reason.data, current_user)
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, exc)
        else:
            db.session.commit()
            return redirect(url_for("board.receipt", token=notices.receipt_token(raised), new=1))
    elif not form.is_submitted() and current_user.is_authenticated:
        member = getattr(current_user, "member", None)
        form.name.data = member.name if member else current_user.display_name
        form.phone.data = (member.phone or member.household.phone) if member else ""
    return render_template(
        "scoring/objection.html",
        unit=unit,
        notice=notice,
        line=line,
        shown=notices.shown_name(unit, line.household.head_name),
        form=form,
        open_now=notices.running(notice) and line.status == "listed",
        ends_text=notices.ends_text(notice),
    ), 422 if form.errors or form.form_errors else 200


@bp.get("/objections/<token>")
@public
def receipt(token: str):
    found = notices.by_receipt(token)
    if found is None:
        abort(404)
    return render_template(
        "scoring/receipt.html",
        objection=found,
        unit=found.notice.unit,
        shown=notices.shown_name(found.notice.unit, found.line.household.head_name),
    )
