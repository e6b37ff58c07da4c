"""A unit admin approves submitted sheets and deeds, or returns them to the scorer with a comment."""

import pytest

from moral_bank.auth import service as auth
from moral_bank.core.db import db
from moral_bank.core.errors import Conflict, DomainError, NotAllowed
from moral_bank.scoring import review, sheets
from moral_bank.scoring import service as scoring

from .test_rating_sheets import FULL
from .test_scoring_setup import demo_items

MONTH = "2026-10"


@pytest.fixture
def submitted(world):
    scoring.new_rubric_version(world.county, demo_items())
    scoring.assign(world.village, world.users["scorer"], ["H1"])
    sheet, _ = sheets.save_sheet(world.h1, MONTH, FULL, "", world.users["scorer"], submit=True)
    db.session.commit()
    return sheet


def test_returning_a_sheet_lets_the_scorer_correct_and_resubmit(world, submitted):
    admin, scorer = world.users["unit_admin"], world.users["scorer"]
    review.review(submitted, False, "孝敬老人打分偏高，请核实", admin)
    assert (submitted.status, submitted.review_comment) == ("returned", "孝敬老人打分偏高，请核实")
    corrected, _ = sheets.save_sheet(world.h1, MONTH, {**FULL, "xiao-elders": 6}, "", scorer, submit=True)
    assert corrected.id == submitted.id and corrected.status == "submitted" and corrected.total == 77
    review.review(corrected, True, "", admin)
    assert corrected.status == "approved" and corrected.review_comment == ""
    with pytest.raises(Conflict):
        sheets.save_sheet(world.h1, MONTH, FULL, "", scorer, submit=True)


def test_review_rules(world, submitted):
    admin = world.users["unit_admin"]
    with pytest.raises(NotAllowed):
        review.review(submitted, True, "", world.users["scorer"])
    with pytest.raises(DomainError) as err:
        review.review(submitted, False, "  ", admin)
    assert err.value.field == "comment"
    with pytest.raises(DomainError) as err:
        review.review(submitted, "yes", "", admin)
    assert err.value.field == "approve"
    review.review(submitted, True, "", admin)
    review.review(submitted, True, "", admin)  # the same decision again is a harmless retry
    with pytest.raises(Conflict):
        review.review(submitted, False, "too late", admin)


def test_review_api(app, world, submitted):
    raw, _token = auth.issue_token(world.users["unit_admin"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    client = app.test_client()
    missing = client.post(f"/api/v1/rating-sheets/{submitted.id}/review", json={"approve": False}, headers=headers)
    assert missing.status_code == 422 and "comment" in missing.json["error"]["fields"]
    returned = client.post(
        f"/api/v1/rating-sheets/{submitted.id}/review",
        json={"approve": False, "comment": "请补充备注"},
        headers=headers,
    )
    assert returned.status_code == 200
    assert returned.json == {"id": submitted.id, "status": "returned", "review_comment": "请补充备注"}
    assert (
        client.post("/api/v1/rating-sheets/999999/review", json={"approve": True}, headers=headers).status_code == 404
    )
    assert client.post("/api/v1/deeds/999999/review", json={"approve": True}, headers=headers).status_code == 404


def test_a_deed_is_reviewed_the_same_way(world):
    from moral_bank.demo import DEED_CATEGORIES
    from moral_bank.scoring import deeds

    for code, name, kind, limit in DEED_CATEGORIES:
        deeds.add_category(world.county, code, name, kind, limit)
    deed, _ = deeds.record_deed(world.h1, "hygiene", 5, "门前三包", _today(), actor=world.users["unit_admin"])
    review.review(deed, True, "", world.users["unit_admin"])
    assert deed.status == "approved"


def _today() -> str:
    from moral_bank.core.time import today

    return today().isoformat()
