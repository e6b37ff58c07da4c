"""Benchmark: the passbook page of a household with 120 months of history, under gunicorn, 16 clients.

Target (issue 4): at least 40 % of the requests per second of a minimal Flask handler that reads one
row by primary key and renders a tiny template (bench/apps/baseline_app.py), measured in the same run, on
the same database, under the same gunicorn settings and the same 16 clients.

    .venv/bin/python bench/passbook_load.py              # a temporary SQLite file
    DATABASE_URL=postgresql://… .venv/bin/python bench/passbook_load.py

WARNING: with DATABASE_URL set, this DROPS EVERY TABLE of that database and
creates them afresh. Point it only at a scratch database.

The load comes from one asyncio process keeping 16 HTTP/1.1 connections busy
for SECONDS each round (it needs far less CPU than the servers). Prints both
figures, the ratio, and PASS or FAIL.
"""

import asyncio
import os
import re
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for moral_bank and bench.apps
from bench.apps.gunicorn import bench_env, free_port, serve  # noqa: E402

CLIENTS = 16
SECONDS = 8.0
WORKERS = 2
MONTHS = 120
TARGET = 0.40


def build(url: str) -> tuple[int, int]:
    """The database: a household with 120 months of ratings (each with its 孝善信勤简美), deeds and a
    correction now and then, posted through the ledger and dated back month by month."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import insert, select, update

    from moral_bank import create_app
    from moral_bank.admin import service as admin
    from moral_bank.auth import service as auth
    from moral_bank.core.db import db
    from moral_bank.demo import RUBRIC
    from moral_bank.households import service as households
    from moral_bank.ledger import service as ledger
    from moral_bank.ledger.models import Entry, Transfer
    from moral_bank.scoring import service as scoring
    from moral_bank.scoring.models import RatingSheet, SheetScore
    from moral_bank.units import service as units

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()  # wipes the database named by DATABASE_URL, see the warning above
        db.create_all()
        county = units.create_unit("C", "蒲县", "county", None)
        village = units.create_unit("V", "山中村", "village", units.create_unit("T", "克城镇", "township", county))
        db.session.flush()
        rubric = scoring.new_rubric_version(
            county, [{"code": c, "category": k, "name": n, "max_points": m} for c, k, n, m in RUBRIC]
        )
        for i in range(50):  # neighbours, so the household is not alone in its tables
            households.create_household(village, f"N{i:03d}", "李秀英", [])
        home = households.create_household(village, "SZ001", "王四保", ["王小军"])
        auth.create_user("resident", "bench-password-1", "王四保")
        admin.grant(auth.by_username("resident"), "resident", "V", "SZ001")
        month = scoring.open_month(village, "2026-10")
        issuance = ledger.issuance_account(village)
        now = datetime.now(UTC)
        for n in range(MONTHS):
            when = now - timedelta(days=30.4 * n + 2)
            sheet_id = db.session.execute(
                insert(RatingSheet).returning(RatingSheet.id),
                [
                    {
                        "household_id": home.id,
                        "unit_id": village.id,
                        "month": f"{when.year:04d}-{when.month:02d}",
                        "scoring_month_id": month.id,
                        "status": "posted",
                        "total": 60 + n % 20,
                        "note": "",
                    }
                ],
            ).scalar_one()
            db.session.execute(
                insert(SheetScore),
                [{"sheet_id": sheet_id, "item_id": item.id, "points": item.max_points - 2} for item in rubric.items],
            )
            made = [
                ledger.transfer(issuance, home.account, 60 + n % 20, "rating", ("rating_sheet", sheet_id), f"s{n}"),
                ledger.transfer(issuance, home.account, 10, "deed", ("deed", None), f"d{n}", memo="调解邻里纠纷"),
            ]
            if n % 12 == 5:
                made.append(ledger.reverse(made[1], None, "复核后撤销"))
            for t in made:
                db.session.execute(update(Entry).where(Entry.transfer_id == t.id).values(created_at=when))
                db.session.execute(update(Transfer).where(Transfer.id == t.id).values(created_at=when))
        db.session.commit()
        home_id = home.id
        rows = db.session.scalar(select(db.func.count(Entry.id)).where(Entry.account_id == home.account.id))
        db.session.remove()
        db.engine.dispose()
    return home_id, rows


def sign_in(port: int) -> str:
    """The session cookie of the resident (CSRF is off for the benchmark server)."""
    data = urllib.parse.urlencode({"username": "resident", "password": "bench-password-1"}).encode()
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(f"http://127.0.0.1:{port}/login", data=data, timeout=5)
    except urllib.error.HTTPError as redirect:
        cookie = redirect.headers.get("Set-Cookie", "")
        return cookie.split(";", 1)[0]
    raise SystemExit("sign-in did not redirect")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


async def _client(port: int, path, cookie: str, until: float, counts: list[int], seconds: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while time.perf_counter() < until:
        target = path() if callable(path) else path  # a fixed path, or a new one per request
        request = (
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\nAccept-Language: zh-CN\r\n\r\n"
        ).encode()
        started = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        await reader.readexactly(length)
        seconds.append(time.perf_counter() - started)
        counts[0 if status == 200 else 1] += 1
        if b"connection: close" in head.lower():
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.close()


def load(port: int, path, cookie: str = "", seconds: list[float] | None = None) -> tuple[float, int]:
    """Requests per second of 200s with CLIENTS connections for SECONDS; and how many were not 200.
    `path` is a path or a function giving one per request; `seconds` receives each request's latency."""
    counts = [0, 0]
    seconds = [] if seconds is None else seconds

    async def run() -> None:
        until = time.perf_counter() + SECONDS
        await asyncio.gather(*(_client(port, path, cookie, until, counts, seconds) for _i in range(CLIENTS)))

    started = time.perf_counter()
    asyncio.run(run())
    return counts[0] / (time.perf_counter() - started), counts[1]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        home_id, rows = build(url)
        env = bench_env(url)
        app_port, base_port = free_port(), free_port()
        servers = [
            serve("moral_bank:create_app()", app_port, env, WORKERS),
            serve("bench.apps.baseline_app:app", base_port, env, WORKERS),
        ]
        try:
            cookie = sign_in(app_port)
            path = f"/households/{home_id}/passbook"
            check = urllib.request.Request(f"http://127.0.0.1:{app_port}{path}", headers={"Cookie": cookie})
            page = urllib.request.urlopen(check, timeout=10).read().decode()
            if 'data-testid="chart"' not in page:
                print("FAIL: the passbook page did not render")
                return 1
            load(base_port, f"/households/{home_id}", "")  # warm both up
            load(app_port, path, cookie)
            baseline, base_bad = load(base_port, f"/households/{home_id}")
            passbook, bad = load(app_port, path, cookie)
        finally:
            for s in servers:
                s.terminate()
                s.wait(10)
    ratio = passbook / baseline
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"database: {database}; gunicorn {WORKERS} workers; {CLIENTS} clients for {SECONDS:.0f} s each")
    print(f"history: {MONTHS} months, {rows} ledger entries for the household; page 1 shows 12 months")
    print(f"baseline (one row by primary key, tiny template): {baseline:8.1f} requests/s")
    print(f"passbook page:                                     {passbook:8.1f} requests/s")
    print(f"ratio: {ratio:.0%} (target at least {TARGET:.0%})")
    if bad or base_bad:
        print(f"FAIL: {bad} passbook and {base_bad} baseline responses were not 200")
        return 1
    if ratio < TARGET:
        print("FAIL")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
