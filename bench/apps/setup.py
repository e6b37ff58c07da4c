"""What the benchmarks share: a scratch database, a village full of households, an admin login."""

import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from moral_bank import create_app
from moral_bank.admin import service as admin
from moral_bank.auth import service as auth
from moral_bank.core.db import db
from moral_bank.households.models import Household
from moral_bank.ledger.models import Account
from moral_bank.units import service as units

ADMIN_PASSWORD = "bench-password-1"


def scratch_app(folder: str, **config):
    """The app on a fresh database: DATABASE_URL (ALL ITS TABLES ARE DROPPED) or SQLite in `folder`.
    Call inside the returned app's context afterwards."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", **config})
    with app.app_context():
        db.drop_all()
        db.create_all()
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
    return app


def village_with_households(count: int):
    """County C › township T › village V with `count` households and their accounts. Returns (county, village, ids)."""
    county = units.create_unit("C", "蒲县", "county", None)
    village = units.create_unit("V", "山中村", "village", units.create_unit("T", "克城镇", "township", county))
    db.session.flush()
    db.session.execute(
        insert(Household), [{"unit_id": village.id, "code": f"H{i:04d}", "head_name": f"王{i}保"} for i in range(count)]
    )
    ids = db.session.scalars(select(Household.id).where(Household.unit_id == village.id).order_by(Household.id)).all()
    db.session.execute(insert(Account), [{"kind": "household", "unit_id": village.id, "household_id": h} for h in ids])
    return county, village, list(ids)


def unit_admin(username: str = "admin") -> None:
    auth.create_user(username, ADMIN_PASSWORD, "村管理员")
    admin.grant(auth.by_username(username), "unit_admin", "V", "")


def county_app(reuse: bool, **config):
    """The app on the synthetic county of `flask generate-county` (default sizes): DATABASE_URL (ALL ITS
    TABLES ARE DROPPED unless `reuse` finds the county there) or a SQLite file kept in the temporary
    folder between runs. Returns (app, database url)."""
    from sqlalchemy import inspect, text

    from moral_bank import synthetic

    folder = Path(tempfile.gettempdir()) / "mb_bench_county"
    folder.mkdir(exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'county.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", **config})
    with app.app_context():
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        there = inspect(db.engine).has_table("unit")
        if reuse and there and db.session.scalar(text("SELECT count(*) FROM unit WHERE code = 'PX'")):
            print("reusing the county already there (--reuse)")
            db.session.remove()
            return app, url
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        synthetic.generate("PX", 67, 30_000, 24, 9, 2026, echo=lambda line: None)
        db.session.commit()
        print(f"generated the county (67 units, 30,000 households, 24 months) in {time.perf_counter() - started:.0f} s")
        db.session.remove()
        db.engine.dispose()
    return app, url
