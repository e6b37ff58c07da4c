"""The per-test wipe, and the snapshots some tests restore: a later test sees none of an earlier
test's rows, ids or cached values."""

from sqlalchemy import func, select

from moral_bank.core.db import db
from moral_bank.core.extensions import cache

from . import factories
from .conftest import Snapshot, wipe


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


def everything() -> dict:
    db.session.expire_all()
    return {
        t.name: db.session.execute(select(t).order_by(*t.primary_key.columns)).all()
        for t in db.metadata.tables.values()
    }


def test_a_restored_snapshot_has_exactly_its_rows_the_same_next_ids_and_an_empty_cache(app):
    world = factories.world()
    world.h1.address = "50% off: 1号 '%(x)s'"  # quotes and placeholder-like text come back as they were
    db.session.commit()
    taken, snapshot, township = everything(), Snapshot(), (type(world.township), world.township.id)
    factories.unit("X", "village", world.township)
    world.h2.address = "changed"
    db.session.commit()
    cache.set("key", "value")
    snapshot.restore()
    assert everything() == taken
    assert cache.get("key") is None
    assert factories.unit("Y", "village", db.session.get(*township)).id == 7
    db.session.commit()
