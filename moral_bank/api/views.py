"""JSON endpoints. Errors are JSON with a message and field errors, never HTML."""

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import service as auth
from ..cards import service as cards
from ..core import permissions
from ..core.db import db, is_id, late_write_lock, single_statement_writes
from ..core.errors import DomainError, NotFound, field_messages, json_error
from ..core.extensions import limiter
from ..core.permissions import (
    ADMINS,
    ANY_ROLE,
    STAFF,
    login_required,
    public,
    require_household,
    require_unit,
    roles_required,
)
from ..core.time import month_of
from ..core.views import paginate
from ..honors import service as honors
from ..honors.models import Honor
from ..households import service as households
from ..households.models import Household
from ..ledger import service as ledger
from ..passbook import service as passbook
from ..scoring import deeds, notices, review, sheets
from ..scoring import service as scoring
from ..scoring.models import Deed, Notice, Objection, RatingSheet
from ..scoring.service import MONTH_RE
from ..shop import service as shop
from ..shop.models import Item, Redemption, Shop
from ..units import service as units
from . import openapi

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _page_body(page, items: list) -> dict:
    return {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages}


def _household_json(h: Household, balance: int) -> dict:
    return {
        "id": h.id,
        "code": h.code,
        "unit": {"code": h.unit.code, "name": h.unit.name},
        "head_name": h.head_name,
        "balance": balance,
    }


@bp.post("/tokens")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@public
def create_token():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, _("Send a JSON object with username and password."))
    fields = {
        f: [_("This field is required.")]
        for f in ("username", "password")
        if not isinstance(body.get(f), str) or not body.get(f)
    }
    if fields:
        return json_error(400, _("Some fields are missing or wrong."), fields)
    user = auth.authenticate(body["username"], body["password"])
    if user is None:
        db.session.commit()
        return json_error(401, _("The user name or password is not correct."))
    raw, token = auth.issue_token(user)
    db.session.commit()
    return jsonify(token=raw, token_type="Bearer", expires_at=token.expires_at.isoformat()), 201


@bp.get("/me")
@login_required
def me():
    u = current_user
    return jsonify(
        id=u.id,
        username=u.username,
        name=u.name,
        roles=[{"role": a.role, "unit": {"code": a.unit.code, "name": a.unit.name}} for a in u.roles],
        household_id=u.member.household_id if u.member else None,
    )


@bp.get("/households")
@roles_required(*STAFF)
def household_list():
    code = (request.args.get("unit") or "").strip()
    if not code:
        return json_error(400, _("Some fields are missing or wrong."), {"unit": [_("This field is required.")]})
    unit = _unit(code, *STAFF)
    page = paginate(households.list_query(unit))
    return jsonify(_page_body(page, [_household_json(h, h.account.balance) for h in page.items]))


@bp.get("/households/<int:household_id>")
@roles_required(*ANY_ROLE)
def household_detail(household_id: int):
    h = db.get_or_404(Household, household_id)
    require_household(h)
    return jsonify(_household_json(h, ledger.household_account(h.id).balance))


@bp.get("/households/<int:household_id>/entries")
@roles_required(*ANY_ROLE)
def household_entries(household_id: int):
    h = db.get_or_404(Household, household_id)
    require_household(h)
    page = paginate(ledger.entries_for(ledger.household_account(h.id).id))
    items = [
        {
            "id": e.id,
            "transfer_id": e.transfer_id,
            "amount": e.amount,
            "kind": e.transfer.kind,
            "memo": e.transfer.memo,
            "created_at": e.created_at.isoformat(),
        }
        for e in page.items
    ]
    return jsonify(_page_body(page, items))


@bp.get("/openapi.json")
@public
def openapi_document():
    return jsonify(openapi.document())


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    return json_error(exc.status, exc.message, field_messages(exc))


# --- scoring setup ---------------------------------------------------------------


def _any_unit(code: str):
    """The unit with this code, for anyone (a 404 when there is none)."""
    unit = units.by_code(code)
    if unit is None:
        raise NotFound(_("No unit has the code %(code)s.", code=code), field="unit")
    return unit


def _unit(code: str, *roles: str):
    unit = _any_unit(code)
    require_unit(unit, *roles)
    return unit


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError(_("Send a JSON object."))
    return body


@bp.get("/units/<code>/rubric")
@roles_required(*STAFF)
def unit_rubric(code: str):
    unit = _unit(code, *STAFF)
    rubric = scoring.require_rubric(unit)
    return jsonify(
        unit=unit.code,
        rubric={
            "id": rubric.id,
            "owner": rubric.unit.code,
            "version": rubric.version,
            "monthly_maximum": rubric.monthly_maximum,
            "items": [
                {"code": i.code, "category": i.category, "name": i.name, "max_points": i.max_points}
                for i in rubric.items
            ],
        },
    )


@bp.patch("/units/<code>/settings")
@roles_required(*ADMINS)
def unit_settings(code: str):
    unit = _unit(code, *ADMINS)
    settings = scoring.update_settings(unit, _json_body(), current_user)
    db.session.commit()
    return jsonify(
        unit=unit.code,
        notice_days=settings.notice_days,
        name_privacy=settings.name_privacy,
        pin_threshold=settings.pin_threshold,
        black_list_public=settings.black_list_public,
        black_list_threshold=settings.black_list_threshold,
        claims_two_step=settings.claims_two_step,
        claims_per_day=settings.claims_per_day,
    )


@bp.put("/units/<code>/assignments")
@roles_required(*ADMINS)
def unit_assignments(code: str):
    unit = _unit(code, *ADMINS)
    body = _json_body()
    scorer = auth.by_username(body.get("scorer") if isinstance(body.get("scorer"), str) else "")
    if scorer is None:
        raise DomainError(_("No login has this user name."), field="scorer")
    count = scoring.assign(unit, scorer, body.get("households"), current_user)
    db.session.commit()
    return jsonify(unit=unit.code, scorer=scorer.username, households=count)


def _household_in(body: dict) -> Household:
    household_id = body.get("household_id")
    household = db.session.get(Household, household_id) if is_id(household_id) else None
    if household is None:
        raise DomainError(_("No household has this id."), field="household_id")
    return household


@bp.post("/rating-sheets")
@roles_required(*sheets.SCORERS)
def create_rating_sheet():
    body = _json_body()
    household = _household_in(body)
    sheet, created = sheets.save_sheet(
        household,
        body.get("month"),
        body.get("scores"),
        body.get("note", ""),
        current_user,
        submit=body.get("submit") is True,
    )
    db.session.commit()
    return jsonify(
        id=sheet.id,
        household_id=household.id,
        month=sheet.month,
        total=sheet.total,
        status=sheet.status,
        rubric_version=sheet.scoring_month.rubric.version,
    ), 201 if created else 200


@bp.post("/deeds")
@roles_required(*sheets.SCORERS)
def create_deed():
    """Record a deed; an Idempotency-Key header makes a retry return the first deed."""
    body = _json_body()
    household = _household_in(body)
    deed, _created = deeds.record_deed(
        household,
        body.get("category"),
        body.get("points"),
        body.get("reason"),
        body.get("date"),
        body.get("member_id"),
        current_user,
        request.headers.get("Idempotency-Key"),
    )
    db.session.commit()
    return jsonify(
        id=deed.id,
        household_id=household.id,
        category=deed.category.code,
        kind=deed.category.kind,
        points=deed.signed_points,
        status=deed.status,
        date=deed.happened_on.isoformat(),
    ), 201


def _review(model, entry_id: int):
    entry = db.get_or_404(model, entry_id)
    body = _json_body()
    review.review(entry, body.get("approve"), body.get("comment", ""), current_user)
    db.session.commit()
    return jsonify(id=entry.id, status=entry.status, review_comment=entry.review_comment)


@bp.post("/rating-sheets/<int:sheet_id>/review")
@roles_required(*ADMINS)
def review_rating_sheet(sheet_id: int):
    return _review(RatingSheet, sheet_id)


@bp.post("/deeds/<int:deed_id>/review")
@roles_required(*ADMINS)
def review_deed(deed_id: int):
    return _review(Deed, deed_id)


# --- the notice board ----------------------------------------------------------------


def _notice_json(notice: Notice, with_lines: bool = False) -> dict:
    body = {
        "id": notice.id,
        "unit": notice.unit.code,
        "month": notice.month,
        "status": notice.status,
        "published_at": notice.published_at.isoformat(),
        "ends_at": notice.ends_at.isoformat(),
        "posted_at": notice.posted_at.isoformat() if notice.posted_at else None,
        "lines": notices.totals(notice),
        "open_objections": len(notices.open_objections(notice)),
    }
    if with_lines:
        body["items"] = [
            {
                "id": line.id,
                "household_id": line.household_id,
                "household": line.household.head_name,
                "source": "rating_sheet" if line.sheet_id is not None else "deed",
                "source_id": line.sheet_id or line.deed_id,
                "points": line.points,
                "status": line.status,
                "posted_points": line.posted_points,
            }
            for line in notice.lines
        ]
    return body


def _objection_json(o: Objection) -> dict:
    return {
        "id": o.id,
        "notice_id": o.notice_id,
        "line_id": o.line_id,
        "status": o.status,
        "resolution": o.resolution,
        "created_at": o.created_at.isoformat(),
    }


@bp.get("/units/<code>/notices")
@roles_required(*STAFF)
def unit_notices(code: str):
    unit = _unit(code, *STAFF)
    return jsonify(unit=unit.code, items=[_notice_json(n) for n in notices.notices_of(unit)])


@bp.post("/units/<code>/notices")
@roles_required(*ADMINS)
def publish_notice(code: str):
    unit = _unit(code, *ADMINS)
    notice = notices.publish(unit, _json_body().get("month"), current_user)
    db.session.commit()
    return jsonify(_notice_json(notice, with_lines=True)), 201


@bp.get("/notices/<int:notice_id>")
@roles_required(*STAFF)
def notice_detail(notice_id: int):
    notice = db.get_or_404(Notice, notice_id)
    require_unit(notice.unit, *STAFF)
    return jsonify(_notice_json(notice, with_lines=True))


@bp.post("/notices/<int:notice_id>/objections")
@limiter.limit(lambda: current_app.config["OBJECTION_RATE_LIMIT"])
@public
def raise_objection(notice_id: int):
    """Anyone may object while the notice runs; a bearer token, if sent, records who."""
    notice = db.get_or_404(Notice, notice_id)
    body = _json_body()
    objection = notices.object_to(
        notice, body.get("line_id"), body.get("name"), body.get("phone"), body.get("reason"), current_user
    )
    db.session.commit()
    return jsonify(_objection_json(objection)), 201


@bp.post("/objections/<int:objection_id>/resolve")
@roles_required(*ADMINS)
def resolve_objection(objection_id: int):
    objection = db.get_or_404(Objection, objection_id)
    body = _json_body()
    notices.resolve(objection, body.get("upheld"), body.get("resolution", ""), current_user)
    db.session.commit()
    return jsonify(_objection_json(objection))


@bp.post("/notices/<int:notice_id>/post")
@roles_required(*ADMINS)
def post_notice(notice_id: int):
    notice = db.get_or_404(Notice, notice_id)
    count = notices.post(notice, current_user)
    db.session.commit()
    return jsonify(_notice_json(notice) | {"posted_now": count})


# --- the passbook --------------------------------------------------------------------------


@bp.get("/households/<int:household_id>/passbook")
@roles_required(*ANY_ROLE)
def household_passbook(household_id: int):
    """One month of a household's passbook (this month unless ?month=YYYY-MM)."""
    h = db.get_or_404(Household, household_id)
    require_household(h)
    month = request.args.get("month") or month_of()
    if not MONTH_RE.match(month):
        raise DomainError(_("The month must look like 2026-10."), field="month")
    lines = passbook.month_of_entries(h, month)
    return jsonify(
        household={"id": h.id, "code": h.code, "head_name": h.head_name, "unit": h.unit.code},
        balance=ledger.household_account(h.id).balance,
        month=month,
        earned=lines.earned,
        spent=lines.spent,
        entries=[
            {
                "date": line.day.isoformat(),
                "kind": line.kind,
                "label": line.label,
                "points": line.points,
                "detail": line.detail,
                "breakdown": [{"category": label, "points": n} for label, n in line.breakdown],
            }
            for line in lines.lines
        ],
    )


# --- member cards ----------------------------------------------------------------------------


def _card_json(household: Household, card) -> dict:
    return {
        "household_id": household.id,
        "version": card.version,
        "short_code": card.short_code,
        "token": cards.token_of(card),
        "url": cards.scan_url(card),
        "issued_at": card.issued_at.isoformat(),
    }


@bp.post("/households/<int:household_id>/cards")
@roles_required(*ADMINS)
def reissue_card(household_id: int):
    """Issue a new card version; every older card of the household stops working at once."""
    h = db.get_or_404(Household, household_id)
    require_household(h, ADMINS)
    card = cards.reissue(h, current_user)
    db.session.commit()
    return jsonify(_card_json(h, card)), 201


@bp.get("/cards/resolve")
@roles_required(*ADMINS, "clerk")
def resolve_card():
    """A scanned token or typed short code → the household (for shop clients)."""
    found = cards.resolve(request.args.get("code", ""))
    h = found.household
    require_household(h, (*ADMINS, "clerk"))
    return jsonify(
        household=_household_json(h, ledger.household_account(h.id).balance),
        card=(
            {"kind": "card", "version": found.card.version, "short_code": found.card.short_code}
            if found.card is not None
            else {"kind": "phone"}  # the checkout consumes it: it works once
        ),
    )


# --- the points shop -------------------------------------------------------------------------


def _shop(shop_id: int) -> Shop:
    found = db.session.get(Shop, shop_id)
    if found is None:
        raise NotFound(_("No shop has this id."), field="shop_id")
    shop.require_clerk(found, current_user)
    return found


def _shop_json(s: Shop) -> dict:
    return {
        "id": s.id,
        "unit": s.unit.code,
        "name": s.name,
        "served": [u.code for u in s.served],
        "active": s.active,
        "balance": s.account.balance,
    }


def _item_json(i: Item) -> dict:
    return {
        "id": i.id,
        "name": i.name,
        "price": i.price,
        "stock": i.stock,
        "low_stock": i.low_stock,
        "is_low": i.is_low,
        "active": i.active,
    }


def _redemption_json(r: Redemption) -> dict:
    return {
        "id": r.id,
        "receipt_no": r.receipt_no,
        "shop_id": r.shop_id,
        "household_id": r.household_id,
        "total": r.total,
        "balance_after": r.balance_after,
        "lines": [
            {"item_id": line.item_id, "name": line.name, "qty": line.qty, "price": line.price} for line in r.lines
        ],
        "created_at": r.created_at.isoformat(),
        "voided": r.voided_at is not None,
        "void_reason": r.void_reason or None,
    }


@bp.post("/shops")
@roles_required(*ADMINS)
def create_shop():
    """Open a shop for a unit; `served` lists further unit codes it serves (a township shop)."""
    body = _json_body()
    unit = _unit(body.get("unit") if isinstance(body.get("unit"), str) else "", *ADMINS)
    created = shop.create_shop(unit, body.get("name"), body.get("served", []), current_user)
    db.session.commit()
    return jsonify(_shop_json(created)), 201


@bp.get("/shops/<int:shop_id>/items")
@roles_required(*shop.CLERKS)
def shop_items(shop_id: int):
    return jsonify(items=[_item_json(i) for i in shop.items_of(_shop(shop_id))])


@bp.post("/shops/<int:shop_id>/items")
@roles_required(*shop.CLERKS)
def add_shop_item(shop_id: int):
    found = _shop(shop_id)
    body = _json_body()
    item = shop.add_item(
        found,
        body.get("name"),
        body.get("price"),
        body.get("stock", 0),
        body.get("low_stock", 5),
        current_user,
    )
    db.session.commit()
    return jsonify(_item_json(item)), 201


@bp.post("/shops/<int:shop_id>/items/<int:item_id>/stock")
@roles_required(*shop.CLERKS)
def move_item_stock(shop_id: int, item_id: int):
    """A restock (qty more) or a stock-take (qty counted on the shelf, with a reason)."""
    found = _shop(shop_id)
    item = db.session.get(Item, item_id)
    if item is None or item.shop_id != found.id:
        raise NotFound(_("This shop has no item with the id %(id)s.", id=item_id))
    body = _json_body()
    movement = shop.move_stock(item, body.get("kind"), body.get("qty"), body.get("reason", ""), current_user)
    db.session.commit()
    return jsonify(
        item=_item_json(item),
        movement=None
        if movement is None
        else {"id": movement.id, "kind": movement.kind, "delta": movement.delta, "stock_after": movement.stock_after},
    ), 200 if movement is None else 201


@bp.post("/redemptions")
@late_write_lock
@single_statement_writes
@roles_required(*shop.CLERKS)
def create_redemption():
    """A checkout, once per Idempotency-Key: a replay returns the first result (found when the key is
    claimed, or here when the card is refused: a phone QR works once, a card may be replaced since)."""
    body = _json_body()
    shop_id = body.get("shop_id")
    # Light rows, not ORM objects, for the shop and the card: this is the checkout's hot path.
    lines = body.get("lines")
    item_ids = [line.get("item_id") for line in lines if isinstance(line, dict)] if isinstance(lines, list) else []
    item_ids = [i for i in item_ids if is_id(i)][:100]
    code = body.get("card") if isinstance(body.get("card"), str) else ""
    card = cards.lookup(code)
    found_shop, card_row = shop.shop_ref(shop_id, item_ids, card) if is_id(shop_id) else (None, None)
    if found_shop is None:
        raise NotFound(_("No shop has this id."), field="shop_id")
    shop.require_clerk(found_shop, current_user)
    key = request.headers.get("Idempotency-Key", "")
    try:
        found = cards.ref_from_row(card, card_row)
    except DomainError:
        earlier = shop.replay(found_shop, key, body.get("lines"))
        if earlier is not None:
            return jsonify(_redemption_json(earlier)), 200
        raise
    try:
        redemption, created = shop.redeem(
            found_shop,
            found.household,
            body.get("lines"),
            key,
            current_user,
            pin=body.get("pin"),
            via=shop.via_of(code, found),
            card_id=found.card.id if found.card else None,
            phone=found if found.phone_nonce else None,
            fresh=True,
        )
    except shop.WrongPin:
        db.session.commit()  # the failed try counts towards the lock-out
        raise
    body = _redemption_json(redemption)  # before the commit, which would expire it
    db.session.commit()
    return jsonify(body), 201 if created else 200


@bp.get("/redemptions/<int:redemption_id>")
@roles_required(*shop.CLERKS)
def redemption_detail(redemption_id: int):
    r = db.get_or_404(Redemption, redemption_id)
    _shop(r.shop_id)
    return jsonify(_redemption_json(r))


@bp.post("/redemptions/<int:redemption_id>/void")
@roles_required(*shop.CLERKS)
def void_redemption(redemption_id: int):
    r = db.get_or_404(Redemption, redemption_id)
    _shop(r.shop_id)
    shop.void(r, _json_body().get("reason"), current_user)
    db.session.commit()
    return jsonify(_redemption_json(r))


# --- honor rolls -----------------------------------------------------------------------------


def _honor_json(h: Honor, public_view: bool = False) -> dict:
    body = {
        "id": h.id,
        "category": {"code": h.category.code, "name": h.category.label},
        "period": h.period,
        "household": {"code": h.household.code, "name": notices.shown_name(h.unit, h.household.head_name)},
        "how": h.how,
        "reason": h.reason,
        "points": h.points,
        "bonus": h.category.bonus,
    }
    if public_view:
        del body["household"]["code"]  # the public sees the (masked) name only
    else:
        body["household"]["id"] = h.household_id
        body["status"] = h.status
        body["rank"] = h.rank
    return body


@bp.get("/units/<code>/honors")
@public
def unit_honors(code: str):
    """The unit's honor roll of a period (its approved stars); the unit's admins also see the proposals."""
    unit = _any_unit(code)
    period = honors.parse_period(request.args.get("period") or honors.last_period("month")).text
    admin = permissions.has_role(current_user, ADMINS, unit)
    listed = honors.roll(unit, period, statuses=("proposed", "approved") if admin else ("approved",))
    return jsonify(unit=unit.code, period=period, items=[_honor_json(h, public_view=not admin) for h in listed])


@bp.post("/units/<code>/honors/propose")
@roles_required(*ADMINS)
def propose_honors(code: str):
    unit = _unit(code, *ADMINS)
    made = honors.propose(unit, _json_body().get("period"), current_user)
    db.session.commit()
    return jsonify(unit=unit.code, items=[_honor_json(h) for h in made]), 201


@bp.post("/honors/<int:honor_id>/approve")
@roles_required(*ADMINS)
def approve_honor(honor_id: int):
    honor = db.session.get(Honor, honor_id)
    if honor is None:
        raise NotFound(_("No star has this id."))
    require_unit(honor.unit, *ADMINS)
    honors.approve(honor, current_user)
    db.session.commit()
    return jsonify(_honor_json(honor))


from . import activities, announcements, claims, governance, wishes  # noqa: E402, F401  (their routes join this blueprint)
