"""Benchmark: import a county of 60,000 units from CSV; the target is 120 seconds.

    .venv/bin/python bench/import_units.py              # a temporary SQLite file
    DATABASE_URL=postgresql://… .venv/bin/python bench/import_units.py

WARNING: with DATABASE_URL set, this DROPS EVERY TABLE of that database and
creates them afresh. Point it only at a scratch database.

It times what an import costs once the file is read: validate_import +
import_units + commit (reading the CSV is timed and shown apart). It prints the
figures and PASS or FAIL, and exits 1 on FAIL or when the imported tree is wrong.
"""

import csv
import os
import sys
import tempfile
import time
from pathlib import Path

ROWS = 60_000
TOWNSHIPS = 30
TARGET_SECONDS = 120.0
# Most units under a township are villages; the rest cycle through the other kinds.
OTHER_KINDS = ("community", "school", "kindergarten", "hospital", "market", "station", "enterprise")


def write_csv(path: Path) -> dict[str, int]:
    """1 county, TOWNSHIPS townships, the rest spread over the townships. Returns rows per kind."""
    counts: dict[str, int] = {"county": 1, "township": TOWNSHIPS}
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(("code", "name", "kind", "parent_code"))
        writer.writerow(("C", "蒲县", "county", ""))
        for t in range(TOWNSHIPS):
            writer.writerow((f"T{t:02d}", f"第{t}镇", "township", "C"))
        for i in range(ROWS - 1 - TOWNSHIPS):
            kind = "village" if i % 3 else OTHER_KINDS[(i // 3) % len(OTHER_KINDS)]
            counts[kind] = counts.get(kind, 0) + 1
            writer.writerow((f"U{i:06d}", f"{kind}{i}号", kind, f"T{i % TOWNSHIPS:02d}"))
    return counts


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from sqlalchemy import func, select

    from moral_bank import create_app
    from moral_bank.core.db import db
    from moral_bank.core.tabular import read_table
    from moral_bank.ledger.models import Account
    from moral_bank.units import service
    from moral_bank.units.models import MORAL_BANK_KINDS, Unit

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'bench.sqlite3'}"
        csv_path = folder / "units.csv"
        counts = write_csv(csv_path)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            db.drop_all()  # wipes the database named by DATABASE_URL, see the warning above
            db.create_all()
            print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
            print(
                f"file: {csv_path.stat().st_size / 1e6:.1f} MB, {ROWS} rows "
                f"({', '.join(f'{k} {n}' for k, n in sorted(counts.items()))})"
            )

            started = time.perf_counter()
            table = read_table(csv_path.name, csv_path.read_bytes(), service.COLUMNS)
            read_seconds = time.perf_counter() - started

            started = time.perf_counter()
            service.validate_import(table)
            validated = time.perf_counter()
            if table.errors:
                print(f"FAIL: the generated file has {len(table.errors)} errors, e.g. {table.errors[:3]}")
                return 1
            imported = service.import_units(table)
            db.session.commit()
            seconds = time.perf_counter() - started
            validate_seconds = validated - started

            units = db.session.scalar(select(func.count(Unit.id)))
            unpathed = db.session.scalar(select(func.count(Unit.id)).where(Unit.path == ""))
            accounts = db.session.scalar(select(func.count(Account.id)).where(Account.kind == "issuance"))
            wanted_accounts = sum(n for k, n in counts.items() if k in MORAL_BANK_KINDS)
            db.session.remove()
            db.engine.dispose()

    print(f"read CSV:       {read_seconds:8.2f} s (not counted)")
    print(f"validate:       {validate_seconds:8.2f} s")
    print(f"import+commit:  {seconds - validate_seconds:8.2f} s")
    print(
        f"total:          {seconds:8.2f} s for {imported} rows = {imported / seconds:,.0f} rows/s "
        f"(target {TARGET_SECONDS:.0f} s)"
    )
    if (units, unpathed, accounts) != (ROWS, 0, wanted_accounts):
        print(
            f"FAIL: wrong result: {units} units ({ROWS} wanted), {unpathed} without a path, "
            f"{accounts} issuance accounts ({wanted_accounts} wanted)"
        )
        return 1
    if seconds > TARGET_SECONDS:
        print("FAIL")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
