"""Benchmark: the public honor roll /roll/<code> of random villages of the synthetic county (67 villages
and communities, 30,000 households, 24 months of history), under gunicorn, 16 clients.

Target (issue 6): at least 40 % of the requests per second of the minimal handler of
bench/apps/baseline_app.py (one row by primary key, a tiny template; here random households), measured
in the same run, on the same database, under the same gunicorn settings and the same 16 clients as
bench/passbook_load.py.

    .venv/bin/python bench/honors_public.py [--reuse]          # a SQLite file in the temporary folder
    DATABASE_URL=postgresql://… .venv/bin/python bench/honors_public.py [--reuse]

WARNING: with DATABASE_URL set, this DROPS EVERY TABLE of that database (unless --reuse finds the
county there) and generates it afresh. Point it only at a scratch database.

Prints both figures, the ratio, p50/p99 latency, and PASS or FAIL.
"""

import random
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for moral_bank and bench
from bench.apps.gunicorn import bench_env, free_port, serve  # noqa: E402
from bench.passbook_load import CLIENTS, SECONDS, WORKERS, load  # noqa: E402
from bench.redemption_load import percentile  # noqa: E402

TARGET = 0.40


def targets(app) -> tuple[list[str], list[int]]:
    """The village and community codes, and the household ids."""
    from sqlalchemy import select

    from moral_bank.core.db import db
    from moral_bank.households.models import Household
    from moral_bank.units.models import MORAL_BANK_KINDS, Unit

    with app.app_context():
        codes = list(db.session.scalars(select(Unit.code).where(Unit.kind.in_(MORAL_BANK_KINDS))))
        households = list(db.session.scalars(select(Household.id)))
        db.session.remove()
        db.engine.dispose()
    return codes, households


def main() -> int:
    from bench.apps.setup import county_app

    app, url = county_app("--reuse" in sys.argv)
    codes, households = targets(app)
    env = bench_env(url)
    app_port, base_port = free_port(), free_port()
    servers = [
        serve("moral_bank:create_app()", app_port, env, WORKERS),
        serve("bench.apps.baseline_app:app", base_port, env, WORKERS),
    ]
    rolls = lambda: f"/roll/{random.choice(codes)}"  # noqa: E731
    rows = lambda: f"/households/{random.choice(households)}"  # noqa: E731
    try:
        page = urllib.request.urlopen(f"http://127.0.0.1:{app_port}/roll/{codes[0]}", timeout=30).read().decode()
        if 'data-testid="red-list"' not in page:
            print("FAIL: the roll did not render with its stars")
            return 1
        # Warm up: every village's page into each worker's cache (a first render takes a few hundred ms,
        # more than the warm-up round allows for 2 × 67 of them), then a round of each.
        for _round in range(2 * WORKERS):
            for code in codes:
                urllib.request.urlopen(f"http://127.0.0.1:{app_port}/roll/{code}", timeout=30).read()
        load(base_port, rows)
        load(app_port, rolls)
        base_seconds, roll_seconds = [], []
        baseline, base_bad = load(base_port, rows, seconds=base_seconds)
        roll, bad = load(app_port, rolls, seconds=roll_seconds)
    finally:
        for s in servers:
            s.terminate()
            s.wait(10)
    ratio = roll / baseline if baseline else 0.0
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    ms = 1000
    print(f"database: {database}; gunicorn {WORKERS} workers; {CLIENTS} clients for {SECONDS:.0f} s each")
    print(f"county: {len(codes)} villages and communities, {len(households):,} households")
    print(
        f"baseline (one row by primary key, tiny template): {baseline:8.1f} requests/s"
        f"   p50 {percentile(base_seconds, 50) * ms:6.1f} ms   p99 {percentile(base_seconds, 99) * ms:6.1f} ms"
    )
    print(
        f"/roll/<code> of random villages:                 {roll:8.1f} requests/s"
        f"   p50 {percentile(roll_seconds, 50) * ms:6.1f} ms   p99 {percentile(roll_seconds, 99) * ms:6.1f} ms"
    )
    print(f"ratio: {ratio:.0%} (target at least {TARGET:.0%})")
    if bad or base_bad:
        print(f"FAIL: {bad} roll and {base_bad} baseline responses were not 200")
        return 1
    if ratio < TARGET:
        print("FAIL")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
