"""Benchmark: post a month's notice board to the ledger.

Targets (issue 3): one unit of 800 households under 2 s; 30,000 households
across a county under 60 s; on SQLite and on PostgreSQL.

    .venv/bin/python bench/post_month.py              # a temporary SQLite file
    DATABASE_URL=postgresql://… .venv/bin/python bench/post_month.py

WARNING: with DATABASE_URL set, this DROPS EVERY TABLE of that database and
creates them afresh. Point it only at a scratch database.

Each household has an approved rating sheet, and one in ten a deed (an award,
or a deduction every other time). Setting up is not timed. Timed:
- one unit of 800: notices.post() in one transaction, as the admin page does;
- the county (30,000 in 38 units): the close-month command's work, every due
  notice, committing every 500 lines.
Baseline, in the same run: the same number of bare ledger.transfer() calls,
i.e. what posting costs beyond the ledger itself. Prints the figures and PASS
or FAIL, and exits 1 on FAIL or when a balance is wrong.
"""

import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

UNIT_SIZE = 800
COUNTY_HOUSEHOLDS = 30_000
UNIT_TARGET = 2.0
COUNTY_TARGET = 60.0
MONTH = "2026-10"


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from sqlalchemy import func, insert, select

    from moral_bank import create_app
    from moral_bank.core.db import db, utcnow
    from moral_bank.demo import DEED_CATEGORIES, RUBRIC
    from moral_bank.households.models import Household
    from moral_bank.ledger import service as ledger
    from moral_bank.ledger.models import Account
    from moral_bank.scoring import deeds, notices
    from moral_bank.scoring import service as scoring
    from moral_bank.scoring.models import Deed, DeedCategory, Notice, RatingSheet
    from moral_bank.units import service as units

    def village_with_lines(township, code: str, size: int) -> tuple:
        """A village of `size` households, each with an approved sheet; one in ten with a deed."""
        village = units.create_unit(code, f"{code}村", "village", township)
        db.session.flush()
        db.session.execute(
            insert(Household),
            [{"unit_id": village.id, "code": f"H{i:05d}", "head_name": f"王{i}保"} for i in range(size)],
        )
        ids = db.session.scalars(select(Household.id).where(Household.unit_id == village.id)).all()
        db.session.execute(
            insert(Account), [{"kind": "household", "unit_id": village.id, "household_id": h} for h in ids]
        )
        month = scoring.open_month(village, MONTH)
        db.session.execute(
            insert(RatingSheet),
            [
                {
                    "household_id": h,
                    "unit_id": village.id,
                    "month": MONTH,
                    "scoring_month_id": month.id,
                    "status": "approved",
                    "total": 40 + h % 50,
                }
                for h in ids
            ],
        )
        day = date.fromisoformat(MONTH + "-15")
        db.session.execute(
            insert(Deed),
            [
                {
                    "household_id": h,
                    "unit_id": village.id,
                    "category_id": award.id if n % 2 else deduction.id,
                    "points": 10,
                    "reason": "bench",
                    "happened_on": day,
                    "status": "approved",
                }
                for n, h in enumerate(ids[::10])
            ],
        )
        notice = notices.publish(village, MONTH, None)
        notice.ends_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        return village, ids

    def expected_total(ids) -> int:
        deed_points = sum(10 if n % 2 else -10 for n, _h in enumerate(ids[::10]))
        return sum(40 + h % 50 for h in ids) + deed_points

    def balances(ids) -> int:
        return db.session.scalar(select(func.sum(Account.balance)).where(Account.household_id.in_(ids))) or 0

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            db.drop_all()  # wipes the database named by DATABASE_URL, see the warning above
            db.create_all()
            print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
            county = units.create_unit("C", "蒲县", "county", None)
            township = units.create_unit("T", "克城镇", "township", county)
            db.session.flush()
            items = [{"code": c, "category": k, "name": n, "max_points": m} for c, k, n, m in RUBRIC]
            scoring.new_rubric_version(county, items)
            for code, name, kind, limit in DEED_CATEGORIES:
                deeds.add_category(county, code, name, kind, limit)
            award = db.session.scalar(select(DeedCategory).where(DeedCategory.kind == "award"))
            deduction = db.session.scalar(select(DeedCategory).where(DeedCategory.kind == "deduction"))
            db.session.commit()

            # Baseline: bare ledger transfers, as many as the unit has lines.
            base_village, base_ids = village_with_lines(township, "BASE", UNIT_SIZE)
            issuance = ledger.issuance_account(base_village)
            accounts = db.session.scalars(select(Account).where(Account.household_id.in_(base_ids))).all()
            lines = UNIT_SIZE + len(base_ids[::10])
            started = time.perf_counter()
            for n in range(lines):
                ledger.transfer(issuance, accounts[n % len(accounts)], 5, "adjustment", idempotency_key=f"base:{n}")
            db.session.commit()
            baseline = time.perf_counter() - started

            # One unit of 800 households, in one transaction.
            village, ids = village_with_lines(township, "V800", UNIT_SIZE)
            notice = db.session.scalar(select(Notice).where(Notice.unit_id == village.id))
            started = time.perf_counter()
            posted_unit = notices.post(notice, None)
            db.session.commit()
            unit_seconds = time.perf_counter() - started
            unit_ok = balances(ids) == expected_total(ids)

            # A county: 30,000 households in 38 villages, every due notice as close-month posts them.
            per_unit, county_ids, county_expected = COUNTY_HOUSEHOLDS // 38, [], 0
            for v in range(38):
                size = per_unit + (COUNTY_HOUSEHOLDS - per_unit * 38 if v == 0 else 0)
                ids = village_with_lines(township, f"V{v:02d}", size)[1]
                county_ids += ids
                county_expected += expected_total(ids)
            started = time.perf_counter()
            posted_county = 0
            for pending in notices.pending():
                if notices.why_not_postable(pending) is None:
                    posted_county += notices.post(pending, None, chunk=500)
                    db.session.commit()
            county_seconds = time.perf_counter() - started
            county_ok = balances(county_ids) == county_expected
            bad, problems = ledger.verify()
            db.session.remove()
            db.engine.dispose()

    print(f"baseline:  {lines} bare ledger.transfer calls in {baseline:6.2f} s ({lines / baseline:,.0f}/s)")
    print(
        f"one unit:  {posted_unit} lines ({UNIT_SIZE} households) in {unit_seconds:6.2f} s "
        f"({posted_unit / unit_seconds:,.0f} lines/s; {unit_seconds / baseline:.2f}× the baseline; "
        f"target {UNIT_TARGET:.0f} s)"
    )
    print(
        f"county:    {posted_county} lines ({len(county_ids)} households, 38 units) in {county_seconds:6.2f} s "
        f"({posted_county / county_seconds:,.0f} lines/s; target {COUNTY_TARGET:.0f} s)"
    )
    if not (unit_ok and county_ok) or bad or problems:
        print(f"FAIL: balances wrong (unit ok {unit_ok}, county ok {county_ok}) or ledger check: {bad} {problems}")
        return 1
    if unit_seconds > UNIT_TARGET or county_seconds > COUNTY_TARGET:
        print("FAIL")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
