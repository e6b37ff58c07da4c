"""Bad input never gets a 500: every route, fed random form fields and query strings."""

import string

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from moral_bank import create_app
from moral_bank.activities.models import Activity
from moral_bank.auth import service as auth
from moral_bank.cards import service as cards
from moral_bank.claims.models import Claim
from moral_bank.core.db import db
from moral_bank.engagement import doorplate
from moral_bank.scoring import notices
from moral_bank.shop import service as shop
from moral_bank.shop.models import Wish

from . import factories
from .test_permissions import _activities, _announcement, _claims, _incident, _shop_args, _shops, _wishes, endpoints

# Field names the app's forms and API read, plus a few it never heard of.
FIELDS = [
    "code",
    "name",
    "kind",
    "parent_code",
    "head_name",
    "members",
    "address",
    "grid_cell",
    "phone",
    "username",
    "password",
    "display_name",
    "role",
    "unit_code",
    "household_code",
    "current_password",
    "new_password",
    "confirm",
    "next",
    "locale",
    "token",
    "page",
    "per_page",
    "q",
    "unit",
    "price",
    "stock",
    "low_stock",
    "qty",
    "qty_1",
    "reason",
    "pin",
    "served",
    "card",
    "shop_id",
    "lines",
    "active",
    "month",
    "format",
    "layout",
    "period",
    "category",
    "household",
    "rule",
    "per_unit",
    "bonus",
    "min_points",
    "rubric_categories",
    "deed_categories",
    "name_en",
    "size",
    "unit",
    "subkind",
    "occurred_on",
    "summary",
    "escalated",
    "status",
    "resolved_on",
    "resolution",
    "month",
    "year",
    "black_list_public",
    "black_list_threshold",
    "from_month",
    "to_month",
    "months",
    "weight_zeros",
    "weight_honors",
    "green",
    "orange",
    "households_per_star",
    "target_villages",
    "warn_blue",
    "warn_orange",
    "title",
    "body",
    "audience",
    "pinned",
    "expires_on",
    "image",
    "remove_image",
    "text",
    "witness",
    "happened_on",
    "member_id",
    "decision",
    "comment",
    "points",
    "approve",
    "date",
    "household_id",
    "photos",
    "claims_per_day",
    "claims_two_step",
    "description",
    "place",
    "starts_at",
    "ends_at",
    "signup_deadline",
    "capacity",
    "member_name",
    "attended",
    "t",
    "note",
    "key",
    "item_id",
    "zzz",
]
TEXT = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=string.digits + "-+. ", max_size=25),
    st.sampled_from(
        [
            "",
            " ",
            "-1",
            "0",
            "9" * 30,
            "V1",
            "H1",
            "village",
            "county",
            "resident",
            "//evil",
            "\x00",
            "zh_Hant",
            "'; DROP TABLE unit; --",
            "<script>",
            "１２３",
            "王*保",
        ]
    ),
)
FORM = st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=8)
ROUTES = [
    (e, m)
    for e, m in endpoints(create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}))
    if e != "static"
]


def url(app, world, endpoint: str) -> str:
    notice, objection = factories.notice_with_objection(world)
    values = {
        "unit_id": world.village.id,
        "household_id": world.h1.id,
        "member_id": world.h1.members[1].id,
        "user_id": world.users["scorer"].id,
        "assignment_id": world.users["scorer"].roles[0].id,
        "fmt": "csv",
        "code": world.village.code,
        "sheet_id": 1,
        "deed_id": 1,
        "notice_id": notice.id,
        "objection_id": objection.id,
        "line_id": objection.line_id,
        "token": notices.receipt_token(objection),
    }
    if endpoint.startswith("dashboards."):  # an area's pages take a township's code
        values["code"] = world.township.code
    if endpoint == "governance.settings_page":  # a county's page
        values["unit_id"] = world.county.id
    _shops(world)
    values.update(_shop_args(world.h1))
    values["incident_id"] = _incident(world.village).id
    values["announcement_id"] = _announcement(world.village).id
    if endpoint == "engagement.plate":
        with app.test_request_context():
            values["token"] = doorplate.token_of(world.h1.id, cards.current(world.h1).version)
    _claims(world)
    values["claim_id"] = db.session.scalar(select(Claim.id).where(Claim.household_id == world.h1.id))
    _activities(world)
    values["activity_id"] = db.session.scalar(select(Activity.id).where(Activity.unit_id == world.village.id))
    _wishes(world)
    values["wish_id"] = db.session.scalar(select(Wish.id).where(Wish.household_id == world.h1.id))
    if endpoint == "shop.cart":
        with app.test_request_context():
            cart = shop.Cart(values["shop_id"], world.h1.id, "card", None, "bad-input-cart")
            values["token"] = shop.cart_token(cart)
    rule = next(app.url_map.iter_rules(endpoint=endpoint))
    with app.test_request_context():
        return url_for(endpoint, **{k: v for k, v in values.items() if k in rule.arguments})


@pytest.mark.parametrize(("endpoint", "method"), ROUTES, ids=[f"{e}-{m}" for e, m in ROUTES])
def test_random_input_is_answered_without_a_server_error(app, world, login_as, endpoint, method):
    admin = login_as("county_admin")
    target = url(app, world, endpoint)

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=FORM, as_json=st.booleans())
    def probe(data, as_json):
        if method == "GET":
            response = admin.get(target, query_string=data)
        elif as_json:
            response = admin.open(target, method=method, json=data)
        else:
            response = admin.open(target, method=method, data=data)
        assert response.status_code < 500, (method, target, data, response.get_data(as_text=True)[:300])
        response.close()

    probe()


def test_a_nul_character_is_refused_clearly_everywhere(world, login_as):
    """PostgreSQL cannot store NUL: it must be a 400 with a message, never a 500, on both databases."""
    admin = login_as("county_admin")
    admin.post("/language", data={"locale": "en"})
    for response in (
        admin.get("/admin/units/", query_string={"q": "王\x00"}),
        admin.post(f"/units/{world.village.id}/households/new", data={"code": "H9", "head_name": "李\x00四"}),
        admin.post("/api/v1/tokens", json={"username": "a\x00", "password": "x"}),
    ):
        assert response.status_code == 400
        assert "could not be understood" in response.get_data(as_text=True)


def test_a_page_number_too_big_for_the_database_is_just_past_the_end(world, login_as):
    """Found by the fuzz test: ?page=2e17 overflowed SQLite's integers (a 500)."""
    admin = login_as("county_admin")
    assert admin.get("/admin/units/", query_string={"page": "200000000000000000"}).status_code == 200
    raw, _token = auth.issue_token(world.users["county_admin"])
    response = admin.get(
        "/api/v1/households",
        query_string={"unit": "V1", "page": "99999999999999999999"},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 200 and response.json["items"] == []
