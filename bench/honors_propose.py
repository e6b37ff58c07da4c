"""Benchmark: proposing a county's stars for a month (honors.propose_area) on the synthetic county of
`flask generate-county` (67 villages and communities, 30,000 households, 24 months of history).
Target (issue 6): under 10 s, on SQLite and on PostgreSQL.

    .venv/bin/python bench/honors_propose.py [--reuse]          # a SQLite file in the temporary folder
    DATABASE_URL=postgresql://… .venv/bin/python bench/honors_propose.py [--reuse]

WARNING: with DATABASE_URL set, this DROPS EVERY TABLE of that database (unless --reuse finds the
county there) and generates it afresh. Point it only at a scratch database.

Timed: propose_area() of the county for its last month (the one month without a roll), with the flush of
the proposals; then rolled back, so the county can be reused. Prints the figure and PASS or FAIL.
"""

import sys
import time
import timeit
from pathlib import Path

TARGET = 10.0


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for moral_bank and bench
    from sqlalchemy import func, select

    from bench.apps.setup import county_app
    from moral_bank.core.db import db
    from moral_bank.honors import service as honors
    from moral_bank.honors.models import Honor
    from moral_bank.units import service as units

    app, _url = county_app("--reuse" in sys.argv)
    with app.app_context():
        county = units.by_code("PX")
        month = db.session.scalar(select(func.max(Honor.period)).where(Honor.status == "approved"))
        last = honors.last_period("month")
        started = time.perf_counter()
        done = honors.propose_area(county, last)
        db.session.flush()
        seconds = time.perf_counter() - started
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    reference = min(timeit.repeat("sum(range(10**6))", number=1, repeat=5))
    print(f"this machine: sum(range(10**6)) takes {reference * 1e3:.0f} ms (about 12 ms on an idle core)")
    print(f"newest approved roll: {month}; proposing {done.period}")
    print(
        f"propose_area(county, {done.period}): {done.proposed:,} stars for {done.units_with_proposals} of "
        f"{done.units} units in {seconds:.2f} s (target under {TARGET:.0f} s)"
    )
    if done.proposed == 0:
        print("FAIL: nothing was proposed")
        return 1
    if seconds >= TARGET:
        print("FAIL")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
