"""Rating sheets: only the assigned scorer (or an admin) rates; scores stay within the rubric; drafts and submit."""

import pytest
from sqlalchemy import func, select

from moral_bank.auth import service as auth
from moral_bank.core.db import db
from moral_bank.core.errors import Conflict, FieldErrors, NotAllowed
from moral_bank.scoring import service as scoring
from moral_bank.scoring import sheets
from moral_bank.scoring.models import RatingSheet, SheetScore

from .test_scoring_setup import demo_items, items

MONTH = "2026-10"
FULL = {
    "xiao-elders": 9,
    "xiao-children": 5,
    "shan-neighbours": 8,
    "shan-public": 6,
    "xin-honest": 8,
    "xin-law": 7,
    "qin-work": 7,
    "qin-yard": 5,
    "jian-customs": 8,
    "jian-ceremony": 7,
    "mei-clean": 6,
    "mei-garden": 4,
}


@pytest.fixture
def rated(world):
    scoring.new_rubric_version(world.county, demo_items())
    scoring.assign(world.village, world.users["scorer"], ["H1"])
    db.session.commit()
    return world


def test_a_draft_keeps_partial_scores_and_their_total(rated):
    sheet, created = sheets.save_sheet(
        rated.h1, MONTH, {"xiao-elders": 9, "mei-clean": 6}, "院子很干净", rated.users["scorer"]
    )
    assert created and sheet.status == "draft" and sheet.total == 15
    sheet, created = sheets.save_sheet(rated.h1, MONTH, {"xiao-elders": 7}, "", rated.users["scorer"])
    assert not created and sheet.total == 7
    assert db.session.scalar(select(func.count(SheetScore.id))) == 1


def test_submitting_needs_every_item_and_then_freezes_the_sheet(rated):
    scorer = rated.users["scorer"]
    with pytest.raises(FieldErrors) as err:
        sheets.save_sheet(rated.h1, MONTH, {"xiao-elders": 9}, "", scorer, submit=True)
    assert "scores.mei-garden" in err.value.fields
    sheet, _ = sheets.save_sheet(rated.h1, MONTH, FULL, "", scorer, submit=True)
    assert sheet.status == "submitted" and sheet.total == sum(FULL.values()) == 80
    again, created = sheets.save_sheet(rated.h1, MONTH, FULL, "", scorer, submit=True)  # a phone's retry
    assert again.id == sheet.id and not created
    with pytest.raises(Conflict):
        sheets.save_sheet(rated.h1, MONTH, {**FULL, "mei-garden": 7}, "", scorer, submit=True)
    assert db.session.scalar(select(func.count(RatingSheet.id))) == 1


@pytest.mark.parametrize("points", [-1, 11, 2.5, True, "9", None])
def test_a_score_outside_the_items_range_names_that_item(rated, points):
    with pytest.raises(FieldErrors) as err:
        sheets.save_sheet(rated.h1, MONTH, {"xiao-elders": points}, "", rated.users["scorer"])
    assert list(err.value.fields) == ["scores.xiao-elders"]
    assert "孝敬老人" in err.value.fields["scores.xiao-elders"]


def test_unknown_items_and_bad_shapes_are_refused(rated):
    scorer = rated.users["scorer"]
    with pytest.raises(FieldErrors) as err:
        sheets.save_sheet(rated.h1, MONTH, {"bravery": 5}, "", scorer)
    assert "scores.bravery" in err.value.fields
    with pytest.raises(FieldErrors):
        sheets.save_sheet(rated.h1, MONTH, [5, 5], "", scorer)
    with pytest.raises(FieldErrors):
        sheets.save_sheet(rated.h1, MONTH, {}, "x" * 501, scorer)


def test_only_the_assigned_scorer_or_an_admin_rates(rated):
    with pytest.raises(NotAllowed):
        sheets.save_sheet(rated.h2, MONTH, {"xiao-elders": 5}, "", rated.users["scorer"])  # not assigned
    with pytest.raises(NotAllowed):
        sheets.save_sheet(rated.h1, MONTH, {"xiao-elders": 5}, "", rated.users["clerk"])
    sheet, _ = sheets.save_sheet(rated.h2, MONTH, {"xiao-elders": 5}, "", rated.users["unit_admin"])
    assert sheet.scorer_id == rated.users["unit_admin"].id


def test_a_sheet_keeps_the_rubric_version_of_its_month(rated):
    october, _ = sheets.save_sheet(rated.h1, MONTH, {"xiao-elders": 9}, "", rated.users["scorer"])
    scoring.new_rubric_version(rated.county, items(points=20))
    october, _ = sheets.save_sheet(rated.h1, MONTH, {"xiao-elders": 10}, "", rated.users["scorer"])
    assert october.scoring_month.rubric.version == 1
    with pytest.raises(FieldErrors):  # the new version's codes are not October's
        sheets.save_sheet(rated.h1, MONTH, {"xiao-1": 20}, "", rated.users["scorer"])


def bearer(user) -> dict:
    raw, _token = auth.issue_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def test_rating_sheet_api_creates_updates_and_explains(app, rated):
    client, headers = app.test_client(), bearer(rated.users["scorer"])
    body = {"household_id": rated.h1.id, "month": MONTH, "scores": {"xiao-elders": 9}}
    first = client.post("/api/v1/rating-sheets", json=body, headers=headers)
    assert first.status_code == 201
    assert first.json | {"id": 0} == {
        "id": 0,
        "household_id": rated.h1.id,
        "month": MONTH,
        "total": 9,
        "status": "draft",
        "rubric_version": 1,
    }
    submitted = client.post("/api/v1/rating-sheets", json={**body, "scores": FULL, "submit": True}, headers=headers)
    assert submitted.status_code == 200 and submitted.json["status"] == "submitted"
    assert submitted.json["id"] == first.json["id"]
    late = client.post("/api/v1/rating-sheets", json={**body, "scores": {**FULL, "mei-clean": 1}}, headers=headers)
    assert late.status_code == 409
    bad = client.post(
        "/api/v1/rating-sheets",
        json={**body, "household_id": rated.h2.id, "month": "2026-13"},
        headers=bearer(rated.users["unit_admin"]),
    )
    assert bad.status_code == 422 and "month" in bad.json["error"]["fields"]
    nobody = client.post("/api/v1/rating-sheets", json={**body, "household_id": 999999}, headers=headers)
    assert nobody.status_code == 422 and "household_id" in nobody.json["error"]["fields"]
    unassigned = client.post("/api/v1/rating-sheets", json={**body, "household_id": rated.h2.id}, headers=headers)
    assert unassigned.status_code == 403
