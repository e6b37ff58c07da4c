"""Double-entry points ledger. Nothing else may change Account.balance.

Rules: integer points; every transfer is two entries summing to zero; append
only (a correction is a reversing transfer); cached balances move by SQL
expression in the same transaction as their entries; household and shop
balances never go below zero (guarded UPDATE here, CHECK in the database);
an idempotency key posts once.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..core import audit
from ..core.db import db
from ..core.errors import (
    AlreadyReversed,
    DomainError,
    IdempotencyMismatch,
    InsufficientBalance,
    NotFound,
)
from ..households.models import Household
from ..units.models import Unit
from .models import TRANSFER_KINDS, Account, Entry, Transfer


def open_household_account(household: Household) -> Account:
    account = Account(kind="household", unit=household.unit, household=household, name=household.head_name)
    db.session.add(account)
    return account


def open_shop_account(unit: Unit, name: str) -> Account:
    account = Account(kind="shop", unit_id=unit.id, name=name)
    db.session.add(account)
    db.session.flush()
    return account


def issuance_account(unit: Unit) -> Account:
    """The unit's issuance account, created on first use."""
    account = db.session.scalar(select(Account).where(Account.kind == "issuance", Account.unit_id == unit.id))
    if account is None:
        account = Account(kind="issuance", unit_id=unit.id, name=unit.name)
        db.session.add(account)
        db.session.flush()
    return account


def household_account(household_id: int) -> Account:
    account = db.session.scalar(select(Account).where(Account.household_id == household_id))
    if account is None:
        raise NotFound(_("This household has no account."))
    return account


def _validate(points, kind: str, idempotency_key: str, from_account: Account, to_account: Account) -> None:
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        raise DomainError(_("Points must be a whole number greater than zero."), field="points")
    if kind not in TRANSFER_KINDS:
        raise DomainError(_("Unknown kind of transfer: %(kind)s.", kind=kind), field="kind")
    if not idempotency_key or len(idempotency_key) > 120:
        raise DomainError(_("Every posting needs an idempotency key of at most 120 characters."))
    if from_account.id is None or to_account.id is None or from_account.id == to_account.id:
        raise DomainError(_("A transfer needs two different saved accounts."))


def by_key(idempotency_key: str) -> Transfer | None:
    """The transfer posted under an idempotency key, if any."""
    return db.session.scalar(select(Transfer).where(Transfer.idempotency_key == idempotency_key))


def _same(t: Transfer, from_account: Account, to_account: Account, points: int, kind: str) -> Transfer:
    if (t.from_account_id, t.to_account_id, t.points, t.kind) != (from_account.id, to_account.id, points, kind):
        raise IdempotencyMismatch(_("This idempotency key was already used for a different posting."))
    return t


def _move(from_account: Account, to_account: Account, points: int) -> None:
    """Debit (guarded) and credit by SQL expression, locking rows in id order."""
    debit = (
        update(Account)
        .where(Account.id == from_account.id, or_(Account.kind == "issuance", Account.balance >= points))
        .values(balance=Account.balance - points)
        .execution_options(synchronize_session=False)
    )
    credit = (
        update(Account)
        .where(Account.id == to_account.id)
        .values(balance=Account.balance + points)
        .execution_options(synchronize_session=False)
    )
    # The same lock order everywhere, so two opposite transfers cannot deadlock.
    first, second = (debit, credit) if from_account.id < to_account.id else (credit, debit)
    for stmt in (first, second):
        if db.session.execute(stmt).rowcount != 1:
            raise InsufficientBalance(
                _(
                    "Not enough points: the balance is %(balance)s, %(points)s needed.",
                    balance=current_balance(from_account.id),
                    points=points,
                ),
                field="points",
            )
    db.session.expire(from_account, ["balance"])
    db.session.expire(to_account, ["balance"])


def transfer(
    from_account: Account,
    to_account: Account,
    points: int,
    kind: str,
    source: tuple[str, int | None] | None = None,
    idempotency_key: str = "",
    actor=None,
    memo: str = "",
    reverses: Transfer | None = None,
    audited: bool = True,
) -> Transfer:
    """Move `points` from one account to another, once per idempotency key.

    Returns the new transfer, or the earlier one when the key was used before
    for the same posting. Raises InsufficientBalance when a household or shop
    account would go below zero; nothing is written then.
    """
    _validate(points, kind, idempotency_key, from_account, to_account)
    earlier = by_key(idempotency_key)
    if earlier is not None:
        return _same(earlier, from_account, to_account, points, kind)
    source_type, source_id = source or ("", None)
    try:
        with db.session.begin_nested():
            _move(from_account, to_account, points)
            t = Transfer(
                kind=kind,
                from_account_id=from_account.id,
                to_account_id=to_account.id,
                points=points,
                idempotency_key=idempotency_key,
                source_type=source_type,
                source_id=source_id,
                memo=memo[:500],
                reverses=reverses,
                actor_id=getattr(actor, "id", None),
            )
            t.entries = [
                Entry(account_id=from_account.id, amount=-points),
                Entry(account_id=to_account.id, amount=points),
            ]
            db.session.add(t)
            db.session.flush()
    except IntegrityError:
        # A concurrent request posted the same key (or reversed the same transfer) first.
        if reverses is not None:
            raise AlreadyReversed(_("This posting has already been corrected.")) from None
        earlier = by_key(idempotency_key)
        if earlier is None:
            raise
        return _same(earlier, from_account, to_account, points, kind)
    if audited:
        audit.record(
            "ledger.transfer",
            t,
            actor=actor,
            unit_id=from_account.unit_id,
            kind=kind,
            points=points,
            source=f"{source_type}:{source_id}" if source_type else None,
        )
    return t


def reverse(original: Transfer, actor, reason: str, kind: str = "reversal") -> Transfer:
    """Undo a transfer with an opposite one. A transfer can be reversed once."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give a reason for the correction."), field="reason")
    if original.reverses_id is not None:
        raise DomainError(_("A correction cannot itself be corrected; post a new transfer instead."))
    if db.session.scalar(select(Transfer.id).where(Transfer.reverses_id == original.id)) is not None:
        raise AlreadyReversed(_("This posting has already been corrected."))
    return transfer(
        original.to_account,
        original.from_account,
        original.points,
        kind,
        source=(original.source_type, original.source_id),
        idempotency_key=f"reverse:{original.id}",
        actor=actor,
        memo=reason,
        reverses=original,
    )


def current_balance(account_id: int) -> int:
    return (
        db.session.scalar(
            select(Account.balance).where(Account.id == account_id).execution_options(populate_existing=True)
        )
        or 0
    )


def entries_for(account_id: int):
    """A select of an account's entries, newest first (for pagination)."""
    return select(Entry).where(Entry.account_id == account_id).order_by(Entry.id.desc())


@dataclass
class Discrepancy:
    account_id: int
    kind: str
    name: str
    cached: int
    computed: int


def verify() -> tuple[list[Discrepancy], list[str]]:
    """Recompute every balance from its entries.

    Returns accounts whose cached balance differs, and general problems
    (entries not summing to zero, negative household/shop balances).
    """
    sums = (
        select(Entry.account_id, func.coalesce(func.sum(Entry.amount), 0).label("total"))
        .group_by(Entry.account_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Account.id, Account.kind, Account.name, Account.balance, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.account_id == Account.id)
        .order_by(Account.id)
    ).all()
    bad = [Discrepancy(r[0], r[1], r[2], r[3], int(r[4])) for r in rows if r[3] != int(r[4])]
    problems = []
    total = db.session.scalar(select(func.coalesce(func.sum(Entry.amount), 0)))
    if total != 0:
        problems.append(_("All entries sum to %(total)s, not 0.", total=total))
    unbalanced = db.session.scalars(
        select(Entry.transfer_id).group_by(Entry.transfer_id).having(func.sum(Entry.amount) != 0)
    ).all()
    if unbalanced:
        problems.append(_("Transfers whose entries do not sum to 0: %(ids)s", ids=list(unbalanced)[:20]))
    negative = [r[0] for r in rows if r[1] != "issuance" and int(r[4]) < 0]
    if negative:
        problems.append(_("Accounts whose entries sum below 0: %(ids)s", ids=negative[:20]))
    return bad, problems
