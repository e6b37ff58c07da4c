"""The wish list's endpoints: a resident asks a shop for an item, the shop lists the requests by item
and stocks or declines one (on the API blueprint; imported by views.py so they are registered with it)."""

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from ..core.db import db
from ..core.errors import NotAllowed, NotFound
from ..core.permissions import ANY_ROLE, require_household, roles_required
from ..households.models import Household
from ..shop import service as shop
from ..shop import wishes
from ..shop.models import Shop, Wish
from .views import _json_body, _shop, bp


def wish_json(w: Wish) -> dict:
    return {
        "id": w.id,
        "shop_id": w.shop_id,
        "household_id": w.household_id,
        "name": w.name,
        "key": w.key,
        "note": w.note,
        "status": w.status,
        "reason": w.reason,
        "item_id": w.item_id,
        "created_at": w.created_at.isoformat(),
        "closed_at": w.closed_at.isoformat() if w.closed_at else None,
        "seen": w.seen_at is not None,
    }


def _group_json(g: wishes.Group) -> dict:
    return {
        "key": g.key,
        "name": g.name,
        "households": g.count,
        "first_asked_at": g.first_at.isoformat(),
        "last_asked_at": g.last_at.isoformat(),
        "notes": g.notes,
        "item_id": g.item.id if g.item else None,
    }


@bp.post("/shops/<int:shop_id>/wishes")
@roles_required("resident")
def create_wish(shop_id: int):
    """The caller's household asks the shop for an item it does not sell."""
    household = wishes.household_of(current_user)
    if household is None:
        raise NotAllowed(_("Only a resident of this household may add to its wish list."))
    found = db.session.get(Shop, shop_id)
    if found is None:
        raise NotFound(_("No shop has this id."), field="shop_id")
    wishes.require_serves(found, household)
    body = _json_body()
    wish = wishes.ask(found, household, body.get("name"), body.get("note", ""), current_user)
    db.session.commit()
    return jsonify(wish_json(wish)), 201


@bp.get("/shops/<int:shop_id>/wishes")
@roles_required(*shop.CLERKS)
def shop_wishes(shop_id: int):
    """The shop's open requests by item, the most recently asked for first."""
    found = _shop(shop_id)
    return jsonify(shop_id=found.id, items=[_group_json(g) for g in wishes.open_groups(found)])


@bp.post("/shops/<int:shop_id>/wishes/stocked")
@roles_required(*shop.CLERKS)
def wishes_stocked(shop_id: int):
    found = _shop(shop_id)
    body = _json_body()
    told = wishes.stocked(found, body.get("key") or body.get("name"), current_user, body.get("item_id"))
    db.session.commit()
    return jsonify(shop_id=found.id, status="stocked", households=told)


@bp.post("/shops/<int:shop_id>/wishes/declined")
@roles_required(*shop.CLERKS)
def wishes_declined(shop_id: int):
    found = _shop(shop_id)
    body = _json_body()
    told = wishes.declined(found, body.get("key") or body.get("name"), body.get("reason"), current_user)
    db.session.commit()
    return jsonify(shop_id=found.id, status="declined", households=told)


@bp.get("/households/<int:household_id>/wishes")
@roles_required(*ANY_ROLE)
def household_wishes(household_id: int):
    """A household's requests and the shops' answers (reading them here does not mark them seen)."""
    household = db.get_or_404(Household, household_id)
    require_household(household)
    return jsonify(items=[wish_json(w) for w in wishes.of_household(household)])
