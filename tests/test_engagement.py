"""Announcements (通知公告), the read-aloud text and the door plate (一户一码)."""

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from moral_bank.auth import service as auth
from moral_bank.cards import service as cards
from moral_bank.core.db import db
from moral_bank.core.errors import DomainError, FieldErrors
from moral_bank.core.time import today
from moral_bank.engagement import doorplate, speech
from moral_bank.engagement import service as announcements
from moral_bank.engagement.models import Announcement, AnnouncementRead
from moral_bank.honors import service as honors
from moral_bank.ledger import service as ledger

from . import factories
from .test_api import _matches
from .test_photos import picture


def post(unit, title, audience="public", actor=None, **more):
    return announcements.post(unit, {"title": title, "body": f"{title}的内容", "audience": audience, **more}, actor)


@pytest.fixture
def posted(world):
    """On the village: a pinned public one, a residents-only one, one expired (posted before it
    expired); on the township: a public one; on the other township: a residents-only one."""
    admin = world.users["unit_admin"]
    made = {
        "pinned": post(world.village, "停水通知", pinned=True, actor=admin),
        "residents": post(world.village, "村民大会", "residents", actor=admin),
        "expired": post(world.village, "旧通知", expires_on=today(), actor=admin),
        "township": post(world.township, "镇上防火", actor=world.users["township_admin"]),
        "far": post(world.other_township, "别镇通知", "residents", actor=world.users["county_admin"]),
    }
    made["expired"].expires_on = today() - timedelta(days=1)
    db.session.commit()
    return made


def titles(listed) -> list[str]:
    return [x.announcement.title for x in listed]


# --- the rules ---------------------------------------------------------------------------------


BAD = {"title": " ", "body": "x" * 5001, "audience": "everyone", "pinned": "maybe", "expires_on": "2020-01-01"}


def test_every_wrong_field_is_refused_at_once(world, app):
    with pytest.raises(FieldErrors) as caught:
        announcements.post(world.village, BAD, world.users["unit_admin"])
    assert caught.value.fields == {
        "title": "此项必填。",
        "body": "最多 5,000 个字。",
        "audience": "阅读范围只能是公开或居民。",
        "pinned": "置顶只能是“是”或“否”。",
        "expires_on": "截止日期不能早于今天。",
    }
    assert db.session.scalar(select(func.count(Announcement.id))) == 0


def test_a_unit_shows_its_own_and_its_areas_live_ones_pinned_then_newest(world, posted):
    resident = world.users["resident"]
    assert titles(announcements.for_unit(world.village)) == ["停水通知", "镇上防火"]
    assert titles(announcements.for_unit(world.village, resident)) == ["停水通知", "镇上防火", "村民大会"]
    # The other township's residents-only notice reaches neither the village nor its resident.
    assert titles(announcements.for_unit(world.other_village)) == []
    assert titles(announcements.for_unit(world.other_village, resident)) == []
    announcements.withdraw(posted["pinned"], world.users["unit_admin"])
    assert titles(announcements.for_unit(world.village)) == ["镇上防火"]


def test_a_resident_of_another_township_does_not_see_residents_only_ones(world, posted):
    far = factories.user("far_resident", "resident", world.other_village)
    assert not announcements.may_see(far, posted["residents"])
    assert announcements.may_see(far, posted["far"])
    assert announcements.may_see(world.users["resident"], posted["residents"])


def test_withdrawing_twice_is_refused(world, posted, app):
    announcements.withdraw(posted["residents"], world.users["unit_admin"])
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(DomainError, match="already"):
        announcements.withdraw(posted["residents"], world.users["unit_admin"])


# --- pages -------------------------------------------------------------------------------------


def test_the_public_roll_lists_public_ones_only(client, world, posted):
    html = client.get("/roll/V1").get_data(as_text=True)
    assert "停水通知" in html and "镇上防火" in html
    assert "村民大会" not in html and "旧通知" not in html and "别镇通知" not in html
    assert html.index("停水通知") < html.index("镇上防火")  # pinned first


def test_a_resident_sees_unread_ones_marked_until_opened(world, posted, login_as):
    resident = login_as("resident")
    home = resident.get("/").get_data(as_text=True)
    assert "村民大会" in home and "镇上防火" in home and "旧通知" not in home
    assert home.count('data-testid="unread"') == 3
    page = resident.get(f"/announcements/{posted['residents'].id}")
    assert page.status_code == 200 and "村民大会的内容" in page.get_data(as_text=True)
    resident.get(f"/announcements/{posted['residents'].id}")  # twice: still one read record
    assert db.session.scalar(select(func.count(AnnouncementRead.id))) == 1
    home = resident.get("/").get_data(as_text=True)
    assert home.count('data-testid="unread"') == 2


def test_strangers_cannot_open_residents_only_expired_or_withdrawn_ones(client, world, posted, login_as):
    residents_only = f"/announcements/{posted['residents'].id}"
    response = client.get(residents_only)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get(f"/announcements/{posted['expired'].id}").status_code == 404
    assert client.get(f"/announcements/{posted['pinned'].id}").status_code == 200
    far = factories.user("far_resident", "resident", world.other_village)
    db.session.commit()
    other = client.application.test_client()
    other.post("/login", data={"username": far.username, "password": factories.PASSWORD})
    assert other.get(residents_only).status_code == 404
    # Its admin still sees the expired one, marked.
    admin = login_as("unit_admin")
    assert 'data-testid="not-live"' in admin.get(f"/announcements/{posted['expired'].id}").get_data(as_text=True)


def test_an_admin_posts_with_a_picture_that_loses_its_location(world, login_as, client):
    admin = login_as("unit_admin")
    response = admin.post(
        f"/units/{world.village.id}/announcements",
        data={
            "title": "秋收互助",
            "body": "请各户报名",
            "audience": "public",
            "pinned": "y",
            "image": (io.BytesIO(picture(exif=True)), "IMG_1.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    made = db.session.scalar(select(Announcement))
    assert made.pinned and made.photo is not None
    image = client.get(f"/announcements/{made.id}/image")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert not Image.open(io.BytesIO(image.data)).getexif()


def test_a_bad_form_is_shown_again_with_what_was_typed(world, login_as):
    admin = login_as("unit_admin")
    admin.post("/language", data={"locale": "en"})
    response = admin.post(
        f"/units/{world.village.id}/announcements",
        data={"title": "修路通知", "body": "下周修路", "audience": "public", "expires_on": "2020-01-01"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The expiry date cannot be in the past." in html and 'value="修路通知"' in html
    response = admin.post(
        f"/units/{world.village.id}/announcements",
        data={"title": "修路通知", "body": "下周修路", "image": (io.BytesIO(b"not a picture"), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "not a photo we can read" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Announcement.id))) == 0


def test_a_unit_admin_edits_and_withdraws_its_own_but_not_the_townships(world, posted, login_as, client):
    admin = login_as("unit_admin")
    assert admin.get(f"/announcements/{posted['township'].id}/edit").status_code == 403
    assert admin.post(f"/announcements/{posted['township'].id}/withdraw").status_code == 403
    response = admin.post(
        f"/announcements/{posted['pinned'].id}/edit",
        data={"title": "停水通知（更正）", "body": "周三停水", "audience": "public"},
    )
    assert response.status_code == 302
    assert "停水通知（更正）" in client.get("/roll/V1").get_data(as_text=True)
    admin.post(f"/announcements/{posted['pinned'].id}/withdraw")
    assert "停水通知" not in client.get("/roll/V1").get_data(as_text=True)
    assert client.get(f"/announcements/{posted['pinned'].id}").status_code == 404


# --- API ---------------------------------------------------------------------------------------


def _token(client, username: str) -> dict:
    raw = client.post("/api/v1/tokens", json={"username": username, "password": factories.PASSWORD}).json["token"]
    return {"Authorization": f"Bearer {raw}"}


def test_the_api_posts_and_lists_as_the_pages_do(client, world, posted):
    document = client.get("/api/v1/openapi.json").json
    paths = document["paths"]["/units/{code}/announcements"]
    admin = _token(client, "unit_admin")
    made = client.post(
        "/api/v1/units/V1/announcements",
        json={"title": "疫苗接种", "body": "周五上午卫生室", "audience": "residents", "expires_on": None},
        headers=admin,
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    _matches(document, made.json, paths["post"]["responses"]["201"]["content"]["application/json"]["schema"])

    public = client.get("/api/v1/units/V1/announcements").json
    assert [a["title"] for a in public["items"]] == ["停水通知", "镇上防火"]
    assert "unread" not in public["items"][0]
    mine = client.get("/api/v1/units/V1/announcements", headers=_token(client, "resident")).json
    _matches(document, mine, paths["get"]["responses"]["200"]["content"]["application/json"]["schema"])
    assert [a["title"] for a in mine["items"]] == ["停水通知", "疫苗接种", "镇上防火", "村民大会"]
    assert all(a["unread"] for a in mine["items"])

    bad = client.post(
        "/api/v1/units/V1/announcements",
        json={"title": "", "body": "x", "pinned": "yes please"},
        headers={**admin, "Accept-Language": "zh-CN"},
    )
    assert bad.status_code == 422
    assert bad.json["error"]["fields"] == {"title": ["此项必填。"], "pinned": ["置顶只能是“是”或“否”。"]}
    far = _token(client, "county_admin")
    assert (
        client.post("/api/v1/units/V2/announcements", json={"title": "t", "body": "b"}, headers=far).status_code == 201
    )
    assert (
        client.post("/api/v1/units/V2/announcements", json={"title": "t", "body": "b"}, headers=admin).status_code
        == 403
    )
    assert client.get("/api/v1/units/NOPE/announcements").status_code == 404


# --- read aloud --------------------------------------------------------------------------------


def test_the_passbook_speaks_the_balance_and_the_last_entries(world, app, login_as):
    factories.award(world.h1, 30, "speak-1", memo="调解纠纷")
    issuance = ledger.issuance_account(world.village)
    ledger.transfer(world.h1.account, issuance, 5, "deduction", idempotency_key="speak-2", memo="柴草乱堆")
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        text = speech.passbook_text(world.h1.account.id, 25)
    day = today().strftime("%B %-d, %Y")
    assert text == (
        f"Points balance: 25. Latest entries: {day}, Deduction: 柴草乱堆, minus 5 points. "
        f"{day}, Good deed: 调解纠纷, plus 30 points."
    )
    resident = login_as("resident")
    resident.post("/language", data={"locale": "en"})
    html = resident.get(f"/households/{world.h1.id}/passbook").get_data(as_text=True)
    assert 'data-testid="read-passbook"' in html and "Points balance: 25" in html and "read-aloud.js" in html


# --- the door plate ----------------------------------------------------------------------------


def plate_path(app, household) -> str:
    with app.test_request_context():
        return "/d/" + doorplate.token_of(household.id, cards.current(household).version)


def test_the_plate_shows_earned_points_and_rank_never_private_details(app, client, world):
    factories.award(world.h1, 30, "plate-1", memo="调解纠纷")
    factories.award(world.h2, 50, "plate-2")
    issuance = ledger.issuance_account(world.village)
    ledger.transfer(world.h1.account, issuance, 5, "deduction", idempotency_key="plate-3", memo="柴草乱堆")
    db.session.commit()
    response = client.get(plate_path(app, world.h1), headers={"Accept-Language": "zh-CN"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "王*保" in html and "王四保" not in html
    assert 'data-testid="plate-earned">30<' in html  # the deduction is not taken off, nor shown
    assert 'data-testid="plate-rank">2<' in html
    for private in ("13900000000", "王小军", "李秀英", "柴草乱堆", 'data-testid="balance"'):
        assert private not in html
    assert doorplate.standing(world.h2).rank == 1


def test_a_ten_star_household_says_so_on_its_plate(app, client, world):
    ten = app.config["TEN_STAR_STARS"]
    app.config["TEN_STAR_STARS"] = 1
    try:
        star = honors.ensure_defaults(world.county)[0]
        admin = world.users["county_admin"]
        honor = honors.nominate(world.village, star, world.h1, honors.last_period("month"), "表现突出", admin)
        honors.approve(honor, admin)
        db.session.commit()
        html = client.get(plate_path(app, world.h1)).get_data(as_text=True)
    finally:
        app.config["TEN_STAR_STARS"] = ten
    assert 'data-testid="plate-ten-star"' in html and star.label in html
    assert 'data-testid="plate-stars">1<' in html


def test_reissuing_the_card_revokes_the_old_plate(app, client, world, login_as):
    old = plate_path(app, world.h1)
    db.session.commit()
    login_as("unit_admin").post(f"/households/{world.h1.id}/card/reissue")
    response = client.get(old, headers={"Accept-Language": "en"})
    assert response.status_code == 410
    assert "This door plate is no longer valid" in response.get_data(as_text=True)
    assert client.get(plate_path(app, world.h1)).status_code == 200
    assert client.get("/d/not-a-token").status_code == 404
    with app.test_request_context():
        forged = doorplate.token_of(999999, 1)
    assert client.get("/d/" + forged).status_code == 404


def test_an_admin_prints_one_plate_or_the_units_plates(app, world, login_as):
    admin = login_as("unit_admin")
    one = admin.get(f"/households/{world.h1.id}/door-plate").get_data(as_text=True)
    assert one.count('class="plate"') == 1 and "<svg" in one and "山中村" in one
    sheet = admin.get(f"/units/{world.village.id}/door-plates").get_data(as_text=True)
    assert sheet.count('class="plate"') == 2 and 'data-testid="plate-H2"' in sheet
    assert "王四保" not in sheet  # the plate hangs outside: the code, not the name


def test_the_demo_has_its_announcements_once(app, runner):
    from moral_bank import demo

    demo.seed()
    demo.seed()
    db.session.commit()
    village = auth.by_username("shanzhong").roles[0].unit
    shown = titles(announcements.for_unit(village))
    every = titles(announcements.for_unit(village, auth.by_username("wangsibao")))
    assert len(shown) == 1 and len(every) == 2
    assert db.session.scalar(select(func.count(Announcement.id))) == 3
