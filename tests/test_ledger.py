"""The ledger: double entry, guarded balances, idempotency, reversals, verify-ledger."""

import pytest
from flask_babel import gettext as _
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from moral_bank.core.db import db
from moral_bank.core.errors import AlreadyReversed, DomainError, IdempotencyMismatch, InsufficientBalance
from moral_bank.ledger import service as ledger
from moral_bank.ledger.models import Account, Entry, Transfer

from . import factories


@pytest.fixture
def village(app):
    county = factories.unit("C", "county")
    township = factories.unit("T", "township", county)
    return factories.unit("V", "village", township)


@pytest.fixture
def two(village):
    return factories.household(village, "H1"), factories.household(village, "H2", "张建国")


def balance(account: Account) -> int:
    return ledger.current_balance(account.id)


def test_award_moves_points_from_issuance_with_entries_summing_to_zero(two):
    h1, _h2 = two
    issuance = ledger.issuance_account(h1.unit)
    t = ledger.transfer(issuance, h1.account, 15, "deed", idempotency_key="k1", memo="护林防火")
    db.session.commit()
    assert balance(h1.account) == 15
    assert balance(issuance) == -15
    assert sorted(e.amount for e in t.entries) == [-15, 15]
    assert db.session.scalar(select(func.sum(Entry.amount))) == 0


def test_overdraw_is_refused_and_writes_nothing(two):
    h1, h2 = two
    factories.award(h1, 10, "a1")
    before = db.session.scalar(select(func.count(Transfer.id)))
    with pytest.raises(InsufficientBalance) as err:
        ledger.transfer(h1.account, h2.account, 11, "adjustment", idempotency_key="over")
    assert "10" in err.value.message and "11" in err.value.message
    db.session.commit()
    assert balance(h1.account) == 10
    assert balance(h2.account) == 0
    assert db.session.scalar(select(func.count(Transfer.id))) == before


def test_spending_exactly_the_balance_is_allowed(two):
    h1, h2 = two
    factories.award(h1, 10, "a1")
    ledger.transfer(h1.account, h2.account, 10, "adjustment", idempotency_key="all")
    assert (balance(h1.account), balance(h2.account)) == (0, 10)


def test_shop_account_cannot_go_negative_either(village):
    shop = ledger.open_shop_account(village, "积分超市")
    issuance = ledger.issuance_account(village)
    with pytest.raises(InsufficientBalance):
        ledger.transfer(shop, issuance, 1, "adjustment", idempotency_key="shop")


def test_issuance_account_may_go_negative(two):
    h1, _h2 = two
    factories.award(h1, 500, "big")
    assert balance(ledger.issuance_account(h1.unit)) == -500


def test_same_idempotency_key_posts_once(two):
    h1, _h2 = two
    first = factories.award(h1, 20, "same-key")
    again = factories.award(h1, 20, "same-key")
    db.session.commit()
    assert again.id == first.id
    assert balance(h1.account) == 20
    assert db.session.scalar(select(func.count(Transfer.id))) == 1


def test_reusing_a_key_for_a_different_posting_is_refused(two):
    h1, _h2 = two
    factories.award(h1, 20, "k")
    with pytest.raises(IdempotencyMismatch):
        factories.award(h1, 21, "k")
    assert balance(h1.account) == 20


@pytest.mark.parametrize("points", [0, -5, 2.5, True, "10", None])
def test_points_must_be_a_positive_integer(two, points):
    h1, _h2 = two
    with pytest.raises(DomainError):
        factories.award(h1, points, f"bad-{points!r}")
    assert balance(h1.account) == 0


def test_unknown_kind_and_missing_key_are_refused(two):
    h1, _h2 = two
    issuance = ledger.issuance_account(h1.unit)
    with pytest.raises(DomainError):
        ledger.transfer(issuance, h1.account, 5, "gift", idempotency_key="x")
    with pytest.raises(DomainError):
        ledger.transfer(issuance, h1.account, 5, "deed", idempotency_key="")
    with pytest.raises(DomainError):
        ledger.transfer(h1.account, h1.account, 5, "deed", idempotency_key="self")


def test_reverse_writes_the_opposite_transfer_once(two):
    h1, _h2 = two
    original = factories.award(h1, 30, "award")
    reversal = ledger.reverse(original, None, "记错了户")
    db.session.commit()
    assert reversal.reverses_id == original.id
    assert (reversal.from_account_id, reversal.to_account_id) == (original.to_account_id, original.from_account_id)
    assert reversal.memo == "记错了户"
    assert balance(h1.account) == 0
    with pytest.raises(AlreadyReversed):
        ledger.reverse(original, None, "again")
    assert balance(h1.account) == 0
    # Both transfers stay: corrections append, never edit or delete.
    assert db.session.scalar(select(func.count(Transfer.id))) == 2


def test_reverse_needs_a_reason_and_cannot_reverse_a_reversal(two):
    h1, _h2 = two
    original = factories.award(h1, 30, "award")
    with pytest.raises(DomainError):
        ledger.reverse(original, None, "  ")
    reversal = ledger.reverse(original, None, "wrong household")
    with pytest.raises(DomainError):
        ledger.reverse(reversal, None, "undo the undo")


def test_reversing_an_award_already_spent_is_refused(two):
    h1, h2 = two
    original = factories.award(h1, 30, "award")
    ledger.transfer(h1.account, h2.account, 25, "adjustment", idempotency_key="spend")
    with pytest.raises(InsufficientBalance):
        ledger.reverse(original, None, "wrong household")
    assert balance(h1.account) == 5


@pytest.mark.corrupts_ledger
def test_database_check_keeps_household_balance_non_negative(two):
    h1, _h2 = two
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE account SET balance = -1 WHERE id = :id"), {"id": h1.account.id})
        db.session.flush()
    db.session.rollback()


@pytest.mark.corrupts_ledger
def test_verify_ledger_names_a_corrupted_account(two, runner):
    h1, h2 = two
    factories.award(h1, 12, "a")
    factories.award(h2, 7, "b")
    db.session.commit()
    ok = runner.invoke(args=["verify-ledger"])
    assert ok.exit_code == 0, ok.output
    assert _("Ledger OK: every balance equals the sum of its entries, and all entries sum to zero.") in ok.output
    db.session.execute(text("UPDATE account SET balance = balance + 5 WHERE id = :id"), {"id": h1.account.id})
    db.session.commit()
    broken = runner.invoke(args=["verify-ledger"])
    assert broken.exit_code != 0
    named = _(
        "account %(id)s (%(kind)s %(name)s): cached balance %(cached)s, entries sum to %(computed)s",
        id=h1.account.id,
        kind="household",
        name=h1.account.name,
        cached=17,
        computed=12,
    )
    assert named in broken.output
    assert len([line for line in broken.output.splitlines() if not line.startswith("Error")]) == 1, broken.output


@pytest.mark.corrupts_ledger
def test_verify_ledger_catches_an_entry_that_breaks_double_entry(two, runner):
    h1, _h2 = two
    t = factories.award(h1, 12, "a")
    db.session.commit()
    db.session.execute(text("UPDATE entry SET amount = 13 WHERE transfer_id = :t AND amount = 12"), {"t": t.id})
    db.session.commit()
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code != 0
    assert _("Transfers whose entries do not sum to 0: %(ids)s", ids=[t.id]) in result.output


def test_audit_row_for_each_transfer(two):
    from moral_bank.core.audit import AuditLog

    h1, _h2 = two
    t = factories.award(h1, 5, "a")
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "ledger.transfer"))
    assert row.object_id == t.id and row.details["points"] == 5


# --- post_batch: a month's lines in one go ------------------------------------------------


@pytest.fixture
def batch_world(app):
    county = factories.unit("C", "county")
    village = factories.unit("V", "village", factories.unit("T", "township", county))
    h1, h2 = factories.household(village, "H1"), factories.household(village, "H2", "张建国")
    db.session.commit()
    return ledger.issuance_account(village), h1.account, h2.account


def test_post_batch_credits_first_then_caps_debits_at_the_balance(batch_world):
    issuance, a1, a2 = batch_world
    done = ledger.post_batch(
        issuance,
        [
            ledger.Posting(a1.id, -30, "deduction", "d1", ("deed", 1), "打架"),
            ledger.Posting(a1.id, 20, "rating", "s1", ("rating_sheet", 1), "2026-10"),
            ledger.Posting(a2.id, -5, "deduction", "d2", ("deed", 2)),
        ],
    )
    assert done["s1"][1] == 20 and done["d1"][1] == -20 and done["d2"] == (None, 0)
    assert (a1.balance, a2.balance, issuance.balance) == (0, 0, 0)
    deduction = db.session.get(Transfer, done["d1"][0])
    assert (deduction.from_account_id, deduction.points, deduction.memo) == (a1.id, 20, "打架")
    assert sorted(e.amount for e in deduction.entries) == [-20, 20]


def test_post_batch_posts_each_key_once(batch_world):
    issuance, a1, _a2 = batch_world
    first = ledger.post_batch(issuance, [ledger.Posting(a1.id, 7, "rating", "s1")])
    again = ledger.post_batch(
        issuance, [ledger.Posting(a1.id, 7, "rating", "s1"), ledger.Posting(a1.id, 3, "deed", "x")]
    )
    assert again["s1"] == first["s1"] and a1.balance == 10
    with pytest.raises(IdempotencyMismatch):
        ledger.post_batch(issuance, [ledger.Posting(a1.id, 8, "rating", "s1")])


def test_post_batch_refuses_bad_lines_and_writes_nothing(batch_world):
    issuance, a1, _a2 = batch_world
    for bad in (0, 1.5, True):
        with pytest.raises(DomainError):
            ledger.post_batch(
                issuance, [ledger.Posting(a1.id, 5, "rating", "ok"), ledger.Posting(a1.id, bad, "rating", "b")]
            )
    with pytest.raises(DomainError):
        ledger.post_batch(a1, [ledger.Posting(issuance.id, 5, "rating", "k")])
    with pytest.raises(DomainError):  # issuance to issuance
        ledger.post_batch(issuance, [ledger.Posting(issuance.id, 5, "rating", "k")])
    assert db.session.scalar(select(func.count(Transfer.id))) == 0
