"""Two clerks checking out at once against one household (both databases): exactly as many succeed as
the balance or the stock allows, nothing goes below zero, a double tap redeems once, nothing deadlocks."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from moral_bank.cards.models import Card
from moral_bank.core.db import db
from moral_bank.ledger import service as ledger
from moral_bank.shop import service as shop
from moral_bank.shop.models import Item, Redemption, Shop, StockMovement

from . import factories
from .concurrency import at_once
from .test_ledger_concurrency import THREADS, run_threads, wide_app  # noqa: F401  (the fixture)

assert THREADS == 50  # 2 clerks × 25 checkouts


@pytest.fixture
def till(app):
    """A village shop with two clerks; H1 holds 100 points, exactly ten bars of soap at 10 points."""
    county = factories.unit("C", "county")
    village = factories.unit("V", "village", factories.unit("T", "township", county))
    h1 = factories.household(village, "H1")
    clerks = [factories.user(f"clerk{n}", "clerk", village) for n in (1, 2)]
    s = shop.create_shop(village, "积分超市", [], factories.user("admin", "unit_admin", village))
    soap = shop.add_item(s, "肥皂", 10, 1000, 5, clerks[0])
    oil = shop.add_item(s, "食用油", 1, 10, 1, clerks[0])
    factories.award(h1, 100, "fund")
    ids = h1.id, s.id, soap.id, oil.id, [c.id for c in clerks]
    # Commit and leave no transaction open: on SQLite an open one holds the write lock.
    db.session.commit()
    return ids


def _checkout(household_id, shop_id, item_id, clerk_ids, key_of):
    from moral_bank.auth.models import User
    from moral_bank.households.models import Household

    def work(i: int) -> str:
        clerk = db.session.get(User, clerk_ids[i % 2])
        _r, created = shop.redeem(
            db.session.get(Shop, shop_id),
            db.session.get(Household, household_id),
            [{"item_id": item_id, "qty": 1}],
            key_of(i),
            clerk,
            pin=None,
        )
        return "ok" if created else "replay"

    return work


def test_fifty_checkouts_by_two_clerks_against_ten_affordable_succeed_ten_times(wide_app, till):  # noqa: F811
    household_id, shop_id, soap_id, _oil, clerk_ids = till
    work = _checkout(household_id, shop_id, soap_id, clerk_ids, lambda i: f"checkout-{i:04d}")
    outcomes = run_threads(wide_app, work)
    assert outcomes == Counter({"ok": 10, "refused": 40}), outcomes
    db.session.expire_all()
    account = ledger.household_account(household_id)
    assert ledger.current_balance(account.id) == 0
    assert db.session.scalar(select(Item.stock).where(Item.id == soap_id)) == 990
    assert db.session.scalar(select(func.count(Redemption.id))) == 10
    assert db.session.scalar(select(func.min(StockMovement.stock_after))) >= 0
    bad, problems = ledger.verify()
    assert not bad and not problems


def test_fifty_checkouts_of_the_last_ten_in_stock_succeed_ten_times(wide_app, till):  # noqa: F811
    household_id, shop_id, _soap, oil_id, clerk_ids = till
    outcomes = run_threads(wide_app, _checkout(household_id, shop_id, oil_id, clerk_ids, lambda i: f"oil-{i:04d}"))
    # The stock refusals are Conflicts too; run_threads reports them by their message.
    assert outcomes["ok"] == 10 and sum(outcomes.values()) == 50, outcomes
    assert all(o == "ok" or "食用油" in o for o in outcomes), outcomes
    db.session.expire_all()
    assert db.session.scalar(select(Item.stock).where(Item.id == oil_id)) == 0
    assert ledger.current_balance(ledger.household_account(household_id).id) == 90


def test_fifty_double_taps_of_one_cart_redeem_once(wide_app, till):  # noqa: F811
    household_id, shop_id, soap_id, _oil, clerk_ids = till
    work = _checkout(household_id, shop_id, soap_id, [clerk_ids[0]] * 2, lambda _i: "one-cart-key")
    outcomes = run_threads(wide_app, work)
    assert outcomes == Counter({"ok": 1, "replay": 49}), outcomes
    db.session.expire_all()
    assert ledger.current_balance(ledger.household_account(household_id).id) == 90
    assert db.session.scalar(select(func.count(Redemption.id))) == 1


def _api_checkouts(app_, till, key_of, n=THREADS) -> Counter:
    """`n` concurrent POST /api/v1/redemptions by the two clerks (the request path: on SQLite it reads
    first and takes the write lock only before it writes). Counts the answers by status code and id."""

    household_id, shop_id, soap_id, _oil, _clerks = till
    code = db.session.scalar(select(Card.short_code).where(Card.household_id == household_id))
    client = app_.test_client()
    tokens = [
        client.post("/api/v1/tokens", json={"username": f"clerk{c}", "password": factories.PASSWORD}).json["token"]
        for c in (1, 2)
    ]
    body = {"card": code, "shop_id": shop_id, "lines": [{"item_id": soap_id, "qty": 1}]}

    def checkout(i: int):
        headers = {"Authorization": f"Bearer {tokens[i % 2]}", "Idempotency-Key": key_of(i)}
        with app_.app_context():  # the tests' client commits the test's session before a request
            answer = app_.test_client().post("/api/v1/redemptions", json=body, headers=headers)
            db.session.remove()
        return (answer.status_code, answer.json["id"]) if answer.status_code < 300 else answer.status_code

    return at_once(n, checkout)


@pytest.fixture
def carded(till):
    from moral_bank.cards import service as cards
    from moral_bank.households.models import Household

    cards.issue_missing([db.session.get(Household, till[0]).id])
    db.session.commit()
    return till


def test_fifty_api_checkouts_against_ten_affordable_succeed_ten_times(wide_app, carded):  # noqa: F811
    outcomes = _api_checkouts(wide_app, carded, lambda i: f"api-checkout-{i:04d}")
    created = [o for o in outcomes if isinstance(o, tuple) and o[0] == 201]
    assert len(created) == 10 and outcomes[409] == 40, outcomes
    db.session.expire_all()
    household_id, _shop, soap_id, *_ = carded
    assert ledger.current_balance(ledger.household_account(household_id).id) == 0
    assert db.session.scalar(select(Item.stock).where(Item.id == soap_id)) == 990
    assert db.session.scalar(select(func.count(Redemption.id))) == 10
    bad, problems = ledger.verify()
    assert not bad and not problems


def test_fifty_api_double_taps_redeem_once_and_all_get_the_same_receipt(wide_app, carded):  # noqa: F811
    outcomes = _api_checkouts(wide_app, carded, lambda _i: "api-one-cart-key")
    first = [o for o in outcomes if o[0] == 201]
    assert len(first) == 1 and outcomes[first[0]] == 1, outcomes
    assert outcomes[(200, first[0][1])] == 49, outcomes
    db.session.expire_all()
    assert ledger.current_balance(ledger.household_account(carded[0]).id) == 90
