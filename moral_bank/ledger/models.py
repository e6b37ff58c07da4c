from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..households.models import Household
from ..units.models import Unit

ACCOUNT_KINDS = ("issuance", "household", "shop")

TRANSFER_KIND_LABELS = {
    "rating": _l("Monthly rating"),
    "deed": _l("Good deed"),
    "deduction": _l("Deduction"),
    "star_bonus": _l("Star bonus"),
    "redemption": _l("Redemption"),
    "void": _l("Voided redemption"),
    "reversal": _l("Correction"),
    "adjustment": _l("Adjustment"),
    "yearly_reset": _l("Yearly reset"),
}
TRANSFER_KINDS = tuple(TRANSFER_KIND_LABELS)


class Account(db.Model):
    """A unit's issuance account, a household's passbook or a shop's till."""

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("kind IN ('issuance', 'household', 'shop')", name="kind"),
        # Only the issuance account may go below zero: it is minus what was issued.
        CheckConstraint("kind = 'issuance' OR balance >= 0", name="balance_not_negative"),
        CheckConstraint("(kind = 'household') = (household_id IS NOT NULL)", name="household_owner"),
        UniqueConstraint("household_id"),
        Index(
            "uq_account_issuance_unit",
            "unit_id",
            unique=True,
            sqlite_where=db.text("kind = 'issuance'"),
            postgresql_where=db.text("kind = 'issuance'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    name: Mapped[str] = mapped_column(String(100), default="")
    # Cached sum of this account's entries, updated with each entry by SQL expression.
    balance: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    household: Mapped[Household | None] = relationship(backref=db.backref("account", uselist=False))

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.kind} {self.balance}>"


class Transfer(db.Model):
    """One movement of points between two accounts; never edited, never deleted."""

    __tablename__ = "transfer"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("from_account_id <> to_account_id", name="distinct_accounts"),
        # Unique among reversals only: no index entry for the (nearly all) transfers that reverse nothing.
        Index(
            "uq_transfer_reverses_id",
            "reverses_id",
            unique=True,
            sqlite_where=db.text("reverses_id IS NOT NULL"),
            postgresql_where=db.text("reverses_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # Not indexed, like created_at below: nothing looks transfers up by them (a passbook reads its
    # entries), and every index is one more page written by each posting.
    from_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    to_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    points: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    # What caused it, e.g. ("rating_sheet", 42); free-form so later domains fit.
    source_type: Mapped[str] = mapped_column(String(40), default="")
    source_id: Mapped[int | None]
    memo: Mapped[str] = mapped_column(String(500), default="")
    # A reversal points at the transfer it undoes; unique, so only once.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    from_account: Mapped[Account] = relationship(foreign_keys=[from_account_id])
    to_account: Mapped[Account] = relationship(foreign_keys=[to_account_id])
    reverses: Mapped["Transfer | None"] = relationship(remote_side=[id], foreign_keys=[reverses_id])
    entries: Mapped[list["Entry"]] = relationship(back_populates="transfer", order_by="Entry.id")

    @property
    def kind_label(self) -> str:
        return str(TRANSFER_KIND_LABELS.get(self.kind, self.kind))


class Entry(db.Model):
    """One side of a transfer: a signed amount on one account."""

    __tablename__ = "entry"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_nonzero"),
        Index("ix_entry_account_id_id", "account_id", "id"),
        # The passbook reads a household's months as a range of created_at.
        Index("ix_entry_account_id_created_at", "account_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfer.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    amount: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    transfer: Mapped[Transfer] = relationship(back_populates="entries")
    account: Mapped[Account] = relationship()
