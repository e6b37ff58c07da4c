"""Honor rolls: periods, the ranking and three-zero rules (hand-computed), proposing, approval posting the
bonus once, removal, nomination, revocation reversing the bonus, the ten-star plaque, the passbook's
stars, the API and the admin page."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from moral_bank.cards import service as cards
from moral_bank.core.db import db
from moral_bank.core.errors import Conflict, DomainError
from moral_bank.core.time import month_of, today
from moral_bank.demo import RUBRIC
from moral_bank.honors import service as honors
from moral_bank.honors.models import Honor, StarCategory
from moral_bank.ledger import service as ledger
from moral_bank.ledger.models import Transfer
from moral_bank.scoring import deeds, notices, review, sheets
from moral_bank.scoring import service as scoring

from . import factories


def last_day() -> date:
    return today().replace(day=1) - timedelta(days=1)


def last_month() -> str:
    return month_of(last_day())


DEEDS = [
    ("filial", "孝老爱亲", "award", 15),
    ("mediation", "矛盾调解", "award", 20),
    ("traffic", "交通劝导", "award", 10),
]
DEEDS += [("quarrel", "打架斗殴", "deduction", 30), ("courtyard", "庭院经济", "award", 10)]


def _zero_scores() -> dict[str, int]:
    return {code: 0 for code, _c, _n, _m in RUBRIC}


@pytest.fixture
def rated(world):
    """Last month, posted: H1 and H2 rated; H1 mediated a dispute (20), H2 guided traffic (10) but was
    fined for a fight (30); H3 (another village) is not in play."""
    admin = world.users["unit_admin"]
    scoring.new_rubric_version(
        world.county, [{"code": c, "category": k, "name": n, "max_points": m} for c, k, n, m in RUBRIC]
    )
    for code, name, kind, limit in DEEDS:
        deeds.add_category(world.county, code, name, kind, limit)
    scoring.update_settings(world.village, {"notice_days": 0})
    h3 = factories.household(world.village, "H4", "赵大妈", [])
    for household, xiao_elders, xiao_children, shan in ((world.h1, 9, 4, 6), (world.h2, 10, 5, 2), (h3, 3, 0, 8)):
        scores = {**_zero_scores(), "xiao-elders": xiao_elders, "xiao-children": xiao_children, "shan-neighbours": shan}
        sheet, _ = sheets.save_sheet(household, last_month(), scores, "", admin, submit=True)
        review.review(sheet, True, "", admin)
    for household, category, points in (
        (world.h1, "mediation", 20),
        (world.h2, "traffic", 10),
        (world.h2, "quarrel", 30),
    ):
        deed, _ = deeds.record_deed(household, category, points, "事由", last_day().isoformat(), None, admin, None)
        review.review(deed, True, "", admin)
    for household, points in ((world.h1, 5), (h3, 15)):
        deed, _ = deeds.record_deed(household, "filial", points, "照顾老人", last_day().isoformat(), None, admin, None)
        review.review(deed, True, "", admin)
    notice = notices.publish(world.village, last_month(), admin)
    notices.post(notice, admin, now=notice.ends_at + timedelta(seconds=1))
    honors.ensure_defaults(world.county)
    db.session.commit()
    return h3


def _category(code: str) -> StarCategory:
    return db.session.scalar(select(StarCategory).where(StarCategory.code == code))


def _balance(h) -> int:
    return ledger.current_balance(h.account.id)


# --- periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "months"),
    [
        ("2026-02", "month", date(2026, 2, 1), date(2026, 2, 28), 1),
        ("2026-Q4", "quarter", date(2026, 10, 1), date(2026, 12, 31), 3),
        ("2024", "year", date(2024, 1, 1), date(2024, 12, 31), 12),
    ],
)
def test_periods(text, kind, start, end, months):
    period = honors.parse_period(text)
    assert (period.kind, period.start, period.end, len(period.months)) == (kind, start, end, months)


@pytest.mark.parametrize("bad", ["", "2026-13", "2026-Q5", "26-01", "1999", None, 2026, "2026-10-01"])
def test_bad_periods_are_refused(bad):
    with pytest.raises(DomainError):
        honors.parse_period(bad)


def test_the_last_period_of_each_kind():
    assert honors.last_period("month", date(2026, 1, 15)) == "2025-12"
    assert honors.last_period("quarter", date(2026, 5, 2)) == "2026-Q1"
    assert honors.last_period("year", date(2026, 5, 2)) == "2025"


# --- rules -----------------------------------------------------------------------------------


def test_the_ranking_counts_the_chosen_standards_and_deeds(world, rated):
    """孝老爱亲之星 counts 孝 (孝敬老人 + 关爱子女) and 孝老爱亲 deeds:
    H1 9+4 + 5 = 18, H2 10+5 = 15, H4 3+0 + 15 = 18; ties by household code."""
    period = honors.parse_period(last_month())
    found = honors.candidates(_category("filial"), world.village, period)
    assert [(c.household_id, c.points) for c in found] == [(world.h1.id, 18), (rated.id, 18), (world.h2.id, 15)]
    assert "孝老爱亲 5" in found[0].reason and "18" in found[0].reason and last_month() in found[0].reason
    assert "15" in found[2].reason


def test_three_zero_stars_need_a_peace_deed_and_no_deduction(world, rated):
    found = honors.candidates(_category("three-zero"), world.village, honors.parse_period(last_month()))
    # H2 guided traffic but was fined for a fight: out. H1 mediated (20): in.
    assert [(c.household_id, c.points) for c in found] == [(world.h1.id, 20)]


def test_propose_fills_each_category_up_to_its_number_once(world, rated):
    admin = world.users["unit_admin"]
    made = honors.propose(world.village, last_month(), admin)
    db.session.commit()
    filial = [h for h in made if h.category.code == "filial"]
    assert [(h.household_id, h.rank) for h in filial] == [(world.h1.id, 1), (rated.id, 2)]  # 2 per unit
    assert {h.category.code for h in made} >= {"three-zero", "filial", "neighbours"}
    assert honors.propose(world.village, last_month(), admin) == []  # nobody twice
    honors.remove(filial[0], admin)
    again = honors.propose(world.village, last_month(), admin)
    assert [(h.category.code, h.household_id) for h in again] == [("filial", world.h2.id)]  # the next in line


def test_approve_posts_the_bonus_once_and_revoke_takes_it_back(world, rated):
    admin = world.users["unit_admin"]
    honors.propose(world.village, last_month(), admin)
    star = db.session.scalar(
        select(Honor).where(Honor.household_id == world.h1.id, Honor.category_id == _category("three-zero").id)
    )
    before = _balance(world.h1)
    honors.approve(star, admin)
    honors.approve(star, admin)
    db.session.commit()
    assert _balance(world.h1) == before + 20
    bonus = db.session.get(Transfer, star.transfer_id)
    assert (bonus.kind, bonus.idempotency_key, bonus.points) == ("star_bonus", f"honor:{star.id}", 20)
    with pytest.raises(DomainError):
        honors.revoke(star, " ", admin)
    honors.revoke(star, "复核发现调解未成功", admin)
    db.session.commit()
    assert _balance(world.h1) == before and star.status == "revoked"
    with pytest.raises(Conflict):
        honors.revoke(star, "again", admin)


def test_a_full_category_refuses_another_approval(world, rated):
    admin = world.users["unit_admin"]
    category = _category("filial")
    honors.propose(world.village, last_month(), admin)
    extra = honors.nominate(world.village, category, world.h2, last_month(), "长期照顾瘫痪婆婆", admin)
    assert honors.approve_all(world.village, last_month(), admin) >= 2
    assert extra.status == "proposed"  # the two places went to the ranking's first two
    with pytest.raises(Conflict):
        honors.approve(extra, admin)


def test_nomination_needs_a_reason_and_a_household_of_the_unit(world, rated):
    admin = world.users["unit_admin"]
    category = _category("honest")
    with pytest.raises(DomainError) as refused:
        honors.nominate(world.village, category, world.other_h, last_month(), "", admin)
    assert set(refused.value.fields) == {"household", "reason"}
    honor = honors.nominate(world.village, category, world.h2, last_month(), "拾金不昧，归还失主现金2000元", admin)
    assert (honor.how, honor.status) == ("nomination", "proposed")
    with pytest.raises(Conflict):
        honors.nominate(world.village, category, world.h2, last_month(), "again", admin)
    with pytest.raises(DomainError):  # a monthly star named for a quarter
        honors.nominate(world.village, category, world.h1, "2026-Q1", "理由", admin)


def test_ten_different_stars_in_a_rolling_year_make_a_ten_star_household(world, rated, app):
    admin = world.users["unit_admin"]
    county_stars = honors.categories_for(world.village)  # the nine defaults
    own = honors.add_category(
        world.village,
        {"code": "culture", "name": "文化活动之星", "rule": "nomination", "per_unit": 1, "bonus": 0},
        admin,
    )
    stars = [*county_stars, own]
    assert len(stars) == 10
    on = today()
    for n, category in enumerate(stars):
        month = month_of(on.replace(day=1) - timedelta(days=28 * n + 1))
        honors.approve(honors.nominate(world.village, category, world.h1, month, "表现突出", admin), admin)
    db.session.commit()
    assert [(h.id, n) for h, n in honors.ten_star(world.village, on)] == [(world.h1.id, 10)]
    assert honors.plaque_rate(world.village, on) == (1, 3)
    # Thirteen months on, the oldest star has left the window.
    later = on + timedelta(days=400)
    assert honors.ten_star(world.village, later) == []


def test_the_passbook_lists_the_stars_won(world, rated, login_as):
    admin = world.users["unit_admin"]
    honors.propose(world.village, last_month(), admin)
    honors.approve_all(world.village, last_month(), admin)
    db.session.commit()
    resident = login_as("resident")
    page = resident.get(f"/households/{world.h1.id}/passbook").get_data(as_text=True)
    assert 'data-testid="stars"' in page and "三零创建之星" in page and "孝老爱亲之星" in page
    assert "星级奖励" in page and f"三零创建之星 {last_month()}" in page  # the bonus line in the history
    count = db.session.scalar(select(func.count(Honor.id)).where(Honor.household_id == world.h1.id))
    assert count >= 2


# --- API and pages ---------------------------------------------------------------------------


def test_api_roll_public_and_for_admins(client, world, rated):
    token = client.post("/api/v1/tokens", json={"username": "unit_admin", "password": factories.PASSWORD}).json
    admin = {"Authorization": "Bearer " + token["token"]}
    proposed = client.post("/api/v1/units/V1/honors/propose", json={"period": last_month()}, headers=admin)
    assert proposed.status_code == 201 and proposed.json["items"]
    first = proposed.json["items"][0]
    assert client.get(f"/api/v1/units/V1/honors?period={last_month()}").json["items"] == []  # nothing approved yet
    assert len(client.get(f"/api/v1/units/V1/honors?period={last_month()}", headers=admin).json["items"]) >= 1
    approved = client.post(f"/api/v1/honors/{first['id']}/approve", headers=admin)
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    public = client.get(f"/api/v1/units/V1/honors?period={last_month()}").json["items"]
    assert len(public) == 1 and "*" in public[0]["household"]["name"] and "code" not in public[0]["household"]
    assert client.post("/api/v1/units/V1/honors/propose", json={"period": "2026-13"}, headers=admin).status_code == 422
    assert client.get("/api/v1/units/V1/honors?period=x").status_code == 422


def test_the_roll_page(login_as, world, rated):
    admin = login_as("unit_admin")
    page = admin.get(f"/honors/units/{world.village.id}?period={last_month()}")
    assert page.status_code == 200 and "三零创建之星" in page.get_data(as_text=True)
    admin.post(f"/honors/units/{world.village.id}/propose", data={"period": last_month()})
    star = db.session.scalar(
        select(Honor).where(Honor.household_id == world.h1.id, Honor.category_id == _category("three-zero").id)
    )
    shown = admin.get(f"/honors/units/{world.village.id}?period={last_month()}").get_data(as_text=True)
    assert "矛盾调解 20 = 20" in shown
    assert admin.post(f"/honors/{star.id}/approve", data={}).status_code == 302
    assert star.status == "approved"
    nominated = admin.post(
        f"/honors/units/{world.village.id}/nominate",
        data={"period": last_month(), "category": str(_category("honest").id), "household": "H2", "reason": "拾金不昧"},
    )
    assert nominated.status_code == 302
    assert db.session.scalar(select(Honor).where(Honor.how == "nomination")).household_id == world.h2.id
    added = admin.post(
        f"/honors/units/{world.village.id}/categories",
        data={
            "code": "Bad Code",
            "name": "",
            "period": "month",
            "rule": "ranking",
            "per_unit": "x",
            "bonus": "5",
            "min_points": "1",
        },
    )
    assert added.status_code == 422
    assert login_as("scorer").get(f"/honors/units/{world.village.id}").status_code == 403
    everything = admin.post(f"/honors/units/{world.village.id}/approve-all", data={"period": last_month()})
    assert everything.status_code == 302
    left = db.session.scalar(select(func.count(Honor.id)).where(Honor.status == "proposed", Honor.how == "rule"))
    assert left == 0


def test_the_public_roll_shows_approved_stars_with_masked_names(client, world, rated):
    admin = world.users["unit_admin"]
    honors.propose(world.village, last_month(), admin)
    three_zero = db.session.scalar(
        select(Honor).where(Honor.household_id == world.h1.id, Honor.category_id == _category("three-zero").id)
    )
    honors.approve(three_zero, admin)
    db.session.commit()
    page = client.get("/roll/V1")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "public, max-age=300"
    assert last_month() in body and "三零创建之星" in body and "王*保" in body and "王四保" not in body
    assert "孝老爱亲之星" not in body  # proposed only: not public
    assert "/notice-board/V1" in body
    honors.revoke(three_zero, "复核不实", admin)
    db.session.commit()
    assert "三零创建之星" not in client.get(f"/roll/V1?period={last_month()}").get_data(as_text=True)
    assert client.get("/roll/V1?period=bad").status_code == 404
    assert client.get("/roll/NOPE").status_code == 404
    assert client.get("/roll/T1").headers["Location"] == "/roll/area/T1"  # a township: its area page


# --- the printed poster ----------------------------------------------------------------------


def _approve_last_month(world) -> None:
    admin = world.users["unit_admin"]
    honors.propose(world.village, last_month(), admin)
    honors.approve_all(world.village, last_month(), admin)
    db.session.commit()


def test_the_poster_shows_the_periods_stars_and_a_qr_of_the_online_roll(client, world, rated):
    _approve_last_month(world)
    earlier = month_of(last_day().replace(day=1) - timedelta(days=1))
    admin = world.users["unit_admin"]
    honors.approve(honors.nominate(world.village, _category("honest"), world.h2, earlier, "拾金不昧", admin), admin)
    db.session.commit()

    page = client.get("/roll/V1/poster")  # the newest published period, on A4
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "public, max-age=300"
    assert f'data-testid="poster-period">{last_month()}<' in body
    assert 'data-testid="stars-three-zero"' in body and 'data-testid="stars-filial"' in body
    assert "王*保" in body and "王四保" not in body  # masked as on the public roll
    assert 'data-testid="stars-honest"' not in body  # that star is of the month before
    assert "css/poster-a4.css" in body and "css/poster-a3.css" not in body.split("<nav")[0]
    # The QR is segno's own drawing of the online roll's absolute address for this period (the
    # browser test decodes it for real).
    online = f"http://localhost/roll/V1?period={last_month()}"
    assert str(cards.qr_svg(online)) in body

    before = client.get(f"/roll/V1/poster?period={earlier}&size=A3").get_data(as_text=True)
    assert 'data-testid="stars-honest"' in before and "张*国" in before
    assert 'data-testid="stars-three-zero"' not in before and "王*保" not in before
    assert "css/poster-a3.css" in before and str(cards.qr_svg(f"http://localhost/roll/V1?period={earlier}")) in before


def test_the_poster_paper_sets_the_printed_page_size(client, app, world, rated):
    _approve_last_month(world)
    for size, paper in (("a4", "A4"), ("a3", "A3")):
        body = client.get(f"/roll/V1/poster?size={size}").get_data(as_text=True)
        sheet = client.get(f"/static/css/poster-{size}.css")
        assert f"css/poster-{size}.css" in body.split("</head>")[0]
        assert f"size: {paper} portrait" in sheet.get_data(as_text=True)
        sheet.close()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("size=a5", "海报只能打印为 A4 或 A3：size=a4 或 size=a3。"),
        ("size=letter&period=2024-01", "海报只能打印为 A4 或 A3：size=a4 或 size=a3。"),
        ("period=2026-13", "期次是月（2026-10）、季度（2026-Q4）或年（2026）。"),
        ("period=bad&size=a3", "期次是月（2026-10）、季度（2026-Q4）或年（2026）。"),
    ],
)
def test_a_bad_poster_size_or_period_is_refused_clearly(client, world, rated, query, message):
    _approve_last_month(world)
    page = client.get(f"/roll/V1/poster?{query}")
    assert page.status_code == 400 and message in page.get_data(as_text=True)


def test_a_poster_of_no_published_roll_says_so(client, world, rated):
    assert client.get("/roll/NOPE/poster").status_code == 404
    assert client.get("/roll/T1/poster").status_code == 404  # a township names no stars
    honors.propose(world.village, last_month(), world.users["unit_admin"])  # proposed is not published
    db.session.commit()
    nothing = client.get("/roll/V1/poster")
    body = nothing.get_data(as_text=True)
    assert nothing.status_code == 404 and 'data-testid="poster-empty"' in body
    assert "还没有公布星级户。" in body and "<svg" not in body and "王*保" not in body
    assert "max-age" not in nothing.headers.get("Cache-Control", "")  # approving soon shows at once
    empty_month = client.get("/roll/V1/poster?period=2024-01").get_data(as_text=True)
    assert 'data-testid="poster-empty"' in empty_month and "2024-01" in empty_month


def test_the_public_and_the_admin_roll_link_to_the_posters(client, login_as, world, rated):
    _approve_last_month(world)
    public = client.get("/roll/V1").get_data(as_text=True)
    for size in ("a4", "a3"):
        assert f"/roll/V1/poster?period={last_month()}&amp;size={size}" in public
    admin = login_as("unit_admin").get(f"/honors/units/{world.village.id}?period={last_month()}")
    shown = admin.get_data(as_text=True)
    assert f"/roll/V1/poster?period={last_month()}&amp;size=a4" in shown
    assert f"/roll/V1/poster?period={last_month()}&amp;size=a3" in shown
