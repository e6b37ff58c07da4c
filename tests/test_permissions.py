"""Every route × every role: who may use it. A route missing from the table fails."""

from dataclasses import fields
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from moral_bank import create_app
from moral_bank.activities import service as activities
from moral_bank.activities.models import Activity
from moral_bank.auth import service as auth
from moral_bank.cards import service as cards
from moral_bank.claims.models import Claim
from moral_bank.core.db import db, utcnow
from moral_bank.core.permissions import ADMINS, ANY_ROLE, STAFF
from moral_bank.core.time import today
from moral_bank.demo import DEED_CATEGORIES
from moral_bank.engagement import doorplate
from moral_bank.engagement import service as announcements
from moral_bank.engagement.models import Announcement
from moral_bank.governance import service as governance
from moral_bank.governance.models import Incident
from moral_bank.honors import service as honors
from moral_bank.honors.models import Honor
from moral_bank.households.models import Household
from moral_bank.scoring import deeds, notices
from moral_bank.scoring import service as scoring
from moral_bank.scoring.models import Notice, NoticeLine, Objection
from moral_bank.shop import service as shop
from moral_bank.shop.models import Item, Redemption, Shop, Wish

from . import factories
from .conftest import Snapshot, wipe

ROLES = ("anonymous", *ANY_ROLE)
PUBLIC = frozenset(ROLES)
LOGIN = frozenset(ANY_ROLE)
AREA = frozenset({"county_admin", "township_admin"})
A, S, ANY = frozenset(ADMINS), frozenset(STAFF), frozenset(ANY_ROLE)

# endpoint → roles allowed on the objects of the resident's own village V1 (household H1).
EXPECTED = {
    "static": PUBLIC,
    "main.index": PUBLIC,
    "main.set_language": PUBLIC,
    "main.healthz": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": LOGIN,
    "auth.change_password": LOGIN,
    "units.index": A,
    "units.detail": A,
    "units.create": AREA,
    "units.edit": A,
    "units.import_file": AREA,
    "units.export": A,
    "households.index": S,
    "households.create": A,
    "households.detail": ANY,
    "households.edit": A,
    "households.add_member": A,
    "households.remove_member": A,
    "households.import_file": A,
    "households.export": A,
    "users.index": A,
    "users.create": A,
    "users.detail": A,
    "users.add_role": A,
    "users.remove_role": A,
    "users.reset_password": A,
    "users.set_active": A,
    "api.create_token": PUBLIC,
    "api.openapi_document": PUBLIC,
    "api.me": LOGIN,
    "api.household_list": S,
    "api.household_detail": ANY,
    "api.household_entries": ANY,
    "api.household_passbook": ANY,
    "passbook.passbook": ANY,
    "api.reissue_card": A,
    "api.resolve_card": A | {"clerk"},
    "cards.scan": PUBLIC,
    "cards.card": ANY,
    "cards.reissue": A,
    "cards.sheet": A,
    "auth.pin_login": PUBLIC,
    "cards.phone_qr": {"resident"},
    "auth.change_pin": LOGIN,
    "households.set_pin": A,
    "households.unlock_pin": A,
    "api.unit_rubric": S,
    "api.unit_settings": A,
    "api.unit_assignments": A,
    "api.create_rating_sheet": A | {"scorer"},
    "api.create_deed": A | {"scorer"},
    "api.review_rating_sheet": A,
    "api.review_deed": A,
    "api.unit_notices": S,
    "api.publish_notice": A,
    "api.notice_detail": S,
    "api.raise_objection": PUBLIC,
    "api.resolve_objection": A,
    "api.post_notice": A,
    "scoring.worklist": A | {"scorer"},
    "scoring.sheet": A | {"scorer"},
    "scoring.notices_page": A,
    "scoring.grid_page": A | {"scorer"},
    "scoring.review_queue": A,
    "scoring.review_sheet": A,
    "scoring.review_deed": A,
    "scoring.approve_all": A,
    "scoring.record_deed": A | {"scorer"},
    "scoring.correct_line": A,
    "scoring.settings_page": A,
    "scoring.assignments_page": A,
    "scoring.rubric_page": A,
    "scoring.photo": ANY,
    "scoring.notice_detail": A,
    "scoring.post_notice": A,
    "scoring.resolve_objection": A,
    "board.board": PUBLIC,
    "board.objection": PUBLIC,
    "board.receipt": PUBLIC,
    "shop.index": A | {"clerk"},
    "shop.create": A,
    "shop.detail": A | {"clerk"},
    "shop.served": A,
    "shop.item": A | {"clerk"},
    "shop.stock": A | {"clerk"},
    "shop.catalog": PUBLIC,
    "shop.item_photo": PUBLIC,
    "shop.checkout": A | {"clerk"},
    "shop.cart": A | {"clerk"},
    "shop.receipt": A | {"clerk"},
    "shop.void": A | {"clerk"},
    "api.create_shop": A,
    "api.shop_items": A | {"clerk"},
    "api.add_shop_item": A | {"clerk"},
    "api.move_item_stock": A | {"clerk"},
    "api.create_redemption": A | {"clerk"},
    "api.redemption_detail": A | {"clerk"},
    "api.void_redemption": A | {"clerk"},
    "shop_reports.shop_report": A | {"clerk"},
    "shop_reports.points_report": A,
    "honors.roll": A,
    "honors.propose": A,
    "honors.approve_all": A,
    "honors.approve": A,
    "honors.remove": A,
    "honors.revoke": A,
    "honors.nominate": A,
    "honors.categories": A,
    "honors.lists_page": A,
    "api.unit_honors": PUBLIC,
    "api.propose_honors": A,
    "api.approve_honor": A,
    "api.create_incident": A,
    "governance.unit_score": A,
    "governance.settings_page": frozenset({"county_admin"}),
    "api.unit_score": PUBLIC,
    "api.area_compliance": PUBLIC,
    "honors_public.public_roll": PUBLIC,
    "honors_public.poster": PUBLIC,
    "honors_public.area_roll": PUBLIC,
    "incidents.index": A,
    "incidents.export": A,
    "incidents.create": A,
    "incidents.detail": A,
    "incidents.import_file": A,
    "dashboards.area_dashboard": AREA,
    "dashboards.unit_ranking": AREA,
    "dashboards.township_ranking": AREA,
    "dashboards.summary": PUBLIC,
    "engagement.announcements": A,
    "engagement.edit_announcement": A,
    "engagement.withdraw_announcement": A,
    "engagement.announcement": PUBLIC,
    "engagement.announcement_image": PUBLIC,
    "engagement.plate": PUBLIC,
    "engagement.door_plate": A,
    "engagement.door_plates": A,
    "api.unit_announcements": PUBLIC,
    "api.post_announcement": A,
    "claims.new": frozenset({"resident"}),
    "claims.household_claims": ANY,
    "claims.withdraw": frozenset({"resident"}),
    "claims.queue": A | {"scorer"},
    "claims.review": A | {"scorer"},
    "claims.photo": ANY,
    "api.create_claim": frozenset({"resident"}),
    "api.household_claims": ANY,
    "api.review_claim": A | {"scorer"},
    "activities.manage": A,
    "activities.attendance_page": A,
    "activities.add_household": A,
    "activities.organizer_check_in": A,
    "activities.qr_page": A,
    "activities.qr_svg_image": A,
    "activities.close": A,
    "activities.detail": ANY,
    "activities.sign_up": frozenset({"resident"}),
    "activities.cancel": frozenset({"resident"}),
    "activities.check_in": frozenset({"resident"}),
    "activities.scan": frozenset({"resident"}),
    "activities.public_list": PUBLIC,
    "api.unit_activities": PUBLIC,
    "api.post_activity": A,
    "api.sign_up_activity": A | {"resident"},
    "api.cancel_my_signup": frozenset({"resident"}),
    "api.check_in_activity": A | {"resident"},
    "api.close_activity": A,
    "wishes.household_wishes": ANY,
    "wishes.ask": frozenset({"resident"}),
    "wishes.withdraw": frozenset({"resident"}),
    "wishes.shop_wishes": A | {"clerk"},
    "wishes.stocked": A | {"clerk"},
    "wishes.declined": A | {"clerk"},
    "api.create_wish": frozenset({"resident"}),
    "api.shop_wishes": A | {"clerk"},
    "api.wishes_stocked": A | {"clerk"},
    "api.wishes_declined": A | {"clerk"},
    "api.household_wishes": ANY,
}

# The same object routes pointed at another township's village: only the county admin reaches it.
OUTSIDE = {
    "units.detail",
    "units.edit",
    "units.export",
    "households.index",
    "households.create",
    "households.detail",
    "households.edit",
    "households.add_member",
    "households.remove_member",
    "households.export",
    "users.detail",
    "users.add_role",
    "users.remove_role",
    "users.reset_password",
    "users.set_active",
    "api.household_detail",
    "api.household_entries",
    "api.household_passbook",
    "passbook.passbook",
    "api.reissue_card",
    "cards.card",
    "cards.reissue",
    "cards.sheet",
    "households.set_pin",
    "households.unlock_pin",
    "api.household_list",
    "api.unit_rubric",
    "scoring.worklist",
    "scoring.sheet",
    "api.unit_settings",
    "api.unit_assignments",
    "api.unit_notices",
    "api.publish_notice",
    "scoring.notices_page",
    "scoring.grid_page",
    "scoring.review_queue",
    "scoring.approve_all",
    "scoring.record_deed",
    "scoring.settings_page",
    "scoring.assignments_page",
    "scoring.rubric_page",
    "shop.detail",
    "shop.served",
    "shop.item",
    "shop.stock",
    "shop.checkout",
    "shop.cart",
    "shop.receipt",
    "shop.void",
    "api.shop_items",
    "api.add_shop_item",
    "api.move_item_stock",
    "api.redemption_detail",
    "api.void_redemption",
    "shop_reports.shop_report",
    "shop_reports.points_report",
    "honors.roll",
    "honors.propose",
    "honors.approve_all",
    "honors.approve",
    "honors.remove",
    "honors.revoke",
    "honors.nominate",
    "honors.categories",
    "honors.lists_page",
    "api.propose_honors",
    "api.approve_honor",
    "governance.unit_score",
    "incidents.index",
    "incidents.export",
    "incidents.create",
    "incidents.detail",
    "dashboards.area_dashboard",
    "dashboards.unit_ranking",
    "dashboards.township_ranking",
    "engagement.announcements",
    "engagement.edit_announcement",
    "engagement.withdraw_announcement",
    "engagement.door_plate",
    "engagement.door_plates",
    "api.post_announcement",
    "claims.new",
    "claims.household_claims",
    "claims.withdraw",
    "claims.queue",
    "claims.review",
    "api.household_claims",
    "api.review_claim",
    "activities.manage",
    "activities.attendance_page",
    "activities.add_household",
    "activities.organizer_check_in",
    "activities.qr_page",
    "activities.qr_svg_image",
    "activities.close",
    "activities.detail",
    "activities.sign_up",
    "activities.cancel",
    "activities.check_in",
    "api.post_activity",
    "api.sign_up_activity",
    "api.cancel_my_signup",
    "api.check_in_activity",
    "api.close_activity",
    "wishes.household_wishes",
    "wishes.ask",
    "wishes.withdraw",
    "wishes.shop_wishes",
    "wishes.stocked",
    "wishes.declined",
    "api.create_wish",
    "api.shop_wishes",
    "api.wishes_stocked",
    "api.wishes_declined",
    "api.household_wishes",
}


def endpoints(app) -> list[tuple[str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method))
    return sorted(out)


def test_every_route_has_a_rule_in_the_table_and_in_code(app):
    routes = {e for e, _m in endpoints(app)}
    assert routes == set(EXPECTED), f"missing: {routes - set(EXPECTED)}, stale: {set(EXPECTED) - routes}"
    for endpoint in routes - {"static"}:
        view = app.view_functions[endpoint]
        assert getattr(view, "permission", None), f"{endpoint} declares no permission rule"


def url_args(world, outside: bool) -> dict:
    h = world.other_h if outside else world.h1
    if outside:
        target = auth.by_username("far_scorer") or factories.user("far_scorer", "scorer", world.other_village)
        db.session.commit()
    else:
        target = world.users["scorer"]
    return {
        "unit_id": h.unit_id,
        "household_id": h.id,
        "member_id": next(m.id for m in h.members if not m.is_head) if len(h.members) > 1 else h.members[0].id,
        "user_id": target.id,
        "assignment_id": target.roles[0].id,
        "fmt": "csv",
        "filename": "css/app.css",
        "code": h.unit.code,
        "sheet_id": 1,
        "deed_id": 1,
        "notice_id": db.session.scalar(select(Notice.id)),
        "objection_id": db.session.scalar(select(Objection.id)),
        "line_id": db.session.scalar(select(NoticeLine.id)),
        "token": notices.receipt_token(db.session.scalar(select(Objection))),
        "incident_id": db.session.scalar(select(Incident.id).where(Incident.unit_id == h.unit_id)),
        "announcement_id": db.session.scalar(select(Announcement.id).where(Announcement.unit_id == h.unit_id)),
        "claim_id": db.session.scalar(select(Claim.id).where(Claim.household_id == h.id)),
        "activity_id": db.session.scalar(select(Activity.id).where(Activity.unit_id == h.unit_id)),
        "wish_id": db.session.scalar(select(Wish.id).where(Wish.household_id == h.id)),
        **_shop_args(h),
    }


def _shop_args(h) -> dict:
    """The shop of the household's village, one of its items and a redemption of the household."""
    redemption = db.session.scalar(select(Redemption).where(Redemption.household_id == h.id))
    item_id = db.session.scalar(select(Item.id).where(Item.shop_id == redemption.shop_id))
    honor_id = db.session.scalar(select(Honor.id).where(Honor.household_id == h.id))
    return {"shop_id": redemption.shop_id, "item_id": item_id, "redemption_id": redemption.id, "honor_id": honor_id}


def _shops(world) -> None:
    """A shop in each village, each with soap and one redemption by one of its households."""
    for village, household, clerk in (
        (world.village, world.h1, world.users["clerk"]),
        (world.other_village, world.other_h, factories.user("far_clerk", "clerk", world.other_village)),
    ):
        s = shop.create_shop(village, "积分超市", [], world.users["county_admin"])
        soap = shop.add_item(s, "肥皂", 5, 10, 2, clerk)
        factories.award(household, 50, f"fund-{household.code}")
        shop.redeem(s, household, [{"item_id": soap.id, "qty": 1}], f"perm-{household.code}-1", clerk)
    # A proposed star for each village's household.
    star = honors.ensure_defaults(world.county)[0]
    for village, household in ((world.village, world.h1), (world.other_village, world.other_h)):
        honors.nominate(village, star, household, honors.last_period("month"), "表现突出", world.users["county_admin"])


def request_as(app, world, role: str, endpoint: str, method: str, outside: bool):
    args = url_args(world, outside)
    rule = next(r for r in app.url_map.iter_rules(endpoint=endpoint))
    if endpoint.startswith("dashboards."):  # an area's pages: the village's township (or the other one)
        args["code"] = (world.other_township if outside else world.township).code
    if endpoint == "governance.settings_page":  # a county's page: the only county
        args["unit_id"] = world.county.id
    with app.test_request_context():
        url = url_for(endpoint, **{k: v for k, v in args.items() if k in rule.arguments})
    if endpoint == "engagement.plate":  # the household's door plate
        args["token"] = doorplate.token_of(
            args["household_id"], cards.current(db.session.get(Household, args["household_id"])).version
        )
        db.session.commit()
    if endpoint == "api.household_list":
        url += "?unit=" + (world.other_village.code if outside else world.village.code)
    client = app.test_client()
    headers = {}
    if role != "anonymous":
        user = world.users[role]
        if endpoint.startswith("api."):
            raw, _token = auth.issue_token(user)
            db.session.commit()
            headers["Authorization"] = f"Bearer {raw}"
        else:
            client.post("/login", data={"username": user.username, "password": factories.PASSWORD})
    return client.open(url, method=method, headers=headers, data={})


def verdict(response, api: bool) -> str:
    if response.status_code == 403:
        return "denied"
    if api and response.status_code == 401:
        return "denied"
    if response.status_code == 302 and "/login" in response.headers.get("Location", "") and not api:
        return "denied"
    return "allowed"


def make_world() -> factories.World:
    """The world of build_world(), built by the first test that needs it and restored from its
    snapshot after that (~10 ms instead of ~130 ms: it is built over a thousand times)."""
    if _built is None:
        world = build_world()
        globals()["_built"] = (Snapshot(), {f.name: _ids(getattr(world, f.name)) for f in fields(world)})
        return world
    snapshot, ids = _built
    snapshot.restore()
    return factories.World(**{name: _objects(value) for name, value in ids.items()})


_built: tuple[Snapshot, dict] | None = None


def _ids(value):
    if isinstance(value, dict):
        return {k: _ids(v) for k, v in value.items()}
    return type(value), value.id


def _objects(value):
    if isinstance(value, dict):
        return {k: _objects(v) for k, v in value.items()}
    return db.session.get(*value)


def build_world() -> factories.World:
    """The standard world, with H1 assigned to the scorer (a scorer rates only assigned households)
    and H1's sheet on the notice board with an objection."""
    world = factories.world()
    scoring.assign(world.village, world.users["scorer"], ["H1"])
    factories.notice_with_objection(world)
    _shops(world)
    for village in (world.village, world.other_village):
        _incident(village)
        _announcement(village)
    _claims(world)
    _activities(world)
    _wishes(world)
    db.session.commit()
    return world


def _announcement(village) -> Announcement:
    """A public announcement of the village (for the announcement pages)."""
    return announcements.post(village, {"title": "通知", "body": "明天上午打扫村道"}, None)


def _claims(world) -> None:
    """A pending self-report of H1 and one of the other township's household."""
    for code, name, kind, limit in DEED_CATEGORIES[:2]:
        deeds.add_category(world.county, code, name, kind, limit)
    category = deeds.categories_for(world.village)[0]
    for h in (world.h1, world.other_h):
        fields = {"happened_on": today(), "text": "帮邻居收玉米", "witness": "", "reported_on": today()}
        db.session.add(Claim(household=h, unit_id=h.unit_id, category=category, **fields))
    db.session.flush()


def _activities(world) -> None:
    """An open volunteer activity in each village, two days ahead (after _claims: it needs a category)."""
    start = utcnow() + timedelta(days=2)
    fields = {"title": "清扫村道", "place": "村委会", "starts_at": start, "ends_at": start + timedelta(hours=2)}
    for village in (world.village, world.other_village):
        activities.post(
            village, {**fields, "capacity": 5, "points": 5, "category": "neighbours"}, world.users["county_admin"]
        )


def _wishes(world) -> None:
    """An open wish of H1 at its village's shop, and one of the other township's household at its own."""
    for h in (world.h1, world.other_h):
        s = db.session.scalar(select(Shop).where(Shop.unit_id == h.unit_id))
        db.session.add(Wish(shop_id=s.id, household_id=h.id, name="酱油", key="酱油", asked_on=today()))
    db.session.flush()


def _incident(village) -> Incident:
    """An open hazard of the village (for the incident pages)."""
    fields = {"kind": "hazard", "occurred_on": "2026-03-03", "summary": "危房一处"}
    return governance.record(village, fields, None)


def fresh_world():
    """make_world() again, whatever the test changed since (a restore empties the database first)."""
    if _built is None:
        db.session.remove()
        wipe()
    return make_world()


# Collected from a throwaway app (no database is touched), so every served method is a case.
ROUTES = endpoints(create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "collect"}))


@pytest.mark.parametrize(("endpoint", "method"), ROUTES, ids=[f"{e}-{m}" for e, m in ROUTES])
def test_route_allows_exactly_the_roles_in_the_table(app, endpoint, method):
    world = make_world()
    for outside in (False, True) if endpoint in OUTSIDE else (False,):
        allowed = EXPECTED[endpoint] if not outside else EXPECTED[endpoint] & {"county_admin"}
        for role in ROLES:
            if method == "POST":
                world = fresh_world()  # a POST may change what the next role sees
            response = request_as(app, world, role, endpoint, method, outside)
            got = verdict(response, endpoint.startswith("api."))
            response.close()
            want = "allowed" if role in allowed else "denied"
            where = "another township" if outside else "own unit"
            assert got == want, f"{method} {endpoint} as {role} ({where}): {response.status_code}, expected {want}"
            assert response.status_code < 500, f"{method} {endpoint} as {role}: {response.status_code}"


def test_a_resident_cannot_reach_another_household_by_changing_an_id(app):
    """Every page and API route that takes a household id (or a member of it), pointed by H1's resident
    at H2 of the same village, is refused."""
    world = make_world()
    resident = world.users["resident"]
    raw, _token = auth.issue_token(resident)
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"username": resident.username, "password": factories.PASSWORD})
    reached, checked = [], 0
    for endpoint, method in ROUTES:
        rule = next(app.url_map.iter_rules(endpoint=endpoint))
        if "household_id" not in rule.arguments:
            continue
        args = {"household_id": world.h2.id, "member_id": world.h2.members[0].id}
        with app.test_request_context():
            url = url_for(endpoint, **{k: v for k, v in args.items() if k in rule.arguments})
        headers = {"Authorization": f"Bearer {raw}"} if endpoint.startswith("api.") else {}
        response = client.open(url, method=method, headers=headers, data={})
        checked += 1
        if response.status_code not in (401, 403, 404):
            reached.append((method, url, response.status_code))
    assert checked >= 12 and not reached, (checked, reached)
