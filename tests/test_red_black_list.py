"""The red and black list (红黑榜): the threshold rule on posted deductions (hand-computed), what counts and
what does not, privacy on the public roll, the admin page and who may see it, and the two settings."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from moral_bank.core.db import db
from moral_bank.core.errors import NotAllowed
from moral_bank.core.time import month_of
from moral_bank.honors import lists
from moral_bank.honors import service as honors
from moral_bank.scoring import deeds, notices, review
from moral_bank.scoring import service as scoring
from moral_bank.scoring.models import Deed, NoticeLine

from . import factories
from .test_honors import last_day, last_month
from .test_rating_sheets import bearer


def month_before_day():
    return last_day().replace(day=1) - timedelta(days=1)


def _record(household, code: str, points: int, day, admin) -> Deed:
    deed, _ = deeds.record_deed(household, code, points, "事由保密", day.isoformat(), None, admin, None)
    review.review(deed, True, "", admin)
    return deed


def _post(unit, lines, admin, day=None) -> None:
    """Record, approve, publish and post these deeds (household, category code, points) on `day`."""
    day = day or last_day()
    for household, code, points in lines:
        _record(household, code, points, day, admin)
    notice = notices.publish(unit, month_of(day), admin)
    notices.post(notice, admin, now=notice.ends_at + timedelta(seconds=1))


@pytest.fixture
def deducted(world):
    """Posted deductions of last month in 山中村 (V1): H1 4 + 5 = 9 (and an award of 20), H2 10 (its passbook
    empty, so posting took nothing), H4 3 + 8 = 11, H5 12. H1 was also deducted 20 the month before, has 5
    more on the notice board and 5 approved but not yet published. H3 of 黑龙关村 (V2) was deducted 30."""
    admin = world.users["county_admin"]
    for code, name, kind in (("litter", "乱扔垃圾", "deduction"), ("quarrel", "打架斗殴", "deduction")):
        deeds.add_category(world.county, code, name, kind, 30)
    deeds.add_category(world.county, "help", "帮助邻里", "award", 30)
    for village in (world.village, world.other_village):
        scoring.update_settings(village, {"notice_days": 0})
    h4 = factories.household(world.village, "H4", "赵大妈", [])
    h5 = factories.household(world.village, "H5", "孙有才", [])
    factories.award(h5, 50, "fund-h5")
    _post(world.village, [(world.h1, "quarrel", 20)], admin, day=month_before_day())
    _post(
        world.village,
        [
            (world.h1, "litter", 4),
            (world.h1, "litter", 5),
            (world.h1, "help", 20),
            (world.h2, "quarrel", 10),
            (h4, "litter", 3),
            (h4, "quarrel", 8),
            (h5, "quarrel", 12),
        ],
        admin,
    )
    _post(world.other_village, [(world.other_h, "quarrel", 30)], admin)
    _record(world.h1, "litter", 5, last_day(), admin)
    notices.publish(world.village, last_month(), admin)  # on the board: objections still possible
    _record(world.h1, "litter", 5, last_day(), admin)  # approved, not published
    db.session.commit()
    return h4, h5


def shown(unit, period, actor) -> list[tuple[str, int, list]]:
    return [(e.code, e.points, e.categories) for e in lists.black_list(unit, period, actor)]


# --- the rule --------------------------------------------------------------------------------


def test_black_list_at_the_default_threshold_of_ten(world, deducted):
    admin = world.users["unit_admin"]
    assert scoring.settings_for(world.village).black_list_threshold == 10
    assert shown(world.village, last_month(), admin) == [
        ("H5", 12, [("打架斗殴", 12)]),
        ("H4", 11, [("打架斗殴", 8), ("乱扔垃圾", 3)]),
        # Counted at the 10 points recorded, though the empty passbook gave up none of them.
        ("H2", 10, [("打架斗殴", 10)]),
    ]
    # H1: 9 posted; its 20 of the month before, the 5 on the board and the 5 not yet published do not count.
    assert shown(world.village, month_of(month_before_day()), admin) == [("H1", 20, [("打架斗殴", 20)])]
    assert shown(world.other_village, last_month(), world.users["county_admin"]) == [("H3", 30, [("打架斗殴", 30)])]


@pytest.mark.parametrize(
    ("threshold", "codes"),
    [(9, ["H5", "H4", "H2", "H1"]), (10, ["H5", "H4", "H2"]), (11, ["H5", "H4"]), (12, ["H5"]), (13, [])],
)
def test_just_under_at_and_over_the_threshold(world, deducted, threshold, codes):
    scoring.update_settings(world.village, {"black_list_threshold": threshold})
    assert [code for code, _p, _c in shown(world.village, last_month(), world.users["unit_admin"])] == codes


def test_a_deduction_corrected_after_posting_counts_as_corrected(world, deducted):
    admin = world.users["unit_admin"]
    _h4, h5 = deducted
    line = db.session.scalar(
        select(NoticeLine).join(Deed, Deed.id == NoticeLine.deed_id).where(Deed.household_id == h5.id)
    )
    notices.correct(line, -4, "核实为轻微", admin)
    assert "H5" not in [code for code, _p, _c in shown(world.village, last_month(), admin)]
    scoring.update_settings(world.village, {"black_list_threshold": 4})
    assert ("H5", 4, [("打架斗殴", 4)]) in shown(world.village, last_month(), admin)
    notices.correct(line, 0, "误记, 撤销", admin)  # reversed in full: no deduction left
    assert "H5" not in [code for code, _p, _c in shown(world.village, last_month(), admin)]


def test_a_quarter_and_a_year_add_up_their_months(world, deducted):
    admin = world.users["unit_admin"]
    for kind in ("quarter", "year"):
        period = honors.period_of(kind, last_day())
        got = {code: points for code, points, _c in shown(world.village, period, admin)}
        assert (got["H5"], got["H4"], got["H2"]) == (12, 11, 10)
        if honors.period_of(kind, month_before_day()) == period:
            assert got["H1"] == 9 + 20
        else:
            assert "H1" not in got  # 9 in this period


def test_only_admins_of_the_unit_or_above_may_see_the_black_list(world, deducted):
    for role in ("scorer", "clerk", "resident"):
        with pytest.raises(NotAllowed):
            lists.black_list(world.village, last_month(), world.users[role])
    far_admin = factories.user("far_admin", "unit_admin", world.other_village)
    with pytest.raises(NotAllowed):
        lists.black_list(world.village, last_month(), far_admin)
    assert shown(world.village, last_month(), world.users["township_admin"])


# --- the public roll ---------------------------------------------------------------------------


def _section(body: str) -> str:
    found = re.search(r'data-testid="public-black-list".*?</section>', body, re.S)
    return found.group(0) if found else ""


def test_the_public_roll_has_no_black_list_by_default(client, world, deducted):
    assert scoring.settings_for(world.village).black_list_public is False
    body = client.get(f"/roll/V1?period={last_month()}").get_data(as_text=True)
    assert 'data-testid="public-black-list"' not in body and "黑榜" not in body  # not even a heading
    for name in ("孙有才", "孙*才", "赵大妈", "赵*妈", "张建国", "张*国", "打架斗殴"):
        assert name not in body


def test_turned_on_the_public_black_list_shows_masked_names_and_categories_only(client, world, deducted):
    scoring.update_settings(world.village, {"black_list_public": True, "name_privacy": "full"})
    db.session.commit()
    body = client.get(f"/roll/V1?period={last_month()}").get_data(as_text=True)
    section = _section(body)
    assert section
    # Masked even though the unit shows full names elsewhere; in name order, not by points.
    names = re.findall(r"[\u4e00-\u9fff]\*[\u4e00-\u9fff]", section)
    assert names == sorted(["孙*才", "赵*妈", "张*国"])
    assert "打架斗殴" in section and "乱扔垃圾" in section
    for secret in ("孙有才", "赵大妈", "张建国", "王*保", "H5", "H4", "H2", "事由保密", "13900000000"):
        assert secret not in body
    text = re.sub(r"<[^>]+>", " ", section).replace(last_month(), "")
    assert not re.search(r"[0-9]", text), text  # no points, no dates


def test_turned_on_with_nobody_over_the_threshold(client, world, deducted):
    scoring.update_settings(world.village, {"black_list_public": True, "black_list_threshold": 1000})
    db.session.commit()
    section = _section(client.get(f"/roll/V1?period={last_month()}").get_data(as_text=True))
    assert section and 'data-testid="black-entry"' not in section


def test_the_red_list_is_the_periods_approved_stars(client, world, deducted, login_as):
    admin = world.users["unit_admin"]
    star = next(c for c in honors.ensure_defaults(world.county) if c.code == "honest")
    approved = honors.nominate(world.village, star, world.h2, last_month(), "拾金不昧", admin)
    honors.approve(approved, admin)
    proposed = next(c for c in honors.categories_for(world.village) if c.code == "diligent")
    honors.nominate(world.village, proposed, deducted[0], last_month(), "勤劳", admin)
    db.session.commit()
    assert [(h.household.code, h.category.code) for h in lists.red_list(world.village, last_month())] == [
        ("H2", "honest")
    ]
    body = client.get(f"/roll/V1?period={last_month()}").get_data(as_text=True)
    red = re.search(r'data-testid="red-list".*?</section>\s*</section>', body, re.S).group(0)
    assert "诚实守信之星" in red and "张*国" in red and "勤劳致富之星" not in red
    page = login_as("unit_admin").get(f"/honors/units/{world.village.id}/lists?period={last_month()}")
    assert 'data-testid="red-H2"' in page.get_data(as_text=True) and 'data-testid="red-H4"' not in page.get_data(
        as_text=True
    )


# --- the admin page --------------------------------------------------------------------------


def test_the_admin_page_shows_full_names_codes_and_points(world, deducted, login_as):
    admin = login_as("unit_admin")
    roll = admin.get(f"/honors/units/{world.village.id}?period={last_month()}").get_data(as_text=True)
    link = f"/honors/units/{world.village.id}/lists?period={last_month()}"
    assert 'data-testid="lists-link"' in roll and link in roll
    page = admin.get(link)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="black-H5"' in body and "孙有才" in body and "赵大妈" in body and "张建国" in body
    assert re.search(r'data-testid="black-total-H4"><span class="points neg">-11<', body)
    assert 'data-testid="black-H1"' not in body and "王四保" not in body
    assert "刘玉兰" not in body  # the other village's household
    # A period that cannot be read falls back to last month.
    assert 'data-testid="black-H5"' in admin.get(f"/honors/units/{world.village.id}/lists?period=x").get_data(
        as_text=True
    )


def test_the_admin_page_refuses_residents_scorers_and_other_villages(app, world, deducted, login_as):
    url = f"/honors/units/{world.village.id}/lists"
    for role in ("resident", "scorer", "clerk"):
        assert login_as(role).get(url).status_code == 403
    factories.user("far_admin", "unit_admin", world.other_village)
    db.session.commit()
    far = app.test_client()
    far.post("/login", data={"username": "far_admin", "password": factories.PASSWORD})
    assert far.get(url).status_code == 403
    assert app.test_client().get(url).status_code in (302, 401)
    for role in ("township_admin", "county_admin"):
        assert login_as(role).get(url).status_code == 200


# --- the settings ------------------------------------------------------------------------------


def test_the_settings_page_sets_the_black_list(world, login_as):
    admin = login_as("unit_admin")
    url = f"/scoring/units/{world.village.id}/settings"
    page = admin.get(url).get_data(as_text=True)
    assert 'name="black_list_threshold"' in page and 'value="10"' in page
    assert re.search(r'value="off"[^>]*checked|checked[^>]*value="off"', page)
    base = {"notice_days": "3", "name_privacy": "masked", "pin_threshold": "200"}
    for threshold, public in (("0", "on"), ("abc", "on"), ("10001", "on"), ("-3", "on"), ("12", "maybe")):
        bad = admin.post(url, data={**base, "black_list_threshold": threshold, "black_list_public": public})
        assert bad.status_code == 422, (threshold, public)
        assert 'role="alert"' in bad.get_data(as_text=True) and f'value="{threshold}"' in bad.get_data(as_text=True)
    settings = scoring.settings_for(world.village)
    assert (settings.black_list_public, settings.black_list_threshold) == (False, 10)
    ok = admin.post(url, data={**base, "black_list_threshold": "15", "black_list_public": "on"})
    assert ok.status_code == 302
    settings = scoring.settings_for(world.village)
    assert (settings.black_list_public, settings.black_list_threshold) == (True, 15)


@pytest.mark.parametrize(
    "body",
    [
        {"black_list_threshold": 0},
        {"black_list_threshold": 10_001},
        {"black_list_threshold": "10"},
        {"black_list_threshold": True},
        {"black_list_public": "yes"},
        {"black_list_public": 1},
        {"black_list_public": None},
    ],
)
def test_bad_black_list_settings_are_refused_through_the_api(app, world, body):
    response = app.test_client().patch(
        "/api/v1/units/V1/settings", json=body, headers=bearer(world.users["unit_admin"])
    )
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == list(body)
    settings = scoring.settings_for(world.village)
    assert (settings.black_list_public, settings.black_list_threshold) == (False, 10)


def test_the_api_sets_the_black_list(app, world):
    response = app.test_client().patch(
        "/api/v1/units/V1/settings",
        json={"black_list_public": True, "black_list_threshold": 25},
        headers=bearer(world.users["unit_admin"]),
    )
    assert response.status_code == 200
    assert (response.json["black_list_public"], response.json["black_list_threshold"]) == (True, 25)
    settings = scoring.settings_for(world.village)
    assert (settings.black_list_public, settings.black_list_threshold) == (True, 25)
