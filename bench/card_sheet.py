"""Benchmark: render a unit's printable card sheet for 800 households (800 QR codes); target 5 s.

    .venv/bin/python bench/card_sheet.py              # a temporary SQLite file
    DATABASE_URL=postgresql://… .venv/bin/python bench/card_sheet.py

WARNING: with DATABASE_URL set, this DROPS EVERY TABLE of that database and
creates them afresh. Point it only at a scratch database.

Times the whole HTTP request (query, 800 signed tokens, 800 QR codes as SVG,
the template), median of 3. Baseline, in the same run: the unit's household
list page (a plain page of the same unit). Prints the figures and PASS or FAIL.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

HOUSEHOLDS = 800
TARGET = 5.0


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for moral_bank and bench.apps
    from bench.apps.setup import ADMIN_PASSWORD, scratch_app, unit_admin, village_with_households
    from moral_bank.cards import service as cards
    from moral_bank.core.db import db

    with tempfile.TemporaryDirectory() as tmp:
        app = scratch_app(tmp, WTF_CSRF_ENABLED=False)
        with app.app_context():
            _county, village, ids = village_with_households(HOUSEHOLDS)
            cards.issue_missing(ids)
            unit_admin()
            village_id = village.id
            db.session.commit()

        client = app.test_client()
        client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD})

        def timed(path: str) -> tuple[float, str]:
            started = time.perf_counter()
            response = client.get(path)
            return time.perf_counter() - started, response.get_data(as_text=True)

        sheet = [timed(f"/units/{village_id}/cards") for _i in range(3)]
        listing = [timed(f"/units/{village_id}/households")[0] for _i in range(3)]
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    median = statistics.median(t for t, _page in sheet)
    page = sheet[-1][1]
    sheets = page.count('class="sheet"')
    print(f"card sheet: {HOUSEHOLDS} cards, {sheets} A4 pages, {len(page) / 1e6:.1f} MB of HTML")
    print(f"  median {median:.2f} s (min {min(t for t, _p in sheet):.2f}, max {max(t for t, _p in sheet):.2f})")
    print(f"baseline: the unit's household list page, median {statistics.median(listing):.3f} s")
    if page.count("<svg") != HOUSEHOLDS:
        print(f"FAIL: {page.count('<svg')} QR codes, {HOUSEHOLDS} wanted")
        return 1
    if median > TARGET:
        print(f"FAIL: target {TARGET} s")
        return 1
    print(f"PASS (target {TARGET} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
