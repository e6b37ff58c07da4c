"""Self-report endpoints (on the API blueprint; imported by views.py so they are registered with it)."""

from flask import jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..claims import service as claims
from ..claims.models import Claim
from ..claims.views import uploads
from ..core.db import db
from ..core.errors import NotAllowed, NotFound
from ..core.permissions import ANY_ROLE, require_household, roles_required
from ..households.models import Household
from .views import _json_body, bp


def claim_json(c: Claim) -> dict:
    return {
        "id": c.id,
        "household_id": c.household_id,
        "category": c.category.code,
        "date": c.happened_on.isoformat(),
        "text": c.text,
        "member_id": c.member_id,
        "witness": c.witness,
        "status": c.status,
        "review_comment": c.review_comment,
        "deed_id": c.deed_id,
        "photos": [url_for("claims.photo", token=p.photo.token) for p in c.photos],
        "created_at": c.created_at.isoformat(),
    }


def _int_or_text(value: str | None):
    value = (value or "").strip()
    if not value:
        return None
    return int(value) if value.isascii() and value.isdigit() else value


@bp.post("/claims")
@roles_required("resident")
def create_claim():
    """A resident's self-report for their own household: multipart form fields and up to six photos."""
    household = claims.household_of(current_user)
    if household is None:
        raise NotAllowed(_("Only a resident of this household may report its good deeds."))
    asked = _int_or_text(request.form.get("household_id"))
    if asked is not None and asked != household.id:
        raise NotAllowed(_("Only a resident of this household may report its good deeds."))
    fields = {
        "category": request.form.get("category"),
        "date": request.form.get("date"),
        "text": request.form.get("text"),
        "witness": request.form.get("witness", ""),
        "member_id": _int_or_text(request.form.get("member_id")),
    }
    claim = claims.report(household, fields, uploads(), current_user)
    db.session.commit()
    return jsonify(claim_json(claim)), 201


@bp.get("/households/<int:household_id>/claims")
@roles_required(*ANY_ROLE)
def household_claims(household_id: int):
    household = db.get_or_404(Household, household_id)
    require_household(household)
    return jsonify(items=[claim_json(c) for c in claims.of_household(household)])


@bp.post("/claims/<int:claim_id>/review")
@roles_required(*claims.REVIEW_ROLES)
def review_claim(claim_id: int):
    claim = db.session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(_("No report has this id."))
    if not claims.can_review(current_user, claim):
        raise NotAllowed(_("Only the household's scorer or a unit admin may review its reports."))
    body = _json_body()
    claims.decide(claim, body.get("approve"), body.get("comment", ""), current_user, body.get("points"))
    db.session.commit()
    return jsonify(claim_json(claim))
