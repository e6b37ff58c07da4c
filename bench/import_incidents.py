"""Benchmark: import 100,000 incidents into a county of 60,000 units; the target is 120 seconds.

    .venv/bin/python bench/import_incidents.py              # a temporary SQLite file
    DATABASE_URL=postgresql://… .venv/bin/python bench/import_incidents.py

WARNING: with DATABASE_URL set, this DROPS EVERY TABLE of that database and
creates them afresh. Point it only at a scratch database.

The county's units are imported first (not timed; bench/import_units.py times
that). Then it times what an incident import costs once the file is read:
validate_import + import_incidents (the inserts and the recomputed scores of
every unit-month touched) + commit. It prints the figures and PASS or FAIL, and
exits 1 on FAIL or when the imported ledger or the scores are wrong.
"""

import csv
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.import_units import ROWS as UNITS  # noqa: E402
from bench.import_units import write_csv as write_units  # noqa: E402

INCIDENTS = 100_000
MONTHS = 12
TARGET_SECONDS = 120.0
# (kind, subkind, escalated) cycled through; disputes and hazards most often, as in a real ledger.
MIX = (
    ("dispute", "", "no"),
    ("hazard", "", ""),
    ("dispute", "", "no"),
    ("petition", "", "是"),
    ("hazard", "", ""),
    ("accident", "public_safety", ""),
    ("case", "public_order", "0"),
    ("dispute", "", "yes"),
    ("accident", "production_safety", ""),
    ("case", "criminal", ""),
    ("petition", "", "否"),
)


def write_incidents(path: Path, codes: list[str], last_day: date) -> dict[str, int]:
    """INCIDENTS rows over `codes`, spread over the MONTHS months up to `last_day`; two of three resolved.
    Returns rows per kind."""
    counts: dict[str, int] = {}
    span = MONTHS * 30
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(("unit_code", "kind", "subkind", "date", "summary", "status", "resolved_on", "escalated"))
        for i in range(INCIDENTS):
            kind, subkind, escalated = MIX[i % len(MIX)]
            counts[kind] = counts.get(kind, 0) + 1
            day = last_day - timedelta(days=(i * 7919) % span)
            resolved = i % 3 != 0
            writer.writerow(
                (
                    codes[(i * 7) % len(codes)],
                    kind,
                    subkind,
                    day.isoformat(),
                    f"第{i}号 {kind} 台账记录",
                    "resolved" if resolved else "open",
                    day.isoformat() if resolved else "",
                    escalated,
                )
            )
    return counts


def main() -> int:
    from sqlalchemy import func, select

    from moral_bank import create_app
    from moral_bank.core.db import db
    from moral_bank.core.tabular import read_table
    from moral_bank.core.time import today
    from moral_bank.governance import service
    from moral_bank.governance.models import Incident, UnitScore
    from moral_bank.units import service as units
    from moral_bank.units.models import AREA_KINDS, Unit

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'bench.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            db.drop_all()  # wipes the database named by DATABASE_URL, see the warning above
            db.create_all()
            print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
            units_csv = folder / "units.csv"
            write_units(units_csv)
            started = time.perf_counter()
            units.import_units(read_table(units_csv.name, units_csv.read_bytes(), units.COLUMNS))
            db.session.commit()
            codes = list(db.session.scalars(select(Unit.code).where(Unit.kind.not_in(AREA_KINDS)).order_by(Unit.id)))
            print(f"units: {UNITS} imported in {time.perf_counter() - started:.1f} s (not counted)")

            csv_path = folder / "incidents.csv"
            counts = write_incidents(csv_path, codes, today())
            print(
                f"file: {csv_path.stat().st_size / 1e6:.1f} MB, {INCIDENTS} rows over {MONTHS} months "
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
            imported = service.import_incidents(table)
            inserted = time.perf_counter()
            db.session.commit()
            seconds = time.perf_counter() - started

            stored = dict(
                db.session.execute(select(Incident.kind, func.count(Incident.id)).group_by(Incident.kind)).all()
            )
            unit_months = len({(r["unit_code"], r["date"][:7]) for r in table.rows})
            scored = db.session.scalar(select(func.count(UnitScore.id)))
            db.session.remove()
            db.engine.dispose()

    print(f"read CSV:        {read_seconds:8.2f} s (not counted)")
    print(f"validate:        {validated - started:8.2f} s")
    print(f"import+scores:   {inserted - validated:8.2f} s (the import validates again before inserting)")
    print(f"commit:          {started + seconds - inserted:8.2f} s")
    print(
        f"total:           {seconds:8.2f} s for {imported} rows = {imported / seconds:,.0f} rows/s, "
        f"{scored} unit-months scored (target {TARGET_SECONDS:.0f} s)"
    )
    if stored != counts or scored != unit_months:
        print(f"FAIL: wrong result: {stored} stored ({counts} wanted), {scored} scores ({unit_months} wanted)")
        return 1
    if seconds > TARGET_SECONDS:
        print("FAIL")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
