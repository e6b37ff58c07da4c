"""The API's announcements: a unit's live ones (as its page shows them to the caller) and posting one
(on the API blueprint; imported by views.py so they are registered with it)."""

from flask import jsonify, url_for
from flask_login import current_user

from ..core.db import db
from ..core.permissions import ADMINS, public, roles_required
from ..engagement import service as announcements
from ..engagement.models import Announcement
from .views import _any_unit, _json_body, _unit, bp


def announcement_json(a: Announcement, unread: bool | None = None) -> dict:
    body = {
        "id": a.id,
        "unit": {"code": a.unit.code, "name": a.unit.name},
        "title": a.title,
        "body": a.body,
        "audience": a.audience,
        "pinned": a.pinned,
        "expires_on": a.expires_on.isoformat() if a.expires_on else None,
        "created_at": a.created_at.isoformat(),
        "image_url": url_for("engagement.announcement_image", announcement_id=a.id, _external=True)
        if a.photo_id
        else None,
        "url": url_for("engagement.announcement", announcement_id=a.id, _external=True),
    }
    if unread is not None:
        body["unread"] = unread
    return body


@bp.get("/units/<code>/announcements")
@public
def unit_announcements(code: str):
    """The live announcements of a unit and of the areas above it, pinned first, newest first; the
    residents-only ones (and unread marks) for a caller with a login there."""
    unit = _any_unit(code)
    signed_in = current_user.is_authenticated
    listed = announcements.for_unit(unit, current_user if signed_in else None)
    items = [announcement_json(x.announcement, x.unread if signed_in else None) for x in listed]
    return jsonify(unit=unit.code, items=items)


@bp.post("/units/<code>/announcements")
@roles_required(*ADMINS)
def post_announcement(code: str):
    """Post an announcement on a unit (its admins, and the township's and county's)."""
    unit = _unit(code, *ADMINS)
    made = announcements.post(unit, _json_body(), current_user)
    body = announcement_json(made)
    db.session.commit()
    return jsonify(body), 201
