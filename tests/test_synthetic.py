"""`flask generate-county` on a small county: what it builds, that its ledger balances, that the star
rules find candidates in it, the refusal on a database with units, and the messages for bad sizes."""

from datetime import timedelta

import pytest
from flask_babel import gettext as _
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from moral_bank.core.db import db
from moral_bank.core.time import month_of, today
from moral_bank.honors import service as honors
from moral_bank.honors.models import Honor, StarCategory
from moral_bank.households.models import Household, Member
from moral_bank.ledger import service as ledger
from moral_bank.ledger.models import Account, Entry, Transfer
from moral_bank.scoring.models import Deed, NoticeLine, RatingSheet, SheetScore
from moral_bank.units.models import Unit

SMALL = ["generate-county", "--units", "3", "--households", "60", "--months", "3", "--townships", "2"]


def months_back(n: int) -> str:
    day = today().replace(day=1)
    for _i in range(n):
        day = (day - timedelta(days=1)).replace(day=1)
    return month_of(day)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_small_county_with_its_history(app, runner):
    result = runner.invoke(args=[*SMALL, "--seed", "7"])
    assert result.exit_code == 0, result.output
    months = [months_back(3), months_back(2), months_back(1)]
    lines = result.output.splitlines()
    for month in months:  # a summary line per month, and one at the end
        assert any(line.startswith(month) for line in lines), result.output
    summary = _("County %(code)s generated in %(s)s s: %(rows)s rows.", code="PX", s="§", rows="")
    assert lines[-1].startswith(summary.split("§")[0]), result.output

    kinds = dict(db.session.execute(select(Unit.kind, func.count()).group_by(Unit.kind)).all())
    assert kinds == {"county": 1, "township": 2, "village": 3}
    assert count(Household) == 60
    assert count(Member, Member.is_head) == 60
    assert count(Account, Account.kind == "household") == 60
    assert count(Account, Account.kind == "issuance") == 3
    assert count(StarCategory) == 9

    sheets = count(RatingSheet)
    assert 0.8 * 180 <= sheets <= 180  # most households rated each month
    assert set(db.session.scalars(select(RatingSheet.month).distinct())) == set(months)
    assert count(SheetScore) == 12 * sheets  # the demo rubric's 12 items on every sheet
    assert count(Deed) > 0 and count(Deed, Deed.status != "posted") == 0
    # Every sheet and deed went through a posted notice line; every line with points has its transfer.
    assert count(NoticeLine) == sheets + count(Deed)
    assert count(NoticeLine, NoticeLine.posted_points != 0, NoticeLine.transfer_id.is_(None)) == 0

    # Approved rolls for every month but the last, within each star's number per unit.
    assert set(db.session.scalars(select(Honor.period).distinct())) == set(months[:2])
    assert count(Honor, Honor.status != "approved") == 0
    most = db.session.execute(
        select(func.count(), StarCategory.per_unit)
        .select_from(Honor)
        .join(StarCategory, StarCategory.id == Honor.category_id)
        .group_by(Honor.unit_id, Honor.category_id, Honor.period, StarCategory.per_unit)
    ).all()
    assert most and all(n <= per_unit for n, per_unit in most)
    assert count(Transfer, Transfer.kind == "star_bonus") == count(Honor, Honor.transfer_id.is_not(None))

    # The ledger balances: every cached balance is its entries' sum, and everything sums to zero.
    bad, problems = ledger.verify()
    assert not bad and not problems
    sums = dict(db.session.execute(select(Entry.account_id, func.sum(Entry.amount)).group_by(Entry.account_id)).all())
    balances = dict(db.session.execute(select(Account.id, Account.balance)).all())
    assert sums and all(balances[a] == total for a, total in sums.items())
    assert sum(sums.values()) == 0
    assert all(balances[a] >= 0 for a in db.session.scalars(select(Account.id).where(Account.kind == "household")))


def test_the_star_rules_find_candidates_for_the_last_month(app, runner):
    assert runner.invoke(args=SMALL).exit_code == 0
    village = db.session.scalar(select(Unit).where(Unit.kind == "village").order_by(Unit.code))
    proposed = honors.propose(village, months_back(1))
    assert proposed
    assert {h.category.code for h in proposed} >= {"filial", "honest"}


def test_refuses_a_database_that_has_units_unless_forced(app, runner):
    assert runner.invoke(args=SMALL).exit_code == 0
    households = count(Household)

    refused = runner.invoke(args=[*SMALL, "--code", "QX"])
    assert refused.exit_code == 1
    assert _("This database already has units; generate a county only into an empty one, or add --force.") in (
        refused.output
    )
    assert count(Household) == households

    again = runner.invoke(args=[*SMALL, "--force"])  # the same code: refused, nothing written
    assert again.exit_code == 2
    assert _("The code %(code)s is already used.", code="PX") in again.output
    assert count(Household) == households

    forced = runner.invoke(args=[*SMALL, "--force", "--code", "QX"])
    assert forced.exit_code == 0, forced.output
    assert count(Household) == 2 * households
    assert count(Unit, Unit.kind == "county") == 2
    bad, problems = ledger.verify()
    assert not bad and not problems


def test_bad_sizes_are_refused_with_every_reason(app, runner):
    args = ["generate-county", "--units", "0", "--households", "2000000", "--months", "121", "--townships", "5"]
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    for message in (
        _("Give from 1 to %(n)s villages and communities.", n="1,000"),
        _("Give at least one household per village (%(min)s) and at most %(max)s.", min="1", max="1,000,000"),
        _("Give from 1 to %(n)s months of history.", n=120),
        _("Give from 1 township to one per village (%(n)s).", n=1),
    ):
        assert message in result.output
    assert count(Unit) == 0

    fewer = runner.invoke(args=["generate-county", "--units", "5", "--households", "4", "--months", "0"])
    assert fewer.exit_code == 2
    assert _("Give at least one household per village (%(min)s) and at most %(max)s.", min="5", max="1,000,000") in (
        fewer.output
    )
    assert _("Give from 1 to %(n)s months of history.", n=120) in fewer.output
    assert count(Unit) == 0


def test_the_tables_keep_their_foreign_keys_and_indexes(app, runner):
    """The bulk writer takes indexes (and on PostgreSQL foreign keys) off while it fills the tables: all
    of them are back afterwards, so a row pointing nowhere is still refused."""
    assert runner.invoke(args=SMALL).exit_code == 0
    db.session.remove()
    found = inspect(db.engine)
    for table in ("rating_sheet", "sheet_score", "deed", "transfer", "entry", "notice_line", "honor", "household"):
        wanted = db.metadata.tables[table]
        assert {fk["name"] for fk in found.get_foreign_keys(table)} >= {
            fk.name for fk in wanted.foreign_key_constraints
        }, table
        assert {i["name"] for i in found.get_indexes(table)} >= {i.name for i in wanted.indexes}, table
    sheet = db.session.scalar(select(SheetScore).limit(1))
    db.session.add(SheetScore(sheet_id=sheet.sheet_id, item_id=10**9, points=1))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
