"""Bulk inserts for generated data: COPY on PostgreSQL (through the raw psycopg connection), executemany
on SQLite, inside the session's transaction, with ids handed out here (so rows can point at each other
before they are written).

Rows are tuples in the order of the columns given to `table()`. Dates and times are written as the
models' column types store them (see `stamp` and `day`); the caller sets every column, defaults included.
"""

from datetime import UTC, date, datetime
from itertools import count

from sqlalchemy import text

from .db import db


class Bulk:
    """Rows buffered per table and written in the order the tables were declared (parents first)."""

    def __init__(self) -> None:
        self.conn = db.session.connection()
        self.postgres = self.conn.dialect.name == "postgresql"
        self.raw = self.conn.connection.driver_connection
        self.columns: dict[str, tuple[str, ...]] = {}
        self.rows: dict[str, list[tuple]] = {}
        self.counters: dict[str, count] = {}
        self.written: dict[str, int] = {}
        self.dropped = []
        self.foreign_keys: list[tuple[str, str, str]] = []  # PostgreSQL: (table, name, definition)
        if not self.postgres:
            # A cache that holds the indexes being filled (the default 2 MB makes every insert a disk read).
            self.cache_size = self.raw.execute("PRAGMA cache_size").fetchone()[0]
            self.raw.execute("PRAGMA cache_size=-524288")

    def table(self, name: str, columns: tuple[str, ...]) -> None:
        """Declare a table (parents before children) and the columns of its rows; ids follow its largest."""
        self.columns[name] = columns
        self.rows[name] = []
        self.written[name] = 0
        # Filling a table and then indexing it beats keeping its indexes up to date row by row (several
        # times over on SQLite once the indexes outgrow the page cache). Unique ones stay: they guard.
        for index in db.metadata.tables[name].indexes:
            if not index.unique:
                index.drop(self.conn, checkfirst=True)
                self.dropped.append(index)
        if self.postgres:
            # PostgreSQL checks a foreign key with a trigger and a query per row written; checking it once
            # over the filled table when it is added back (finish) is many times cheaper. It is added back
            # in the same transaction, so a row pointing nowhere still fails the generation.
            found = self.conn.execute(
                text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = CAST(:name AS regclass) AND contype = 'f'"
                ),
                {"name": name},
            ).all()
            for constraint, definition in found:
                self.conn.execute(text(f'ALTER TABLE {name} DROP CONSTRAINT "{constraint}"'))
                self.foreign_keys.append((name, constraint, definition))
        if "id" in columns:
            self.counters[name] = count((self.conn.execute(text(f"SELECT max(id) FROM {name}")).scalar() or 0) + 1)

    def new_id(self, name: str) -> int:
        return next(self.counters[name])

    def add(self, name: str, row: tuple) -> None:
        self.rows[name].append(row)

    def ids(self, name: str):
        """new_id(name) for loops that take millions (a bound method, without the look-ups)."""
        return self.counters[name].__next__

    def adder(self, name: str):
        """add(name, row) for loops that add millions of rows (the rows list's own append)."""
        return self.rows[name].append

    def stamp(self, moment: datetime):
        """A UTC time as the UTCDateTime column stores it."""
        moment = moment.astimezone(UTC)
        return moment if self.postgres else moment.replace(tzinfo=None).isoformat(" ", "microseconds")

    def day(self, value: date):
        return value if self.postgres else value.isoformat()

    def flush(self) -> None:
        for name, rows in self.rows.items():
            if rows:
                self._write(name, self.columns[name], rows)
                self.written[name] += len(rows)
                rows.clear()

    def _write(self, name: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        listed = ", ".join(columns)
        if self.postgres:
            with self.raw.cursor() as cursor, cursor.copy(f"COPY {name} ({listed}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _c in columns)
            self.raw.executemany(f"INSERT INTO {name} ({listed}) VALUES ({marks})", rows)

    def finish(self) -> None:
        """Write what is left, index the tables again; on PostgreSQL, move each id sequence past the ids
        handed out here."""
        self.flush()
        for index in self.dropped:
            index.create(self.conn, checkfirst=True)
        self.dropped.clear()
        for name, constraint, definition in self.foreign_keys:
            self.conn.execute(text(f'ALTER TABLE {name} ADD CONSTRAINT "{constraint}" {definition}'))
        self.foreign_keys.clear()
        if not self.postgres:
            self.raw.execute(f"PRAGMA cache_size={int(self.cache_size)}")
        if self.postgres:
            for name in self.counters:
                self.conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
                )
