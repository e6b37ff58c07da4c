"""`flask db upgrade` on an empty database yields exactly the models (both databases)."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from moral_bank.core.db import db

from .conftest import DATABASE_URL, make_app


@pytest.fixture
def empty_db_url(tmp_path):
    if not DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    url = make_url(DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"mb_migrate_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_on_an_empty_database_matches_the_models(empty_db_url, tmp_path):
    app = make_app(empty_db_url, str(tmp_path))
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            assert "account" in inspect(conn).get_table_names()
            context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_the_ledger_check_constraint_exists_after_upgrade(empty_db_url, tmp_path):
    app = make_app(empty_db_url, str(tmp_path))
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO unit (code, name, kind, path, created_at) "
                    "VALUES ('C', 'c', 'county', '/1/', CURRENT_TIMESTAMP)"
                )
            )
            with pytest.raises(Exception, match="(?i)check"), conn.begin_nested():
                conn.execute(
                    text(
                        "INSERT INTO account (kind, unit_id, name, balance, created_at) "
                        "VALUES ('shop', 1, 's', -1, CURRENT_TIMESTAMP)"
                    )
                )
        db.engine.dispose()
