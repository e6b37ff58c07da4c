"""The unit admin's review queue and the deed recording page."""

from datetime import timedelta

import pytest

from moral_bank.core.db import db
from moral_bank.core.time import month_of, today
from moral_bank.demo import DEED_CATEGORIES
from moral_bank.scoring import deeds, sheets
from moral_bank.scoring import service as scoring
from moral_bank.scoring.models import Deed

from .factories import household
from .test_rating_sheets import FULL
from .test_scoring_setup import demo_items


@pytest.fixture
def waiting(world):
    scoring.new_rubric_version(world.county, demo_items())
    for code, name, kind, limit in DEED_CATEGORIES:
        deeds.add_category(world.county, code, name, kind, limit)
    scoring.assign(world.village, world.users["scorer"], ["H1", "H2"])
    scorer = world.users["scorer"]
    month = month_of()
    world.sheet1, _ = sheets.save_sheet(world.h1, month, FULL, "上门看过", scorer, submit=True)
    world.sheet2, _ = sheets.save_sheet(world.h2, month, FULL, "", scorer, submit=True)
    world.deed, _ = deeds.record_deed(world.h1, "mediation", 20, "调解纠纷", today().isoformat(), actor=scorer)
    db.session.commit()
    world.month = month
    return world


def english(client):
    client.post("/language", data={"locale": "en"})
    return client


def test_the_queue_shows_sheets_with_their_standards_and_deeds(waiting, login_as):
    admin = english(login_as("unit_admin"))
    page = admin.get(f"/scoring/units/{waiting.village.id}/review?month={waiting.month}").get_data(as_text=True)
    assert "王四保" in page and "张建国" in page and "调解纠纷" in page and "上门看过" in page
    assert "Filial (孝) 14" in page  # 孝敬老人 9 + 关爱子女 5
    assert "Approve all 3 shown" in page


def test_returning_needs_a_comment_and_reaches_the_scorer(waiting, login_as):
    admin = english(login_as("unit_admin"))
    url = f"/scoring/sheets/{waiting.sheet1.id}/review"
    refused = admin.post(url, data={"decision": "return", "comment": ""})
    assert "tell the scorer what to correct" in admin.get(refused.headers["Location"]).get_data(as_text=True)
    assert waiting.sheet1.status == "submitted"
    admin.post(url, data={"decision": "return", "comment": "卫生整洁请复核"})
    assert (waiting.sheet1.status, waiting.sheet1.review_comment) == ("returned", "卫生整洁请复核")
    scorer = login_as("scorer")
    sheet_page = scorer.get(f"/scoring/households/{waiting.h1.id}/sheet").get_data(as_text=True)
    assert "卫生整洁请复核" in sheet_page


def test_approve_all_approves_only_what_was_shown(waiting, login_as):
    admin = english(login_as("unit_admin"))
    late, _ = deeds.record_deed(
        waiting.h2, "traffic", 5, "交通劝导", (today() - timedelta(days=1)).isoformat(), actor=waiting.users["scorer"]
    )
    form = {"sheet": [str(waiting.sheet1.id), str(waiting.sheet2.id)], "deed": [str(waiting.deed.id)]}
    response = admin.post(f"/scoring/units/{waiting.village.id}/review/approve-all?month={waiting.month}", data=form)
    assert "3 approved" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert {waiting.sheet1.status, waiting.sheet2.status, waiting.deed.status} == {"approved"}
    assert late.status == "submitted", "added after the page was shown: not approved blindly"


def test_a_scorer_records_a_deed_from_the_phone(waiting, login_as):
    scorer = english(login_as("scorer"))
    url = f"/scoring/households/{waiting.h2.id}/deeds/new"
    page = scorer.get(url).get_data(as_text=True)
    assert "矛盾调解 (award, up to 20)" in page and "乱堆乱放 (deduction, up to 10)" in page
    key = page.split('name="client_key" type="hidden" value="')[1].split('"')[0]
    bad = scorer.post(
        url,
        data={"category": "mediation", "points": "25", "reason": "", "happened_on": "2020-01-01", "client_key": key},
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "at most 20 points" in text and "within the past year" in text and "say what happened" in text
    form = {"category": "mediation", "points": "15", "reason": "劝和两家", "happened_on": today().isoformat()}
    first = scorer.post(url, data={**form, "client_key": key})
    again = scorer.post(url, data={**form, "client_key": key})  # a double tap
    assert first.status_code == again.status_code == 302
    recorded = db.session.scalars(db.select(Deed).where(Deed.household_id == waiting.h2.id)).all()
    assert [(d.points, d.reason, d.status) for d in recorded] == [(15, "劝和两家", "submitted")]


def test_a_scorer_cannot_record_for_an_unassigned_household(waiting, login_as):
    unassigned = household(waiting.village, "H9", "孙丽萍", [])
    scorer = login_as("scorer")
    assert scorer.get(f"/scoring/households/{unassigned.id}/deeds/new").status_code == 403
    refused = scorer.post(f"/scoring/households/{unassigned.id}/deeds/new", data={"category": "mediation"})
    assert refused.status_code == 403
    assert db.session.scalar(db.select(Deed).where(Deed.household_id == unassigned.id)) is None
