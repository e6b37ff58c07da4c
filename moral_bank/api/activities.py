"""Volunteer activity endpoints (on the API blueprint; imported by views.py so they are registered with it)."""

from flask import jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..activities import attendance, service
from ..activities.models import Activity, Signup
from ..core.db import db, is_id
from ..core.errors import DomainError, NotAllowed, NotFound
from ..core.permissions import ADMINS, public, roles_required
from ..households.models import Household
from .views import _any_unit, _json_body, _unit, bp


def _when(moment) -> str | None:
    return moment.isoformat() if moment else None


def activity_json(a: Activity, mine: Signup | None = None, resident: bool = False) -> dict:
    body = {
        "id": a.id,
        "unit": {"code": a.unit.code, "name": a.unit.name},
        "title": a.title,
        "description": a.description,
        "place": a.place,
        "starts_at": _when(a.starts_at),
        "ends_at": _when(a.ends_at),
        "signup_deadline": _when(a.signup_deadline),
        "capacity": a.capacity,
        "signed_up": a.signed_up,
        "places_left": a.places_left,
        "points": a.points,
        "category": {"code": a.category.code, "name": a.category.name},
        "status": a.status,
        "served": [u.code for u in a.served],
        "url": url_for("activities.detail", activity_id=a.id, _external=True),
    }
    if resident:
        body["my_signup"] = signup_json(mine) if mine else None
    return body


def signup_json(s: Signup) -> dict:
    return {
        "activity_id": s.activity_id,
        "household_id": s.household_id,
        "member_name": s.member_name,
        "status": s.status,
        "walk_in": s.walk_in,
        "checked_in_at": _when(s.checked_in_at),
        "deed_id": s.deed_id,
    }


def _activity(activity_id: int, manage: bool = False) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise NotFound(_("No activity has this id."))
    allowed = service.may_manage(current_user, activity) if manage else service.may_see(current_user, activity)
    if not allowed:
        raise NotAllowed(_("You are not allowed to do this."))
    return activity


def _optional_body() -> dict:
    """The JSON object sent, or {} when nothing was sent (these bodies have only optional fields)."""
    if not request.get_data(cache=True):
        return {}
    return _json_body()


def _household_id(body: dict):
    value = body.get("household_id")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(_("household_id is a number."), field="household_id")
    household = db.session.get(Household, value) if is_id(value) else None
    if household is None:
        raise NotFound(_("No household has this id."), field="household_id")
    return household


@bp.get("/units/<code>/activities")
@public
def unit_activities(code: str):
    """The open activities a unit's residents may join, soonest first; a resident's own sign-ups marked."""
    unit = _any_unit(code)
    listed = service.open_for(unit, 50)
    household = service.household_of(current_user) if current_user.is_authenticated else None
    mine = service.signup_statuses(listed, household)
    items = [activity_json(a, mine.get(a.id), household is not None) for a in listed]
    return jsonify(unit=unit.code, items=items)


@bp.post("/units/<code>/activities")
@roles_required(*ADMINS)
def post_activity(code: str):
    unit = _unit(code, *ADMINS)
    made = service.post(unit, _json_body(), current_user)
    body = activity_json(made)
    db.session.commit()
    return jsonify(body), 201


@bp.post("/activities/<int:activity_id>/signups")
@roles_required("resident", *ADMINS)
def sign_up_activity(activity_id: int):
    """A resident signs up their household; the organizer passes household_id."""
    activity = _activity(activity_id)
    body = _optional_body()
    household = _household_id(body)
    if household is None:
        household = service.household_of(current_user)
        if household is None:
            raise DomainError(_("Say which household: household_id."), field="household_id")
    signup, created = service.sign_up(activity, household, current_user, body.get("member_name", ""))
    answer = {"signup": signup_json(signup), "activity": activity_json(activity)}
    db.session.commit()
    return jsonify(answer), 201 if created else 200


@bp.delete("/activities/<int:activity_id>/signups/me")
@roles_required("resident")
def cancel_my_signup(activity_id: int):
    activity = _activity(activity_id)
    household = service.household_of(current_user)
    if household is None:
        raise NotAllowed(_("A resident may sign up only their own household."))
    service.cancel(activity, household, current_user)
    body = activity_json(activity, None, True)
    db.session.commit()
    return jsonify(body)


@bp.post("/activities/<int:activity_id>/checkins")
@roles_required("resident", *ADMINS)
def check_in_activity(activity_id: int):
    """A resident sends the token of the organizer's QR; the organizer sends a card code or household_id."""
    activity = _activity(activity_id)
    body = _json_body()
    if "token" in body:
        signup, now = attendance.check_in_by_token(activity, body.get("token"), current_user)
    else:
        if not service.may_manage(current_user, activity):
            raise DomainError(_("Scan the check-in code on the organizer's phone."), field="token")
        household = _household_id(body)
        if household is not None:
            signup, now = attendance.check_in(activity, household, current_user, "list")
        else:
            household = attendance.household_by_text(activity, body.get("card"))
            signup, now = attendance.check_in(activity, household, current_user, "card")
    answer = signup_json(signup)
    db.session.commit()
    return jsonify(answer), 201 if now else 200


@bp.post("/activities/<int:activity_id>/close")
@roles_required(*ADMINS)
def close_activity(activity_id: int):
    """Confirm attendance: a deed for each household that came (default: those checked in); idempotent."""
    activity = _activity(activity_id, manage=True)
    closed = attendance.close(activity, current_user, _optional_body().get("attended"))
    answer = {
        "activity": activity_json(activity),
        "attended": [s.household_id for s in closed.attended],
        "no_show": [s.household_id for s in closed.no_show],
        "deeds_created": closed.deeds_created,
    }
    db.session.commit()
    return jsonify(answer)
