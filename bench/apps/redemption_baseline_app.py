"""The baseline for bench/redemption_load.py: a minimal Flask handler that takes one point from a
household account with a guarded UPDATE, inserts one row and commits, on the same database
(DATABASE_URL) as the portal.

Its writes go to the portal's `account` table, so the benchmark gives the points back afterwards
(one per row of `bench_redemption`) before it checks the ledger.
"""

import os
from datetime import UTC, datetime

from flask import Flask, abort, jsonify, request
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, create_engine, insert, text
from sqlalchemy.exc import DBAPIError

# The portal's SQLite set-up, for every engine of the process: WAL, a busy timeout, and the write lock
# taken up front (BEGIN IMMEDIATE) in POST requests, so the baseline queues for it as the portal does.
import moral_bank.core.db  # noqa: F401
from moral_bank.config import database_url

engine = create_engine(database_url(os.environ["DATABASE_URL"]), pool_pre_ping=True)
metadata = MetaData()
bench_redemption = Table(
    "bench_redemption",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
TAKE = text("UPDATE account SET balance = balance - 1 WHERE id = :id AND balance >= 1")


try:
    metadata.create_all(engine, checkfirst=True)
except DBAPIError:  # the other gunicorn worker created it at the same moment
    with engine.connect() as conn:
        conn.execute(text("SELECT 1 FROM bench_redemption WHERE 1 = 0"))

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return "ok"


@app.post("/redemptions")
def redeem():
    body = request.get_json(silent=True)
    account_id = body.get("account_id") if isinstance(body, dict) else None
    if not isinstance(account_id, int):
        abort(400)
    with engine.begin() as conn:
        if conn.execute(TAKE, {"id": account_id}).rowcount != 1:
            abort(409)
        new_id = conn.execute(
            insert(bench_redemption).returning(bench_redemption.c.id),
            {"account_id": account_id, "created_at": datetime.now(UTC)},
        ).scalar_one()
    return jsonify(id=new_id, account_id=account_id), 201
