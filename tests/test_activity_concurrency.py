"""Thirty households signing up at once for ten places (both databases): exactly ten get one, the
counter says ten, nobody gets a place twice, nothing deadlocks."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from moral_bank.activities import service as activities
from moral_bank.activities.models import Activity, Signup
from moral_bank.core.db import db, utcnow
from moral_bank.core.errors import Conflict
from moral_bank.scoring import deeds

from . import factories
from .concurrency import at_once, in_own_session
from .test_ledger_concurrency import wide_app  # noqa: F401  (the fixture)

HOUSEHOLDS = 30


@pytest.fixture
def crowd(app):
    """A village of 30 households, each with its resident login, and an activity with 10 places."""
    county = factories.unit("C", "county")
    village = factories.unit("V", "village", factories.unit("T", "township", county))
    deeds.add_category(county, "hygiene", "环境卫生", "award", 8)
    admin = factories.user("admin", "unit_admin", village)
    residents = []
    for n in range(HOUSEHOLDS):
        household = factories.household(village, f"H{n:02d}", "王四保", [])
        residents.append(factories.user(f"resident{n}", "resident", village, household.members[0]).id)
    start = utcnow() + timedelta(days=1)
    fields = {
        "title": "清扫村道",
        "place": "村委会",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "capacity": 10,
        "points": 5,
        "category": "hygiene",
    }
    activity_id = activities.post(village, fields, admin).id
    # Commit and leave no transaction open (read nothing after it): on SQLite an open one holds the write lock.
    db.session.commit()
    return activity_id, residents


def _run(wide_app, work, n: int) -> Counter:  # noqa: F811
    """work(i) on n threads at once, each in its own session; a refusal counts as "refused: <message>"."""
    return at_once(n, in_own_session(wide_app, work, Conflict, lambda exc: f"refused: {exc.message}"))


def _sign_up(activity_id: int, resident_ids: list[int]):
    from moral_bank.auth.models import User

    def work(i: int) -> str:
        resident = db.session.get(User, resident_ids[i % len(resident_ids)])
        household = activities.household_of(resident)
        _signup, created = activities.sign_up(db.session.get(Activity, activity_id), household, resident)
        return "ok" if created else "again"

    return work


def test_thirty_households_signing_up_for_ten_places_get_exactly_ten(wide_app, crowd):  # noqa: F811
    activity_id, residents = crowd
    outcomes = _run(wide_app, _sign_up(activity_id, residents), HOUSEHOLDS)
    assert outcomes["ok"] == 10 and sum(outcomes.values()) == HOUSEHOLDS, outcomes
    assert all(o == "ok" or o.startswith("refused") for o in outcomes), outcomes
    db.session.expire_all()
    assert db.session.scalar(select(Activity.signed_up).where(Activity.id == activity_id)) == 10
    assert db.session.scalar(select(func.count(Signup.id)).where(Signup.activity_id == activity_id)) == 10


def test_one_household_tapping_sign_up_thirty_times_at_once_takes_one_place(wide_app, crowd):  # noqa: F811
    activity_id, residents = crowd
    outcomes = _run(wide_app, _sign_up(activity_id, residents[:1]), HOUSEHOLDS)
    assert outcomes == Counter({"ok": 1, "again": HOUSEHOLDS - 1}), outcomes
    db.session.expire_all()
    assert db.session.scalar(select(Activity.signed_up).where(Activity.id == activity_id)) == 1
    assert db.session.scalar(select(func.count(Signup.id))) == 1
