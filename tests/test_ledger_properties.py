"""Property-based: any sequence of transfers and reversals keeps the ledger exact."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from moral_bank.core.db import db
from moral_bank.core.errors import DomainError
from moral_bank.ledger import service as ledger
from moral_bank.ledger.models import Account, Entry

from . import factories
from .conftest import wipe

# Account 0 is the village's issuance account, 1–3 households, 4 a shop.
transfer_op = st.tuples(st.just("transfer"), st.integers(0, 4), st.integers(0, 4), st.integers(1, 60))
reverse_op = st.tuples(st.just("reverse"), st.integers(0, 40), st.just(0), st.just(0))
operations = st.lists(st.one_of(transfer_op, transfer_op, reverse_op), min_size=1, max_size=40)


def setup_accounts() -> list[Account]:
    county = factories.unit("C", "county")
    village = factories.unit("V", "village", factories.unit("T", "township", county))
    households = [factories.household(village, f"H{i}") for i in range(3)]
    shop = ledger.open_shop_account(village, "积分超市")
    return [ledger.issuance_account(village), *(h.account for h in households), shop]


def check_invariants(accounts: list[Account]) -> None:
    bad, problems = ledger.verify()
    assert not bad and not problems, (bad, problems)
    assert db.session.scalar(select(func.coalesce(func.sum(Entry.amount), 0))) == 0
    for account in accounts[1:]:
        assert ledger.current_balance(account.id) >= 0


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_random_transfers_and_reversals_keep_every_balance_exact(app, ops):
    wipe()
    accounts = setup_accounts()
    transfers = []
    try:
        for n, (op, a, b, points) in enumerate(ops):
            try:
                if op == "transfer" and a != b:
                    transfers.append(
                        ledger.transfer(accounts[a], accounts[b], points, "adjustment", idempotency_key=f"p{n}")
                    )
                elif op == "reverse" and transfers:
                    ledger.reverse(transfers[a % len(transfers)], None, "property test")
            except DomainError:
                pass  # refused (overdraw, already reversed…): must have changed nothing
            db.session.commit()
            check_invariants(accounts)
    finally:
        db.session.rollback()
        wipe()
