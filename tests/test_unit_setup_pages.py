"""The unit admin's moral bank settings page and scorer assignment page."""

from moral_bank.core.db import db
from moral_bank.scoring import service as scoring
from moral_bank.scoring.models import ScorerAssignment

from .factories import household
from .test_scoring_setup import demo_items


def english(client):
    client.post("/language", data={"locale": "en"})
    return client


def test_settings_are_checked_and_saved(world, login_as):
    admin = english(login_as("unit_admin"))
    url = f"/scoring/units/{world.village.id}/settings"
    assert 'value="3"' in admin.get(url).get_data(as_text=True)
    bad = admin.post(url, data={"notice_days": "45", "name_privacy": "masked"})
    assert (
        bad.status_code == 422
        and "0 to 30" in bad.get_data(as_text=True)
        and 'value="45"' in bad.get_data(as_text=True)
    )
    assert scoring.settings_for(world.village).notice_days == 3
    ok = admin.post(url, data={"notice_days": "7", "name_privacy": "full"})
    assert ok.status_code == 302
    settings = scoring.settings_for(world.village)
    assert (settings.notice_days, settings.name_privacy) == (7, "full")


def test_assigning_ticked_households_and_a_grid_cell(world, login_as):
    household(world.village, "H5", "赵大").grid_cell = "2组"
    household(world.village, "H6", "钱二").grid_cell = "2组"
    db.session.commit()
    admin = english(login_as("unit_admin"))
    url = f"/scoring/units/{world.village.id}/assignments"
    page = admin.get(url).get_data(as_text=True)
    assert "2组" in page and f'value="{world.users["scorer"].id}"' in page
    refused = admin.post(url, data={"scorer": str(world.users["scorer"].id)})
    assert refused.status_code == 422 and "Tick the households" in refused.get_data(as_text=True)
    no_scorer = admin.post(url, data={"household": ["H1"]})
    assert no_scorer.status_code == 422 and "Choose a scorer" in no_scorer.get_data(as_text=True)
    ok = admin.post(url, data={"scorer": str(world.users["scorer"].id), "household": ["H1"], "cell": "2组"})
    assert ok.status_code == 302
    assigned = set(db.session.scalars(db.select(ScorerAssignment.household_id)))
    codes = {h.code for h in db.session.scalars(db.select(type(world.h1)).where(type(world.h1).id.in_(assigned)))}
    assert codes == {"H1", "H5", "H6"}
    assert "3 households assigned" in admin.get(url).get_data(as_text=True)


def test_a_scorer_of_another_village_is_not_offered(world, login_as):
    from .factories import user

    far = user("far_scorer", "scorer", world.other_village)
    db.session.commit()
    admin = login_as("unit_admin")
    page = admin.get(f"/scoring/units/{world.village.id}/assignments").get_data(as_text=True)
    assert f'value="{far.id}"' not in page
    refused = admin.post(
        f"/scoring/units/{world.village.id}/assignments", data={"scorer": str(far.id), "household": ["H1"]}
    )
    assert refused.status_code == 422
    assert db.session.scalar(db.select(ScorerAssignment)) is None


def rubric_form(rows: list[tuple[str, str, str, str]], note: str = "") -> dict:
    data = {"rows": str(len(rows)), "note": note}
    for n, (code, category, name, top) in enumerate(rows):
        data.update({f"code-{n}": code, f"category-{n}": category, f"name-{n}": name, f"max_points-{n}": top})
    return data


def test_editing_the_standard_makes_a_new_version_and_keeps_typed_values(world, login_as):
    from moral_bank.demo import RUBRIC

    scoring.new_rubric_version(world.county, demo_items())
    scoring.open_month(world.village, "2026-10")
    db.session.commit()
    admin = english(login_as("county_admin"))
    url = f"/scoring/units/{world.county.id}/rubric"
    page = admin.get(url).get_data(as_text=True)
    assert "version 1" in page and 'value="孝敬老人"' in page
    rows = [(c, k, n, str(m)) for c, k, n, m in RUBRIC]
    bad = admin.post(url, data=rubric_form([*rows[:-1], ("mei-garden", "mei", "美化庭院", "0"), ("", "", "", "")]))
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Item 12: the monthly maximum" in text and 'name="max_points-11" value="0"' in text
    assert text.count('aria-invalid="true"') == 1
    rows[0] = ("xiao-elders", "xiao", "孝敬老人", "12")
    ok = admin.post(url, data=rubric_form([*rows, ("mei-road", "mei", "门前三包", "5")], note="加门前三包"))
    assert ok.status_code == 302
    rubric = scoring.rubric_in_force(world.village)
    assert rubric.version == 2 and rubric.monthly_maximum == 90 + 2 + 5 and rubric.note == "加门前三包"
    # The month opened earlier keeps version 1.
    assert scoring.open_month(world.village, "2026-10").rubric.version == 1


def test_a_village_admin_makes_the_village_its_own_version(world, login_as):
    from moral_bank.demo import RUBRIC

    scoring.new_rubric_version(world.county, demo_items())
    db.session.commit()
    admin = english(login_as("unit_admin"))
    url = f"/scoring/units/{world.village.id}/rubric"
    assert "uses" in admin.get(url).get_data(as_text=True)
    rows = [(c, k, n, str(m)) for c, k, n, m in RUBRIC]
    assert admin.post(url, data=rubric_form(rows[:-1])).status_code == 302
    assert scoring.rubric_in_force(world.village).unit_id == world.village.id
    assert scoring.rubric_in_force(world.other_village).unit_id == world.county.id
    assert admin.get(f"/scoring/units/{world.county.id}/rubric").status_code == 403
