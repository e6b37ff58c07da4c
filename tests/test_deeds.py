"""Deeds: categories with per-deed limits, who may record, validation, and retries by Idempotency-Key."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from moral_bank.auth import service as auth
from moral_bank.core.db import db
from moral_bank.core.errors import FieldErrors, NotAllowed
from moral_bank.core.time import today
from moral_bank.demo import DEED_CATEGORIES
from moral_bank.scoring import deeds
from moral_bank.scoring import service as scoring
from moral_bank.scoring.models import Deed


@pytest.fixture
def recorded(world):
    for code, name, kind, limit in DEED_CATEGORIES:
        deeds.add_category(world.county, code, name, kind, limit)
    scoring.assign(world.village, world.users["scorer"], ["H1"])
    db.session.commit()
    return world


def day(offset: int = 0) -> str:
    return (today() - timedelta(days=offset)).isoformat()


def test_an_award_and_a_deduction_carry_their_sign(recorded):
    scorer = recorded.users["scorer"]
    award, created = deeds.record_deed(recorded.h1, "mediation", 20, "调解宅基地纠纷", day(1), actor=scorer)
    deduction, _ = deeds.record_deed(recorded.h1, "litter", 5, "柴草乱堆", day(), actor=scorer)
    assert created and award.status == "submitted"
    assert (award.signed_points, deduction.signed_points) == (20, -5)


def test_the_category_limit_and_other_fields_are_checked_together(recorded):
    member_of_other = recorded.other_h.members[0].id
    with pytest.raises(FieldErrors) as err:
        deeds.record_deed(
            recorded.h1, "neighbours", 11, " ", "2026-02-30", member_id=member_of_other, actor=recorded.users["scorer"]
        )
    assert set(err.value.fields) == {"points", "reason", "date", "member_id"}
    assert "邻里互助" in err.value.fields["points"] and "10" in err.value.fields["points"]
    assert db.session.scalar(select(func.count(Deed.id))) == 0


@pytest.mark.parametrize(
    ("category", "points", "date", "field"),
    [
        ("nope", 5, 0, "category"),
        ("hygiene", 0, 0, "points"),
        ("hygiene", True, 0, "points"),
        ("hygiene", 5, -1, "date"),  # tomorrow
        ("hygiene", 5, 400, "date"),
        ("hygiene", 5, "15/10/2026", "date"),
    ],
)
def test_each_bad_field_is_named(recorded, category, points, date, field):
    with pytest.raises(FieldErrors) as err:
        when = day(date) if isinstance(date, int) else date
        deeds.record_deed(recorded.h1, category, points, "reason", when, actor=recorded.users["scorer"])
    assert field in err.value.fields


def test_only_the_households_scorer_or_an_admin_records(recorded):
    with pytest.raises(NotAllowed):
        deeds.record_deed(recorded.h2, "hygiene", 5, "x", day(), actor=recorded.users["scorer"])
    with pytest.raises(NotAllowed):
        deeds.record_deed(recorded.h1, "hygiene", 5, "x", day(), actor=recorded.users["clerk"])
    deed, _ = deeds.record_deed(recorded.h2, "hygiene", 5, "x", day(), actor=recorded.users["unit_admin"])
    assert deed.recorded_by_id == recorded.users["unit_admin"].id


def test_a_member_of_the_household_may_be_named(recorded):
    member = recorded.h1.members[1]
    deed, _ = deeds.record_deed(
        recorded.h1, "filial", 10, "照顾瘫痪婆婆", day(), member_id=member.id, actor=recorded.users["scorer"]
    )
    assert deed.member_id == member.id


def test_deeds_api_with_idempotency_key(app, recorded):
    raw, _token = auth.issue_token(recorded.users["scorer"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}", "Idempotency-Key": "phone-7f3a-0001"}
    body = {"household_id": recorded.h1.id, "category": "forest-fire", "points": 15, "reason": "巡山", "date": day()}
    client = app.test_client()
    first = client.post("/api/v1/deeds", json=body, headers=headers)
    again = client.post("/api/v1/deeds", json=body, headers=headers)  # the phone retries after a timeout
    assert first.status_code == 201 and again.status_code == 201
    assert first.json == again.json
    assert first.json["points"] == 15 and first.json["kind"] == "award"
    assert db.session.scalar(select(func.count(Deed.id))) == 1
    other = client.post(
        "/api/v1/deeds",
        json={**body, "household_id": recorded.h2.id},
        headers={**headers, "Idempotency-Key": "phone-7f3a-0002"},
    )
    assert other.status_code == 403
    bad = client.post("/api/v1/deeds", json={**body, "points": 99}, headers={"Authorization": f"Bearer {raw}"})
    assert bad.status_code == 422 and "points" in bad.json["error"]["fields"]
    short_key = client.post("/api/v1/deeds", json=body, headers={**headers, "Idempotency-Key": "x"})
    assert short_key.status_code == 422 and "idempotency_key" in short_key.json["error"]["fields"]
