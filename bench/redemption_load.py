"""Benchmark: shop checkouts (POST /api/v1/redemptions) on random households, under gunicorn, 16 clients.

Targets (issue 5): at least 40 % of the requests per second of a minimal Flask handler that does one
guarded balance UPDATE, one INSERT and a commit (bench/apps/redemption_baseline_app.py), measured in
the same run, on the same database, under the same gunicorn settings and the same 16 clients; and a
99th-percentile latency under 150 ms on PostgreSQL (on SQLite it is printed only).

    .venv/bin/python bench/redemption_load.py              # a temporary SQLite file
    DATABASE_URL=postgresql://… .venv/bin/python bench/redemption_load.py

WARNING: with DATABASE_URL set, this DROPS EVERY TABLE of that database and
creates them afresh. Point it only at a scratch database.

A village of 800 households, each with a member card and 100,000 points; one shop with one item
(5 points). Every request is a checkout of one item by a clerk's API token, for a household picked
at random by its card's short code, under a fresh Idempotency-Key. The load comes from one asyncio
process keeping 16 HTTP/1.1 connections busy for SECONDS each round. Afterwards the baseline's
points are given back and the ledger is verified. Prints both figures, the ratio, p50/p99 latency,
and PASS or FAIL.
"""

import asyncio
import json
import random
import re
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for moral_bank and bench.apps
from bench.apps.gunicorn import bench_env, free_port, serve  # noqa: E402

CLIENTS = 16
SECONDS = 8.0
WORKERS = 2
HOUSEHOLDS = 800
FUNDS = 100_000
PRICE = 5
TARGET = 0.40
P99_TARGET = 0.150  # seconds, on PostgreSQL
CLERK_PASSWORD = "bench-password-2"


def build(app) -> tuple[int, int, list[tuple[str, int]]]:
    """The village, its cards and funds, a shop with one item and a clerk. Returns (shop id, item id,
    [(card short code, account id)] per household)."""
    from sqlalchemy import select, text

    from bench.apps.setup import unit_admin, village_with_households
    from moral_bank.admin import service as admin
    from moral_bank.auth import service as auth
    from moral_bank.cards import service as cards
    from moral_bank.cards.models import Card
    from moral_bank.core.db import db
    from moral_bank.ledger import service as ledger
    from moral_bank.ledger.models import Account
    from moral_bank.shop import service as shop

    with app.app_context():
        db.session.execute(text("DROP TABLE IF EXISTS bench_redemption"))  # the baseline's, from an earlier run
        _county, village, ids = village_with_households(HOUSEHOLDS)
        unit_admin()
        actor = auth.by_username("admin")
        auth.create_user("clerk", CLERK_PASSWORD, "超市店员")
        admin.grant(auth.by_username("clerk"), "clerk", "V", "")
        cards.issue_missing(ids)
        accounts = dict(
            db.session.execute(select(Account.household_id, Account.id).where(Account.household_id.in_(ids))).all()
        )
        ledger.post_batch(
            ledger.issuance_account(village),
            [ledger.Posting(a, FUNDS, "deed", f"fund:{a}") for a in accounts.values()],
        )
        s = shop.create_shop(village, "积分超市", [], actor)
        item = shop.add_item(s, "肥皂", PRICE, stock=10**6, low_stock=5, actor=actor)
        db.session.commit()
        households = [(code, accounts[h]) for h, code in db.session.execute(select(Card.household_id, Card.short_code))]
        shop_id, item_id = s.id, item.id
        db.session.remove()
        db.engine.dispose()
    return shop_id, item_id, households


def api_token(port: int) -> str:
    """The clerk's bearer token (rate limits are off for the benchmark server)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/tokens",
        data=json.dumps({"username": "clerk", "password": CLERK_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    return json.loads(urllib.request.urlopen(request, timeout=10).read())["token"]


def checkout(shop_id: int, item_id: int, households: list[tuple[str, int]]):
    """A request body maker for the portal: a random household's card, one item."""

    def body() -> tuple[bytes, str]:
        code, _account = random.choice(households)
        lines = [{"item_id": item_id, "qty": 1}]
        return json.dumps({"card": code, "shop_id": shop_id, "lines": lines}).encode(), f"bench:{uuid.uuid4().hex}"

    return body


def baseline_body(households: list[tuple[str, int]]):
    def body() -> tuple[bytes, str]:
        _code, account = random.choice(households)
        return json.dumps({"account_id": account}).encode(), f"bench:{uuid.uuid4().hex}"

    return body


class Tally:
    def __init__(self) -> None:
        self.ok = 0
        self.bad = 0
        self.first_bad = b""
        self.seconds: list[float] = []


async def _client(port: int, path: str, token: str, make_body, until: float, tally: Tally) -> None:
    head_lines = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
    if token:
        head_lines += f"Authorization: Bearer {token}\r\n"
    reader = writer = None
    while time.perf_counter() < until:
        body, key = make_body()
        request = f"{head_lines}Idempotency-Key: {key}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
        started = time.perf_counter()
        if writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        answer = await reader.readexactly(length)
        tally.seconds.append(time.perf_counter() - started)
        if status == 201:
            tally.ok += 1
        else:
            tally.bad += 1
            tally.first_bad = tally.first_bad or head.split(b"\r\n", 1)[0] + b" " + answer[:300]
        if b"connection: close" in head.lower():  # gunicorn's sync workers close after each response
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def load(port: int, path: str, token: str, make_body) -> tuple[float, Tally]:
    """Requests per second of 201s with CLIENTS connections for SECONDS, and the tally."""
    tally = Tally()

    async def run() -> None:
        until = time.perf_counter() + SECONDS
        await asyncio.gather(*(_client(port, path, token, make_body, until, tally) for _i in range(CLIENTS)))

    started = time.perf_counter()
    asyncio.run(run())
    return tally.ok / (time.perf_counter() - started), tally


def percentile(seconds: list[float], p: int) -> float:
    return statistics.quantiles(seconds, n=100, method="inclusive")[p - 1] if len(seconds) > 1 else float("nan")


def settle(app) -> tuple[int, int, list[str]]:
    """Give back the baseline's points (one per bench_redemption row), then verify the ledger.
    Returns (redemptions, baseline rows, what the ledger check found)."""
    from sqlalchemy import func, select, text

    from moral_bank.core.db import db
    from moral_bank.ledger import service as ledger
    from moral_bank.shop.models import Redemption

    with app.app_context():
        base_rows = db.session.scalar(text("SELECT count(*) FROM bench_redemption"))
        db.session.execute(
            text(
                "UPDATE account SET balance = balance + "
                "(SELECT count(*) FROM bench_redemption b WHERE b.account_id = account.id) "
                "WHERE id IN (SELECT account_id FROM bench_redemption)"
            )
        )
        db.session.commit()
        redemptions = db.session.scalar(select(func.count(Redemption.id)))
        bad, problems = ledger.verify()
        problems = [
            *(f"account {d.account_id}: cached {d.cached}, entries sum to {d.computed}" for d in bad),
            *problems,
        ]
        db.session.remove()
        db.engine.dispose()
    return redemptions, base_rows, problems


def main() -> int:
    sys.path.insert(0, str(ROOT))  # for moral_bank and bench.apps
    from bench.apps.setup import scratch_app

    with tempfile.TemporaryDirectory() as tmp:
        app = scratch_app(tmp)
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        shop_id, item_id, households = build(app)
        env = bench_env(url)
        app_port, base_port = free_port(), free_port()
        servers = [
            serve("moral_bank:create_app()", app_port, env, WORKERS),
            serve("bench.apps.redemption_baseline_app:app", base_port, env, WORKERS),
        ]
        try:
            token = api_token(app_port)
            portal_body, base_body = checkout(shop_id, item_id, households), baseline_body(households)
            load(base_port, "/redemptions", "", base_body)  # warm both up
            load(app_port, "/api/v1/redemptions", token, portal_body)
            baseline, base_tally = load(base_port, "/redemptions", "", base_body)
            portal, tally = load(app_port, "/api/v1/redemptions", token, portal_body)
        finally:
            for s in servers:
                s.terminate()
                s.wait(10)
        redemptions, base_rows, problems = settle(app)
    ratio = portal / baseline if baseline else 0.0
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    ms = 1000
    print(f"database: {database}; gunicorn {WORKERS} workers; {CLIENTS} clients for {SECONDS:.0f} s each")
    print(f"village: {HOUSEHOLDS} households with a card and {FUNDS} points; one item at {PRICE} points")
    base_p50, base_p99 = percentile(base_tally.seconds, 50), percentile(base_tally.seconds, 99)
    p50, p99 = percentile(tally.seconds, 50), percentile(tally.seconds, 99)
    print(
        f"baseline (guarded UPDATE + INSERT + commit): {baseline:8.1f} requests/s"
        f"   p50 {base_p50 * ms:6.1f} ms   p99 {base_p99 * ms:6.1f} ms"
    )
    print(
        f"POST /api/v1/redemptions:                    {portal:8.1f} requests/s"
        f"   p50 {p50 * ms:6.1f} ms   p99 {p99 * ms:6.1f} ms"
    )
    print(f"ratio: {ratio:.0%} (target at least {TARGET:.0%})")
    print(f"redemptions: {tally.ok} in the round, {redemptions} in the database with the warm-up")
    print(f"baseline rows: {base_tally.ok} in the round, {base_rows} in the database with the warm-up")
    failed = []
    if tally.bad or base_tally.bad:
        print(f"first bad answer: {(tally.first_bad or base_tally.first_bad).decode(errors='replace')}")
        failed.append(f"{tally.bad} redemption and {base_tally.bad} baseline responses were not 201")
    if redemptions < tally.ok or base_rows < base_tally.ok:
        failed.append(f"{tally.ok} and {base_tally.ok} answers were 201 but {redemptions} and {base_rows} rows exist")
    if problems:
        failed.append("the ledger check found: " + "; ".join(problems[:10]))
    else:
        print("ledger: every balance equals the sum of its entries")
    if ratio < TARGET:
        failed.append(f"ratio {ratio:.0%} is below {TARGET:.0%}")
    if database == "PostgreSQL":
        print(f"p99: {p99 * ms:.1f} ms (target under {P99_TARGET * ms:.0f} ms)")
        if not p99 < P99_TARGET:
            failed.append(f"p99 {p99 * ms:.1f} ms is not under {P99_TARGET * ms:.0f} ms")
    else:
        print(f"p99: {p99 * ms:.1f} ms (the {P99_TARGET * ms:.0f} ms target is for PostgreSQL)")
    if failed:
        print("FAIL: " + "; ".join(failed))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
