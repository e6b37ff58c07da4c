"""Rubric versions, months pinned to a version, unit settings, scorer assignments (service + API)."""

import pytest
from flask_babel import gettext as _

from moral_bank.auth import service as auth
from moral_bank.core.db import db
from moral_bank.core.errors import DomainError, FieldErrors, NotFound
from moral_bank.core.time import month_of
from moral_bank.demo import RUBRIC
from moral_bank.scoring import service as scoring

from . import factories


def items(points: int = 5, prefix: str = "") -> list[dict]:
    cats = ["xiao", "shan", "xin", "qin", "jian", "mei"]
    return [{"code": f"{prefix}{c}-1", "category": c, "name": f"{c} item", "max_points": points} for c in cats]


def demo_items() -> list[dict]:
    return [{"code": c, "category": k, "name": n, "max_points": m} for c, k, n, m in RUBRIC]


def bearer(user) -> dict:
    raw, _token = auth.issue_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


# --- rubric versions ---------------------------------------------------------------


def test_a_new_version_leaves_the_old_one_untouched(world):
    first = scoring.new_rubric_version(world.county, demo_items())
    second = scoring.new_rubric_version(world.county, items(points=9))
    assert (first.version, second.version) == (1, 2)
    assert first.monthly_maximum == 90 and second.monthly_maximum == 54
    assert [i.name for i in first.items][:2] == ["孝敬老人", "关爱子女"]
    assert scoring.rubric_in_force(world.village).id == second.id


def test_a_village_override_wins_only_in_that_village(world):
    county_rubric = scoring.new_rubric_version(world.county, demo_items())
    override = scoring.new_rubric_version(world.village, items(points=3, prefix="v-"))
    assert scoring.rubric_in_force(world.village).id == override.id
    assert scoring.rubric_in_force(world.other_village).id == county_rubric.id
    assert scoring.rubric_in_force(world.township).id == county_rubric.id


def test_no_rubric_yet_is_a_clear_not_found(world):
    assert scoring.rubric_in_force(world.village) is None
    with pytest.raises(NotFound):
        scoring.require_rubric(world.village)


def test_bad_items_are_refused_naming_each_field(world):
    bad = items()
    bad[0]["max_points"] = 0
    bad[1]["code"] = bad[2]["code"]
    bad[3]["name"] = " "
    bad[4]["max_points"] = True
    with pytest.raises(FieldErrors) as err:
        scoring.new_rubric_version(world.county, bad)
    assert set(err.value.fields) == {"items.1.max_points", "items.3.code", "items.4.name", "items.5.max_points"}
    assert scoring.rubric_in_force(world.village) is None


def test_every_standard_needs_an_item(world):
    with pytest.raises(FieldErrors) as err:
        scoring.new_rubric_version(world.county, items()[:5])
    assert err.value.fields == {"items": _("Every one of the six standards needs at least one item.")}


def test_a_township_or_school_does_not_own_a_rubric(world):
    for unit in (world.township, world.school):
        with pytest.raises(DomainError):
            scoring.new_rubric_version(unit, items())


# --- months pinned to the version in force when they opened -------------------------


def test_an_open_month_keeps_its_version_after_the_rubric_changes(world):
    v1 = scoring.new_rubric_version(world.county, demo_items())
    october = scoring.open_month(world.village, "2026-10")
    scoring.new_rubric_version(world.county, items(points=9))
    assert scoring.open_month(world.village, "2026-10").id == october.id
    assert october.rubric_id == v1.id
    current = scoring.open_month(world.village, month_of())
    assert current.rubric.version == 2


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-10", "", None, "2026-10-01", "9999-01"])
def test_bad_or_future_months_are_refused(world, month):
    scoring.new_rubric_version(world.county, demo_items())
    with pytest.raises(DomainError) as err:
        scoring.open_month(world.village, month)
    assert err.value.field == "month"


# --- unit settings -------------------------------------------------------------------


def test_settings_default_to_three_days_and_masked_names(world):
    settings = scoring.settings_for(world.village)
    assert (settings.notice_days, settings.name_privacy) == (3, "masked")


def test_unit_admin_changes_settings_through_the_api(app, world):
    headers = bearer(world.users["unit_admin"])
    response = app.test_client().patch(
        "/api/v1/units/V1/settings",
        json={"notice_days": 0, "name_privacy": "full", "pin_threshold": 120},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    assert response.json == {
        "unit": "V1",
        "notice_days": 0,
        "name_privacy": "full",
        "pin_threshold": 120,
        "black_list_public": False,
        "black_list_threshold": 10,
        "claims_two_step": False,
        "claims_per_day": 3,
    }
    settings = scoring.settings_for(world.village)
    assert (settings.notice_days, settings.name_privacy, settings.pin_threshold) == (0, "full", 120)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"notice_days": 31}, "notice_days"),
        ({"notice_days": -1}, "notice_days"),
        ({"notice_days": "3"}, "notice_days"),
        ({"notice_days": True}, "notice_days"),
        ({"name_privacy": "half"}, "name_privacy"),
        ({"pin_threshold": -1}, "pin_threshold"),
        ({"pin_threshold": "200"}, "pin_threshold"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(app, world, body, field):
    headers = bearer(world.users["unit_admin"])
    response = app.test_client().patch("/api/v1/units/V1/settings", json=body, headers=headers)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert scoring.settings_for(world.village).notice_days == 3


def test_settings_api_refuses_a_scorer_and_another_village(app, world):
    client = app.test_client()
    scorer = client.patch("/api/v1/units/V1/settings", json={"notice_days": 5}, headers=bearer(world.users["scorer"]))
    assert scorer.status_code == 403
    other = client.patch(
        "/api/v1/units/V2/settings", json={"notice_days": 5}, headers=bearer(world.users["unit_admin"])
    )
    assert other.status_code == 403
    assert client.patch("/api/v1/units/NOPE/settings", json={}, headers=bearer(world.users["unit_admin"])).json[
        "error"
    ]["fields"] == {"unit": [_("No unit has the code %(code)s.", code="NOPE")]}


# --- scorer assignments ----------------------------------------------------------------


def test_assigning_households_moves_them_between_scorers(world):
    scorer, other = world.users["scorer"], factories.user("scorer2", "scorer", world.village)
    assert scoring.assign(world.village, scorer, ["H1", "H2"]) == 2
    assert scoring.assigned_household_ids(scorer, world.village) == {world.h1.id, world.h2.id}
    scoring.assign(world.village, other, ["H2"])
    assert scoring.assigned_household_ids(scorer, world.village) == {world.h1.id}
    assert scoring.assigned_household_ids(other, world.village) == {world.h2.id}


def test_only_a_scorer_of_the_unit_gets_households(world):
    far = factories.user("far", "scorer", world.other_village)
    with pytest.raises(DomainError) as err:
        scoring.assign(world.village, far, ["H1"])
    assert err.value.field == "scorer"
    with pytest.raises(DomainError) as err:
        scoring.assign(world.village, world.users["clerk"], ["H1"])
    assert err.value.field == "scorer"


def test_unknown_or_foreign_households_assign_nothing(world):
    with pytest.raises(DomainError) as err:
        scoring.assign(world.village, world.users["scorer"], ["H1", "H3", "NOPE"])
    assert err.value.field == "households" and "H3" in err.value.message and "NOPE" in err.value.message
    assert scoring.assigned_household_ids(world.users["scorer"], world.village) == set()


def test_assignments_api(app, world):
    headers = bearer(world.users["unit_admin"])
    client = app.test_client()
    ok = client.put("/api/v1/units/V1/assignments", json={"scorer": "scorer", "households": ["H1"]}, headers=headers)
    assert ok.status_code == 200 and ok.json == {"unit": "V1", "scorer": "scorer", "households": 1}
    bad = client.put("/api/v1/units/V1/assignments", json={"scorer": "nobody", "households": []}, headers=headers)
    assert bad.status_code == 422 and "scorer" in bad.json["error"]["fields"]
    not_list = client.put(
        "/api/v1/units/V1/assignments", json={"scorer": "scorer", "households": "H1"}, headers=headers
    )
    assert not_list.status_code == 422 and "households" in not_list.json["error"]["fields"]
    not_json = client.put("/api/v1/units/V1/assignments", data="x", headers=headers)
    assert not_json.status_code == 422


# --- rubric API ----------------------------------------------------------------------


def test_a_scorer_reads_the_rubric_in_force(app, world):
    client = app.test_client()
    missing = client.get("/api/v1/units/V1/rubric", headers=bearer(world.users["scorer"]))
    assert missing.status_code == 404 and "error" in missing.json
    scoring.new_rubric_version(world.county, demo_items())
    db.session.commit()
    response = client.get("/api/v1/units/V1/rubric", headers=bearer(world.users["scorer"]))
    assert response.status_code == 200
    rubric = response.json["rubric"]
    assert (rubric["owner"], rubric["version"], rubric["monthly_maximum"]) == ("C", 1, 90)
    assert rubric["items"][0] == {"code": "xiao-elders", "category": "xiao", "name": "孝敬老人", "max_points": 10}
    assert len(rubric["items"]) == 12
    resident = client.get("/api/v1/units/V1/rubric", headers=bearer(world.users["resident"]))
    assert resident.status_code == 403
