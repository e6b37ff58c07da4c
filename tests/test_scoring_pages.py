"""The scorer's phone pages: worklist (assigned only, unrated first) and the rating sheet form."""

import pytest

from moral_bank.core.db import db
from moral_bank.scoring import service as scoring
from moral_bank.scoring import sheets

from .test_rating_sheets import FULL
from .test_scoring_setup import demo_items

MONTH = "2026-10"


@pytest.fixture
def scorer(world, login_as):
    scoring.new_rubric_version(world.county, demo_items())
    scoring.assign(world.village, world.users["scorer"], ["H1", "H2"])
    db.session.commit()
    client = login_as("scorer")
    client.post("/language", data={"locale": "en"})
    return client


def form_for(scores: dict, action: str, note: str = "") -> dict:
    return {**{f"item_{code}": str(points) for code, points in scores.items()}, "note": note, "action": action}


def test_worklist_lists_assigned_households_unrated_first(world, scorer):
    sheets.save_sheet(world.h1, MONTH, FULL, "", world.users["scorer"], submit=True)
    page = scorer.get(f"/scoring/units/{world.village.id}/worklist?month={MONTH}").get_data(as_text=True)
    assert "rated 1 of 2" in page
    assert page.index("rate-H2") < page.index("rate-H1")  # the unrated household comes first
    assert "Not rated" in page and "Submitted" in page
    assert "rate-H3" not in page


def test_sheet_form_keeps_typed_values_and_points_at_bad_cells(world, scorer):
    url = f"/scoring/households/{world.h1.id}/sheet?month={MONTH}"
    page = scorer.get(url).get_data(as_text=True)
    assert page.count('class="score"') == 12 and "孝敬老人" in page
    response = scorer.post(url, data=form_for({"xiao-elders": 11, "mei-clean": 6}, "draft") | {"item_xin-law": "abc"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count('aria-invalid="true"') == 2
    assert "孝敬老人: a whole number from 0 to 10." in page and "遵纪守法: a whole number from 0 to 7." in page
    assert 'value="11"' in page and 'value="abc"' in page and 'value="6"' in page
    assert sheets.sheet_for(world.h1, MONTH) is None


def test_draft_then_submit_from_the_phone(world, scorer):
    url = f"/scoring/households/{world.h1.id}/sheet?month={MONTH}"
    assert scorer.post(url, data=form_for({"xiao-elders": 9}, "draft", "门口堆柴")).status_code == 302
    sheet = sheets.sheet_for(world.h1, MONTH)
    assert (sheet.status, sheet.total, sheet.note) == ("draft", 9, "门口堆柴")
    page = scorer.get(url).get_data(as_text=True)
    assert 'value="9"' in page and "门口堆柴" in page
    incomplete = scorer.post(url, data=form_for({"xiao-elders": 9}, "submit"))
    assert incomplete.status_code == 422 and "a score is needed before submitting" in incomplete.get_data(as_text=True)
    done = scorer.post(url, data=form_for(FULL, "submit"))
    assert done.status_code == 302 and f"/worklist?month={MONTH}" in done.headers["Location"]
    db.session.expire_all()
    assert (sheets.sheet_for(world.h1, MONTH).status, sheets.sheet_for(world.h1, MONTH).total) == ("submitted", 80)
    frozen = scorer.get(url).get_data(as_text=True)
    assert "save-draft" not in frozen and "can no longer be changed" in frozen


def test_a_scorer_cannot_open_an_unassigned_household(world, scorer):
    scoring.assign(world.village, world.users["scorer"], ["H1"])
    db.session.commit()
    other = factories_user_scorer(world)
    scoring.assign(world.village, other, ["H2"])
    db.session.commit()
    assert scorer.get(f"/scoring/households/{world.h2.id}/sheet?month={MONTH}").status_code == 403
    assert scorer.get(f"/scoring/households/{world.other_h.id}/sheet?month={MONTH}").status_code == 403


def factories_user_scorer(world):
    from . import factories

    return factories.user("scorer2", "scorer", world.village)


def test_a_bad_month_is_explained_not_crashed(world, scorer):
    response = scorer.get(f"/scoring/units/{world.village.id}/worklist?month=2026-13")
    assert response.status_code == 422
    assert "The month must look like 2026-10." in response.get_data(as_text=True)
