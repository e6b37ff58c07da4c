"""The per-test wipe: a later test sees none of an earlier test's rows or ids."""

from sqlalchemy import func, select

from moral_bank.core.db import db

from . import factories
from .conftest import wipe


def test_wipe_empties_every_table_and_restarts_every_id(app):
    factories.world()
    wipe()
    factories.unit("C", "county")
    db.session.rollback()  # the insert used up an id (on PostgreSQL) but left no row
    wipe()
    for table in db.metadata.sorted_tables:
        assert db.session.scalar(select(func.count()).select_from(table)) == 0, table.name
    assert factories.unit("C", "county").id == 1
    db.session.commit()
