"""The SQLAlchemy base with stable constraint names, and SQLite connection setup."""

from datetime import UTC, datetime
from functools import wraps

from flask import current_app, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on both databases (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; store UTC-aware datetimes")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


MAX_ID = 2**31 - 1  # the largest id an id column holds (PostgreSQL's integer)


def is_id(value) -> bool:
    """A whole number an id column can hold (not a bool, not 10**30): safe to look up."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.split(".")[0] != "sqlite3":
        return
    # We issue BEGIN ourselves (see _sqlite_begin), so pysqlite must not.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def late_write_lock(view):
    """Mark a write view (a shop checkout) whose SQLite transaction begins as a reader and takes the
    write lock only at take_write_lock(): its reads then do not keep the other writers waiting."""
    view.late_write_lock = True
    return view


def single_statement_writes(view):
    """Mark a view whose writes are one all-or-nothing statement (the PostgreSQL checkout): on
    PostgreSQL its connection runs in autocommit, which spares the BEGIN and COMMIT round trips.
    Every statement it runs commits on its own, so it must not write anything that needs another
    statement to be complete (a refused checkout writes nothing; a wrong PIN's count may stand)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if db.engine.dialect.name == "postgresql":  # before the first statement: the sign-in reads next
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return view(*args, **kwargs)

    return wrapped


def _late(request_) -> bool:
    return getattr(current_app.view_functions.get(request_.endpoint), "late_write_lock", False)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    # A deferred transaction that reads and then writes fails at once with
    # "database is locked" when another writer got there first; the busy
    # timeout does not help it. Writers (form posts, CLI commands, worker
    # threads) therefore take the write lock up front and queue behind each
    # other; plain page views stay concurrent readers under WAL. A
    # late_write_lock view reads first and calls take_write_lock() before it writes.
    reader = has_request_context() and (request.method not in _WRITE_METHODS or _late(request))
    conn.exec_driver_sql("BEGIN" if reader else "BEGIN IMMEDIATE")
    conn.info["reader_since"] = conn.connection.driver_connection.total_changes if reader else None


def take_write_lock() -> None:
    """Before the first write of a late_write_lock view. On SQLite: end the reading transaction (it
    wrote nothing, so nothing is lost) and begin a writing one, queueing for the write lock; the
    writes that follow must not trust what was read before without a guard (guarded UPDATEs, unique
    keys). Elsewhere, or in a writing transaction already, nothing: rows lock as they are written."""
    conn = db.session.connection()
    since = conn.info.get("reader_since") if conn.dialect.name == "sqlite" else None
    if since is None:
        return
    raw = conn.connection.driver_connection
    if raw.total_changes != since:
        raise RuntimeError("take_write_lock() after a write: the reading transaction cannot be ended")
    raw.execute("COMMIT")
    raw.execute("BEGIN IMMEDIATE")
    conn.info["reader_since"] = None
