"""Double-entry points ledger. Nothing else may change Account.balance.

Rules: integer points; every transfer is two entries summing to zero; append
only (a correction is a reversing transfer); cached balances move by SQL
expression in the same transaction as their entries; household and shop
balances never go below zero (guarded UPDATE here, CHECK in the database);
an idempotency key posts once.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from ..core import audit
from ..core.db import db, utcnow
from ..core.errors import (
    AlreadyReversed,
    Conflict,
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


# post()'s statements, built once (building a statement costs more than running it on a hot path).
_ACCOUNTS = Account.__table__
_DEBIT = (
    _ACCOUNTS.update()
    .where(
        _ACCOUNTS.c.id == bindparam("from_id"),
        or_(_ACCOUNTS.c.kind == "issuance", _ACCOUNTS.c.balance >= bindparam("n")),
    )
    .values(balance=_ACCOUNTS.c.balance - bindparam("n"))
    .returning(_ACCOUNTS.c.balance)
)
_CREDIT = (
    _ACCOUNTS.update().where(_ACCOUNTS.c.id == bindparam("to_id")).values(balance=_ACCOUNTS.c.balance + bindparam("n"))
)
_INSERT_TRANSFER = Transfer.__table__.insert().returning(Transfer.__table__.c.id)
_INSERT_ENTRY = Entry.__table__.insert()


def post(
    from_id: int,
    to_id: int,
    points: int,
    kind: str,
    idempotency_key: str,
    source: tuple[str, int | None] = ("", None),
    memo: str = "",
    actor_id: int | None = None,
    reverses_id: int | None = None,
) -> tuple[int, int]:
    """Write one transfer with plain statements: the two balance moves (in account-id order, the debit
    guarded), the transfer row and its two entries. Returns (transfer id, the debited account's new
    balance). Raises InsufficientBalance when the debit would overdraw; the caller rolls back.

    The building block of transfer(); a caller on a hot path (a checkout) may call it directly when it
    has validated the posting, knows the key is new (the unique index still stands behind that) and
    holds a savepoint or transaction to roll back. The caller audits. The second balance move comes
    last: a shop's account, credited by every checkout, stays locked for the shortest time."""
    params = {"from_id": from_id, "to_id": to_id, "n": points}
    conn = db.session.connection()  # the same transaction, without the ORM's per-statement work
    # The same lock order everywhere, so two opposite transfers cannot deadlock.
    if to_id < from_id:
        conn.execute(_CREDIT, params)
    balance = conn.execute(_DEBIT, params).scalar()
    if balance is None:
        raise InsufficientBalance(
            _(
                "Not enough points: the balance is %(balance)s, %(points)s needed.",
                balance=current_balance(from_id),
                points=points,
            ),
            field="points",
        )
    now = utcnow()
    transfer_id = conn.execute(
        _INSERT_TRANSFER,
        {
            "kind": kind,
            "from_account_id": from_id,
            "to_account_id": to_id,
            "points": points,
            "idempotency_key": idempotency_key,
            "source_type": source[0],
            "source_id": source[1],
            "memo": memo[:500],
            "reverses_id": reverses_id,
            "actor_id": actor_id,
            "created_at": now,
        },
    ).scalar_one()
    conn.execute(
        _INSERT_ENTRY,
        [
            {"transfer_id": transfer_id, "account_id": from_id, "amount": -points, "created_at": now},
            {"transfer_id": transfer_id, "account_id": to_id, "amount": points, "created_at": now},
        ],
    )
    if to_id > from_id:
        conn.execute(_CREDIT, params)
    return transfer_id, balance


def expire_balances(*account_ids: int) -> None:
    """Loaded accounts must not show old balances (read ids from identity keys: touching an expired
    object would load it)."""
    for key, obj in list(db.session.identity_map.items()):
        if key[0] is Account and key[1][0] in account_ids:
            db.session.expire(obj, ["balance"])


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
            transfer_id, _balance = post(
                from_account.id,
                to_account.id,
                points,
                kind,
                idempotency_key,
                (source_type, source_id),
                memo,
                getattr(actor, "id", None),
                reverses.id if reverses is not None else None,
            )
    except IntegrityError:
        # A concurrent request posted the same key (or reversed the same transfer) first.
        if reverses is not None:
            raise AlreadyReversed(_("This posting has already been corrected.")) from None
        earlier = by_key(idempotency_key)
        if earlier is None:
            raise
        return _same(earlier, from_account, to_account, points, kind)
    expire_balances(from_account.id, to_account.id)
    t = db.session.get(Transfer, transfer_id)
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


@dataclass
class Posting:
    """One line of post_batch(): points > 0 are credited from the issuance account; points < 0
    are taken back to it, at most what the account holds."""

    account_id: int
    points: int
    kind: str
    idempotency_key: str
    source: tuple[str, int | None] = ("", None)
    memo: str = ""


def post_batch(issuance: Account, postings: list[Posting], actor=None) -> dict[str, tuple[int | None, int]]:
    """Post many lines between one issuance account and households, each once per idempotency key.

    The batch form of transfer() for posting a month: the same rows (a transfer
    and two entries per line) and the same balances, written with a few
    multi-row statements instead of a round of statements per line. The
    accounts are locked first, in id order (as transfer() does), so the
    balances read are the balances written: credits are applied first, then
    each debit takes at most what its account holds by then (it never goes
    below zero; the CHECK constraint stands behind this).

    Returns {key: (transfer id or None, signed points that reached the account)};
    a key used before returns its earlier transfer. The caller audits the batch.
    """
    if issuance.kind != "issuance" or issuance.id is None:
        raise DomainError(_("A batch is posted from a saved issuance account."))
    for p in postings:
        if isinstance(p.points, bool) or not isinstance(p.points, int) or p.points == 0:
            raise DomainError(_("Points must be a whole number other than zero."), field="points")
        _validate(abs(p.points), p.kind, p.idempotency_key, issuance, Account(id=p.account_id))
    results: dict[str, tuple[int | None, int]] = {}
    wanted = {p.idempotency_key: p for p in postings}
    keys = list(wanted)
    for start in range(0, len(keys), 500):
        for t in db.session.scalars(select(Transfer).where(Transfer.idempotency_key.in_(keys[start : start + 500]))):
            p = wanted[t.idempotency_key]
            ends = (issuance.id, p.account_id) if p.points > 0 else (p.account_id, issuance.id)
            # A debit may have been capped, so its earlier amount may be smaller.
            fits = t.points == p.points if p.points > 0 else t.points <= -p.points
            if (t.from_account_id, t.to_account_id) != ends or t.kind != p.kind or not fits:
                raise IdempotencyMismatch(_("This idempotency key was already used for a different posting."))
            results[t.idempotency_key] = (t.id, t.points if p.points > 0 else -t.points)
    new = [p for p in postings if p.idempotency_key not in results]
    if not new:
        return results
    ids = sorted({p.account_id for p in new} | {issuance.id})
    held: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        held.update(
            db.session.execute(
                select(Account.id, Account.balance)
                .where(Account.id.in_(ids[start : start + 500]), Account.kind != "issuance")
                .order_by(Account.id)
                .with_for_update()
            ).all()
        )
    missing = [a for a in ids if a != issuance.id and a not in held]
    if missing:
        raise DomainError(_("A batch posts to household or shop accounts only."))
    balance = dict(held)
    now, actor_id = utcnow(), getattr(actor, "id", None)
    rows = []
    for p in sorted(new, key=lambda p: p.points < 0):  # credits first, otherwise in the given order
        amount = p.points if p.points > 0 else min(-p.points, balance[p.account_id])
        if amount <= 0:
            results[p.idempotency_key] = (None, 0)
            continue
        balance[p.account_id] += amount if p.points > 0 else -amount
        source = (issuance.id, p.account_id) if p.points > 0 else (p.account_id, issuance.id)
        rows.append((p, amount, source))
    if not rows:
        return results
    try:
        with db.session.begin_nested():
            _apply_balances(issuance.id, {a: balance[a] - held[a] for a in held if balance[a] != held[a]})
            inserted = db.session.execute(
                insert(Transfer).returning(Transfer.id, sort_by_parameter_order=True),
                [
                    {
                        "kind": p.kind,
                        "from_account_id": source[0],
                        "to_account_id": source[1],
                        "points": amount,
                        "idempotency_key": p.idempotency_key,
                        "source_type": p.source[0],
                        "source_id": p.source[1],
                        "memo": p.memo[:500],
                        "actor_id": actor_id,
                        "created_at": now,
                    }
                    for p, amount, source in rows
                ],
            ).scalars()
            entries = []
            for (p, amount, (debit, credit)), tid in zip(rows, inserted, strict=True):
                entries.append({"transfer_id": tid, "account_id": debit, "amount": -amount, "created_at": now})
                entries.append({"transfer_id": tid, "account_id": credit, "amount": amount, "created_at": now})
                results[p.idempotency_key] = (tid, amount if p.points > 0 else -amount)
            db.session.execute(insert(Entry), entries)
    except IntegrityError:
        raise Conflict(_("These lines were being posted at the same moment elsewhere; please try again.")) from None
    return results


def _apply_balances(issuance_id: int, deltas: dict[int, int]) -> None:
    """Move the balances of a batch: households by their deltas, the issuance account by the opposite."""
    table = Account.__table__
    move = table.update().where(table.c.id == bindparam("aid")).values(balance=table.c.balance + bindparam("n"))
    params = [{"aid": a, "n": n} for a, n in sorted(deltas.items())]
    if params:
        db.session.execute(move, params)
    db.session.execute(move, [{"aid": issuance_id, "n": -sum(deltas.values())}])
    expire_balances(issuance_id, *deltas)


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
