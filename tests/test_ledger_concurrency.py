"""Concurrent postings never overspend and never post a key twice (both databases)."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from moral_bank.core.db import db
from moral_bank.core.errors import InsufficientBalance
from moral_bank.ledger import service as ledger
from moral_bank.ledger.models import Account, Transfer

from . import factories
from .concurrency import at_once, in_own_session
from .conftest import make_app

THREADS = 50


@pytest.fixture
def wide_app(db_url, tmp_path, app):
    """A second app on the same database with a pool big enough for every thread at once."""
    other = make_app(db_url, str(tmp_path), SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS, "max_overflow": 5})
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def funded(app):
    county = factories.unit("C", "county")
    village = factories.unit("V", "village", factories.unit("T", "township", county))
    h1 = factories.household(village, "H1")
    h2 = factories.household(village, "H2", "张建国")
    factories.award(h1, 10, "fund")
    ids = h1.account.id, h2.account.id
    # Commit and leave no transaction open: on SQLite an open one holds the write lock.
    db.session.commit()
    return ids


def run_threads(wide_app, work, n=THREADS) -> Counter:
    """work(i) on n threads at once, each in its own session; a refused debit counts as "refused"."""
    return at_once(n, in_own_session(wide_app, work, InsufficientBalance, lambda _exc: "refused"))


def test_fifty_threads_debiting_one_point_from_ten_succeed_exactly_ten_times(wide_app, funded):
    src_id, dst_id = funded

    def debit(i: int) -> str:
        src, dst = db.session.get(Account, src_id), db.session.get(Account, dst_id)
        ledger.transfer(src, dst, 1, "adjustment", idempotency_key=f"debit-{i}")
        return "ok"

    outcomes = run_threads(wide_app, debit)
    assert outcomes == Counter({"ok": 10, "refused": 40}), outcomes
    db.session.expire_all()
    assert ledger.current_balance(src_id) == 0
    assert ledger.current_balance(dst_id) == 10


def test_the_same_key_posted_by_fifty_threads_posts_once(wide_app, funded):
    src_id, dst_id = funded

    def post(_i: int) -> str:
        src, dst = db.session.get(Account, src_id), db.session.get(Account, dst_id)
        t = ledger.transfer(src, dst, 3, "adjustment", idempotency_key="one-checkout")
        return "ok" if t.idempotency_key == "one-checkout" else "other"

    outcomes = run_threads(wide_app, post)
    assert outcomes == Counter({"ok": THREADS}), outcomes
    assert db.session.scalar(select(func.count(Transfer.id)).where(Transfer.idempotency_key == "one-checkout")) == 1
    assert ledger.current_balance(src_id) == 7


def test_opposite_transfers_at_once_neither_deadlock_nor_drift(wide_app, funded):
    a_id, b_id = funded

    def swap(i: int) -> str:
        a, b = db.session.get(Account, a_id), db.session.get(Account, b_id)
        pair = (a, b) if i % 2 else (b, a)
        ledger.transfer(*pair, 1, "adjustment", idempotency_key=f"swap-{i}")
        return "ok"

    outcomes = run_threads(wide_app, swap, 40)
    assert set(outcomes) <= {"ok", "refused"}, outcomes
    total = ledger.current_balance(a_id) + ledger.current_balance(b_id)
    assert total == 10


def test_batched_deductions_racing_with_spending_never_overdraw(wide_app, funded):
    """Posting deductions in batches while the household spends at the shop: every point is
    accounted for, the balance never goes below zero, and nothing deadlocks."""
    h1_id, h2_id = funded
    with wide_app.app_context():
        village = db.session.get(Account, h1_id).unit
        issuance_id = ledger.issuance_account(village).id
        shop_id = ledger.open_shop_account(village, "积分超市").id
        db.session.commit()

    def work(i: int) -> str:
        if i % 2:
            issuance = db.session.get(Account, issuance_id)
            done = ledger.post_batch(issuance, [ledger.Posting(h1_id, -3, "deduction", f"deduct-{i}")])
            return f"deducted {-done[f'deduct-{i}'][1]}"
        src, shop = db.session.get(Account, h1_id), db.session.get(Account, shop_id)
        ledger.transfer(src, shop, 2, "redemption", idempotency_key=f"spend-{i}")
        return "spent 2"

    outcomes = run_threads(wide_app, work, 20)
    assert all(o.startswith(("deducted", "spent", "refused")) for o in outcomes), outcomes
    deducted = sum(int(o.split()[1]) * n for o, n in outcomes.items() if o.startswith("deducted"))
    spent = 2 * outcomes["spent 2"]
    db.session.expire_all()
    assert deducted + spent == 10 - ledger.current_balance(h1_id)
    assert ledger.current_balance(h1_id) >= 0
