"""Benchmark: render a unit's printable card sheet for 800 households (800 QR codes); target 5 s.

    .venv/bin/python bench/card_sheet.py              # a temporary SQLite file
    DATABASE_URL=postgresql://… .venv/bin/python bench/card_sheet.py

WARNING: with DATABASE_URL set, this DROPS EVERY TABLE of that database and
creates them afresh. Point it only at a scratch database.

Times the whole HTTP request (query, 800 signed tokens, 800 QR codes as SVG,
the template), median of 3. Baseline, in the same run: the unit's household
list page (a plain page of the same unit). Prints the figures and PASS or FAIL.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HOUSEHOLDS = 800
TARGET = 5.0


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from sqlalchemy import insert, select

    from moral_bank import create_app
    from moral_bank.admin import service as admin
    from moral_bank.auth import service as auth
    from moral_bank.cards import service as cards
    from moral_bank.core.db import db
    from moral_bank.households.models import Household
    from moral_bank.ledger.models import Account
    from moral_bank.units import service as units

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
        with app.app_context():
            db.drop_all()  # wipes the database named by DATABASE_URL, see the warning above
            db.create_all()
            print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
            county = units.create_unit("C", "蒲县", "county", None)
            village = units.create_unit("V", "山中村", "village", units.create_unit("T", "克城镇", "township", county))
            db.session.flush()
            db.session.execute(
                insert(Household),
                [{"unit_id": village.id, "code": f"H{i:04d}", "head_name": f"王{i}保"} for i in range(HOUSEHOLDS)],
            )
            ids = db.session.scalars(select(Household.id).where(Household.unit_id == village.id)).all()
            db.session.execute(
                insert(Account), [{"kind": "household", "unit_id": village.id, "household_id": h} for h in ids]
            )
            cards.issue_missing(list(ids))
            auth.create_user("admin", "bench-password-1", "村管理员")
            admin.grant(auth.by_username("admin"), "unit_admin", "V", "")
            village_id = village.id
            db.session.commit()

        client = app.test_client()
        client.post("/login", data={"username": "admin", "password": "bench-password-1"})

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
