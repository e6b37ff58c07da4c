"""Self-report pages: the resident's form and list (phone), the reviewers' queue."""

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import photos
from ..core.db import db
from ..core.errors import DomainError
from ..core.forms import ActionForm
from ..core.permissions import ANY_ROLE, require_household, require_unit, roles_required
from ..core.time import today
from ..core.views import apply_form_error, commit_or_flash
from ..households.models import Household
from ..scoring import service as scoring
from ..scoring.views import deed_fields
from ..units.models import Unit
from . import service
from .forms import ClaimForm, ClaimReviewForm
from .models import Claim

bp = Blueprint("claims", __name__)


def uploads() -> list[tuple[str, bytes]]:
    """The chosen photos as (file name, bytes), each read to one byte past the limit (refused then)."""
    limit = current_app.config["PHOTO_MAX_BYTES"] + 1
    out = []
    for upload in request.files.getlist("photos"):
        if upload and upload.filename:
            out.append((upload.filename, upload.read(limit)))
        upload.close()  # a large upload is spooled to a temporary file: let it go now
    return out


def _own_household(household_id: int) -> Household:
    household = db.get_or_404(Household, household_id)
    mine = service.household_of(current_user)
    if mine is None or mine.id != household.id:
        abort(403)
    return household


@bp.route("/households/<int:household_id>/claims/new", methods=["GET", "POST"])
@roles_required("resident")
def new(household_id: int):
    household = _own_household(household_id)
    form = ClaimForm()
    categories = service.categories(household.unit)
    form.category.choices = [("", "—")] + [(c.code, c.name) for c in categories]
    form.member_id.choices = [("", _("The whole household"))] + [(str(m.id), m.name) for m in household.members]
    if form.validate_on_submit():
        member = form.member_id.data or ""
        fields = {  # a member id that is not a number is passed on as text, and refused by name
            "category": form.category.data,
            "date": form.happened_on.data,
            "text": form.text.data,
            "witness": form.witness.data,
            "member_id": int(member) if member.isascii() and member.isdigit() else (member or None),
        }
        try:
            service.report(household, fields, uploads(), current_user)
        except DomainError as exc:
            db.session.rollback()
            apply_form_error(form, deed_fields(exc))
        else:
            db.session.commit()
            flash(_("Thank you! Your report goes to the reviewers; you can follow it here."), "success")
            return redirect(url_for("claims.household_claims", household_id=household.id))
    elif not form.is_submitted():
        form.happened_on.data = today().isoformat()
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "claims/new.html",
        household=household,
        form=form,
        categories=categories,
        oldest=service.OLDEST_DAYS,
        per_day=scoring.settings_for(household.unit).claims_per_day,
    ), status


@bp.get("/households/<int:household_id>/claims")
@roles_required(*ANY_ROLE)
def household_claims(household_id: int):
    household = db.get_or_404(Household, household_id)
    require_household(household)
    mine = service.household_of(current_user)
    return render_template(
        "claims/household.html",
        household=household,
        claims=service.of_household(household),
        own=mine is not None and mine.id == household.id,
        action=ActionForm(),
    )


@bp.post("/claims/<int:claim_id>/withdraw")
@roles_required("resident")
def withdraw(claim_id: int):
    claim = db.get_or_404(Claim, claim_id)
    _own_household(claim.household_id)
    if ActionForm().validate_on_submit():
        commit_or_flash(lambda: service.withdraw(claim, current_user), _("Report withdrawn."))
    return redirect(url_for("claims.household_claims", household_id=claim.household_id))


@bp.get("/units/<int:unit_id>/claims")
@roles_required(*service.REVIEW_ROLES)
def queue(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require_unit(unit, *service.REVIEW_ROLES)
    claims = service.queue(current_user, unit)
    return render_template(
        "claims/queue.html",
        unit=unit,
        claims=claims,
        duplicates=service.duplicates(claims),
        two_step=scoring.settings_for(unit).claims_two_step,
        form=ClaimReviewForm(),
    )


@bp.post("/claims/<int:claim_id>/review")
@roles_required(*service.REVIEW_ROLES)
def review(claim_id: int):
    claim = db.get_or_404(Claim, claim_id)
    if not service.can_review(current_user, claim):
        abort(403)
    form = ClaimReviewForm()
    approve = request.form.get("decision") == "approve"
    if form.validate_on_submit():
        text = (form.points.data or "").strip()
        points = int(text) if text.isascii() and text.isdigit() else text
        commit_or_flash(
            lambda: service.decide(claim, approve, form.comment.data or "", current_user, points),
            lambda c: (
                _("Approved.") if c.status in ("approved", "checked") else _("Not approved; the household sees why.")
            ),
        )
    else:
        for messages in form.errors.values():
            flash(" ".join(str(m) for m in messages), "error")
    return redirect(url_for("claims.queue", unit_id=claim.unit_id))


@bp.get("/claims/photos/<token>")
@roles_required(*ANY_ROLE)
def photo(token: str):
    """A report's photo, for the household and the staff over it (never public)."""
    found = photos.by_token(token)
    claim = found and service.photo_owner(found)
    if not claim:
        abort(404)
    require_household(claim.household)
    response = make_response(found.data)
    response.headers["Content-Type"] = found.content_type
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
