"""Benchmark: save the desktop rating grid of 500 households × 12 items in one submit.

Target (issue 3): median under 1 s on SQLite, for the whole HTTP request
(parsing 6,000 fields, checking every cell, writing the sheets, rendering the redirect).

    .venv/bin/python bench/grid_save.py              # a temporary SQLite file
    DATABASE_URL=postgresql://… .venv/bin/python bench/grid_save.py

WARNING: with DATABASE_URL set, this DROPS EVERY TABLE of that database and
creates them afresh. Point it only at a scratch database.

Seven saves with different values each time (the first creates the 500 sheets,
the rest change them), then the median. Baseline, in the same run: the phone
page's one-household save, timed over 20 households and scaled to 500 (what the
same work costs a household at a time). Prints the figures and PASS or FAIL.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

HOUSEHOLDS = 500
RUNS = 7
TARGET = 1.0
MONTH = "2026-10"


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for moral_bank and bench.apps
    from sqlalchemy import func, select

    from bench.apps.setup import ADMIN_PASSWORD, scratch_app, unit_admin, village_with_households
    from moral_bank.core.db import db
    from moral_bank.demo import RUBRIC
    from moral_bank.scoring import service as scoring
    from moral_bank.scoring.models import RatingSheet, SheetScore

    with tempfile.TemporaryDirectory() as tmp:
        app = scratch_app(tmp, WTF_CSRF_ENABLED=False)
        with app.app_context():
            county, village, ids = village_with_households(HOUSEHOLDS)
            scoring.new_rubric_version(
                county, [{"code": c, "category": k, "name": n, "max_points": m} for c, k, n, m in RUBRIC]
            )
            unit_admin()
            village_id = village.id
            db.session.commit()

        client = app.test_client()
        client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD})
        grid_url = f"/scoring/units/{village_id}/grid?month={MONTH}"

        def form(run: int) -> dict:
            data = {"action": "draft"}
            for n, h in enumerate(ids):
                for i, (code, _k, _name, top) in enumerate(RUBRIC):
                    data[f"c-{h}-{code}"] = str((n + i + run) % (top + 1))
            return data

        times = []
        for run in range(RUNS):
            data = form(run)
            started = time.perf_counter()
            response = client.post(grid_url, data=data)
            times.append(time.perf_counter() - started)
            if response.status_code != 302:
                print(f"FAIL: the grid answered {response.status_code}")
                return 1

        single = []
        for n, h in enumerate(ids[:20]):
            data = {f"item_{code}": str((n + i) % top) for i, (code, _k, _name, top) in enumerate(RUBRIC)}
            started = time.perf_counter()
            client.post(f"/scoring/households/{h}/sheet?month={MONTH}", data={**data, "action": "draft"})
            single.append(time.perf_counter() - started)

        with app.app_context():
            sheets = db.session.scalar(select(func.count(RatingSheet.id)))
            scores = db.session.scalar(select(func.count(SheetScore.id)))
            last = form(RUNS - 1)
            first_row_total = sum(int(last[f"c-{ids[-1]}-{code}"]) for code, *_r in RUBRIC)
            stored = db.session.scalar(select(RatingSheet.total).where(RatingSheet.household_id == ids[-1]))
            db.session.remove()
            db.engine.dispose()

    median = statistics.median(times)
    baseline = statistics.median(single) * HOUSEHOLDS
    print(f"grid save: {HOUSEHOLDS} households × {len(RUBRIC)} items, {RUNS} runs")
    print(
        f"  median {median:.3f} s, min {min(times):.3f} s, max {max(times):.3f} s "
        f"(the first run creates the sheets: {times[0]:.3f} s)"
    )
    print(
        f"baseline: one household at a time on the phone page: {statistics.median(single) * 1000:.1f} ms each, "
        f"{baseline:.1f} s for {HOUSEHOLDS} ({baseline / median:.0f}× the grid)"
    )
    if sheets != HOUSEHOLDS or scores != HOUSEHOLDS * len(RUBRIC) or stored != first_row_total:
        print(
            f"FAIL: wrong result: {sheets} sheets, {scores} scores, last row total {stored} (wanted {first_row_total})"
        )
        return 1
    if median > TARGET:
        print(f"FAIL: target {TARGET} s")
        return 1
    print(f"PASS (target {TARGET} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
