"""A county's score rules: checked field by field, saved, and applied to this month's scores (earlier
months keep theirs); the page for its county admins."""

import re

import pytest
from sqlalchemy import select

from moral_bank.core.db import db
from moral_bank.core.errors import DomainError, FieldErrors
from moral_bank.core.time import month_of
from moral_bank.governance import scores
from moral_bank.governance import settings as rules
from moral_bank.governance.dashboard import shift
from moral_bank.governance.models import GovernanceSettings, UnitScore

from . import factories

DEFAULTS = {
    "weight_zeros": 40,
    "weight_participation": 20,
    "weight_virtue": 20,
    "weight_honors": 10,
    "weight_disputes": 10,
}


@pytest.fixture
def county(app):
    """County C › township T › village V (two households, nobody rated, no incident) and school S."""
    c = factories.unit("C", "county", name="蒲县")
    t = factories.unit("T", "township", c, "克城镇")
    v = factories.unit("V", "village", t, "山中村")
    s = factories.unit("S", "school", t, "中心学校")
    factories.household(v, "H1", "王四保")
    factories.household(v, "H2", "张建国")
    factories.user("county", "county_admin", c)
    factories.user("township", "township_admin", t)
    db.session.commit()
    return c, v, s


def _score(unit, month: str) -> tuple[float, str]:
    found = db.session.scalar(select(UnitScore).where(UnitScore.unit_id == unit.id, UnitScore.month == month))
    return found.score, found.colour


def test_new_weights_rescore_this_month_and_leave_earlier_months(county):
    c, v, s = county
    now, before = month_of(), shift(month_of(), -1)
    scores.compute(before)
    scores.compute(now)
    # Three zeros and no dispute, nobody rated: 40 + 10 = 50, red; the school (zeros and disputes only)
    # (40 + 10) × 100 / 50 = 100.
    assert _score(v, now) == (50.0, "red") and _score(s, now) == (100.0, "green")

    rules.update(c, {"weight_zeros": 50, "weight_participation": 10}, None)
    db.session.commit()
    # 50 + 10 = 60, orange from 60; the school (50 + 10) × 100 / 60 = 100 still.
    assert _score(v, now) == (60.0, "orange") and _score(s, now) == (100.0, "green")
    assert _score(v, before) == (50.0, "red")  # earlier months keep the score they were given
    saved = db.session.get(GovernanceSettings, c.id)
    assert (saved.weight_zeros, saved.weight_participation, saved.weight_virtue) == (50, 10, 20)

    rules.update(c, {"orange": 50, "yellow": 61}, None)  # 60 is now above orange's floor, below yellow's
    db.session.commit()
    assert _score(v, now) == (60.0, "orange")
    rules.update(c, {"yellow": 60}, None)
    db.session.commit()
    assert _score(v, now) == (60.0, "yellow")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"weight_zeros": 50}, "weight_zeros", "五项权重加起来是 110，应为 100。"),
        ({"weight_zeros": 0, "weight_disputes": 0, "weight_virtue": 70}, "weight_zeros", "企业和机关事业单位"),
        ({"weight_honors": -5, "weight_virtue": 35}, "weight_honors", "权重是 0 到 100 的整数。"),
        ({"weight_honors": "ten"}, "weight_honors", "权重是 0 到 100 的整数。"),
        ({"weight_honors": True}, "weight_honors", "权重是 0 到 100 的整数。"),
        ({"blue": 95}, "green", "色带从高到低"),
        ({"orange": 0}, "orange", "色带起点是 1 到 100 的整数分。"),
        ({"households_per_star": 0}, "households_per_star", "1 到 10000"),
        ({"target_villages": 101}, "target_villages", "达标目标是 1 到 100 的整数百分比。"),
        ({"warn_yellow": 30}, "warn_blue", "预警从低到高"),
        ({"colour": "pink"}, "colour", "未知的设置项。"),
    ],
)
def test_bad_rules_are_refused_and_nothing_changes(county, changes, field, message):
    c, v, _s = county
    with pytest.raises(FieldErrors) as refused:
        rules.update(c, changes, None)
    assert message in refused.value.fields[field]
    db.session.rollback()
    assert db.session.get(GovernanceSettings, c.id) is None
    assert scores.settings_of(c.id).weight_zeros == 40


def test_only_a_county_has_rules(county):
    _c, v, _s = county
    with pytest.raises(DomainError, match="只有县"):
        rules.update(v, {"green": 95}, None)


def _login(app, username: str):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": factories.PASSWORD}).status_code == 302
    return client


def _values(page) -> dict[str, str]:
    html = page.get_data(as_text=True)
    return dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html))


def test_the_page_shows_saves_and_refuses(app, county):
    c, v, _s = county
    client = _login(app, "county")
    client.post("/language", data={"locale": "en"})
    url = f"/governance/counties/{c.id}/settings"
    shown = _values(client.get(url))
    assert {k: int(shown[k]) for k in DEFAULTS} == DEFAULTS and shown["green"] == "90"

    form = shown | {"weight_zeros": "50"}
    refused = client.post(url, data=form)
    assert refused.status_code == 422
    assert "The five weights add up to 110; they must add up to 100." in refused.get_data(as_text=True)
    assert _values(refused)["weight_zeros"] == "50"  # what was typed stays in the form
    assert db.session.get(GovernanceSettings, c.id) is None

    saved = client.post(url, data=form | {"weight_participation": "10"}, follow_redirects=True)
    assert saved.status_code == 200 and "Settings saved." in saved.get_data(as_text=True)
    assert _values(saved)["weight_participation"] == "10"
    assert _score(v, month_of()) == (60.0, "orange")

    # The county's dashboard links to the page for its county admins only.
    assert 'data-testid="rules-link"' in client.get("/dashboard/C").get_data(as_text=True)
    township = _login(app, "township")
    assert 'data-testid="rules-link"' not in township.get("/dashboard/T").get_data(as_text=True)
    assert township.get(url).status_code == 403
    assert _login(app, "county").get(f"/governance/counties/{v.id}/settings").status_code == 404
