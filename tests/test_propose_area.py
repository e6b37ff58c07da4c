"""Proposing the stars of every unit under a township or county at once (honors.propose_area and
`flask propose-stars`): exactly what propose() unit by unit gives, idempotent, limited to the area."""

from datetime import timedelta

import pytest
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from moral_bank.core.db import db
from moral_bank.core.time import month_of, today
from moral_bank.honors import service as honors
from moral_bank.honors.models import Honor, StarCategory
from moral_bank.households.models import Household
from moral_bank.units.models import Unit

from . import factories


def last_month() -> str:
    return month_of(today().replace(day=1) - timedelta(days=1))


def proposals() -> set[tuple]:
    db.session.expire_all()
    return set(
        db.session.execute(
            select(
                Honor.category_id, Honor.unit_id, Honor.household_id, Honor.rank, Honor.points, Honor.reason, Honor.how
            ).where(Honor.period == last_month(), Honor.status == "proposed")
        ).all()
    )


@pytest.fixture
def county(app, runner):
    """A generated county of 5 villages in 2 townships (last month not yet proposed), one village with a
    star of its own, and in another one last month's filial star already approved and one proposal removed."""
    assert (
        runner.invoke(args=["generate-county", "--units", "5", "--households", "150", "--months", "2"]).exit_code == 0
    )
    villages = list(db.session.scalars(select(Unit).where(Unit.kind.in_(("village", "community"))).order_by(Unit.code)))
    admin = factories.user("county_admin", "county_admin", db.session.scalar(select(Unit).where(Unit.code == "PX")))
    honors.add_category(
        villages[0],
        {"code": "elders", "name": "敬老之星", "rule": "ranking", "rubric_categories": ["xiao", "shan"], "per_unit": 4},
        admin,
    )
    made = honors.propose(villages[1], last_month(), admin)
    filial = next(h for h in made if h.category.code == "filial")
    honors.approve(filial, admin)
    honors.remove(next(h for h in made if h.category.code == "honest"), admin)
    db.session.execute(delete(Honor).where(Honor.status == "proposed"))
    db.session.commit()
    return villages, admin


def test_the_area_proposes_what_each_unit_would(county):
    villages, admin = county
    for village in villages:
        honors.propose(village, last_month(), admin)
    one_by_one = proposals()
    assert len({row[0] for row in one_by_one}) >= 9  # the county's stars and the village's own
    assert len({row[1] for row in one_by_one}) == len(villages)
    db.session.execute(delete(Honor).where(Honor.status == "proposed"))

    done = honors.propose_area(db.session.scalar(select(Unit).where(Unit.code == "PX")), last_month(), admin)
    assert proposals() == one_by_one
    assert (done.units, done.units_with_proposals, done.proposed) == (5, 5, len(one_by_one))
    # The approved filial star keeps its place (one more proposed, per_unit 2); the removed one is not back.
    filial = db.session.scalar(select(StarCategory).where(StarCategory.code == "filial"))
    held = db.session.scalars(
        select(Honor.status).where(
            Honor.unit_id == villages[1].id, Honor.category_id == filial.id, Honor.period == last_month()
        )
    ).all()
    assert sorted(held) == ["approved", "proposed"]
    assert db.session.scalar(select(func.count(Honor.id)).where(Honor.status == "removed")) == 1


def test_proposing_again_adds_nobody(county):
    villages, admin = county
    area = db.session.scalar(select(Unit).where(Unit.code == "PX"))
    first = honors.propose_area(area, last_month(), admin)
    before = proposals()
    again = honors.propose_area(area, last_month(), admin)
    assert first.proposed > 0 and again.proposed == 0
    assert proposals() == before


def test_a_township_proposes_only_its_own_units(county):
    villages, admin = county
    township = db.session.scalar(select(Unit).where(Unit.code == "PX-T01"))
    done = honors.propose_area(township, last_month(), admin)
    inside = {v.id for v in villages if v.path.startswith(township.path)}
    assert done.units == len(inside) < len(villages)
    assert {row[1] for row in proposals()} == inside


def test_the_command(county, runner):
    villages, _admin = county
    result = runner.invoke(args=["propose-stars", "PX", "--period", last_month()])
    assert result.exit_code == 0, result.output
    made = len(proposals())
    assert made > 0
    assert f"{made:,}" in result.output and last_month() in result.output
    assert runner.invoke(args=["propose-stars", "PX"]).exit_code == 0  # last month by default: nobody twice
    assert len(proposals()) == made
    households = db.session.scalar(select(func.count(Household.id)))
    assert households == 150

    unknown = runner.invoke(args=["propose-stars", "NOPE"])
    assert unknown.exit_code == 2
    assert _("No township, county, village or community has the code %(code)s.", code="NOPE") in unknown.output
    bad = runner.invoke(args=["propose-stars", "PX", "--period", "2026-13"])
    assert bad.exit_code == 2
    assert _("A period is a month (2026-10), a quarter (2026-Q4) or a year (2026).") in bad.output
