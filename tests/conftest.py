"""Fixtures: app, client, runner, world, login_as. DATABASE_URL picks PostgreSQL."""

import os
from functools import cache

import pytest
from flask import has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import TextClause, select, text

from moral_bank import create_app
from moral_bank.core.db import db
from moral_bank.ledger import service as ledger

from . import factories

DATABASE_URL = os.environ.get("DATABASE_URL")


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + DATABASE_URL if DATABASE_URL else 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    if DATABASE_URL:
        return without_waiting_for_disk(DATABASE_URL)
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def without_waiting_for_disk(url: str) -> str:
    """A PostgreSQL commit returns before its WAL reaches the disk (synchronous_commit off): what
    other connections see, and when, is unchanged; only a crash of the server itself could lose
    the last commits, which no test needs. Each commit then costs no disk flush (about half the
    time of building the test world on this machine)."""
    return url + ("&" if "?" in url else "?") + "options=-c%20synchronous_commit%3Doff"


class Client(FlaskClient):
    """Each request runs in its own app context, with its own `g` and database session, as in production.

    The test's own pending work is committed first (so the request sees it and, on
    SQLite, the test holds no write lock), and the test's objects are expired after,
    so they show what the request changed.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


class CliRunner(FlaskCliRunner):
    def invoke(self, *args, **kwargs):
        if not has_app_context():
            return super().invoke(*args, **kwargs)
        db.session.commit()
        result = super().invoke(*args, **kwargs)
        db.session.expire_all()
        return result


_extra_apps: list = []


def make_app(db_url: str, instance_path: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        **overrides,
    }
    app = create_app(config)
    app.instance_path = instance_path
    app.test_client_class = Client
    app.test_cli_runner_class = CliRunner
    _extra_apps.append(app)
    return app


@pytest.fixture(scope="session")
def _app(db_url, tmp_path_factory):
    app = make_app(db_url, str(tmp_path_factory.mktemp("instance")))
    _extra_apps.remove(app)  # lives for the whole session
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def wipe() -> None:
    """Empty every table and restart every id sequence: a fresh database per test, much faster
    than re-creating it."""
    db.session.rollback()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(_postgresql_wipe())
        else:
            for t in reversed(db.metadata.sorted_tables):
                conn.execute(t.delete())


@cache
def _postgresql_wipe() -> TextClause:
    """One server-side block: DELETE from each table that has a row (children first), then restart
    each sequence that has been used. TRUNCATE costs several milliseconds per table on PostgreSQL however
    few rows it holds (new files for the table and its indexes; 100-1000 ms for all of them, where
    this block takes ~15 ms): a DELETE of a test's few rows is cheap, an empty table costs only
    the EXISTS check. Sequences are checked
    rather than tables, as a rolled-back insert uses up an id but leaves no row."""
    deletes = "".join(
        f'IF EXISTS (SELECT FROM "{t.name}") THEN DELETE FROM "{t.name}"; END IF;\n'
        for t in reversed(db.metadata.sorted_tables)
    )
    restart = (
        "PERFORM setval(format('%I.%I', schemaname, sequencename), start_value, false) FROM pg_sequences\n"
        "WHERE schemaname = current_schema() AND last_value IS NOT NULL;\n"
    )
    return text(f"DO $wipe$ BEGIN\n{deletes}{restart}END $wipe$")


class Snapshot:
    """Every row of the database and every used sequence's position, taken now; restore() empties the
    database and brings back exactly these rows (ids included, and the ids to come next) and an empty
    cache: the same database as building those rows again, in a few ms instead of 100+ ms."""

    def __init__(self) -> None:
        db.session.commit()
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                self.sql = _postgresql_copy(conn)
            else:
                self.rows = {}
                for t in db.metadata.sorted_tables:  # parents first
                    rows = conn.execute(select(t).order_by(*t.primary_key.columns)).mappings().all()
                    if rows:
                        self.rows[t] = [dict(r) for r in rows]

    def restore(self) -> None:
        from moral_bank.core.extensions import cache as app_cache

        db.session.remove()
        wipe()
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # straight to psycopg without parameters: no placeholders parsed, many statements allowed
                conn.connection.driver_connection.execute(self.sql)
            else:
                for t, rows in self.rows.items():
                    conn.execute(t.insert(), rows)
        app_cache.clear()


def _postgresql_copy(conn) -> str:
    """The SQL that puts back every row and sequence position, written by the server itself (each
    table's rows as JSON, read back into its row type): exact for every column type, and restored
    in one round trip (an INSERT per row from Python took ~45 ms for the permission tests' world)."""
    insert = text(
        "SELECT format('INSERT INTO %I SELECT * FROM json_populate_recordset(NULL::%I, %L);', "
        "CAST(:table AS text), CAST(:table AS text), CAST(:rows AS text))"
    )
    statements = []
    for t in db.metadata.sorted_tables:  # parents first
        order = ", ".join(f'x."{c.name}"' for c in t.primary_key.columns)
        rows = conn.execute(text(f'SELECT json_agg(x ORDER BY {order})::text FROM "{t.name}" x')).scalar()
        if rows is not None:
            statements.append(conn.execute(insert, {"table": t.name, "rows": rows}).scalar())
    sequences = conn.execute(
        text(
            "SELECT format('SELECT setval(%L, %s);', format('%I.%I', schemaname, sequencename), last_value)"
            " FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
        )
    ).scalars()
    return "\n".join([*statements, *sequences])


@pytest.fixture
def app(_app, request):
    with _app.app_context():
        yield _app
        db.session.rollback()
        if "corrupts_ledger" not in request.keywords:
            bad, problems = ledger.verify()
            assert not bad and not problems, f"ledger check after test: {bad} {problems}"
        db.session.remove()
        wipe()


@pytest.fixture(autouse=True)
def _close_extra_apps():
    """Close the connection pools of apps a test built for itself (else PostgreSQL
    connections linger and are reported as unclosed)."""
    yield
    while _extra_apps:
        extra = _extra_apps.pop()
        if "sqlalchemy" in extra.extensions:
            with extra.app_context():
                db.engine.dispose()


@pytest.fixture(autouse=True)
def _reset_rate_limiter():
    """Flask-Limiter keeps one state per process (fine for one app per worker): a test that
    builds an app with limits on would leave them on for every later test."""
    yield
    from moral_bank.core.extensions import limiter

    limiter.enabled = False


@pytest.fixture(autouse=True)
def _empty_cache(_app):
    """Every test starts with an empty cache: ids restart after each wipe, so keys would repeat."""
    yield
    from moral_bank.core.extensions import cache

    with _app.app_context():
        cache.clear()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app) -> factories.World:
    return factories.world()


@pytest.fixture
def login_as(app, world):
    """login_as("scorer") → a test client signed in with that role's user."""

    def login(role: str):
        c = app.test_client()
        response = c.post("/login", data={"username": world.users[role].username, "password": factories.PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c

    return login
