"""The baseline for bench/passbook_load.py: a minimal Flask handler that reads one row by primary key
and renders a tiny template, on the same database (DATABASE_URL) as the portal."""

import os

from flask import Flask, abort, render_template_string
from sqlalchemy import create_engine, text

from moral_bank.config import database_url

engine = create_engine(database_url(os.environ["DATABASE_URL"]), pool_pre_ping=True)
app = Flask(__name__)
TEMPLATE = "<!doctype html><title>{{ name }}</title><p>{{ name }} · {{ code }}</p>"


@app.get("/healthz")
def healthz():
    return "ok"


@app.get("/households/<int:household_id>")
def household(household_id: int):
    with engine.connect() as conn:
        row = conn.execute(text("SELECT head_name, code FROM household WHERE id = :id"), {"id": household_id}).first()
    if row is None:
        abort(404)
    return render_template_string(TEMPLATE, name=row[0], code=row[1])
